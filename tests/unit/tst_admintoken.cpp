// The admin token (shared/admin/admintoken): made once, owner-only, kept; a file
// that others can read or that holds something else is refused.
#include "admin/admintoken.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace Qt::StringLiterals;
using berth::ErrorCode;
using berth::admin::AdminToken;

namespace {

int modeOf(const QString &path)
{
    struct stat info
    {};
    return ::stat(QFile::encodeName(path).constData(), &info) == 0 ? int(info.st_mode & 0777) : -1;
}

QByteArray contentOf(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void writeFile(const QString &path, const QByteArray &content, QFile::Permissions permissions)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(content);
    file.close();
    QVERIFY(file.setPermissions(permissions));
}

} // namespace

class TestAdminToken : public QObject
{
    Q_OBJECT

private slots:
    void madeOnceOwnerOnlyAndKept()
    {
        QTemporaryDir dir;
        const QString path = AdminToken::fileIn(dir.path());
        QCOMPARE(path, dir.filePath(u"admin.token"_s));
        auto made = AdminToken::loadOrCreate(path);
        QVERIFY2(made.ok(), qPrintable(made ? QString() : made.error().message));
        QCOMPARE(modeOf(path), 0600);
        const QByteArray content = contentOf(path);
        QVERIFY2(QRegularExpression(u"^[0-9a-f]{64}\\n$"_s)
                     .match(QString::fromLatin1(content))
                     .hasMatch(),
                 content.constData());
        QCOMPARE(made->text().toByteArray(), content.trimmed());
        QVERIFY(made->matches(content.trimmed()));
        QVERIFY(!made->matches(QByteArray(64, '0')));
        QVERIFY(!made->matches(content.trimmed().left(63)));
        QVERIFY(!made->matches({}));

        // The second start reads it back.
        auto again = AdminToken::loadOrCreate(path);
        QVERIFY(again.ok());
        QCOMPARE(again->text().toByteArray(), made->text().toByteArray());
        QCOMPARE(contentOf(path), content);

        // Two data folders, two tokens.
        QTemporaryDir other;
        auto second = AdminToken::loadOrCreate(AdminToken::fileIn(other.path()));
        QVERIFY(second.ok());
        QVERIFY(second->text().toByteArray() != made->text().toByteArray());
    }

    void refusesAFileOthersCanRead()
    {
        QTemporaryDir dir;
        const QString path = AdminToken::fileIn(dir.path());
        writeFile(path, QByteArray(64, 'a') + '\n',
                  QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup);
        auto token = AdminToken::loadOrCreate(path);
        QVERIFY(!token);
        QCOMPARE(token.error().code, ErrorCode::ValidationFailed);
        QVERIFY2(token.error().message.contains(u"chmod 600"_s), qPrintable(token.error().message));
        QCOMPARE(contentOf(path), QByteArray(64, 'a') + '\n'); // not replaced
    }

    void refusesSomethingElse()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"admin.token"_s);
        writeFile(path, "hunter2\n", QFile::ReadOwner | QFile::WriteOwner);
        auto token = AdminToken::read(path);
        QVERIFY(!token);
        QCOMPARE(token.error().code, ErrorCode::ParseFailed);
        QVERIFY2(token.error().message.contains(u"does not hold an admin token (64 hex digits)"_s),
                 qPrintable(token.error().message));
        QCOMPARE(AdminToken::read(dir.filePath(u"missing"_s)).error().code, ErrorCode::NotFound);
    }

    void theDefaultFileIsInBerthdsDataDir()
    {
        QVERIFY(AdminToken::defaultFile().endsWith(u"/berth/admin.token"_s));
    }
};

QTEST_GUILESS_MAIN(TestAdminToken)
#include "tst_admintoken.moc"
