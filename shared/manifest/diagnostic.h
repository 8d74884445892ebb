#pragma once

#include <QHash>
#include <QList>
#include <QString>

namespace berth::manifest {

// 1-based line and column in the source file; 0 when unknown.
struct SourceLocation
{
    int line = 0;
    int column = 0;
    bool isKnown() const { return line > 0; }
    bool operator==(const SourceLocation &) const = default;
};

// Where each field of a parsed document came from, keyed by field path
// ("containers[1].ports[0].containerPort"). Lets rules that run on the model
// report the line and column of what they complain about.
class SourceMap
{
public:
    // The first location recorded for a path stays.
    void insert(const QString &path, SourceLocation location)
    {
        if (!m_locations.contains(path))
            m_locations.insert(path, location);
    }
    // The location of path, or of its nearest ancestor that has one.
    SourceLocation locate(const QString &path) const;
    bool isEmpty() const { return m_locations.isEmpty(); }

private:
    QHash<QString, SourceLocation> m_locations;
};

enum class Severity
{
    Error,
    Warning
};

// One problem found in a manifest or an imported file. The message says what is
// wrong and what to do about it.
struct Diagnostic
{
    Severity severity = Severity::Error;
    QString path; // field path; empty for the document as a whole
    SourceLocation location;
    QString message;
    bool operator==(const Diagnostic &) const = default;
};

// "FILE:LINE:COL: PATH: message" (the format of `berthctl manifest validate`).
QString formatDiagnostic(const QString &file, const Diagnostic &diagnostic);

bool hasErrors(const QList<Diagnostic> &diagnostics);

// In file order (stable: diagnostics at one place keep their order).
void sortByLocation(QList<Diagnostic> &diagnostics);

// Fills in unknown locations from the source map.
void locateAll(QList<Diagnostic> &diagnostics, const SourceMap &map);

// Path helpers: join("containers", 1) == "containers[1]", join("a", "b") == "a.b".
QString joinPath(const QString &parent, const QString &field);
QString joinPath(const QString &parent, qsizetype index);

} // namespace berth::manifest
