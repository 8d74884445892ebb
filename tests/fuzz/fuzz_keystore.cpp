// libFuzzer target: any bytes through the keystore parser, and through decryption
// with a fixed password when the key derivation is cheap (scrypt n <= 1024,
// PBKDF2 c <= 1000; the real bounds allow far more, too slow per input). Must
// never crash, hang or leak; a decrypted key must match any address the file
// names, and peekAddress must agree with parse.
#include "crypto/keystore.h"

#include <QByteArray>

#include <cstdint>
#include <cstdlib>

using namespace berth::crypto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArrayView json(reinterpret_cast<const char *>(data), qsizetype(size));
    auto file = Keystore::parse(json);
    auto address = Keystore::peekAddress(json);
    if (!file) {
        if (address.ok())
            std::abort(); // peekAddress accepted what parse refused
        return 0;
    }
    if (file->address.has_value() != address.ok())
        std::abort();
    if (!file->kdf.check().ok())
        std::abort(); // parse let through parameters outside the bounds

    const KdfParams &kdf = file->kdf;
    const bool cheap = kdf.function == KdfParams::Function::Scrypt
                           ? kdf.n <= 1024 && kdf.r * kdf.p <= 16
                           : kdf.c <= 1000;
    if (!cheap)
        return 0;
    static const SecretBytes password(QByteArrayView("fuzz"));
    auto key = Keystore::decrypt(*file, password);
    if (key.ok() && file->address && *file->address != key->address())
        std::abort(); // decrypt ignored a mismatching address
    return 0;
}
