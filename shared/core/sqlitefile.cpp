#include "core/sqlitefile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <atomic>
#include <fcntl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace berth {

namespace {

constexpr auto OwnerOnlyFolder = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;

Result<void> preparePaths(const SqliteFile &file)
{
    const QString folder = QFileInfo(file.path).absolutePath();
    const bool existed = QFileInfo::exists(folder);
    if (!existed && !QDir().mkpath(folder))
        return Error(ErrorCode::IoFailed,
                     u"%1: cannot create the folder %2"_s.arg(file.what, folder));
    if ((!existed || file.ownerOnlyFolder) && !QFile::setPermissions(folder, OwnerOnlyFolder))
        return Error(ErrorCode::IoFailed,
                     u"%1: cannot make the folder %2 owner-only (0700)"_s.arg(file.what, folder));
    if (!QFileInfo::exists(file.path)) {
        const QByteArray native = QFile::encodeName(file.path);
        const int fd = ::open(native.constData(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
        if (fd < 0)
            return Error(ErrorCode::IoFailed, u"%1: cannot create %2"_s.arg(file.what, file.path));
        ::close(fd);
    }
    if (!QFile::setPermissions(file.path, QFile::ReadOwner | QFile::WriteOwner))
        return Error(ErrorCode::IoFailed,
                     u"%1: cannot make %2 owner-only (0600)"_s.arg(file.what, file.path));
    return {};
}

Result<void> configure(QSqlDatabase &db, const SqliteFile &file)
{
    QSqlQuery q(db);
    if (!q.exec(u"PRAGMA journal_mode=WAL"_s) || !q.next() ||
        q.value(0).toString().compare("wal"_L1, Qt::CaseInsensitive) != 0)
        return Error(ErrorCode::IoFailed,
                     u"%1: %2 cannot use a write-ahead log (is it on a network file system?)"_s.arg(
                         file.what, file.path));
    q.finish();
    // Losing the last writes in a power cut is acceptable; waiting on fsync is not.
    QStringList pragmas{u"PRAGMA synchronous=NORMAL"_s, u"PRAGMA busy_timeout=5000"_s};
    pragmas += file.extraPragmas;
    for (const QString &pragma : std::as_const(pragmas)) {
        if (!q.exec(pragma))
            return sqliteError(file.what, pragma, q.lastError());
        q.finish();
    }
    return {};
}

} // namespace

Error sqliteError(const QString &what, const QString &step, const QSqlError &error)
{
    return Error(ErrorCode::IoFailed, u"%1: %2: %3"_s.arg(what, step, error.text().trimmed()));
}

QString uniqueConnectionName(const QString &prefix)
{
    static std::atomic<int> counter{0};
    return u"%1-%2"_s.arg(prefix).arg(++counter);
}

Result<void> openSqlite(const QString &connectionName, const SqliteFile &file)
{
    if (auto prepared = preparePaths(file); !prepared)
        return prepared.error();
    Result<void> opened;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, connectionName);
        if (!db.isValid()) {
            opened = Error(
                ErrorCode::Unavailable,
                u"%1: Qt's SQLite driver is missing (install libqt6sql6-sqlite)"_s.arg(file.what));
        } else {
            db.setDatabaseName(file.path);
            opened = db.open()
                         ? configure(db, file)
                         : sqliteError(file.what, u"cannot open "_s + file.path, db.lastError());
        }
    }
    if (!opened)
        closeSqlite(connectionName);
    return opened;
}

void closeSqlite(const QString &connectionName)
{
    {
        QSqlDatabase db = QSqlDatabase::database(connectionName, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(connectionName);
}

} // namespace berth
