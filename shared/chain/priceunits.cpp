#include "chain/priceunits.h"

#include "core/tokenamount.h"

#include <QStringList>

using namespace Qt::StringLiterals;

namespace berth::chain {

UInt256 rateScale()
{
    static const UInt256 scale = boost::multiprecision::pow(UInt256(10), 18);
    return scale;
}

Result<UInt256> scaledRateFromTokens(QStringView tokensPerPeriod, int decimals,
                                     quint64 periodSeconds)
{
    if (periodSeconds == 0)
        return Error{ErrorCode::InvalidArgument, u"a price period cannot be zero seconds"_s};
    auto base = parseTokenAmount(tokensPerPeriod, decimals);
    if (!base)
        return base.error();
    // base × 10^18 fits easily: token amounts are far below 2^196.
    const boost::multiprecision::uint512_t scaled =
        boost::multiprecision::uint512_t(*base) * rateScale();
    const boost::multiprecision::uint512_t rate = (scaled + periodSeconds - 1) / periodSeconds;
    if (rate > (boost::multiprecision::uint512_t(1) << 128) - 1)
        return Error{ErrorCode::InvalidArgument,
                     u"the price %1 is too large for the contracts (at most 2^128-1 scaled "
                     u"base units per second)"_s.arg(tokensPerPeriod.toString())};
    return UInt256(rate);
}

UInt256 baseUnitsPerPeriod(const UInt256 &scaledPerSecond, quint64 periodSeconds)
{
    const boost::multiprecision::uint512_t total =
        boost::multiprecision::uint512_t(scaledPerSecond) * periodSeconds;
    const boost::multiprecision::uint512_t scale(rateScale());
    return UInt256((total + scale / 2) / scale);
}

QString tokensPerPeriod(const UInt256 &scaledPerSecond, int decimals, quint64 periodSeconds)
{
    return formatTokenAmount(baseUnitsPerPeriod(scaledPerSecond, periodSeconds), decimals);
}

Result<quint64> parseDuration(QStringView text)
{
    const QStringView t = text.trimmed();
    const auto bad = [&](const QString &why) {
        return Error{ErrorCode::InvalidArgument,
                     u"'%1' is not a duration: %2"_s.arg(text.left(80).toString(), why)};
    };
    if (t.isEmpty())
        return bad(u"write a number with a unit, such as 90s, 15m, 12h, 7d or 2w"_s);
    constexpr quint64 maxSeconds = 100ull * 365 * 24 * 3600;
    quint64 total = 0;
    qsizetype i = 0;
    while (i < t.size()) {
        quint64 number = 0;
        const qsizetype start = i;
        while (i < t.size() && t[i] >= u'0' && t[i] <= u'9') {
            number = number * 10 + quint64(t[i].unicode() - u'0');
            if (number > maxSeconds)
                return bad(u"it is longer than 100 years"_s);
            ++i;
        }
        if (i == start)
            return bad(u"expected a number at '%1'"_s.arg(t.mid(i).toString()));
        quint64 unit = 1;
        if (i < t.size()) {
            switch (t[i].unicode()) {
            case u's':
                unit = 1;
                break;
            case u'm':
                unit = 60;
                break;
            case u'h':
                unit = 3600;
                break;
            case u'd':
                unit = 86400;
                break;
            case u'w':
                unit = 7 * 86400;
                break;
            default:
                return bad(u"'%1' is not a unit; use s, m, h, d or w"_s.arg(t[i]));
            }
            ++i;
        } else if (start != 0) {
            return bad(u"the last number needs a unit (s, m, h, d or w)"_s);
        }
        total += number * unit;
        if (total > maxSeconds)
            return bad(u"it is longer than 100 years"_s);
    }
    return total;
}

QString formatDuration(quint64 seconds)
{
    struct Unit
    {
        quint64 seconds;
        char16_t suffix;
    };
    static constexpr Unit units[] = {{86400, u'd'}, {3600, u'h'}, {60, u'm'}, {1, u's'}};
    if (seconds == 0)
        return u"0s"_s;
    QStringList parts;
    for (const Unit &u : units) {
        if (seconds >= u.seconds && parts.size() < 2) {
            parts << QString::number(seconds / u.seconds) + QChar(u.suffix);
            seconds %= u.seconds;
        } else if (!parts.isEmpty()) {
            break;
        }
    }
    return parts.join(u' ');
}

} // namespace berth::chain
