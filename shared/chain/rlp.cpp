#include "chain/rlp.h"

using namespace Qt::StringLiterals;

namespace berth::chain {

namespace {

QByteArray lengthPrefix(qsizetype length, unsigned char shortBase)
{
    if (length <= 55)
        return QByteArray(1, char(shortBase + length));
    const QByteArray lengthBytes = toBigEndianMinimal(UInt256(quint64(length)));
    return QByteArray(1, char(shortBase + 55 + lengthBytes.size())) + lengthBytes;
}

void encodeInto(const RlpItem &item, QByteArray &out)
{
    if (!item.isList) {
        const QByteArray &b = item.bytes;
        if (b.size() == 1 && static_cast<unsigned char>(b[0]) < 0x80) {
            out += b;
            return;
        }
        out += lengthPrefix(b.size(), 0x80);
        out += b;
        return;
    }
    QByteArray payload;
    for (const RlpItem &child : item.items)
        encodeInto(child, payload);
    out += lengthPrefix(payload.size(), 0xc0);
    out += payload;
}

Error malformed(qsizetype offset, const QString &why)
{
    return {ErrorCode::ParseFailed, u"malformed RLP at byte %1: %2"_s.arg(offset).arg(why)};
}

class Decoder
{
public:
    explicit Decoder(QByteArrayView data)
        : m_data(data)
    {}

    // Decodes one item starting at pos that must end at or before end.
    Result<RlpItem> item(qsizetype &pos, qsizetype end, int depth)
    {
        if (depth > RlpMaxDepth)
            return malformed(pos, u"lists nested deeper than %1 levels"_s.arg(RlpMaxDepth));
        if (pos >= end)
            return malformed(pos, u"the input ends where an item should start"_s);
        const qsizetype start = pos;
        const auto prefix = static_cast<unsigned char>(m_data[pos]);
        if (prefix < 0x80) {
            ++pos;
            return RlpItem::fromBytes(QByteArray(1, char(prefix)));
        }
        const bool isList = prefix >= 0xc0;
        const unsigned char base = isList ? 0xc0 : 0x80;
        qsizetype length = 0;
        ++pos;
        if (prefix - base <= 55) {
            length = prefix - base;
        } else {
            const int lengthOfLength = prefix - base - 55;
            if (end - pos < lengthOfLength)
                return malformed(start, u"the length field runs past the end of the input"_s);
            if (m_data[pos] == '\0')
                return malformed(start, u"the length has leading zero bytes"_s);
            quint64 wide = 0;
            for (int i = 0; i < lengthOfLength; ++i) {
                if (wide > (quint64(1) << 48)) // longer than any input we could hold
                    return malformed(start, u"the length is larger than the input"_s);
                wide = (wide << 8) | static_cast<unsigned char>(m_data[pos + i]);
            }
            pos += lengthOfLength;
            if (wide <= 55)
                return malformed(start, u"a length below 56 must use the short form"_s);
            if (wide > quint64(end - pos))
                return malformed(start, u"the item is longer than the remaining input"_s);
            length = qsizetype(wide);
        }
        if (length > end - pos)
            return malformed(start, u"the item is longer than the remaining input"_s);
        const qsizetype itemEnd = pos + length;
        if (!isList) {
            if (length == 1 && static_cast<unsigned char>(m_data[pos]) < 0x80)
                return malformed(start, u"a single byte below 0x80 must be encoded as itself"_s);
            RlpItem out = RlpItem::fromBytes(m_data.sliced(pos, length).toByteArray());
            pos = itemEnd;
            return out;
        }
        QList<RlpItem> children;
        while (pos < itemEnd) {
            auto child = item(pos, itemEnd, depth + 1);
            if (!child)
                return child.error();
            children.append(std::move(child).value());
        }
        return RlpItem::fromList(std::move(children));
    }

private:
    QByteArrayView m_data;
};

} // namespace

RlpItem RlpItem::fromBytes(QByteArray b)
{
    RlpItem item;
    item.bytes = std::move(b);
    return item;
}

RlpItem RlpItem::fromUInt(const UInt256 &v)
{
    return fromBytes(toBigEndianMinimal(v));
}

RlpItem RlpItem::fromList(QList<RlpItem> children)
{
    RlpItem item;
    item.isList = true;
    item.items = std::move(children);
    return item;
}

Result<UInt256> RlpItem::toUInt() const
{
    if (isList)
        return Error{ErrorCode::ParseFailed, u"expected an RLP integer, found a list"_s};
    if (bytes.size() > 32)
        return Error{ErrorCode::ParseFailed,
                     u"an RLP integer has at most 32 bytes, found %1"_s.arg(bytes.size())};
    if (!bytes.isEmpty() && bytes[0] == '\0')
        return Error{ErrorCode::ParseFailed,
                     u"an RLP integer must not start with a zero byte (not canonical)"_s};
    return uint256FromBigEndian(bytes);
}

QByteArray rlpEncode(const RlpItem &item)
{
    QByteArray out;
    encodeInto(item, out);
    return out;
}

Result<RlpItem> rlpDecode(QByteArrayView data)
{
    Decoder decoder(data);
    qsizetype pos = 0;
    auto item = decoder.item(pos, data.size(), 0);
    if (!item)
        return item.error();
    if (pos != data.size())
        return malformed(pos, u"%1 trailing bytes after the item"_s.arg(data.size() - pos));
    return item;
}

} // namespace berth::chain
