#pragma once

#include "manifest/diagnostic.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <yaml-cpp/yaml.h>

namespace berth::manifest {

class MappingFields;

// Typed, located reading of a yaml-cpp document: every value read records its
// line and column in a SourceMap, and every type mistake becomes a Diagnostic
// with the field path and a hint, so a reader can go on and report all of them.
class YamlFields
{
public:
    YamlFields(QList<Diagnostic> &diagnostics, SourceMap &sourceMap)
        : m_diagnostics(diagnostics)
        , m_sourceMap(sourceMap)
    {}

    // The entries of a mapping by key. Reports unknown keys (with a did-you-mean
    // suggestion among known) and duplicate keys. nullopt when node is not a
    // mapping (reported) ; an empty map when it is absent or null.
    std::optional<QHash<QString, YAML::Node>> mapping(const YAML::Node &node, const QString &path,
                                                      const QStringList &known);

    // mapping() as a view that reads fields by key; nullopt when node is not a mapping.
    std::optional<MappingFields> fieldsOf(const YAML::Node &node, const QString &path,
                                          const QStringList &known);

    // The items of a sequence; empty when absent or null; nullopt (reported) when
    // node is something else.
    std::optional<QList<YAML::Node>> sequence(const YAML::Node &node, const QString &path);

    // Scalars. nullopt when absent or null (not reported: the caller knows whether
    // the field is required) or when the value has the wrong type (reported).
    std::optional<QString> text(const YAML::Node &node, const QString &path);
    std::optional<std::int64_t> integer(const YAML::Node &node, const QString &path);
    std::optional<int> smallInteger(const YAML::Node &node, const QString &path);
    std::optional<bool> boolean(const YAML::Node &node, const QString &path);
    std::optional<QStringList> textList(const YAML::Node &node, const QString &path);
    std::optional<std::int64_t> cpuMillis(const YAML::Node &node, const QString &path);
    std::optional<std::int64_t> bytes(const YAML::Node &node, const QString &path);

    void error(const QString &path, const YAML::Node &node, const QString &message);

    // Work allowed per document, in characters read plus nodes visited: a 1 MiB
    // file uses at most about 2M; YAML aliases could otherwise make a small file
    // expand into billions ("billion laughs").
    static constexpr std::int64_t WorkBudget = 16 * 1024 * 1024;
    void record(const QString &path, const YAML::Node &node);

    static bool isPresent(const YAML::Node &node) { return node.IsDefined() && !node.IsNull(); }
    static QString describe(const YAML::Node &node); // "a list", "text \"80\"", ...

private:
    // Adds the fields of node (and of the mappings it merges with "<<") to entries.
    void collectEntries(const YAML::Node &node, const QString &path, const QStringList &known,
                        QHash<QString, YAML::Node> &entries, bool merged, int mergeDepth);
    bool expectScalar(const YAML::Node &node, const QString &path, const QString &expected);
    // Counts work against WorkBudget; false (reported once) when it is spent.
    bool spend(std::int64_t units, const YAML::Node &node, const QString &path);

    QList<Diagnostic> &m_diagnostics;
    SourceMap &m_sourceMap;
    std::int64_t m_work = 0;
};

// The fields of one mapping, read by key: each read knows its path ("parent.key")
// and reports through the YamlFields it came from. Absent fields read as the
// fallback.
class MappingFields
{
public:
    MappingFields(YamlFields &fields, QHash<QString, YAML::Node> entries, QString path)
        : m_fields(&fields)
        , m_entries(std::move(entries))
        , m_path(std::move(path))
    {}

    bool has(const QString &key) const { return m_entries.contains(key); }
    YAML::Node node(const QString &key) const { return m_entries.value(key); }
    QString path(const QString &key) const { return joinPath(m_path, key); }
    const QString &path() const { return m_path; }

    QString text(const QString &key, const QString &fallback = {}) const
    {
        return m_fields->text(node(key), path(key)).value_or(fallback);
    }
    int integer(const QString &key, int fallback) const
    {
        return m_fields->smallInteger(node(key), path(key)).value_or(fallback);
    }
    std::optional<int> optionalInteger(const QString &key) const
    {
        return m_fields->smallInteger(node(key), path(key));
    }
    bool boolean(const QString &key, bool fallback) const
    {
        return m_fields->boolean(node(key), path(key)).value_or(fallback);
    }
    QStringList textList(const QString &key) const
    {
        return m_fields->textList(node(key), path(key)).value_or(QStringList());
    }
    std::int64_t cpuMillis(const QString &key) const
    {
        return m_fields->cpuMillis(node(key), path(key)).value_or(0);
    }
    std::int64_t bytes(const QString &key) const
    {
        return m_fields->bytes(node(key), path(key)).value_or(0);
    }
    // The one key of choices that is present ("emptyDir: {}" and a bare
    // "emptyDir:" both count); reports none or several at node.
    std::optional<QString> oneOf(const QStringList &choices, const YAML::Node &node,
                                 const QString &what) const;

private:
    YamlFields *m_fields;
    QHash<QString, YAML::Node> m_entries;
    QString m_path;
};

} // namespace berth::manifest
