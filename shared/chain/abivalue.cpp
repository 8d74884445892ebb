#include "chain/abivalue.h"

#include "core/hex.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace berth::chain {

AbiValue AbiValue::fromUInt(const UInt256 &v)
{
    AbiValue out;
    out.m_kind = Kind::Uint;
    out.m_uint = v;
    return out;
}

AbiValue AbiValue::fromInt(const Int256 &v)
{
    AbiValue out;
    out.m_kind = Kind::Int;
    out.m_int = v;
    return out;
}

AbiValue AbiValue::fromAddress(const crypto::Address &a)
{
    AbiValue out;
    out.m_kind = Kind::Address;
    out.m_address = a;
    return out;
}

AbiValue AbiValue::fromBool(bool b)
{
    AbiValue out;
    out.m_kind = Kind::Bool;
    out.m_bool = b;
    return out;
}

AbiValue AbiValue::fromBytes(QByteArray b)
{
    AbiValue out;
    out.m_kind = Kind::Bytes;
    out.m_bytes = std::move(b);
    return out;
}

AbiValue AbiValue::fromString(QString s)
{
    AbiValue out;
    out.m_kind = Kind::String;
    out.m_string = std::move(s);
    return out;
}

AbiValue AbiValue::fromList(QList<AbiValue> items)
{
    AbiValue out;
    out.m_kind = Kind::List;
    out.m_list = std::move(items);
    return out;
}

QString AbiValue::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Uint:
        return u"an unsigned integer"_s;
    case Kind::Int:
        return u"an integer"_s;
    case Kind::Address:
        return u"an address"_s;
    case Kind::Bool:
        return u"a boolean"_s;
    case Kind::Bytes:
        return u"bytes"_s;
    case Kind::String:
        return u"a string"_s;
    case Kind::List:
        return u"a list"_s;
    }
    return {};
}

Error AbiValue::wrongKind(Kind wanted) const
{
    return {ErrorCode::InvalidArgument,
            u"expected %1, got %2"_s.arg(kindName(wanted), kindName(m_kind))};
}

quint64 AbiValue::decodedUInt64() const
{
    Q_ASSERT(m_kind == Kind::Uint && m_uint <= std::numeric_limits<quint64>::max());
    return static_cast<quint64>(m_uint);
}

Result<UInt256> AbiValue::toUInt() const
{
    if (m_kind == Kind::Int && m_int >= 0)
        return UInt256(m_int);
    if (m_kind == Kind::Int)
        return Error{ErrorCode::InvalidArgument,
                     u"expected an unsigned integer, got the negative number %1"_s.arg(
                         QString::fromStdString(m_int.str()))};
    if (m_kind != Kind::Uint)
        return wrongKind(Kind::Uint);
    return m_uint;
}

Result<Int256> AbiValue::toInt() const
{
    if (m_kind == Kind::Uint)
        return Int256(m_uint);
    if (m_kind != Kind::Int)
        return wrongKind(Kind::Int);
    return m_int;
}

Result<crypto::Address> AbiValue::toAddress() const
{
    if (m_kind != Kind::Address)
        return wrongKind(Kind::Address);
    return m_address;
}

Result<bool> AbiValue::toBool() const
{
    if (m_kind != Kind::Bool)
        return wrongKind(Kind::Bool);
    return m_bool;
}

Result<QByteArray> AbiValue::toBytes() const
{
    if (m_kind != Kind::Bytes)
        return wrongKind(Kind::Bytes);
    return m_bytes;
}

Result<QString> AbiValue::toString() const
{
    if (m_kind != Kind::String)
        return wrongKind(Kind::String);
    return m_string;
}

Result<QList<AbiValue>> AbiValue::toList() const
{
    if (m_kind != Kind::List)
        return wrongKind(Kind::List);
    return m_list;
}

QJsonValue AbiValue::toJson() const
{
    switch (m_kind) {
    case Kind::Uint:
        return toDecimalString(m_uint);
    case Kind::Int:
        return QString::fromStdString(m_int.str());
    case Kind::Address:
        return m_address.toChecksumString();
    case Kind::Bool:
        return m_bool;
    case Kind::Bytes:
        return hexString(m_bytes);
    case Kind::String:
        return m_string;
    case Kind::List: {
        QJsonArray array;
        for (const AbiValue &item : m_list)
            array.append(item.toJson());
        return array;
    }
    }
    return {};
}

QString AbiValue::toDisplayString() const
{
    switch (m_kind) {
    case Kind::Bool:
        return m_bool ? u"true"_s : u"false"_s;
    case Kind::String:
        return u"\""_s + m_string + u"\""_s;
    case Kind::List: {
        QStringList parts;
        for (const AbiValue &item : m_list)
            parts.append(item.toDisplayString());
        return u"["_s + parts.join(u", "_s) + u"]"_s;
    }
    default:
        return toJson().toString();
    }
}

bool operator==(const AbiValue &a, const AbiValue &b)
{
    if (a.m_kind != b.m_kind)
        return false;
    switch (a.m_kind) {
    case AbiValue::Kind::Uint:
        return a.m_uint == b.m_uint;
    case AbiValue::Kind::Int:
        return a.m_int == b.m_int;
    case AbiValue::Kind::Address:
        return a.m_address == b.m_address;
    case AbiValue::Kind::Bool:
        return a.m_bool == b.m_bool;
    case AbiValue::Kind::Bytes:
        return a.m_bytes == b.m_bytes;
    case AbiValue::Kind::String:
        return a.m_string == b.m_string;
    case AbiValue::Kind::List:
        return a.m_list == b.m_list;
    }
    return false;
}

} // namespace berth::chain
