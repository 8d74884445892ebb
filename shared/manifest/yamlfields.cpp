#include "manifest/yamlfields.h"

#include "core/suggest.h"
#include "manifest/quantity.h"
#include "manifest/yamlguard.h"

#include <QSet>

#include <limits>

using namespace Qt::StringLiterals;

namespace berth::manifest {

namespace {

bool isQuoted(const YAML::Node &node)
{
    // yaml-cpp tags quoted scalars "!" and plain ones "?".
    return node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str";
}

QString scalarText(const YAML::Node &node)
{
    return QString::fromStdString(node.Scalar());
}

QString shorten(const QString &text)
{
    return text.size() <= 40 ? text : text.left(37) + u"..."_s;
}

} // namespace

QString YamlFields::describe(const YAML::Node &node)
{
    switch (node.Type()) {
    case YAML::NodeType::Sequence:
        return u"a list"_s;
    case YAML::NodeType::Map:
        return u"a mapping"_s;
    case YAML::NodeType::Null:
        return u"nothing"_s;
    case YAML::NodeType::Scalar:
        return (isQuoted(node) ? u"the text \"%1\""_s : u"%1"_s).arg(shorten(scalarText(node)));
    case YAML::NodeType::Undefined:
        break;
    }
    return u"nothing"_s;
}

bool YamlFields::spend(std::int64_t units, const YAML::Node &node, const QString &path)
{
    const bool wasSpent = m_work > WorkBudget;
    m_work += units;
    if (m_work <= WorkBudget)
        return true;
    if (!wasSpent)
        error(path, node,
              u"the document expands, through YAML aliases (*name), into far more than its "
              u"size: write the repeated parts out, or use fewer aliases"_s);
    return false;
}

void YamlFields::record(const QString &path, const YAML::Node &node)
{
    const auto location = sourceLocation(node.Mark());
    if (location.isKnown())
        m_sourceMap.insert(path, location);
}

void YamlFields::error(const QString &path, const YAML::Node &node, const QString &message)
{
    Diagnostic d;
    d.path = path;
    d.location = node.IsDefined() ? sourceLocation(node.Mark()) : SourceLocation{};
    d.message = message;
    m_diagnostics.append(d);
}

void YamlFields::collectEntries(const YAML::Node &node, const QString &path,
                                const QStringList &known, QHash<QString, YAML::Node> &entries,
                                bool merged, int mergeDepth)
{
    QList<YAML::Node> mergeSources;
    for (auto it = node.begin(); it != node.end(); ++it) {
        // Copies: yaml-cpp's iterator hands out temporaries.
        const YAML::Node keyNode = it->first;
        const YAML::Node valueNode = it->second;
        if (!keyNode.IsScalar()) {
            error(path, keyNode, u"a field name must be text, got %1"_s.arg(describe(keyNode)));
            continue;
        }
        const QString key = scalarText(keyNode);
        const QString keyPath = joinPath(path, key);
        // "<<: *defaults" merges another mapping's fields (YAML merge key).
        if (key == u"<<" && !isQuoted(keyNode)) {
            if (valueNode.IsMap())
                mergeSources.append(valueNode);
            else if (valueNode.IsSequence())
                for (const auto &source : valueNode)
                    mergeSources.append(source);
            continue;
        }
        if (!known.contains(key)) {
            const QString suggestion = closestMatch(key, known);
            error(keyPath, keyNode,
                  suggestion.isEmpty() ? u"unknown field \"%1\"; the fields here are: %2"_s.arg(
                                             shorten(key), known.join(u", "_s))
                                       : u"unknown field \"%1\"; did you mean \"%2\"?"_s.arg(
                                             shorten(key), suggestion));
            continue;
        }
        if (entries.contains(key)) {
            // A field of the mapping itself overrides a merged one, silently.
            if (!merged)
                error(keyPath, keyNode, u"field \"%1\" appears twice; keep one of them"_s.arg(key));
            continue;
        }
        entries.insert(key, valueNode);
        // Scalars are located at their value; collections at their key, which is
        // where a reader looks for what is missing inside them.
        record(keyPath, valueNode.IsScalar() ? valueNode : keyNode);
    }
    for (const auto &source : std::as_const(mergeSources)) {
        if (!source.IsMap() || mergeDepth >= 8) {
            error(path, source,
                  u"\"<<\" merges mappings (<<: *name), got %1"_s.arg(describe(source)));
            continue;
        }
        collectEntries(source, path, known, entries, true, mergeDepth + 1);
    }
}

std::optional<QHash<QString, YAML::Node>>
YamlFields::mapping(const YAML::Node &node, const QString &path, const QStringList &known)
{
    QHash<QString, YAML::Node> entries;
    if (!isPresent(node))
        return entries;
    record(path, node);
    if (!node.IsMap()) {
        error(path, node,
              u"expected a mapping of fields (key: value lines), got %1"_s.arg(describe(node)));
        return std::nullopt;
    }
    if (!spend(std::int64_t(node.size()) + 1, node, path))
        return std::nullopt;
    collectEntries(node, path, known, entries, false, 0);
    return entries;
}

std::optional<QList<YAML::Node>> YamlFields::sequence(const YAML::Node &node, const QString &path)
{
    QList<YAML::Node> items;
    if (!isPresent(node))
        return items;
    record(path, node);
    if (!node.IsSequence()) {
        error(path, node,
              u"expected a list (\"- item\" lines or [a, b]), got %1"_s.arg(describe(node)));
        return std::nullopt;
    }
    if (!spend(std::int64_t(node.size()) + 1, node, path))
        return std::nullopt;
    for (const auto &item : node)
        items.append(item);
    return items;
}

bool YamlFields::expectScalar(const YAML::Node &node, const QString &path, const QString &expected)
{
    record(path, node);
    if (node.IsScalar())
        return true;
    error(path, node, u"expected %1, got %2"_s.arg(expected, describe(node)));
    return false;
}

std::optional<QString> YamlFields::text(const YAML::Node &node, const QString &path)
{
    if (!isPresent(node) || !expectScalar(node, path, u"text"_s) ||
        !spend(std::int64_t(node.Scalar().size()) + 1, node, path))
        return std::nullopt;
    return scalarText(node);
}

std::optional<std::int64_t> YamlFields::integer(const YAML::Node &node, const QString &path)
{
    if (!isPresent(node) || !expectScalar(node, path, u"a whole number"_s))
        return std::nullopt;
    const QString value = scalarText(node);
    if (isQuoted(node)) {
        error(path, node,
              u"expected a whole number, got the text \"%1\": remove the quotes"_s.arg(
                  shorten(value)));
        return std::nullopt;
    }
    bool ok = false;
    const qlonglong number = value.toLongLong(&ok, 10);
    if (!ok) {
        error(path, node, u"expected a whole number, got %1"_s.arg(describe(node)));
        return std::nullopt;
    }
    return number;
}

std::optional<int> YamlFields::smallInteger(const YAML::Node &node, const QString &path)
{
    const auto number = integer(node, path);
    if (!number)
        return std::nullopt;
    if (*number < std::numeric_limits<int>::min() || *number > std::numeric_limits<int>::max()) {
        error(path, node, u"%1 is far out of range"_s.arg(*number));
        return std::nullopt;
    }
    return int(*number);
}

std::optional<bool> YamlFields::boolean(const YAML::Node &node, const QString &path)
{
    if (!isPresent(node) || !expectScalar(node, path, u"true or false"_s))
        return std::nullopt;
    const QString value = scalarText(node);
    if (!isQuoted(node)) {
        if (value == u"true" || value == u"True" || value == u"TRUE")
            return true;
        if (value == u"false" || value == u"False" || value == u"FALSE")
            return false;
    }
    error(path, node, u"expected true or false, got %1"_s.arg(describe(node)));
    return std::nullopt;
}

std::optional<QStringList> YamlFields::textList(const YAML::Node &node, const QString &path)
{
    const auto items = sequence(node, path);
    if (!items)
        return std::nullopt;
    QStringList result;
    bool ok = true;
    for (qsizetype i = 0; i < items->size(); ++i) {
        const auto &item = items->at(i);
        const QString itemPath = joinPath(path, i);
        if (item.IsNull()) {
            record(itemPath, item);
            error(itemPath, item, u"an empty list item: write a value or remove the \"-\""_s);
            ok = false;
            continue;
        }
        if (const auto value = text(item, itemPath))
            result.append(*value);
        else
            ok = false;
    }
    if (!ok)
        return std::nullopt;
    return result;
}

std::optional<std::int64_t> YamlFields::cpuMillis(const YAML::Node &node, const QString &path)
{
    const auto value = text(node, path);
    if (!value)
        return std::nullopt;
    const auto parsed = quantity::parseCpuMillis(*value);
    if (!parsed) {
        error(path, node, parsed.error().message);
        return std::nullopt;
    }
    return *parsed;
}

std::optional<std::int64_t> YamlFields::bytes(const YAML::Node &node, const QString &path)
{
    const auto value = text(node, path);
    if (!value)
        return std::nullopt;
    const auto parsed = quantity::parseBytes(*value);
    if (!parsed) {
        error(path, node, parsed.error().message);
        return std::nullopt;
    }
    return *parsed;
}

std::optional<MappingFields> YamlFields::fieldsOf(const YAML::Node &node, const QString &path,
                                                  const QStringList &known)
{
    auto entries = mapping(node, path, known);
    if (!entries)
        return std::nullopt;
    return MappingFields(*this, std::move(*entries), path);
}

std::optional<QString> MappingFields::oneOf(const QStringList &choices, const YAML::Node &node,
                                            const QString &what) const
{
    QStringList present;
    for (const auto &choice : choices) {
        if (has(choice))
            present.append(choice);
    }
    if (present.size() == 1)
        return present.front();
    if (present.isEmpty())
        m_fields->error(m_path, node, u"%1 needs one of: %2"_s.arg(what, choices.join(u", "_s)));
    else
        m_fields->error(m_path, node,
                        u"%1 has %2: keep exactly one"_s.arg(what, present.join(u" and "_s)));
    return std::nullopt;
}

} // namespace berth::manifest
