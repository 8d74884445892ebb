#include "crypto/privatekey.h"

#include <QtGlobal>

#include <secp256k1.h>
#include <secp256k1_recovery.h>

using namespace Qt::StringLiterals;

namespace berth::crypto {

namespace {

// One context for the process; after creation it is only read, which
// libsecp256k1 documents as thread-safe.
const secp256k1_context *context()
{
    static secp256k1_context *ctx = [] {
        secp256k1_context *c =
            secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
        const QByteArray seed = randomBytes(32);
        // Blinding against side channels; failure leaves the context usable.
        if (!secp256k1_context_randomize(c,
                                         reinterpret_cast<const unsigned char *>(seed.constData())))
            qWarning("secp256k1 context blinding failed; signing still works");
        return c;
    }();
    return ctx;
}

const unsigned char *bytesOf(QByteArrayView v)
{
    return reinterpret_cast<const unsigned char *>(v.data());
}

QByteArray serializeUncompressed(const secp256k1_pubkey &pub)
{
    unsigned char out[65];
    size_t len = sizeof out;
    secp256k1_ec_pubkey_serialize(context(), out, &len, &pub, SECP256K1_EC_UNCOMPRESSED);
    return QByteArray(reinterpret_cast<const char *>(out + 1), 64);
}

} // namespace

PrivateKey PrivateKey::generate()
{
    for (;;) {
        auto key = fromBytes(randomSecret(32));
        if (key)
            return std::move(key).value();
    }
}

Result<PrivateKey> PrivateKey::fromBytes(const SecretBytes &secret)
{
    if (secret.size() != 32 || !secp256k1_ec_seckey_verify(context(), secret.data()))
        return Error{ErrorCode::InvalidArgument,
                     u"not a valid secp256k1 private key: it must be 32 bytes, non-zero "
                     u"and below the curve order"_s};
    PrivateKey key;
    key.m_secret = secret;
    key.m_address = Address::fromPublicKey(key.publicKey());
    return key;
}

Result<PrivateKey> PrivateKey::fromHex(QStringView hex)
{
    QStringView t = hex.trimmed();
    if (t.startsWith(u"0x") || t.startsWith(u"0X"))
        t = t.mid(2);
    bool ok = t.size() == 64;
    for (QChar c : t)
        ok = ok && (c.isDigit() || (c.toLower() >= u'a' && c.toLower() <= u'f'));
    if (!ok)
        return Error{ErrorCode::InvalidArgument,
                     u"a private key is 64 hexadecimal digits (optionally after 0x)"_s};
    QByteArray latin = t.toLatin1();
    QByteArray raw = QByteArray::fromHex(latin);
    SecretBytes secret(raw);
    secureZero(raw);
    secureZero(latin);
    return fromBytes(secret);
}

Result<PrivateKey> PrivateKey::fromHexSecret(const SecretBytes &hexText)
{
    const unsigned char *begin = hexText.data();
    const unsigned char *end = begin + hexText.size();
    const auto space = [](unsigned char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    };
    while (begin != end && space(*begin))
        ++begin;
    while (end != begin && space(end[-1]))
        --end;
    if (end - begin >= 2 && begin[0] == '0' && (begin[1] == 'x' || begin[1] == 'X'))
        begin += 2;
    const auto nibble = [](unsigned char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    const Error malformed{ErrorCode::InvalidArgument,
                          u"a private key is 64 hexadecimal digits (optionally after 0x)"_s};
    if (end - begin != 64)
        return malformed;
    SecretBytes secret(32);
    for (int i = 0; i < 32; ++i) {
        const int high = nibble(begin[2 * i]);
        const int low = nibble(begin[2 * i + 1]);
        if (high < 0 || low < 0)
            return malformed;
        secret.data()[i] = static_cast<unsigned char>(high << 4 | low);
    }
    return fromBytes(secret);
}

QByteArray PrivateKey::publicKey() const
{
    secp256k1_pubkey pub;
    const int ok = secp256k1_ec_pubkey_create(context(), &pub, m_secret.data());
    Q_ASSERT(ok);
    Q_UNUSED(ok);
    return serializeUncompressed(pub);
}

Signature PrivateKey::sign(QByteArrayView digest32) const
{
    Q_ASSERT(digest32.size() == 32);
    secp256k1_ecdsa_recoverable_signature sig;
    const int ok = secp256k1_ecdsa_sign_recoverable(context(), &sig, bytesOf(digest32),
                                                    m_secret.data(), nullptr, nullptr);
    Q_ASSERT(ok);
    Q_UNUSED(ok);
    unsigned char compact[64];
    int recid = 0;
    secp256k1_ecdsa_recoverable_signature_serialize_compact(context(), compact, &recid, &sig);
    Signature out;
    out.r = QByteArray(reinterpret_cast<const char *>(compact), 32);
    out.s = QByteArray(reinterpret_cast<const char *>(compact + 32), 32);
    out.recoveryId = recid;
    return out;
}

QByteArray Signature::toRsv() const
{
    return r + s + QByteArray(1, char(27 + recoveryId));
}

Result<Signature> Signature::fromRsv(QByteArrayView bytes)
{
    if (bytes.size() != 65)
        return Error{ErrorCode::InvalidArgument,
                     u"a signature has 65 bytes (r, s, v), got %1"_s.arg(bytes.size())};
    int v = static_cast<unsigned char>(bytes[64]);
    if (v >= 27)
        v -= 27;
    if (v != 0 && v != 1)
        return Error{ErrorCode::InvalidArgument,
                     u"the signature's v byte must be 0, 1, 27 or 28"_s};
    return Signature{bytes.first(32).toByteArray(), bytes.sliced(32, 32).toByteArray(), v};
}

Result<Address> Signature::recoverSigner(QByteArrayView digest32) const
{
    const auto invalid =
        Error{ErrorCode::AuthFailed, u"the signature is invalid: no key could have produced it"_s};
    if (digest32.size() != 32 || r.size() != 32 || s.size() != 32 ||
        (recoveryId != 0 && recoveryId != 1))
        return invalid;
    const QByteArray compact = r + s;
    secp256k1_ecdsa_recoverable_signature sig;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(context(), &sig, bytesOf(compact),
                                                             recoveryId))
        return invalid;
    // Ethereum rejects high-s signatures (EIP-2): so do we.
    secp256k1_ecdsa_signature plain;
    secp256k1_ecdsa_recoverable_signature_convert(context(), &plain, &sig);
    if (secp256k1_ecdsa_signature_normalize(context(), nullptr, &plain))
        return Error{ErrorCode::AuthFailed,
                     u"the signature has a high s value, which Ethereum rejects (EIP-2)"_s};
    secp256k1_pubkey pub;
    if (!secp256k1_ecdsa_recover(context(), &pub, &sig, bytesOf(digest32)))
        return invalid;
    return Address::fromPublicKey(serializeUncompressed(pub));
}

} // namespace berth::crypto
