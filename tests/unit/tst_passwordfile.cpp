#include "crypto/passwordfile.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::crypto;

class TestPasswordFile : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString writeFile(const QString &name, const QByteArray &content, mode_t mode = 0600)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            f.write(content) != content.size())
            qFatal("cannot write %s", qPrintable(path));
        f.close();
        ::chmod(QFile::encodeName(path).constData(), mode);
        return path;
    }

private slots:
    void init() { qunsetenv("CREDENTIALS_DIRECTORY"); }

    void readsThePasswordAndStripsOneNewline()
    {
        auto pw = readPasswordFile(writeFile(u"pw"_s, "hunter2\n"));
        QVERIFY(pw.ok());
        QCOMPARE(pw->view().toByteArray(), "hunter2"_ba);
    }

    void keepsEverythingButOneTrailingNewline()
    {
        auto pw = readPasswordFile(writeFile(u"pw2"_s, " two words \n\n"));
        QVERIFY(pw.ok());
        QCOMPARE(pw->view().toByteArray(), " two words \n"_ba);
        auto crlf = readPasswordFile(writeFile(u"pw3"_s, "dos\r\n"));
        QVERIFY(crlf.ok());
        QCOMPARE(crlf->view().toByteArray(), "dos"_ba);
        auto none = readPasswordFile(writeFile(u"pw4"_s, "no-newline"));
        QCOMPARE(none->view().toByteArray(), "no-newline"_ba);
    }

    void refusesAFileOthersCanRead()
    {
        const QString path = writeFile(u"open"_s, "secret\n", 0644);
        auto pw = readPasswordFile(path);
        QCOMPARE(pw.error().code, ErrorCode::ValidationFailed);
        QCOMPARE(pw.error().message,
                 u"the password file %1 can be accessed by other users (mode 0644): run "
                 u"\"chmod 600 %1\" and try again"_s.arg(path));
        QCOMPARE(readPasswordFile(writeFile(u"group"_s, "secret\n", 0640)).error().code,
                 ErrorCode::ValidationFailed);
        QVERIFY(readPasswordFile(writeFile(u"readonly"_s, "secret\n", 0400)).ok());
    }

    void missingFileIsNotFound()
    {
        const QString path = m_dir.filePath(u"absent"_s);
        auto pw = readPasswordFile(path);
        QCOMPARE(pw.error().code, ErrorCode::NotFound);
        QCOMPARE(pw.error().message,
                 u"the password file %1 does not exist: fix the password file setting (berthd: "
                 u"wallet.passwordFile) or the --password-file option"_s.arg(path));
    }

    void refusesEmptyAndOversizedFiles()
    {
        const QString empty = writeFile(u"empty"_s, "\n");
        QCOMPARE(
            readPasswordFile(empty).error().message,
            u"the password file %1 is empty: write the keystore password into it"_s.arg(empty));
        const QString big = writeFile(u"big"_s, QByteArray(MaxPasswordFileSize + 1, 'x'));
        auto pw = readPasswordFile(big);
        QCOMPARE(pw.error().code, ErrorCode::TooLarge);
        QVERIFY(pw.error().message.contains(u"at most 4096 bytes"_s));
        QVERIFY(readPasswordFile(writeFile(u"max"_s, QByteArray(MaxPasswordFileSize, 'x'))).ok());
    }

    void refusesADirectory()
    {
        QDir(m_dir.path()).mkdir(u"sub"_s);
        ::chmod(QFile::encodeName(m_dir.filePath(u"sub"_s)).constData(), 0700);
        auto pw = readPasswordFile(m_dir.filePath(u"sub"_s));
        QCOMPARE(pw.error().code, ErrorCode::InvalidArgument);
        QVERIFY(pw.error().message.contains(u"is not a regular file"_s));
    }

    void systemdCredentialNeedsTheVariable()
    {
        auto pw = readSystemdCredential(u"berth-keystore"_s);
        QCOMPARE(pw.error().code, ErrorCode::NotFound);
        QCOMPARE(
            pw.error().message,
            u"cannot read the systemd credential \"berth-keystore\": CREDENTIALS_DIRECTORY "
            u"is not set (the service was not started by systemd with "
            u"LoadCredential=berth-keystore:...); use a password file (berthd: wallet.passwordFile) instead"_s);
    }

    void systemdCredentialIsRead()
    {
        QTemporaryDir creds;
        QFile f(creds.filePath(u"berth-keystore"_s));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("from systemd\n");
        f.close();
        qputenv("CREDENTIALS_DIRECTORY", QFile::encodeName(creds.path()));
        auto pw = readSystemdCredential(u"berth-keystore"_s);
        QVERIFY(pw.ok());
        QCOMPARE(pw->view().toByteArray(), "from systemd"_ba);

        auto missing = readSystemdCredential(u"other"_s);
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
        QCOMPARE(missing.error().message,
                 u"the systemd credential \"other\" is not in %1: add LoadCredential=other:FILE "
                 u"to the service's unit"_s.arg(creds.path()));
        QCOMPARE(readSystemdCredential(u"../etc/passwd"_s).error().code,
                 ErrorCode::InvalidArgument);
    }
};

QTEST_GUILESS_MAIN(TestPasswordFile)
#include "tst_passwordfile.moc"
