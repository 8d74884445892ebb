#include "core/tokenamount.h"

using namespace Qt::StringLiterals;

namespace berth {

Result<UInt256> parseTokenAmount(QStringView text, int decimals)
{
    const QStringView t = text.trimmed();
    const auto bad = [&](const QString &why) {
        return Error{ErrorCode::InvalidArgument,
                     u"'%1' is not a token amount: %2"_s.arg(text.left(80).toString(), why)};
    };
    if (decimals < 0 || decimals > 77)
        return bad(u"the token reports %1 decimals, which Berth cannot represent"_s.arg(decimals));
    if (t.isEmpty())
        return bad(u"it is empty"_s);
    const qsizetype dot = t.indexOf(u'.');
    const QStringView whole = dot < 0 ? t : t.left(dot);
    QStringView fraction = dot < 0 ? QStringView() : t.mid(dot + 1);
    if (whole.isEmpty() && fraction.isEmpty())
        return bad(u"write digits such as 12.5"_s);
    for (QChar c : whole)
        if (!c.isDigit() || c.unicode() > 127)
            return bad(u"write digits with an optional decimal point, such as 12.5"_s);
    for (QChar c : fraction)
        if (!c.isDigit() || c.unicode() > 127)
            return bad(u"write digits with an optional decimal point, such as 12.5"_s);
    while (fraction.size() > decimals && fraction.endsWith(u'0'))
        fraction.chop(1);
    if (fraction.size() > decimals)
        return bad(
            u"the token has %1 decimals; use at most %1 digits after the point"_s.arg(decimals));
    const QString digits =
        whole.toString() + fraction.toString() + QString(decimals - fraction.size(), u'0');
    auto v = parseUInt256(digits.isEmpty() ? u"0"_s : digits);
    if (!v)
        return bad(u"it is too large"_s);
    return v;
}

QString formatTokenAmount(const UInt256 &baseUnits, int decimals)
{
    QString digits = toDecimalString(baseUnits);
    if (decimals <= 0)
        return digits;
    if (digits.size() <= decimals)
        digits.prepend(QString(decimals - digits.size() + 1, u'0'));
    QString whole = digits.left(digits.size() - decimals);
    QString fraction = digits.mid(digits.size() - decimals);
    while (fraction.endsWith(u'0'))
        fraction.chop(1);
    return fraction.isEmpty() ? whole : whole + u'.' + fraction;
}

} // namespace berth
