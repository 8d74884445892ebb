// The one way Berth's stores open their SQLite files (core/sqlitefile.h):
// owner-only folder and file, write-ahead log, pragmas, clean failure.
#include "core/sqlitefile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace berth;
using namespace Qt::StringLiterals;

namespace {

QString pragma(const QString &connection, const QString &name)
{
    QSqlQuery q(QSqlDatabase::database(connection, false));
    if (!q.exec(u"PRAGMA "_s + name) || !q.next())
        return {};
    return q.value(0).toString();
}

// The POSIX mode bits, e.g. 0600.
int modeOf(const QString &path)
{
    struct stat st
    {};
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? int(st.st_mode & 07777) : -1;
}

} // namespace

class TestSqliteFile : public QObject
{
    Q_OBJECT

private slots:
    void opensOwnerOnlyWithWal()
    {
        QTemporaryDir temp;
        const QString path = temp.filePath(u"new/folder/store.sqlite"_s);
        const QString name = uniqueConnectionName(u"test"_s);
        QVERIFY(name.startsWith(u"test-"_s));
        QVERIFY(name != uniqueConnectionName(u"test"_s));
        const auto opened = openSqlite(
            name, SqliteFile{path, u"test store"_s, {u"PRAGMA cache_size=-1024"_s}, false});
        QVERIFY2(opened.ok(), qPrintable(opened ? QString() : opened.error().message));
        QCOMPARE(modeOf(path), 0600);
        QCOMPARE(modeOf(QFileInfo(path).absolutePath()), 0700);
        QCOMPARE(pragma(name, u"journal_mode"_s), u"wal"_s);
        QCOMPARE(pragma(name, u"synchronous"_s), u"1"_s); // NORMAL
        QCOMPARE(pragma(name, u"busy_timeout"_s), u"5000"_s);
        QCOMPARE(pragma(name, u"cache_size"_s), u"-1024"_s);
        closeSqlite(name);
        QVERIFY(!QSqlDatabase::contains(name));
    }

    void existingFolderIsLeftUnlessAsked()
    {
        QTemporaryDir temp;
        const QString folder = temp.filePath(u"shared"_s);
        QVERIFY(QDir().mkpath(folder));
        const auto open = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                          QFile::ReadGroup | QFile::ExeGroup | QFile::ReadOther | QFile::ExeOther;
        QVERIFY(QFile::setPermissions(folder, open));
        const QString a = uniqueConnectionName(u"test"_s);
        QVERIFY(openSqlite(a, SqliteFile{folder + u"/a.sqlite"_s, u"a"_s, {}, false}).ok());
        QCOMPARE(modeOf(folder), 0755);
        const QString b = uniqueConnectionName(u"test"_s);
        QVERIFY(openSqlite(b, SqliteFile{folder + u"/b.sqlite"_s, u"b"_s, {}, true}).ok());
        QCOMPARE(modeOf(folder), 0700);
        closeSqlite(a);
        closeSqlite(b);
    }

    void failureSaysWhichStoreAndLeavesNoConnection()
    {
        QTemporaryDir temp;
        const QString blocker = temp.filePath(u"file"_s);
        QFile f(blocker);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        const QString name = uniqueConnectionName(u"test"_s);
        const auto opened =
            openSqlite(name, SqliteFile{blocker + u"/x/s.sqlite"_s, u"my store"_s, {}, false});
        QVERIFY(!opened.ok());
        QCOMPARE(opened.error().code, ErrorCode::IoFailed);
        QVERIFY2(opened.error().message.startsWith(u"my store: cannot create the folder"_s),
                 qPrintable(opened.error().message));
        QVERIFY(!QSqlDatabase::contains(name));

        // Not a database: opening works lazily in SQLite, the WAL switch fails.
        const QString junk = temp.filePath(u"junk.sqlite"_s);
        QFile j(junk);
        QVERIFY(j.open(QIODevice::WriteOnly));
        j.write(QByteArray(4096, 'x'));
        j.close();
        const QString other = uniqueConnectionName(u"test"_s);
        const auto bad = openSqlite(other, SqliteFile{junk, u"my store"_s, {}, false});
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().message.startsWith(u"my store: "_s), qPrintable(bad.error().message));
        QVERIFY(!QSqlDatabase::contains(other));
    }
};

QTEST_GUILESS_MAIN(TestSqliteFile)
#include "tst_sqlitefile.moc"
