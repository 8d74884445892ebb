#include "crypto/keychainsecretstore.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QProcess>
#include <QTest>
#include <QTimer>

#include <optional>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::crypto;

// Run by ctest through with-keyring.sh: a private D-Bus session with a fresh,
// unlocked gnome-keyring. noSessionBusIsUnavailable re-runs this binary with no
// reachable session bus.
class TestKeychainSecretStore : public QObject
{
    Q_OBJECT

private:
    // Waits for one asynchronous call (tests only: production code never nests loops).
    template<typename T, typename Start> static std::optional<Result<T>> await(Start start)
    {
        std::optional<Result<T>> result;
        QEventLoop loop;
        QTimer::singleShot(20000, &loop, &QEventLoop::quit);
        start(&loop, [&](Result<T> r) {
            result.emplace(std::move(r));
            loop.quit();
        });
        if (!result)
            loop.exec();
        return result;
    }

    std::optional<Result<SecretBytes>> read(const QString &key)
    {
        return await<SecretBytes>([&](QObject *ctx, auto done) { m_store.read(key, ctx, done); });
    }
    std::optional<Result<void>> write(const QString &key, QByteArrayView value)
    {
        return await<void>(
            [&](QObject *ctx, auto done) { m_store.write(key, SecretBytes(value), ctx, done); });
    }
    std::optional<Result<void>> remove(const QString &key)
    {
        return await<void>([&](QObject *ctx, auto done) { m_store.remove(key, ctx, done); });
    }

    static bool isChild() { return qEnvironmentVariableIsSet("BERTH_KEYCHAIN_TEST_CHILD"); }

    KeychainSecretStore m_store;

private slots:
    void usesTheBerthServiceName() { QCOMPARE(m_store.service(), u"berth"_s); }

    void writeReadOverwriteRemoveRoundTrip()
    {
        if (isChild())
            QSKIP("child run: only noSessionBusIsUnavailable");
        const QString key = u"test/round-trip"_s;
        const QByteArray binary("pass\0word\xff\n", 11);
        auto written = write(key, binary);
        QVERIFY(written);
        QVERIFY2(written->ok(), qPrintable(written->ok() ? QString() : written->error().message));

        auto got = read(key);
        QVERIFY(got && got->ok());
        QCOMPARE((*got)->view().toByteArray(), binary);

        auto overwritten = write(key, "second secret");
        QVERIFY(overwritten && overwritten->ok());
        got = read(key);
        QVERIFY(got && got->ok());
        QCOMPARE((*got)->view().toByteArray(), "second secret"_ba);

        auto removed = remove(key);
        QVERIFY(removed);
        QVERIFY2(removed->ok(), qPrintable(removed->ok() ? QString() : removed->error().message));
        got = read(key);
        QVERIFY(got);
        QCOMPARE(got->error().code, ErrorCode::NotFound);
        QCOMPARE(got->error().message,
                 u"the OS keychain has no entry \"test/round-trip\" for Berth"_s);
    }

    void missingEntryIsNotFound()
    {
        if (isChild())
            QSKIP("child run: only noSessionBusIsUnavailable");
        auto got = read(u"test/never-written"_s);
        QVERIFY(got);
        QCOMPARE(got->error().code, ErrorCode::NotFound);
    }

    void entriesAreSeparateByKey()
    {
        if (isChild())
            QSKIP("child run: only noSessionBusIsUnavailable");
        QVERIFY(write(u"test/a"_s, "alpha")->ok());
        QVERIFY(write(u"test/b"_s, "beta")->ok());
        QCOMPARE((*read(u"test/a"_s))->view().toByteArray(), "alpha"_ba);
        QCOMPARE((*read(u"test/b"_s))->view().toByteArray(), "beta"_ba);
        QVERIFY(remove(u"test/a"_s)->ok());
        QCOMPARE(read(u"test/a"_s)->error().code, ErrorCode::NotFound);
        QCOMPARE((*read(u"test/b"_s))->view().toByteArray(), "beta"_ba);
        QVERIFY(remove(u"test/b"_s)->ok());
    }

    void callbackIsDroppedWithItsContext()
    {
        if (isChild())
            QSKIP("child run: only noSessionBusIsUnavailable");
        bool called = false;
        {
            QObject context;
            m_store.read(u"test/never-written"_s, &context,
                         [&](Result<SecretBytes>) { called = true; });
        }
        // Give the job time to finish: its result must go nowhere.
        QTest::qWait(1000);
        QVERIFY(!called);
    }

    void noSessionBusIsUnavailable()
    {
        if (isChild()) {
            auto got = read(u"test/anything"_s);
            QVERIFY(got);
            QCOMPARE(got->error().code, ErrorCode::Unavailable);
            QVERIFY2(got->error().message.startsWith(u"no OS keychain is reachable ("_s),
                     qPrintable(got->error().message));
            QVERIFY(got->error().message.endsWith(
                u"keep the keystore password in a file (mode 600) and name it with "
                u"wallet.passwordFile in berthd.yaml or --password-file"_s));
            auto written = write(u"test/anything"_s, "x");
            QVERIFY(written);
            QCOMPARE(written->error().code, ErrorCode::Unavailable);
            return;
        }
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"BERTH_KEYCHAIN_TEST_CHILD"_s, u"1"_s);
        env.insert(u"DBUS_SESSION_BUS_ADDRESS"_s, u"unix:path=/nonexistent/berth-no-bus"_s);
        env.remove(u"DISPLAY"_s);
        child.setProcessEnvironment(env);
        child.setProcessChannelMode(QProcess::MergedChannels);
        child.start(QCoreApplication::applicationFilePath(), {u"noSessionBusIsUnavailable"_s});
        QVERIFY(child.waitForFinished(60000));
        const QString output = QString::fromLocal8Bit(child.readAll());
        QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0,
                 qPrintable(output));
        QVERIFY2(output.contains(u"PASS   : TestKeychainSecretStore::noSessionBusIsUnavailable"_s),
                 qPrintable(output));
    }
};

QTEST_GUILESS_MAIN(TestKeychainSecretStore)
#include "tst_keychainsecretstore.moc"
