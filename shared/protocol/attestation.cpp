#include "protocol/attestation.h"

#include "core/hex.h"
#include "crypto/keccak.h"
#include "crypto/signature.h"
#include "crypto/typeddata.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace berth::protocol {

namespace {

// Integers a JSON number carries exactly (EIP-712 in TypedData takes no more).
constexpr qint64 MaxJsonInteger = (qint64(1) << 53) - 1;

Error malformed(const QString &what)
{
    return Error(ErrorCode::ParseFailed, u"provider attestation: %1"_s.arg(what));
}

bool isHexDigits(QStringView text)
{
    for (QChar c : text) {
        const char16_t u = c.unicode();
        if (!((u >= u'0' && u <= u'9') || (u >= u'a' && u <= u'f') || (u >= u'A' && u <= u'F')))
            return false;
    }
    return true;
}

// "0x" followed by exactly 2 * size hex digits.
Result<QByteArray> parseFixedHex(const QJsonObject &json, const QString &key, qsizetype size)
{
    const QJsonValue value = json.value(key);
    const QString text = value.toString();
    if (!value.isString() || !text.startsWith(u"0x"_s) || text.size() != 2 + 2 * size ||
        !isHexDigits(QStringView(text).mid(2)))
        return malformed(u"\"%1\" must be 0x and %2 hex digits"_s.arg(key).arg(2 * size));
    return QByteArray::fromHex(text.mid(2).toLatin1());
}

Result<qint64> parseInteger(const QJsonObject &json, const QString &key)
{
    const QJsonValue value = json.value(key);
    const double number = value.toDouble(-1);
    if (!value.isDouble() || number < 0 || number > double(MaxJsonInteger) ||
        number != double(qint64(number)))
        return malformed(u"\"%1\" must be a non-negative integer"_s.arg(key));
    return qint64(number);
}

} // namespace

QJsonObject Attestation::typedDataJson() const
{
    auto field = [](const QString &name, const QString &type) {
        return QJsonObject{{u"name"_s, name}, {u"type"_s, type}};
    };
    const QJsonObject types{
        {u"EIP712Domain"_s,
         QJsonArray{field(u"name"_s, u"string"_s), field(u"version"_s, u"string"_s),
                    field(u"chainId"_s, u"uint256"_s)}},
        {PrimaryType.toString(),
         QJsonArray{field(u"provider"_s, u"address"_s), field(u"tlsCertSha256"_s, u"bytes32"_s),
                    field(u"x25519PublicKey"_s, u"bytes32"_s), field(u"software"_s, u"string"_s),
                    field(u"issuedAt"_s, u"uint64"_s), field(u"expiresAt"_s, u"uint64"_s)}},
    };
    const QJsonObject domain{{u"name"_s, DomainName.toString()},
                             {u"version"_s, DomainVersion.toString()},
                             {u"chainId"_s, QString::number(chainId)}};
    const QJsonObject message{
        {u"provider"_s, provider.toChecksumString()},
        {u"tlsCertSha256"_s, hexString(tlsCertSha256)},
        {u"x25519PublicKey"_s, hexString(x25519PublicKey)},
        {u"software"_s, software},
        {u"issuedAt"_s, QString::number(issuedAt)},
        {u"expiresAt"_s, QString::number(expiresAt)},
    };
    return QJsonObject{{u"types"_s, types},
                       {u"primaryType"_s, PrimaryType.toString()},
                       {u"domain"_s, domain},
                       {u"message"_s, message}};
}

QJsonObject Attestation::toJson() const
{
    return QJsonObject{
        {u"provider"_s, provider.toChecksumString()},
        {u"chainId"_s, double(chainId)},
        {u"tlsCertSha256"_s, hexString(tlsCertSha256)},
        {u"x25519PublicKey"_s, hexString(x25519PublicKey)},
        {u"software"_s, software},
        {u"issuedAt"_s, double(issuedAt)},
        {u"expiresAt"_s, double(expiresAt)},
    };
}

