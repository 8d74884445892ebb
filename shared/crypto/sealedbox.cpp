#include "crypto/sealedbox.h"

#include <sodium.h>

using namespace Qt::StringLiterals;

namespace berth::crypto {

static_assert(SealedBox::PublicKeySize == crypto_box_PUBLICKEYBYTES);
static_assert(SealedBox::SecretKeySize == crypto_box_SECRETKEYBYTES);
static_assert(SealedBox::SealOverhead == crypto_box_SEALBYTES);

namespace {

// libsodium is given a valid pointer even for empty input.
const unsigned char emptyInput[1] = {0};

const unsigned char *bytes(QByteArrayView view)
{
    return view.isEmpty() ? emptyInput : reinterpret_cast<const unsigned char *>(view.data());
}

} // namespace

Result<QByteArray> SealedBox::seal(QByteArrayView plain, QByteArrayView recipientPublicKey)
{
    if (sodium_init() < 0)
        return Error(ErrorCode::Internal, u"libsodium failed to initialise"_s);
    if (recipientPublicKey.size() != PublicKeySize)
        return Error(ErrorCode::InvalidArgument,
                     u"an X25519 public key has %1 bytes, not %2"_s.arg(PublicKeySize)
                         .arg(recipientPublicKey.size()));
    QByteArray sealed(plain.size() + SealOverhead, Qt::Uninitialized);
    if (crypto_box_seal(reinterpret_cast<unsigned char *>(sealed.data()), bytes(plain),
                        static_cast<unsigned long long>(plain.size()),
                        bytes(recipientPublicKey)) != 0)
        return Error(ErrorCode::InvalidArgument,
                     u"cannot seal to this X25519 public key: it is not a usable key"_s);
    return sealed;
}

Result<SecretBytes> SealedBox::open(QByteArrayView cipher, QByteArrayView publicKey,
                                    const SecretBytes &secretKey)
{
    if (sodium_init() < 0)
        return Error(ErrorCode::Internal, u"libsodium failed to initialise"_s);
    if (publicKey.size() != PublicKeySize || secretKey.size() != SecretKeySize)
        return Error(ErrorCode::InvalidArgument,
                     u"an X25519 key pair has %1-byte keys, not %2 and %3"_s.arg(PublicKeySize)
                         .arg(publicKey.size())
                         .arg(secretKey.size()));
    if (cipher.size() < SealOverhead)
        return Error(ErrorCode::AuthFailed,
                     u"the sealed data is %1 bytes, too short for a sealed box (at least %2); "
                     u"it was not sealed to this provider's key"_s.arg(cipher.size())
                         .arg(SealOverhead));
    SecretBytes plain(cipher.size() - SealOverhead);
    unsigned char emptyOutput[1] = {0};
    // crypto_box_seal_open writes nothing usable unless the MAC verifies.
    if (crypto_box_seal_open(plain.isEmpty() ? emptyOutput : plain.data(), bytes(cipher),
                             static_cast<unsigned long long>(cipher.size()), bytes(publicKey),
                             secretKey.data()) != 0)
        return Error(ErrorCode::AuthFailed,
                     u"the data was not sealed to this provider's key (or was changed after "
                     u"sealing): seal it again to the key in the provider's attestation"_s);
    return plain;
}

} // namespace berth::crypto
