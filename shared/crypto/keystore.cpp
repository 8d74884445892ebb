#include "crypto/keystore.h"

#include "crypto/keccak.h"
#include "crypto/scrypt.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>
#include <QUuid>

#include <algorithm>
#include <cmath>
#include <memory>
#include <openssl/evp.h>
#include <utility>

using namespace Qt::StringLiterals;

namespace berth::crypto {

namespace {

const QString kWrongPassword = u"wrong password (or the keystore file is corrupted)"_s;
const QString kDamaged = u"the file is damaged or not a key file; restore it from a backup"_s;

Error fieldError(ErrorCode code, const QString &field, const QString &problem)
{
    return Error{code, u"keystore field \"%1\" %2"_s.arg(field, problem)};
}

bool isHexDigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

Result<QJsonObject> requireObject(const QJsonObject &parent, const QString &name,
                                  const QString &path)
{
    const QJsonValue v = parent.value(name);
    if (!v.isObject())
        return fieldError(ErrorCode::ParseFailed, path,
                          (v.isUndefined() ? u"is missing: "_s : u"must be a JSON object: "_s) %
                              kDamaged);
    return v.toObject();
}

Result<QString> requireString(const QJsonObject &parent, const QString &name, const QString &path)
{
    const QJsonValue v = parent.value(name);
    if (!v.isString())
        return fieldError(ErrorCode::ParseFailed, path,
                          (v.isUndefined() ? u"is missing: "_s : u"must be a string: "_s) %
                              kDamaged);
    return v.toString();
}

// Hex digits with an optional 0x, decoding to minBytes..maxBytes bytes.
Result<QByteArray> requireHex(const QJsonObject &parent, const QString &name, const QString &path,
                              qsizetype minBytes, qsizetype maxBytes)
{
    auto text = requireString(parent, name, path);
    if (!text)
        return text.error();
    QByteArray latin = text->toLatin1();
    if (latin.startsWith("0x") || latin.startsWith("0X"))
        latin.remove(0, 2);
    bool ok = latin.size() % 2 == 0 && latin.size() / 2 >= minBytes &&
              latin.size() / 2 <= maxBytes && text->size() <= 2 * maxBytes + 2;
    for (char c : std::as_const(latin))
        ok = ok && isHexDigit(c);
    if (!ok) {
        const QString size =
            minBytes == maxBytes
                ? u"%1 bytes (%2 hexadecimal digits)"_s.arg(minBytes).arg(2 * minBytes)
                : u"%1 to %2 bytes in hexadecimal"_s.arg(minBytes).arg(maxBytes);
        return fieldError(ErrorCode::ParseFailed, path, u"must be "_s % size % u": "_s % kDamaged);
    }
    return QByteArray::fromHex(latin);
}

// A whole number 0..2^53 (JSON numbers are doubles in Qt).
Result<quint64> requireCount(const QJsonObject &parent, const QString &name, const QString &path)
{
    const QJsonValue v = parent.value(name);
    const double d = v.toDouble(-1);
    if (!v.isDouble() || !(d >= 0) || d > 9007199254740992.0 || std::floor(d) != d)
        return fieldError(ErrorCode::ParseFailed, path,
                          (v.isUndefined() ? u"is missing: "_s : u"must be a whole number: "_s) %
                              kDamaged);
    return quint64(d);
}

const unsigned char *bytesOf(QByteArrayView v)
{
    return reinterpret_cast<const unsigned char *>(v.data());
}

Result<SecretBytes> deriveKey(const KdfParams &params, QByteArrayView salt,
                              const SecretBytes &password)
{
    if (auto checked = params.check(); !checked)
        return checked.error();
    if (params.function == KdfParams::Function::Scrypt)
        return scrypt(password, salt, params.n, params.r, params.p, params.dklen);
    static const char empty = 0;
    const char *pass =
        password.isEmpty() ? &empty : reinterpret_cast<const char *>(password.data());
    SecretBytes key(params.dklen);
    if (PKCS5_PBKDF2_HMAC(pass, int(password.size()), bytesOf(salt), int(salt.size()),
                          int(params.c), EVP_sha256(), int(key.size()), key.data()) != 1)
        return Error{ErrorCode::Internal, u"PBKDF2 failed in OpenSSL: report this as a bug"_s};
    return key;
}

// AES-128-CTR is its own inverse: the same call encrypts and decrypts.
Result<SecretBytes> aes128Ctr(const SecretBytes &derivedKey, QByteArrayView iv, QByteArrayView in)
{
    struct CtxFree
    {
        void operator()(EVP_CIPHER_CTX *c) const { EVP_CIPHER_CTX_free(c); }
    };
    std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
    SecretBytes out(in.size());
    int len = 0;
    int tail = 0;
    if (!ctx || iv.size() != 16 || derivedKey.size() < 16 ||
        EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ctr(), nullptr, derivedKey.data(), bytesOf(iv)) !=
            1 ||
        EVP_EncryptUpdate(ctx.get(), out.data(), &len, bytesOf(in), int(in.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &tail) != 1 || len + tail != in.size())
        return Error{ErrorCode::Internal, u"AES-128-CTR failed in OpenSSL: report this as a bug"_s};
    return out;
}

// keccak256(derivedKey[16..32] || ciphertext)
QByteArray keystoreMac(const SecretBytes &derivedKey, QByteArrayView ciphertext)
{
    SecretBytes body(16 + ciphertext.size());
    std::copy_n(derivedKey.data() + 16, 16, body.data());
    std::copy_n(bytesOf(ciphertext), ciphertext.size(), body.data() + 16);
    return keccak256(body.view());
}

Result<KdfParams> parseKdf(const QJsonObject &crypto, QByteArray *salt)
{
    auto kdf = requireString(crypto, u"kdf"_s, u"crypto.kdf"_s);
    if (!kdf)
        return kdf.error();
    auto kp = requireObject(crypto, u"kdfparams"_s, u"crypto.kdfparams"_s);
    if (!kp)
        return kp.error();
    const QJsonObject &o = *kp;

    KdfParams params;
    if (*kdf == u"scrypt") {
        quint64 *targets[] = {&params.n, &params.r, &params.p};
        const char16_t *names[] = {u"n", u"r", u"p"};
        for (int i = 0; i < 3; ++i) {
            const QString name = QString::fromUtf16(names[i]);
            auto value = requireCount(o, name, u"crypto.kdfparams."_s % name);
            if (!value)
                return value.error();
            *targets[i] = *value;
        }
    } else if (*kdf == u"pbkdf2") {
        params = KdfParams::pbkdf2(0);
        auto prf = requireString(o, u"prf"_s, u"crypto.kdfparams.prf"_s);
        if (!prf)
            return prf.error();
        if (*prf != u"hmac-sha256")
            return fieldError(ErrorCode::Unsupported, u"crypto.kdfparams.prf"_s,
                              u"is \"%1\": Berth supports only \"hmac-sha256\"; re-export the "
                              u"key from the wallet that made it"_s.arg(prf->left(40)));
        auto c = requireCount(o, u"c"_s, u"crypto.kdfparams.c"_s);
        if (!c)
            return c.error();
        params.c = *c;
    } else {
        return fieldError(ErrorCode::Unsupported, u"crypto.kdf"_s,
                          u"is \"%1\": Berth supports \"scrypt\" and \"pbkdf2\"; re-export the "
                          u"key from the wallet that made it"_s.arg(kdf->left(40)));
    }
    auto dklen = requireCount(o, u"dklen"_s, u"crypto.kdfparams.dklen"_s);
    if (!dklen)
        return dklen.error();
    params.dklen = int(qMin<quint64>(*dklen, 1u << 20));
    if (auto checked = params.check(); !checked)
        return fieldError(checked.error().code, u"crypto.kdfparams"_s,
                          u"is refused: "_s % checked.error().message %
                              u". Re-encrypt the key with standard settings in the wallet that "
                              u"made it"_s);
    auto s = requireHex(o, u"salt"_s, u"crypto.kdfparams.salt"_s, 1, Keystore::MaxSaltSize);
    if (!s)
        return s.error();
    *salt = *s;
    return params;
}

} // namespace

Result<KeystoreFile> Keystore::parse(QByteArrayView json)
{
    if (json.size() > MaxFileSize)
        return Error{ErrorCode::TooLarge,
                     u"the keystore file is %1 bytes but a keystore is at most 64 KiB: choose "
                     u"the account's JSON key file"_s.arg(json.size())};
    QJsonParseError parseError;
    const QJsonDocument doc =
        QJsonDocument::fromJson(QByteArray::fromRawData(json.data(), json.size()), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return Error{ErrorCode::ParseFailed,
                     u"the keystore is not valid JSON (%1 at offset %2): the file is truncated "
                     u"or not a key file; restore it from a backup"_s.arg(parseError.errorString())
                         .arg(parseError.offset)};
    if (!doc.isObject())
        return Error{ErrorCode::ParseFailed,
                     u"the keystore is not a JSON object: choose a Web3 Secret Storage "
                     u"(version 3) key file"_s};
    const QJsonObject root = doc.object();

    KeystoreFile file;
    auto version = requireCount(root, u"version"_s, u"version"_s);
    if (!version)
        return version.error();
    if (*version != 3)
        return fieldError(ErrorCode::Unsupported, u"version"_s,
                          u"is %1: Berth reads only version 3 (Web3 Secret Storage) key files; "
                          u"export the key again from the wallet that made it"_s.arg(*version));

    // geth once wrote "Crypto"; both spellings are in the wild.
    const QString cryptoName =
        root.contains(u"crypto"_s) || !root.contains(u"Crypto"_s) ? u"crypto"_s : u"Crypto"_s;
    auto crypto = requireObject(root, cryptoName, u"crypto"_s);
    if (!crypto)
        return crypto.error();

    auto cipher = requireString(*crypto, u"cipher"_s, u"crypto.cipher"_s);
    if (!cipher)
        return cipher.error();
    if (*cipher != u"aes-128-ctr")
        return fieldError(ErrorCode::Unsupported, u"crypto.cipher"_s,
                          u"is \"%1\": Berth supports only \"aes-128-ctr\"; re-export the key "
                          u"from the wallet that made it"_s.arg(cipher->left(40)));
    auto cipherParams = requireObject(*crypto, u"cipherparams"_s, u"crypto.cipherparams"_s);
    if (!cipherParams)
        return cipherParams.error();
    auto iv = requireHex(*cipherParams, u"iv"_s, u"crypto.cipherparams.iv"_s, 16, 16);
    if (!iv)
        return iv.error();
    auto ciphertext = requireHex(*crypto, u"ciphertext"_s, u"crypto.ciphertext"_s, 32, 32);
    if (!ciphertext)
        return ciphertext.error();

    auto kdf = parseKdf(*crypto, &file.salt);
    if (!kdf)
        return kdf.error();

    auto mac = requireHex(*crypto, u"mac"_s, u"crypto.mac"_s, 32, 32);
    if (!mac)
        return mac.error();

    if (root.contains(u"address"_s)) {
        auto hex = requireString(root, u"address"_s, u"address"_s);
        if (!hex)
            return hex.error();
        const QString text = hex->startsWith(u"0x"_s) ? *hex : u"0x"_s % *hex;
        auto address = Address::fromHex(text);
        if (!address)
            return fieldError(
                ErrorCode::ParseFailed, u"address"_s,
                u"is not a valid account address (%1): "_s.arg(address.error().message) % kDamaged);
        file.address = *address;
    }
    if (root.contains(u"id"_s)) {
        auto id = requireString(root, u"id"_s, u"id"_s);
        if (!id)
            return id.error();
        file.id = *id;
    }

    file.version = 3;
    file.kdf = *kdf;
    file.iv = *iv;
    file.ciphertext = *ciphertext;
    file.mac = *mac;
    return file;
}

Result<Address> Keystore::peekAddress(QByteArrayView json)
{
    auto file = parse(json);
    if (!file)
        return file.error();
    if (!file->address)
        return Error{ErrorCode::NotFound,
                     u"the keystore has no \"address\" field: unlock it with its password to see "
                     u"its account"_s};
    return *file->address;
}

Result<PrivateKey> Keystore::decrypt(QByteArrayView json, const SecretBytes &password)
{
    auto file = parse(json);
    if (!file)
        return file.error();
    return decrypt(*file, password);
}

Result<PrivateKey> Keystore::decrypt(const KeystoreFile &file, const SecretBytes &password)
{
    auto derived = deriveKey(file.kdf, file.salt, password);
    if (!derived)
        return derived.error();
    if (file.ciphertext.size() != 32 || file.iv.size() != 16)
        return Error{ErrorCode::ParseFailed, u"the keystore's ciphertext or iv has the wrong "
                                             u"size: "_s %
                                                 kDamaged};
    // Authenticate before decrypting anything.
    if (!constantTimeEquals(keystoreMac(*derived, file.ciphertext), file.mac))
        return Error{ErrorCode::AuthFailed, kWrongPassword};
    auto plain = aes128Ctr(*derived, file.iv, file.ciphertext);
    if (!plain)
        return plain.error();
    auto key = PrivateKey::fromBytes(*plain);
    if (!key)
        return Error{ErrorCode::ValidationFailed,
                     u"the keystore decrypts to an invalid secp256k1 key: "_s % kDamaged};
    if (file.address && *file.address != key->address())
        return Error{ErrorCode::ValidationFailed,
                     u"the keystore's \"address\" field (%1) does not match the key it holds "
                     u"(%2): the file is corrupted; restore it from a backup"_s.arg(
                         file.address->toChecksumString(), key->address().toChecksumString())};
    return key;
}

Result<QByteArray> Keystore::encrypt(const PrivateKey &key, const SecretBytes &password,
                                     const KdfParams &params)
{
    // A random (version 4) UUID from OpenSSL's DRBG.
    QByteArray uuid = randomBytes(16);
    uuid[6] = char((uuid[6] & 0x0f) | 0x40);
    uuid[8] = char((uuid[8] & 0x3f) | 0x80);
    return encryptWith(key, password, params, randomBytes(32), randomBytes(16),
                       QUuid::fromRfc4122(uuid).toString(QUuid::WithoutBraces));
}

Result<QByteArray> Keystore::encryptWith(const PrivateKey &key, const SecretBytes &password,
                                         const KdfParams &params, QByteArrayView salt,
                                         QByteArrayView iv, const QString &id)
{
    if (auto checked = params.check(); !checked)
        return Error{ErrorCode::InvalidArgument, checked.error().message};
    if (salt.isEmpty() || salt.size() > MaxSaltSize || iv.size() != 16)
        return Error{ErrorCode::InvalidArgument,
                     u"a keystore needs a salt of 1 to 1024 bytes and a 16-byte iv"_s};
    auto derived = deriveKey(params, salt, password);
    if (!derived)
        return derived.error();
    auto encrypted = aes128Ctr(*derived, iv, key.secret().view());
    if (!encrypted)
        return encrypted.error();
    // The ciphertext is not secret; it leaves SecretBytes here on purpose.
    const QByteArray ciphertext = encrypted->view().toByteArray();
    const QByteArray mac = keystoreMac(*derived, ciphertext);

    QJsonObject kdfParams{{u"dklen"_s, params.dklen},
                          {u"salt"_s, QString::fromLatin1(salt.toByteArray().toHex())}};
    QString kdfName;
    if (params.function == KdfParams::Function::Scrypt) {
        kdfName = u"scrypt"_s;
        kdfParams.insert(u"n"_s, double(params.n));
        kdfParams.insert(u"r"_s, double(params.r));
        kdfParams.insert(u"p"_s, double(params.p));
    } else {
        kdfName = u"pbkdf2"_s;
        kdfParams.insert(u"c"_s, double(params.c));
        kdfParams.insert(u"prf"_s, u"hmac-sha256"_s);
    }
    const QJsonObject crypto{
        {u"cipher"_s, u"aes-128-ctr"_s},
        {u"cipherparams"_s, QJsonObject{{u"iv"_s, QString::fromLatin1(iv.toByteArray().toHex())}}},
        {u"ciphertext"_s, QString::fromLatin1(ciphertext.toHex())},
        {u"kdf"_s, kdfName},
        {u"kdfparams"_s, kdfParams},
        {u"mac"_s, QString::fromLatin1(mac.toHex())},
    };

    const QJsonObject root{
        {u"address"_s, key.address().toLowerHex().mid(2)},
        {u"crypto"_s, crypto},
        {u"id"_s, id},
        {u"version"_s, 3},
    };
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

} // namespace berth::crypto