Result<Attestation> Attestation::fromJson(const QJsonObject &json)
{
    Attestation a;
    const QJsonValue provider = json.value(u"provider"_s);
    auto address = crypto::Address::fromHex(provider.toString());
    if (!provider.isString() || !address)
        return malformed(u"\"provider\" must be an address"_s);
    a.provider = *address;

    auto chainId = parseInteger(json, u"chainId"_s);
    if (!chainId)
        return chainId.error();
    a.chainId = quint64(*chainId);
    auto cert = parseFixedHex(json, u"tlsCertSha256"_s, 32);
    if (!cert)
        return cert.error();
    a.tlsCertSha256 = *cert;
    auto key = parseFixedHex(json, u"x25519PublicKey"_s, 32);
    if (!key)
        return key.error();
    a.x25519PublicKey = *key;

    const QJsonValue software = json.value(u"software"_s);
    if (!software.isString() || software.toString().size() > 200)
        return malformed(u"\"software\" must be a string of at most 200 characters"_s);
    a.software = software.toString();

    auto issued = parseInteger(json, u"issuedAt"_s);
    if (!issued)
        return issued.error();
    a.issuedAt = *issued;
    auto expires = parseInteger(json, u"expiresAt"_s);
    if (!expires)
        return expires.error();
    a.expiresAt = *expires;
    if (a.expiresAt <= a.issuedAt)
        return malformed(u"\"expiresAt\" must be after \"issuedAt\""_s);

    static const QStringList known{u"provider"_s,        u"chainId"_s,  u"tlsCertSha256"_s,
                                   u"x25519PublicKey"_s, u"software"_s, u"issuedAt"_s,
                                   u"expiresAt"_s,       u"signature"_s};
    for (const QString &k : json.keys()) {
        if (!known.contains(k))
            return malformed(u"unknown field \"%1\""_s.arg(k));
    }
    return a;
}

Result<QJsonObject> Attestation::sign(const crypto::PrivateKey &key) const
{
    if (key.address() != provider)
        return Error(ErrorCode::InvalidArgument,
                     u"provider attestation: the key is not the provider's (%1)"_s.arg(
                         provider.toChecksumString()));
    auto typed = crypto::TypedData::fromJson(typedDataJson());
    if (!typed)
        return typed.error();
    auto signature = typed->sign(key);
    if (!signature)
        return signature.error();
    QJsonObject json = toJson();
    json.insert(u"signature"_s, hexString(signature->toRsv()));
    return json;
}

QByteArray Attestation::x25519KeyHash() const
{
    return crypto::keccak256(x25519PublicKey);
}

Result<Attestation> Attestation::verify(const QJsonObject &signedJson,
                                        const crypto::Address &expectedProvider,
                                        quint64 expectedChainId, QByteArrayView observedCertSha256,
                                        qint64 nowUnix)
{
    auto parsed = fromJson(signedJson);
    if (!parsed)
        return parsed.error();
    const Attestation &a = *parsed;
    auto signature = parseFixedHex(signedJson, u"signature"_s, 65);
    if (!signature)
        return signature.error();

    auto typed = crypto::TypedData::fromJson(a.typedDataJson());
    if (!typed)
        return typed.error();
    auto signer = typed->recoverSigner(*signature);
    if (!signer)
        return Error(ErrorCode::AuthFailed,
                     u"provider attestation: bad signature: %1"_s.arg(signer.error().message));
    if (*signer != a.provider || a.provider != expectedProvider)
        return Error(ErrorCode::AuthFailed,
                     u"provider attestation: signed by %1, not by the registered provider %2"_s.arg(
                         signer->toChecksumString(), expectedProvider.toChecksumString()));
    if (a.chainId != expectedChainId)
        return Error(ErrorCode::WrongChain,
                     u"provider attestation: for chain %1, not chain %2"_s.arg(a.chainId).arg(
                         expectedChainId));
    if (a.tlsCertSha256 != observedCertSha256)
        return Error(ErrorCode::AuthFailed,
                     u"provider attestation: the TLS certificate (SHA-256 %1) is not the one the "
                     u"provider attested (%2): possibly a man in the middle; not connecting"_s.arg(
                         hexString(observedCertSha256), hexString(a.tlsCertSha256)));
    if (a.expiresAt <= nowUnix)
        return Error(ErrorCode::AuthFailed,
                     u"provider attestation: expired at %1 (now %2): ask the provider again"_s
                         .arg(a.expiresAt)
                         .arg(nowUnix));
    if (a.issuedAt > nowUnix + MaxClockSkewSeconds)
        return Error(ErrorCode::AuthFailed,
                     u"provider attestation: issued in the future (%1, now %2): check the clocks"_s
                         .arg(a.issuedAt)
                         .arg(nowUnix));
    return a;
}

} // namespace berth::protocol
