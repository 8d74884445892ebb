#include "manifest/importhelpers.h"

#include "manifest/quantity.h"

#include <array>

using namespace Qt::StringLiterals;

namespace berth::manifest::importing {

namespace {

bool isLowerAlnum(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9');
}

QString trimDashes(QString text)
{
    while (text.startsWith(u'-'))
        text.remove(0, 1);
    while (text.endsWith(u'-'))
        text.chop(1);
    return text;
}

} // namespace

QString toDnsLabel(const QString &name, const QString &fallback)
{
    QString label;
    label.reserve(name.size());
    for (const QChar c : name.toLower()) {
        if (isLowerAlnum(c))
            label.append(c);
        else if (!label.endsWith(u'-'))
            label.append(u'-');
    }
    label = trimDashes(label.left(limits::MaxNameLength));
    return label.isEmpty() ? fallback : label;
}

QString uniqueName(const QString &base, const QSet<QString> &used, int maxLength)
{
    QString candidate = trimDashes(base.left(maxLength));
    for (int n = 2; used.contains(candidate); ++n) {
        const QString suffix = u"-"_s + QString::number(n);
        candidate = trimDashes(base.left(maxLength - suffix.size())) + suffix;
    }
    return candidate;
}

bool isHostAlias(const QString &name)
{
    if (name.isEmpty() || name.size() > limits::MaxHostNameLength)
        return false;
    return std::all_of(name.cbegin(), name.cend(), [](QChar c) {
        return c.isDigit() || (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || c == u'-' ||
               c == u'_' || c == u'.';
    });
}

std::optional<QStringList> splitShellWords(const QString &text)
{
    QStringList words;
    QString word;
    bool inWord = false;
    enum class Quote
    {
        None,
        Single,
        Double
    } quote = Quote::None;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quote == Quote::Single) {
            if (c == u'\'')
                quote = Quote::None;
            else
                word.append(c);
            continue;
        }
        if (c == u'\\') {
            if (i + 1 >= text.size())
                return std::nullopt;
            const QChar next = text.at(++i);
            // Inside double quotes a backslash only escapes what the shell would expand.
            if (quote == Quote::Double && !QStringView(u"\"\\$`\n").contains(next))
                word.append(c);
            if (next != u'\n')
                word.append(next);
            inWord = true;
            continue;
        }
        if (quote == Quote::Double) {
            if (c == u'"')
                quote = Quote::None;
            else
                word.append(c);
            continue;
        }
        if (c == u'\'' || c == u'"') {
            quote = c == u'\'' ? Quote::Single : Quote::Double;
            inWord = true;
        } else if (c.isSpace()) {
            if (inWord)
                words.append(std::exchange(word, {}));
            inWord = false;
        } else {
            word.append(c);
            inWord = true;
        }
    }
    if (quote != Quote::None)
        return std::nullopt;
    if (inWord)
        words.append(word);
    return words;
}

std::optional<std::int64_t> parseDurationMillis(QStringView text)
{
    struct Unit
    {
        QStringView suffix;
        std::int64_t nanos;
    };
    // Longest suffixes first: "ms" before "m" and "s".
    static const std::array<Unit, 7> units{{{u"ns", 1},
                                            {u"us", 1000},
                                            {u"µs", 1000},
                                            {u"ms", 1000 * 1000},
                                            {u"s", 1000LL * 1000 * 1000},
                                            {u"m", 60LL * 1000 * 1000 * 1000},
                                            {u"h", 3600LL * 1000 * 1000 * 1000}}};
    if (text == u"0")
        return 0;
    if (text.isEmpty())
        return std::nullopt;
    std::int64_t totalNanos = 0;
    QStringView rest = text;
    while (!rest.isEmpty()) {
        qsizetype numberLength = 0;
        while (numberLength < rest.size() &&
               (rest.at(numberLength).isDigit() || rest.at(numberLength) == u'.'))
            ++numberLength;
        const QStringView number = rest.left(numberLength);
        rest = rest.mid(numberLength);
        const Unit *unit = nullptr;
        for (const Unit &candidate : units) {
            if (rest.startsWith(candidate.suffix)) {
                unit = &candidate;
                break;
            }
        }
        if (!unit || number.isEmpty())
            return std::nullopt;
        rest = rest.mid(unit->suffix.size());
        const auto nanos = quantity::parseScaledDecimal(number, unit->nanos, 1);
        if (!nanos || __builtin_add_overflow(totalNanos, *nanos, &totalNanos))
            return std::nullopt;
    }
    constexpr std::int64_t NanosPerMilli = 1000 * 1000;
    return totalNanos / NanosPerMilli + (totalNanos % NanosPerMilli ? 1 : 0);
}

bool isCommonHttpPort(int port)
{
    static constexpr std::array<int, 6> httpPorts{80, 3000, 5000, 8000, 8080, 8888};
    return std::find(httpPorts.cbegin(), httpPorts.cend(), port) != httpPorts.cend();
}

QString portName(const QString &container, int port, QSet<QString> &used)
{
    const QString suffix = u"-"_s + QString::number(port);
    QString prefix = trimDashes(container.left(MaxPortNameLength - suffix.size()));
    const bool hasLetter =
        std::any_of(prefix.cbegin(), prefix.cend(), [](QChar c) { return c >= u'a' && c <= u'z'; });
    if (!hasLetter)
        prefix = u"port"_s;
    const QString name = uniqueName(prefix + suffix, used, MaxPortNameLength);
    used.insert(name);
    return name;
}

QString noEquivalent(const QString &key)
{
    return u"`%1` has no Berth equivalent and is ignored"_s.arg(key);
}

QString unpublishedProtocol(const QString &protocol, int port)
{
    return u"%1 port %2 is not published: Berth publishes HTTP and TCP ports only"_s.arg(
        protocol.toUpper(), QString::number(port));
}

QString startOrderAdvice(const QString &key, const QString &service, const QString &awaited)
{
    return u"`%1` is not kept: the containers of a Berth pod start together, in no set order; "
           u"make %2 wait for %3 itself (retry until it answers)"_s.arg(key, service, awaited);
}

QString registryCredentialsAdvice()
{
    return u"registry credentials are not imported: use a public image, or an encrypted image "
           u"uploaded with the deployment"_s;
}

} // namespace berth::manifest::importing
