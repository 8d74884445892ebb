#pragma once

#include "core/result.h"
#include "core/uint256.h"
#include "crypto/address.h"

#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QString>

namespace berth::chain {

// A signed 256-bit integer for int<N> values (sign and magnitude; the ABI
// codec converts to two's complement).
using Int256 = boost::multiprecision::int256_t;

// One ABI value: the decoded form of an AbiType, or an argument to encode.
class AbiValue
{
public:
    enum class Kind
    {
        Uint, // uint<N>
        Int,  // int<N>
        Address,
        Bool,
        Bytes, // bytes<N> and bytes
        String,
        List, // arrays and tuples
    };

    AbiValue() = default; // uint 0

    static AbiValue fromUInt(const UInt256 &v);
    static AbiValue fromInt(const Int256 &v);
    static AbiValue fromAddress(const crypto::Address &a);
    static AbiValue fromBool(bool b);
    static AbiValue fromBytes(QByteArray b);
    static AbiValue fromString(QString s);
    static AbiValue fromList(QList<AbiValue> items);

    Kind kind() const { return m_kind; }

    // Checked accessors: an error (InvalidArgument) when the value is of another
    // kind. toUInt accepts a non-negative Int, toInt any Uint.
    Result<UInt256> toUInt() const;
    Result<Int256> toInt() const;
    Result<crypto::Address> toAddress() const;
    Result<bool> toBool() const;
    Result<QByteArray> toBytes() const;
    Result<QString> toString() const;
    Result<QList<AbiValue>> toList() const;
    // A uint64 (or narrower) field of a decoded tuple: abiDecode has checked
    // the width, so this cannot truncate. Asserts on other kinds.
    quint64 decodedUInt64() const;

    // The list's items; empty for other kinds.
    const QList<AbiValue> &items() const { return m_list; }

    // For --json output: numbers as decimal strings, bytes as 0x hex,
    // addresses checksummed, lists as arrays.
    QJsonValue toJson() const;
    // For messages: like toJson, compact, strings quoted.
    QString toDisplayString() const;

    friend bool operator==(const AbiValue &a, const AbiValue &b);

    static QString kindName(Kind kind);

private:
    Error wrongKind(Kind wanted) const;

    Kind m_kind = Kind::Uint;
    UInt256 m_uint;
    Int256 m_int;
    crypto::Address m_address;
    bool m_bool = false;
    QByteArray m_bytes;
    QString m_string;
    QList<AbiValue> m_list;
};

} // namespace berth::chain
