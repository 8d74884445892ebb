#include "manifest/quantity.h"

#include <array>
#include <numeric>
#include <utility>

using namespace Qt::StringLiterals;

namespace berth::manifest::quantity {

namespace {

struct Unit
{
    QStringView suffix;
    std::int64_t multiplier;
};

constexpr std::int64_t K = 1000;
constexpr std::int64_t Ki = 1024;

// Longest suffixes first so that "Mi" is not read as "M" + garbage.
const std::array<Unit, 12> ByteUnits{{
    {u"Ki", Ki},
    {u"Mi", Ki *Ki},
    {u"Gi", Ki *Ki *Ki},
    {u"Ti", Ki *Ki *Ki *Ki},
    {u"Pi", Ki *Ki *Ki *Ki *Ki},
    {u"Ei", Ki *Ki *Ki *Ki *Ki *Ki},
    {u"k", K},
    {u"M", K *K},
    {u"G", K *K *K},
    {u"T", K *K *K *K},
    {u"P", K *K *K *K *K},
    {u"E", K *K *K *K *K *K},
}};

// digits with at most one inner '.'
bool isDecimal(QStringView number)
{
    qsizetype dots = 0;
    for (const QChar c : number) {
        if (c == u'.')
            ++dots;
        else if (c < u'0' || c > u'9')
            return false;
    }
    return !number.isEmpty() && dots <= 1 && number.front() != u'.' && number.back() != u'.';
}

Error invalid(QString message)
{
    return Error{ErrorCode::InvalidArgument, std::move(message)};
}

} // namespace

std::optional<std::int64_t> parseScaledDecimal(QStringView number, std::int64_t multiplier,
                                               std::int64_t divisor)
{
    if (number.isEmpty() || divisor <= 0 || multiplier <= 0)
        return std::nullopt;
    std::int64_t mantissa = 0;
    std::int64_t fractionScale = 1;
    bool seenDot = false;
    bool seenDigit = false;
    for (const QChar c : number) {
        if (c == u'.') {
            if (seenDot)
                return std::nullopt;
            seenDot = true;
            continue;
        }
        if (c < u'0' || c > u'9')
            return std::nullopt;
        seenDigit = true;
        if (__builtin_mul_overflow(mantissa, 10, &mantissa) ||
            __builtin_add_overflow(mantissa, c.unicode() - u'0', &mantissa))
            return std::nullopt;
        if (seenDot && __builtin_mul_overflow(fractionScale, 10, &fractionScale))
            return std::nullopt;
    }
    if (!seenDigit || number.front() == u'.' || number.back() == u'.')
        return std::nullopt;
    // value = mantissa * multiplier / (fractionScale * divisor), which must be whole.
    std::int64_t denominator = 0;
    if (__builtin_mul_overflow(fractionScale, divisor, &denominator))
        return std::nullopt;
    // Reduce before multiplying to keep "1.5Ei" and friends in range.
    const std::int64_t g1 = std::gcd(mantissa == 0 ? denominator : mantissa, denominator);
    mantissa /= g1;
    denominator /= g1;
    const std::int64_t g2 = std::gcd(multiplier, denominator);
    multiplier /= g2;
    denominator /= g2;
    if (denominator != 1)
        return std::nullopt;
    std::int64_t result = 0;
    if (__builtin_mul_overflow(mantissa, multiplier, &result))
        return std::nullopt;
    return result;
}

Result<std::int64_t> parseCpuMillis(QStringView text)
{
    const QString shown = text.toString();
    if (text.isEmpty())
        return invalid(u"CPU is empty: write millicores such as 250m or cores such as 1.5"_s);
    const bool millis = text.endsWith(u'm');
    const QStringView number = millis ? text.chopped(1) : text;
    const auto value = parseScaledDecimal(number, millis ? 1 : 1000, 1);
    if (value)
        return *value;
    // Tell a too-precise value apart from one that is not a number at all.
    if (isDecimal(number)) {
        const auto dot = number.indexOf(u'.');
        const qsizetype allowedDecimals = millis ? 0 : 3;
        if (dot >= 0 && number.size() - dot - 1 > allowedDecimals)
            return invalid(
                u"CPU \"%1\" is finer than 1m (a thousandth of a core): round it"_s.arg(shown));
        return invalid(u"CPU \"%1\" is too large"_s.arg(shown));
    }
    return invalid(
        u"\"%1\" is not a CPU quantity: write millicores such as 250m or cores such as 0.5 or 2"_s
            .arg(shown));
}

Result<std::int64_t> parseBytes(QStringView text)
{
    const QString shown = text.toString();
    if (text.isEmpty())
        return invalid(u"size is empty: write a number with a unit such as 512Mi or 2Gi"_s);
    QStringView number = text;
    std::int64_t multiplier = 1;
    for (const auto &unit : ByteUnits) {
        if (text.endsWith(unit.suffix)) {
            number = text.chopped(unit.suffix.size());
            multiplier = unit.multiplier;
            break;
        }
    }
    if (const auto value = parseScaledDecimal(number, multiplier, 1))
        return *value;
    if (isDecimal(number))
        return invalid(u"size \"%1\" is not a whole number of bytes or is too large: "
                       u"use a smaller unit or fewer decimals"_s.arg(shown));
    return invalid(u"\"%1\" is not a size: write a number with a unit such as 512Mi, 2Gi "
                   u"(powers of 1024) or 500M, 1G (powers of 1000)"_s.arg(shown));
}

QString formatCpuMillis(std::int64_t millis)
{
    if (millis % 1000 == 0)
        return QString::number(millis / 1000);
    return QString::number(millis) + u'm';
}

QString formatBytes(std::int64_t bytes)
{
    if (bytes == 0)
        return u"0"_s;
    // Binary units first (Ei down to Ki), then decimal ones (E down to k).
    for (int group = 0; group < 2; ++group) {
        for (int i = 5; i >= 0; --i) {
            const auto &unit = ByteUnits[std::size_t(group * 6 + i)];
            if (bytes % unit.multiplier == 0)
                return QString::number(bytes / unit.multiplier) + unit.suffix;
        }
    }
    return QString::number(bytes);
}

} // namespace berth::manifest::quantity
