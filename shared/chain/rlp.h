#pragma once

#include "core/result.h"
#include "core/uint256.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace berth::chain {

// Recursive Length Prefix: Ethereum's serialization of nested byte strings
// (yellow paper, appendix B). An item is either a byte string or a list of items.
struct RlpItem
{
    bool isList = false;
    QByteArray bytes;     // when !isList
    QList<RlpItem> items; // when isList

    static RlpItem fromBytes(QByteArray b);
    // Minimal big-endian bytes; zero is the empty string.
    static RlpItem fromUInt(const UInt256 &v);
    static RlpItem fromList(QList<RlpItem> items);

    // The integer this byte string encodes. Rejects lists, leading zero bytes
    // (not canonical) and strings over 32 bytes.
    Result<UInt256> toUInt() const;

    friend bool operator==(const RlpItem &a, const RlpItem &b)
    {
        return a.isList == b.isList && a.bytes == b.bytes && a.items == b.items;
    }
};

// Deepest list nesting rlpDecode accepts (hostile input must not exhaust the stack).
inline constexpr int RlpMaxDepth = 64;

QByteArray rlpEncode(const RlpItem &item);

// Decodes exactly one item spanning the whole input, in strict canonical form
// (shortest length prefixes, single bytes below 0x80 not wrapped). Lengths are
// checked against the input and nesting is limited to RlpMaxDepth.
Result<RlpItem> rlpDecode(QByteArrayView data);

} // namespace berth::chain
