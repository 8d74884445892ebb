#include "manifest/importcontext.h"

#include "manifest/quantity.h"
#include "manifest/yamlguard.h"

using namespace Qt::StringLiterals;

namespace berth::manifest {

namespace {

QString typeName(const YAML::Node &node)
{
    switch (node.Type()) {
    case YAML::NodeType::Map:
        return u"a mapping"_s;
    case YAML::NodeType::Sequence:
        return u"a list"_s;
    case YAML::NodeType::Scalar:
        return u"a single value"_s;
    default:
        return u"empty"_s;
    }
}

QString displayName(const YamlField &field)
{
    return field.path.isEmpty() ? u"the document"_s : u"`%1`"_s.arg(field.path);
}

} // namespace

SourceLocation ImportContext::locationOf(const YAML::Node &node)
{
    return sourceLocation(node.Mark());
}

YamlField ImportContext::root(const YAML::Node &document)
{
    return {document, QString(), QString(), locationOf(document), true};
}

YamlField ImportContext::element(const YamlField &sequence, std::size_t index,
                                 const YAML::Node &node)
{
    charge(1);
    SourceLocation location = locationOf(node);
    if (!location.isKnown())
        location = sequence.location;
    return {node, joinPath(sequence.path, qsizetype(index)), QString(), location, true};
}

QList<YamlField> ImportContext::elements(const YamlField &field)
{
    QList<YamlField> result;
    if (field.isEmpty())
        return result;
    if (!field.node.IsSequence()) {
        warn(field, u"%1 should be a list but is %2: it is ignored"_s.arg(displayName(field),
                                                                          typeName(field.node)));
        return result;
    }
    tooManyEntries(field);
    std::size_t index = 0;
    for (const auto &item : field.node) {
        if (index == MaxEntries)
            break;
        result.append(element(field, index++, item));
    }
    return result;
}

void ImportContext::warn(const YamlField &field, const QString &message)
{
    report(Severity::Warning, field.path, field.location, message);
}

void ImportContext::error(const YamlField &field, const QString &message)
{
    report(Severity::Error, field.path, field.location, message);
}

void ImportContext::report(Severity severity, const QString &path, SourceLocation location,
                           const QString &message)
{
    charge(message.size());
    m_diagnostics.append(Diagnostic{severity, path, location, message});
}

std::optional<QString> ImportContext::string(const YamlField &field)
{
    if (field.isEmpty())
        return std::nullopt;
    if (!field.node.IsScalar()) {
        warn(field, u"%1 should be a single value but is %2: it is ignored"_s.arg(
                        displayName(field), typeName(field.node)));
        return std::nullopt;
    }
    const std::string &scalar = field.node.Scalar();
    charge(std::int64_t(scalar.size()));
    const QString text = QString::fromStdString(scalar);
    return m_scalarFilter ? m_scalarFilter(text, field) : text;
}

std::optional<std::int64_t> ImportContext::integer(const YamlField &field, std::int64_t min,
                                                   std::int64_t max)
{
    const auto text = string(field);
    if (!text)
        return std::nullopt;
    bool ok = false;
    const qlonglong value = text->toLongLong(&ok);
    if (!ok || value < min || value > max) {
        warn(field, u"%1 should be a whole number from %2 to %3, not \"%4\": it is ignored"_s
                        .arg(displayName(field))
                        .arg(min)
                        .arg(max)
                        .arg(*text));
        return std::nullopt;
    }
    return value;
}

std::optional<bool> ImportContext::boolean(const YamlField &field)
{
    const auto text = string(field);
    if (!text)
        return std::nullopt;
    // YAML 1.1 spellings, which compose and Kubernetes files still use.
    static const QStringList truthy{u"true"_s, u"yes"_s, u"on"_s, u"y"_s};
    static const QStringList falsy{u"false"_s, u"no"_s, u"off"_s, u"n"_s};
    const QString lower = text->toLower();
    if (truthy.contains(lower))
        return true;
    if (falsy.contains(lower))
        return false;
    warn(field,
         u"%1 should be true or false, not \"%2\": it is ignored"_s.arg(displayName(field), *text));
    return std::nullopt;
}

std::optional<QStringList> ImportContext::stringList(const YamlField &field)
{
    if (field.isEmpty())
        return std::nullopt;
    if (!field.node.IsSequence()) {
        warn(field, u"%1 should be a list of values but is %2: it is ignored"_s.arg(
                        displayName(field), typeName(field.node)));
        return std::nullopt;
    }
    QStringList result;
    for (const YamlField &item : elements(field)) {
        if (const auto text = string(item))
            result.append(*text);
    }
    return result;
}

std::optional<std::int64_t> ImportContext::cpuMillis(const YamlField &field)
{
    const auto text = string(field);
    if (!text)
        return std::nullopt;
    const auto millis = quantity::parseCpuMillis(*text);
    if (!millis) {
        warn(field, millis.error().message + u": it is ignored"_s);
        return std::nullopt;
    }
    return *millis;
}

std::optional<std::int64_t> ImportContext::bytes(const YamlField &field)
{
    const auto text = string(field);
    if (!text)
        return std::nullopt;
    const auto value = quantity::parseBytes(*text);
    if (!value) {
        warn(field, value.error().message + u": it is ignored"_s);
        return std::nullopt;
    }
    return *value;
}

QString ImportContext::scalarChild(const YAML::Node &map, const char *key)
{
    if (!map.IsMap())
        return {};
    const YAML::Node value = map[key]; // a "zombie" when absent: IsDefined() first
    return value.IsDefined() && value.IsScalar() ? QString::fromStdString(value.Scalar())
                                                 : QString();
}

bool ImportContext::tooManyEntries(const YamlField &field)
{
    const std::size_t size = field.node.size();
    if (size <= MaxEntries)
        return false;
    error(field, u"%1 has %2 entries, more than the %3 an importer reads (a pod holds far "
                 u"fewer): the rest is left out"_s.arg(displayName(field))
                     .arg(size)
                     .arg(MaxEntries));
    return true;
}

void ImportContext::charge(std::int64_t units)
{
    m_work += std::max<std::int64_t>(units, 1);
    if (m_work > WorkBudget)
        throw ImportBudgetExceeded{};
}

} // namespace berth::manifest
