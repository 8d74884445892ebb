#include "chain/rpcfields.h"

#include "core/hex.h"

#include <QCoreApplication>

using namespace Qt::StringLiterals;

namespace berth::chain::rpcfields {

namespace {

bool isHexDigits(QStringView text)
{
    for (QChar ch : text) {
        const char16_t c = ch.unicode();
        if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F')))
            return false;
    }
    return true;
}

QString shown(const QJsonValue &value)
{
    if (value.isString())
        return u"'"_s + value.toString().left(80) + u"'"_s;
    if (value.isUndefined())
        return u"nothing"_s;
    if (value.isNull())
        return u"null"_s;
    if (value.isDouble())
        return QString::number(value.toDouble());
    return value.isObject() ? u"an object"_s : u"an array"_s;
}

} // namespace

Error malformed(const QString &field, const QString &why)
{
    return {ErrorCode::BadResponse,
            QCoreApplication::translate("berth::chain::rpcfields",
                                        "the chain answered with a malformed %1: %2; is the RPC "
                                        "URL an Ethereum node?")
                .arg(field, why)};
}

Result<UInt256> quantity(const QJsonValue &value, const QString &field)
{
    const QString text = value.toString();
    if (!value.isString() || !text.startsWith(u"0x") || text.size() < 3 || text.size() > 66 ||
        !isHexDigits(QStringView(text).mid(2)))
        return malformed(field, u"expected a 0x-prefixed hex quantity, got "_s + shown(value));
    Result<UInt256> parsed = parseUInt256(text);
    if (!parsed)
        return malformed(field, parsed.error().message);
    return parsed;
}

Result<quint64> quantity64(const QJsonValue &value, const QString &field)
{
    Result<UInt256> wide = quantity(value, field);
    if (!wide)
        return wide.error();
    Result<quint64> narrow = toUInt64(*wide);
    if (!narrow)
        return malformed(field, u"it does not fit in 64 bits: "_s + shown(value));
    return narrow;
}

Result<QByteArray> data(const QJsonValue &value, const QString &field)
{
    const QString text = value.toString();
    if (!value.isString() || !text.startsWith(u"0x") || text.size() % 2 != 0 ||
        !isHexDigits(QStringView(text).mid(2)))
        return malformed(field, u"expected 0x-prefixed hex bytes, got "_s + shown(value));
    return QByteArray::fromHex(text.mid(2).toLatin1());
}

Result<QByteArray> fixedData(const QJsonValue &value, const QString &field, qsizetype size)
{
    Result<QByteArray> bytes = data(value, field);
    if (bytes && bytes->size() != size)
        return malformed(field, u"expected %1 bytes, got %2"_s.arg(size).arg(bytes->size()));
    return bytes;
}

Result<crypto::Address> address(const QJsonValue &value, const QString &field)
{
    if (!value.isString())
        return malformed(field, u"expected an address, got "_s + shown(value));
    Result<crypto::Address> parsed = crypto::Address::fromHex(value.toString());
    if (!parsed)
        return malformed(field, parsed.error().message);
    return parsed;
}

Result<std::optional<crypto::Address>> optionalAddress(const QJsonValue &value,
                                                       const QString &field)
{
    if (value.isNull() || value.isUndefined())
        return std::optional<crypto::Address>();
    Result<crypto::Address> parsed = address(value, field);
    if (!parsed)
        return parsed.error();
    return std::optional<crypto::Address>(*parsed);
}

QString toData(QByteArrayView bytes)
{
    return hexString(bytes);
}

} // namespace berth::chain::rpcfields
