#pragma once

#include "core/result.h"

#include <QString>
#include <QStringList>

QT_BEGIN_NAMESPACE
class QSqlError;
QT_END_NAMESPACE

namespace berth {

// How every Berth store keeps its SQLite file (berthd's state and metrics, the
// publisher's records, the market index), written once.
struct SqliteFile
{
    QString path;
    QString what;             // names the store in messages: "state store"
    QStringList extraPragmas; // run after the common ones, e.g. "PRAGMA cache_size=-65536"
    // Also make an existing folder owner-only (berthd's data directory);
    // a folder made here is always 0700.
    bool ownerOnlyFolder = false;
};

// "<what>: <step>: <driver text>" as IoFailed.
Error sqliteError(const QString &what, const QString &step, const QSqlError &error);

// A connection name of its own per call: "<prefix>-<n>".
QString uniqueConnectionName(const QString &prefix);

// Makes the folder, creates the file owner-only (0600) before SQLite opens it
// (SQLite gives its -wal and -shm files the file's mode), opens it as
// `connectionName` on this thread, and sets the write-ahead log (checked: a
// network file system refuses it), synchronous=NORMAL, a 5 s busy timeout, then
// the extra pragmas. Errors: Unavailable without Qt's SQLite driver, IoFailed
// otherwise; the connection is removed again on failure.
Result<void> openSqlite(const QString &connectionName, const SqliteFile &file);

// Closes and removes a connection openSqlite made (a store's destructor).
void closeSqlite(const QString &connectionName);

} // namespace berth
