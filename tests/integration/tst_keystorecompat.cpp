#include "crypto/keystore.h"

#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::crypto;

// Keystores written by Berth open in Foundry's cast, and the other way round.
class TestKeystoreCompat : public QObject
{
    Q_OBJECT

private:
    const QString m_cast = QStringLiteral(BERTH_CAST_PATH);

    // Runs cast; returns trimmed stdout, or fails the test with stderr.
    bool runCast(const QStringList &args, QString *out, int expectedExit = 0)
    {
        QProcess p;
        p.start(m_cast, args);
        if (!p.waitForFinished(60000)) {
            qWarning() << "cast timed out" << args.first();
            return false;
        }
        *out = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
        const QString err = QString::fromUtf8(p.readAllStandardError());
        if (p.exitStatus() != QProcess::NormalExit || (p.exitCode() == 0) != (expectedExit == 0)) {
            qWarning().noquote() << "cast" << args.mid(0, 2).join(u' ') << "exit" << p.exitCode()
                                 << err;
            return false;
        }
        return true;
    }

    static QString keyHex(const PrivateKey &key)
    {
        return u"0x"_s + QString::fromLatin1(key.secret().view().toByteArray().toHex());
    }

private slots:
    void initTestCase()
    {
        if (!QFileInfo(m_cast).isExecutable())
            QSKIP("cast is not installed: run npm ci in contracts/");
    }

    void castKeystoreOpensInBerth()
    {
        QTemporaryDir dir;
        const PrivateKey key = PrivateKey::generate();
        QString out;
        QVERIFY(runCast({u"wallet"_s, u"import"_s, u"imported"_s, u"--keystore-dir"_s, dir.path(),
                         u"--private-key"_s, keyHex(key), u"--unsafe-password"_s, u"cast pw"_s},
                        &out));
        QFile f(dir.filePath(u"imported"_s));
        QVERIFY(f.open(QIODevice::ReadOnly));
        auto opened = Keystore::decrypt(f.readAll(), SecretBytes("cast pw"));
        QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().message));
        QCOMPARE(opened->address(), key.address());
        QVERIFY(opened->secret() == key.secret());
    }

    void berthKeystoreOpensInCast_data()
    {
        QTest::addColumn<bool>("standard");
        QTest::newRow("standard scrypt (n=262144)") << true;
        QTest::newRow("light scrypt (n=4096)") << false;
    }

    void berthKeystoreOpensInCast()
    {
        QFETCH(bool, standard);
        QTemporaryDir dir;
        const PrivateKey key = PrivateKey::generate();
        auto json = Keystore::encrypt(key, SecretBytes("berth pw"),
                                      standard ? KdfParams::standard() : KdfParams::light());
        QVERIFY(json.ok());
        const QString path = dir.filePath(u"berth-made"_s);
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(*json);
        f.close();

        QString out;
        QVERIFY(runCast(
            {u"wallet"_s, u"address"_s, u"--keystore"_s, path, u"--password"_s, u"berth pw"_s},
            &out));
        QCOMPARE(out, key.address().toChecksumString());

        QVERIFY(runCast({u"wallet"_s, u"decrypt-keystore"_s, u"--keystore-dir"_s, dir.path(),
                         u"berth-made"_s, u"--unsafe-password"_s, u"berth pw"_s},
                        &out));
        QVERIFY2(out.endsWith(keyHex(key)), "cast decrypted a different key");

        // And cast refuses the wrong password, as Berth does.
        QVERIFY(runCast(
            {u"wallet"_s, u"address"_s, u"--keystore"_s, path, u"--password"_s, u"not it"_s}, &out,
            1));
    }
};

QTEST_GUILESS_MAIN(TestKeystoreCompat)
#include "tst_keystorecompat.moc"
