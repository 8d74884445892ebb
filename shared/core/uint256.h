#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>
#include <QStringView>

#include <boost/multiprecision/cpp_int.hpp>

namespace berth {

// An exact unsigned 256-bit integer: the EVM's word. Arithmetic wraps like
// Solidity's unchecked blocks; callers that can overflow check first.
using UInt256 = boost::multiprecision::uint256_t;

// Parses a decimal ("1234") or 0x-prefixed hexadecimal ("0x4d2") number that
// fits in 256 bits. Rejects signs, spaces, empty input and overflow.
Result<UInt256> parseUInt256(QStringView text);

// "0x" + minimal hex digits, as JSON-RPC quantities are written ("0x0" for zero).
QString toHexQuantity(const UInt256 &value);
QString toDecimalString(const UInt256 &value);

// Big-endian, left-padded to 32 bytes (an ABI word).
QByteArray toBigEndian32(const UInt256 &value);
// Minimal big-endian bytes, empty for zero (RLP's integer form).
QByteArray toBigEndianMinimal(const UInt256 &value);
// Reads up to 32 big-endian bytes; longer input is an error.
Result<UInt256> uint256FromBigEndian(QByteArrayView bytes);

// Narrowing that fails instead of truncating.
Result<quint64> toUInt64(const UInt256 &value);

} // namespace berth
