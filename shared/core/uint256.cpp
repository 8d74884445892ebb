#include "core/uint256.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace berth {

namespace {

Error badNumber(QStringView text, const QString &why)
{
    return {ErrorCode::InvalidArgument,
            u"'%1' is not a valid number: %2"_s.arg(text.left(80).toString(), why)};
}

int hexDigit(QChar c)
{
    const char16_t u = c.unicode();
    if (u >= u'0' && u <= u'9')
        return u - u'0';
    if (u >= u'a' && u <= u'f')
        return u - u'a' + 10;
    if (u >= u'A' && u <= u'F')
        return u - u'A' + 10;
    return -1;
}

} // namespace

Result<UInt256> parseUInt256(QStringView text)
{
    if (text.isEmpty())
        return badNumber(text, u"it is empty"_s);
    const bool hex = text.startsWith(u"0x") || text.startsWith(u"0X");
    const QStringView digits = hex ? text.mid(2) : text;
    if (digits.isEmpty())
        return badNumber(text, u"no digits after 0x"_s);
    const unsigned base = hex ? 16 : 10;
    boost::multiprecision::uint512_t wide = 0;
    const boost::multiprecision::uint512_t limit = std::numeric_limits<UInt256>::max();
    for (QChar c : digits) {
        const int d = hexDigit(c);
        if (d < 0 || unsigned(d) >= base)
            return badNumber(text, hex ? u"use hexadecimal digits after 0x"_s
                                       : u"use decimal digits only"_s);
        wide = wide * base + unsigned(d);
        if (wide > limit)
            return badNumber(text, u"it does not fit in 256 bits"_s);
    }
    return UInt256(wide);
}

QString toHexQuantity(const UInt256 &value)
{
    if (value == 0)
        return u"0x0"_s;
    std::string s = value.str(0, std::ios_base::hex);
    std::transform(s.begin(), s.end(), s.begin(), [](char c) { return char(std::tolower(c)); });
    return u"0x"_s + QString::fromLatin1(s);
}

QString toDecimalString(const UInt256 &value)
{
    return QString::fromLatin1(value.str());
}

QByteArray toBigEndian32(const UInt256 &value)
{
    QByteArray out(32, '\0');
    UInt256 v = value;
    for (int i = 31; i >= 0 && v != 0; --i) {
        out[i] = char(static_cast<unsigned>(v & 0xff));
        v >>= 8;
    }
    return out;
}

QByteArray toBigEndianMinimal(const UInt256 &value)
{
    const QByteArray full = toBigEndian32(value);
    qsizetype first = 0;
    while (first < full.size() && full[first] == '\0')
        ++first;
    return full.mid(first);
}

Result<UInt256> uint256FromBigEndian(QByteArrayView bytes)
{
    if (bytes.size() > 32)
        return Error{ErrorCode::InvalidArgument,
                     u"a 256-bit number has at most 32 bytes, got %1"_s.arg(bytes.size())};
    UInt256 v = 0;
    for (char c : bytes)
        v = (v << 8) | UInt256(static_cast<unsigned char>(c));
    return v;
}

Result<quint64> toUInt64(const UInt256 &value)
{
    if (value > std::numeric_limits<quint64>::max())
        return Error{ErrorCode::InvalidArgument,
                     u"%1 does not fit in 64 bits"_s.arg(toDecimalString(value))};
    return static_cast<quint64>(value);
}

} // namespace berth
