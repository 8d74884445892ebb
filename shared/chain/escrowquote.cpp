#include "chain/escrowquote.h"

#include "core/hex.h"
#include "crypto/keccak.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace berth::chain {

namespace {

QJsonObject quoteTypes()
{
    const auto field = [](const QString &name, const QString &type) {
        return QJsonObject{{u"name"_s, name}, {u"type"_s, type}};
    };
    return QJsonObject{
        {u"EIP712Domain"_s,
         QJsonArray{field(u"name"_s, u"string"_s), field(u"version"_s, u"string"_s),
                    field(u"chainId"_s, u"uint256"_s),
                    field(u"verifyingContract"_s, u"address"_s)}},
        {u"Quote"_s,
         QJsonArray{field(u"publisher"_s, u"address"_s), field(u"deploymentId"_s, u"bytes32"_s),
                    field(u"token"_s, u"address"_s), field(u"ratePerSecond"_s, u"uint256"_s),
                    field(u"noticePeriod"_s, u"uint64"_s), field(u"validUntil"_s, u"uint64"_s),
                    field(u"nonce"_s, u"uint256"_s)}}};
}

} // namespace

crypto::TypedData EscrowQuote::typedData(quint64 chainId, const crypto::Address &escrow) const
{
    const QJsonObject document{
        {u"types"_s, quoteTypes()},
        {u"primaryType"_s, u"Quote"_s},
        {u"domain"_s, crypto::TypedData::domainJson(u"Berth Escrow"_s, u"1"_s, chainId, escrow)},
        {u"message"_s, toJson()}};
    auto typed = crypto::TypedData::fromJson(document);
    Q_ASSERT(typed.ok()); // the document is fixed by this function
    return std::move(typed).value();
}

Result<QByteArray> EscrowQuote::digest(quint64 chainId, const crypto::Address &escrow) const
{
    return typedData(chainId, escrow).digest();
}

Result<crypto::Signature> EscrowQuote::sign(const crypto::PrivateKey &provider, quint64 chainId,
                                            const crypto::Address &escrow) const
{
    return typedData(chainId, escrow).sign(provider);
}

AbiValue EscrowQuote::toAbi() const
{
    return AbiValue::fromList({AbiValue::fromAddress(publisher), AbiValue::fromBytes(deploymentId),
                               AbiValue::fromAddress(token), AbiValue::fromUInt(ratePerSecond),
                               AbiValue::fromUInt(noticePeriod), AbiValue::fromUInt(validUntil),
                               AbiValue::fromUInt(nonce)});
}

QJsonObject EscrowQuote::toJson() const
{
    return QJsonObject{{u"publisher"_s, publisher.toChecksumString()},
                       {u"deploymentId"_s, hexString(deploymentId)},
                       {u"token"_s, token.toChecksumString()},
                       {u"ratePerSecond"_s, toDecimalString(ratePerSecond)},
                       {u"noticePeriod"_s, QString::number(noticePeriod)},
                       {u"validUntil"_s, QString::number(validUntil)},
                       {u"nonce"_s, toDecimalString(nonce)}};
}

Result<EscrowQuote> EscrowQuote::fromJson(const QJsonObject &json)
{
    EscrowQuote q;
    const auto bad = [](const QString &field, const QString &why) {
        return Error{ErrorCode::ValidationFailed, u"quote.%1: %2"_s.arg(field, why)};
    };
    const auto address = [&](const QString &field, crypto::Address &out) -> std::optional<Error> {
        auto a = crypto::Address::fromHex(json.value(field).toString());
        if (!a)
            return bad(field, a.error().message);
        out = *a;
        return std::nullopt;
    };
    const auto number = [&](const QString &field, UInt256 &out) -> std::optional<Error> {
        const QJsonValue v = json.value(field);
        auto n = parseUInt256(v.isDouble() ? QString::number(v.toInteger(-1)) : v.toString());
        if (!n)
            return bad(field, n.error().message);
        out = *n;
        return std::nullopt;
    };
    if (auto e = address(u"publisher"_s, q.publisher))
        return *e;
    if (auto e = address(u"token"_s, q.token))
        return *e;
    QString id = json.value(u"deploymentId"_s).toString();
    if (!id.startsWith(u"0x") || id.size() != 66)
        return bad(u"deploymentId"_s, u"write 0x followed by 64 hexadecimal digits"_s);
    q.deploymentId = QByteArray::fromHex(id.mid(2).toLatin1());
    if (q.deploymentId.size() != 32)
        return bad(u"deploymentId"_s, u"write 0x followed by 64 hexadecimal digits"_s);
    UInt256 notice, validUntil;
    for (const auto &[field, out] :
         {std::pair{u"ratePerSecond"_s, &q.ratePerSecond}, std::pair{u"noticePeriod"_s, &notice},
          std::pair{u"validUntil"_s, &validUntil}, std::pair{u"nonce"_s, &q.nonce}}) {
        if (auto e = number(field, *out))
            return *e;
    }
    auto notice64 = toUInt64(notice);
    auto valid64 = toUInt64(validUntil);
    if (!notice64)
        return bad(u"noticePeriod"_s, notice64.error().message);
    if (!valid64)
        return bad(u"validUntil"_s, valid64.error().message);
    q.noticePeriod = *notice64;
    q.validUntil = *valid64;
    return q;
}

QByteArray EscrowQuote::deploymentIdFrom(QStringView nameOrHex)
{
    if (nameOrHex.startsWith(u"0x") && nameOrHex.size() == 66) {
        const QByteArray raw = QByteArray::fromHex(nameOrHex.mid(2).toLatin1());
        if (raw.size() == 32)
            return raw;
    }
    return crypto::keccak256(nameOrHex.toUtf8());
}

} // namespace berth::chain
