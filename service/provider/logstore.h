#pragma once

#include "core/result.h"
#include "provider/runtime.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace berth::provider {

// Where the kept output of one container stops: the time of its newest stored
// line and every (stream, text) stored at exactly that time. Podman's `since`
// has whole seconds and its lines carry milliseconds here, so lines at the
// boundary come back again; the multiset tells which of them are stored.
struct LogCursor
{
    QDateTime last; // UTC; invalid: nothing stored yet
    QList<std::pair<QString, QString>> boundary;
};

// The output of a provider's containers kept on disk, so that it outlives the
// containers, pod replacements, berthd restarts and the deployment itself
// (docs/provider.md, "Logs"). One folder per deployment (0700):
//   <root>/<deployment>/current.jsonl   newest lines, one JSON object per line (0600)
//   <root>/<deployment>/previous.jsonl  the lines before them (0600)
//   <root>/<deployment>/cursors.json    where each container stopped, at the last rotation
// A line is {"t": "2026-11-25T17:03:12.123Z", "c": container, "s": "out"|"err",
// "x": text}. When current.jsonl would pass half of what the cap leaves beside
// cursors.json it becomes previous.jsonl (the old previous goes), so a
// deployment never holds more than maxBytesPerDeployment and the newest lines
// are kept.
//
// It holds only what containers printed, nothing berthd handled itself. Not
// thread-safe: use it from one thread.
class LogStore
{
public:
    static constexpr qint64 MinBytesPerDeployment = 64 * 1024;
    static constexpr qint64 DefaultBytesPerDeployment = 16 * 1024 * 1024;
    static constexpr int MaxTextBytes = 16 * 1024;   // longer lines are cut
    static constexpr int MaxCursorsBytes = 8 * 1024; // cursors.json, within the cap

    // root is created owner-only when the first line is stored.
    explicit LogStore(QString root, qint64 maxBytesPerDeployment = DefaultBytesPerDeployment);

    const QString &root() const { return m_root; }
    qint64 maxBytesPerDeployment() const { return m_maxBytes; }
    QString folderOf(const QString &deploymentId) const;

    // Stores what the runtime read of a deployment's containers (each
    // container's lines in time order, as Runtime::logs returns them), skipping
    // lines stored already: older than the container's cursor, or at its time
    // and in its boundary. The lines it stored, in order.
    Result<QList<LogLine>> append(const QString &deploymentId, const QList<LogLine> &lines);

    // Where each container of a deployment stops (read from its files once).
    QHash<QString, LogCursor> cursors(const QString &deploymentId);

    // The kept lines, oldest first: per container (query.container, or all)
    // the newest query.tail lines at or after query.since.
    Result<QList<LogLine>> read(const QString &deploymentId, const LogQuery &query) const;

    // The containers with kept lines, sorted.
    QStringList containers(const QString &deploymentId) const;

    // Whether anything is kept for the deployment (its folder exists).
    bool holds(const QString &deploymentId) const;
    // Deployment ids with a folder here.
    QStringList deployments() const;
    // When the deployment's files were last written (invalid without files).
    QDateTime lastWritten(const QString &deploymentId) const;
    // Bytes the deployment's files take.
    qint64 bytesOf(const QString &deploymentId) const;
    Result<void> remove(const QString &deploymentId);

    // The file format of one line; decodeLine is nullopt for anything else
    // (a line torn by a crash is skipped).
    static QByteArray encodeLine(const LogLine &line);
    static std::optional<LogLine> decodeLine(QByteArrayView bytes);

private:
    struct Kept
    {
        bool loaded = false;
        QHash<QString, LogCursor> cursors;
        qint64 currentBytes = 0;
    };

    Kept &load(const QString &deploymentId);
    Result<void> ensureFolder(const QString &deploymentId) const;
    Result<void> rotate(const QString &deploymentId, Kept &kept);
    QByteArray fitted(const LogLine &line) const;

    QString m_root;
    qint64 m_maxBytes;
    QHash<QString, Kept> m_kept;
};

} // namespace berth::provider
