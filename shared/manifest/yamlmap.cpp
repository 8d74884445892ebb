#include "manifest/yamlmap.h"

#include "manifest/importhelpers.h"

using namespace Qt::StringLiterals;

namespace berth::manifest {

namespace {

constexpr int MaxMergeDepth = 8;

} // namespace

YamlMap::YamlMap(ImportContext &context, const YamlField &field)
    : m_context(context)
    , m_field(field)
{
    if (field.isEmpty())
        return;
    if (!field.node.IsMap()) {
        m_context.warn(field, u"`%1` should be a mapping of keys to values: it is ignored"_s.arg(
                                  field.path.isEmpty() ? u"(document)"_s : field.path));
        return;
    }
    m_isMap = true;
    collect(field, 0);
}

void YamlMap::collect(const YamlField &mapField, int mergeDepth)
{
    QList<YamlField> merges;
    m_context.tooManyEntries(mapField);
    for (const auto &entry : mapField.node) {
        if (std::size_t(m_entries.size()) >= ImportContext::MaxEntries)
            break;
        m_context.charge(1);
        const YAML::Node &keyNode = entry.first;
        SourceLocation location = ImportContext::locationOf(keyNode);
        if (!location.isKnown())
            location = mapField.location;
        if (!keyNode.IsScalar()) {
            m_context.report(Severity::Warning, m_field.path, location,
                             u"a key that is not a plain name is ignored"_s);
            continue;
        }
        const QString key = QString::fromStdString(keyNode.Scalar());
        m_context.charge(key.size());
        const YamlField child{entry.second, joinPath(m_field.path, key), key, location, true};
        if (key == u"<<") {
            merges.append(child);
            continue;
        }
        if (m_index.contains(key)) {
            // Keys written in the map itself win over merged ones silently, as YAML says.
            if (mergeDepth == 0)
                m_context.warn(child, u"`%1` appears twice: the first one is used"_s.arg(key));
            continue;
        }
        m_index.insert(key, m_entries.size());
        m_entries.append(Entry{child});
    }
    for (const YamlField &merge : merges) {
        if (mergeDepth >= MaxMergeDepth) {
            m_context.warn(merge, u"merge keys nest too deeply: this one is ignored"_s);
            continue;
        }
        if (merge.node.IsMap()) {
            collect(merge, mergeDepth + 1);
            continue;
        }
        if (merge.node.IsSequence()) {
            bool allMaps = true;
            for (const YamlField &item : m_context.elements(merge)) {
                if (item.node.IsMap())
                    collect(item, mergeDepth + 1);
                else
                    allMaps = false;
            }
            if (allMaps)
                continue;
        }
        m_context.warn(merge, u"a merge key (<<) must name a mapping or a list of mappings: "
                              u"the part that is not one is ignored"_s);
    }
}

bool YamlMap::contains(std::string_view key) const
{
    return m_index.contains(QString::fromUtf8(key.data(), qsizetype(key.size())));
}

YamlField YamlMap::take(std::string_view key)
{
    const QString name = QString::fromUtf8(key.data(), qsizetype(key.size()));
    if (const auto it = m_index.constFind(name); it != m_index.cend()) {
        Entry &entry = m_entries[*it];
        entry.used = true;
        return entry.field;
    }
    return YamlField{YAML::Node(), joinPath(m_field.path, name), name, m_field.location, false};
}

QList<YamlField> YamlMap::takeAll()
{
    QList<YamlField> result;
    for (Entry &entry : m_entries) {
        if (!entry.used) {
            entry.used = true;
            result.append(entry.field);
        }
    }
    return result;
}

QStringList YamlMap::remainingKeys() const
{
    QStringList keys;
    for (const Entry &entry : m_entries) {
        if (!entry.used)
            keys.append(entry.field.key);
    }
    return keys;
}

void YamlMap::warnUnused(const std::function<QString(const YamlField &)> &message)
{
    for (const YamlField &field : takeAll()) {
        m_context.warn(field, message ? message(field) : importing::noEquivalent(field.key));
    }
}

} // namespace berth::manifest
