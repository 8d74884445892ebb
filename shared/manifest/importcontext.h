#pragma once

// Shared plumbing of the importers (compose, Kubernetes, Akash): walking a
// yaml-cpp tree with field paths and source locations, and collecting the
// diagnostics that tell the user what was mapped and what was not.

#include "manifest/diagnostic.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <functional>
#include <optional>
#include <yaml-cpp/yaml.h>

namespace berth::manifest {

// A node of the source document with its field path ("services.web.ports[0]")
// and its location (of the key for a mapping entry, of the node otherwise).
struct YamlField
{
    YAML::Node node; // a Null node when absent
    QString path;
    QString key;             // the mapping key this field was found under, if any
    SourceLocation location; // of the parent when absent
    bool present = false;

    explicit operator bool() const { return present; }
    bool isMap() const { return present && node.IsMap(); }
    bool isSequence() const { return present && node.IsSequence(); }
    bool isScalar() const { return present && node.IsScalar(); }
    // Absent, or written without a value ("key:" or "key: ~").
    bool isEmpty() const { return !present || node.IsNull(); }
};

// Thrown by ImportContext::charge() when a document expands (through YAML
// aliases) into more work than its size allows; importManifest() catches it.
struct ImportBudgetExceeded
{};

class ImportContext
{
public:
    // Characters copied out of the document plus nodes visited. A 1 MiB file
    // without aliases stays far below; aliases cannot multiply it without end.
    static constexpr std::int64_t WorkBudget = 64 * 1024 * 1024;
    // Entries read from one list or mapping. Every list of a pod is far shorter
    // (at most 256 env entries); this keeps the importers' work linear.
    static constexpr std::size_t MaxEntries = 1024;

    static SourceLocation locationOf(const YAML::Node &node);
    // The whole document as a field (path "").
    YamlField root(const YAML::Node &document);
    // The i-th element of a sequence field.
    YamlField element(const YamlField &sequence, std::size_t index, const YAML::Node &node);
    // The elements of a sequence field; a warning and nothing when it is not one.
    QList<YamlField> elements(const YamlField &field);

    void warn(const YamlField &field, const QString &message);
    void error(const YamlField &field, const QString &message);
    void report(Severity severity, const QString &path, SourceLocation location,
                const QString &message);
    const QList<Diagnostic> &diagnostics() const { return m_diagnostics; }
    QList<Diagnostic> takeDiagnostics() { return std::exchange(m_diagnostics, {}); }

    // Typed reads. A value of the wrong type is reported as a warning ("...
    // is ignored") and reads as nullopt; an empty value reads as nullopt silently.
    std::optional<QString> string(const YamlField &field);
    std::optional<std::int64_t> integer(const YamlField &field, std::int64_t min, std::int64_t max);
    std::optional<bool> boolean(const YamlField &field);
    // A sequence of scalars ("[a, b]"); nullopt when it is something else.
    std::optional<QStringList> stringList(const YamlField &field);
    // Kubernetes-style quantities ("500m", "0.5"; "512Mi", "1G"), reported when they are not.
    std::optional<std::int64_t> cpuMillis(const YamlField &field);
    std::optional<std::int64_t> bytes(const YamlField &field);
    // The text of a scalar child of a mapping node, or "" (for telling documents apart).
    static QString scalarChild(const YAML::Node &map, const char *key);

    // Applied to every scalar string() reads (compose interpolates ${VAR}).
    using ScalarFilter = std::function<QString(const QString &text, const YamlField &field)>;
    void setScalarFilter(ScalarFilter filter) { m_scalarFilter = std::move(filter); }

    void charge(std::int64_t units);
    // Reports a list or mapping with more than MaxEntries entries; true when it has.
    bool tooManyEntries(const YamlField &field);

private:
    QList<Diagnostic> m_diagnostics;
    ScalarFilter m_scalarFilter;
    std::int64_t m_work = 0;
};

} // namespace berth::manifest
