// scripts/demo, the README's first command, as a user runs it: a devnet, a
// provider with its own Podman and Caddy, the example web site deployed with
// berthctl; the printed URL serves the example's page through the demo's Caddy;
// `scripts/demo --stop` leaves no process and no folder behind. A failure says
// what failed and cleans up too.
//
// The test runs the script with BERTH_DEMO_SKIP_BUILD=1 (no cmake inside
// ctest) and the binaries of this build.
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

// Alive and not a zombie (the demo's services are nobody's children here).
bool processAlive(qint64 pid)
{
    if (pid <= 0 || ::kill(pid_t(pid), 0) != 0)
        return false;
    QFile stat(u"/proc/%1/stat"_s.arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    const qsizetype close = line.lastIndexOf(')');
    return close < 0 || line.mid(close + 2, 1) != "Z";
}

// Processes whose command line names `dir` (the demo's Caddy, Podman and
// berthd all do), as "pid: command".
QStringList processesMentioning(const QString &dir)
{
    QStringList found;
    const QByteArray needle = QFile::encodeName(dir);
    const QStringList entries = QDir(u"/proc"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool isPid = false;
        const qint64 pid = entry.toLongLong(&isPid);
        if (!isPid || pid == QCoreApplication::applicationPid())
            continue;
        QFile cmdline(u"/proc/"_s + entry + u"/cmdline"_s);
        if (!cmdline.open(QIODevice::ReadOnly))
            continue;
        QByteArray line = cmdline.readAll();
        if (line.contains(needle) && processAlive(pid))
            found << entry + u": "_s + QString::fromLocal8Bit(line.replace('\0', ' '));
    }
    return found;
}

// GET / on 127.0.0.1:port with a Host header: the page's body ("" on failure).
QByteArray fetch(const QString &host, quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(u"127.0.0.1"_s, port);
    if (!socket.waitForConnected(3000))
        return {};
    socket.write("GET / HTTP/1.0\r\nHost: " + host.toUtf8() + ':' + QByteArray::number(port) +
                 "\r\n\r\n");
    QByteArray answer;
    while (socket.waitForReadyRead(3000))
        answer += socket.readAll();
    answer += socket.readAll();
    if (!answer.startsWith("HTTP/1.") || !answer.contains(" 200 "))
        return {};
    return answer.mid(answer.indexOf("\r\n\r\n") + 4);
}

} // namespace

class TestDemo : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_script = QDir::cleanPath(QStringLiteral(BERTH_EXAMPLES_DIR "/../../scripts/demo"));

    QString demoDir() const { return m_tmp.filePath(u"demo"_s); }
    QString binDir() const { return m_tmp.filePath(u"bin"_s); }

    Run demo(const QStringList &args, const QString &bin, const QString &dir,
             int timeoutMs = 240000) const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"BERTH_DEMO_DIR"_s, dir);
        env.insert(u"BERTH_DEMO_SKIP_BUILD"_s, u"1"_s);
        env.insert(u"BERTH_SKIP_DEPS"_s, u"1"_s);
        env.insert(u"BERTH_BIN_DIR"_s, bin);
        env.insert(u"BERTH_ANVIL"_s, QStringLiteral(BERTH_ANVIL_PATH));
        QProcess p;
        p.setProcessEnvironment(env);
        p.setStandardInputFile(QProcess::nullDevice());
        p.start(m_script, args);
        Run r;
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished();
            r.err = u"timed out: scripts/demo "_s + args.join(u' ');
            return r;
        }
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }

    // The pids the demo recorded, by service.
    static QMap<QString, qint64> pidsIn(const QString &dir)
    {
        QMap<QString, qint64> pids;
        const QDir pidDir(dir + u"/pids"_s);
        for (const QString &name : pidDir.entryList(QDir::Files)) {
            QFile f(pidDir.filePath(name));
            if (f.open(QIODevice::ReadOnly))
                pids.insert(name, f.readAll().trimmed().toLongLong());
        }
        return pids;
    }

    static bool allGone(const QMap<QString, qint64> &pids, QStringList *alive)
    {
        QDeadlineTimer deadline(10000);
        for (;;) {
            alive->clear();
            for (auto it = pids.begin(); it != pids.end(); ++it)
                if (processAlive(it.value()))
                    *alive << u"%1 (pid %2)"_s.arg(it.key()).arg(it.value());
            if (alive->isEmpty() || deadline.hasExpired())
                return alive->isEmpty();
            QTest::qWait(200);
        }
    }

    bool link(const QString &target, const QString &name) const
    {
        return QFile::link(target, QDir(binDir()).filePath(name));
    }

private slots:
    void initTestCase()
    {
        for (const char *tool : {"podman", "caddy", "busybox", "curl", "jq"}) {
            if (QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty())
                QSKIP(qPrintable(QString::fromLatin1(tool) +
                                 u" is not installed: scripts/test installs it"_s));
        }
        QVERIFY(m_tmp.isValid());
        QVERIFY2(QFile::exists(QStringLiteral(BERTH_ANVIL_PATH)),
                 "anvil is missing: scripts/test runs npm ci in contracts/");
        // berthctl and berthd side by side, as BERTH_BIN_DIR wants them.
        QVERIFY(QDir().mkpath(binDir()));
        QVERIFY(link(QStringLiteral(BERTH_BIN_DIR "/berthctl"), u"berthctl"_s));
        QVERIFY(link(QStringLiteral(BERTHD_PATH), u"berthd"_s));
    }

    void cleanupTestCase()
    {
        // Also after a failure: nothing of the demo may outlive the test.
        for (const QString &dir : {demoDir(), m_tmp.filePath(u"failing-demo"_s)})
            if (QFileInfo::exists(dir))
                demo({u"--stop"_s}, binDir(), dir);
    }

    void startServeAndStop()
    {
        const Run started = demo({}, binDir(), demoDir());
        QVERIFY2(started.exitCode == 0, qPrintable(started.out + started.err));
        QVERIFY2(started.out.contains(u"offline: using a local busybox image"_s),
                 qPrintable(started.out));

        // The URL, then curl's output of the page: the example's own text.
        static const QRegularExpression urlLine(
            u"^    (http://(static-site-[0-9a-f]+\\.localhost):(\\d+)/)$"_s,
            QRegularExpression::MultilineOption);
        const auto url = urlLine.match(started.out);
        QVERIFY2(url.hasMatch(), qPrintable(started.out));
        const QString host = url.captured(2);
        const auto port = quint16(url.captured(3).toUInt());
        const qsizetype urlAt = url.capturedStart();
        const qsizetype pageAt = started.out.indexOf(u"<h1>Hello from Berth</h1>"_s);
        QVERIFY2(pageAt > urlAt, qPrintable(started.out));
        QVERIFY2(started.out.contains(u"berthctl status static-site"_s), qPrintable(started.out));
        QVERIFY2(started.out.contains(u"scripts/demo --stop"_s), qPrintable(started.out));

        // Fetched here, through the demo's Caddy by host name.
        QCOMPARE(fetch(host, port).trimmed(), QByteArray("<h1>Hello from Berth</h1>"));

        const QMap<QString, qint64> pids = pidsIn(demoDir());
        QCOMPARE(pids.keys(), (QStringList{u"anvil"_s, u"berthd"_s, u"caddy"_s, u"podman"_s}));
        for (auto it = pids.begin(); it != pids.end(); ++it)
            QVERIFY2(processAlive(it.value()), qPrintable(it.key() + u" is not running"_s));

        // --env: the environment berthctl needs to look around.
        const Run env = demo({u"--env"_s}, binDir(), demoDir());
        QCOMPARE(env.exitCode, 0);
        QVERIFY2(env.out.contains(u"export XDG_CONFIG_HOME=%1/home/config"_s.arg(demoDir())),
                 qPrintable(env.out));
        QVERIFY2(env.out.contains(u"export PATH=%1:$PATH"_s.arg(binDir())), qPrintable(env.out));

        // Again: it says it runs and shows the same URL and page.
        const Run again = demo({}, binDir(), demoDir(), 60000);
        QVERIFY2(again.exitCode == 0, qPrintable(again.out + again.err));
        QVERIFY2(again.out.contains(u"already running"_s), qPrintable(again.out));
        QVERIFY2(again.out.contains(url.captured(1)), qPrintable(again.out));
        QVERIFY2(again.out.contains(u"<h1>Hello from Berth</h1>"_s), qPrintable(again.out));

        // --stop: every service gone, the pods with them, no folder.
        const Run stopped = demo({u"--stop"_s}, binDir(), demoDir(), 120000);
        QVERIFY2(stopped.exitCode == 0, qPrintable(stopped.out + stopped.err));
        QStringList alive;
        QVERIFY2(allGone(pids, &alive), qPrintable(alive.join(u", "_s)));
        QVERIFY(!QFileInfo::exists(demoDir()));
        QCOMPARE(processesMentioning(demoDir()), QStringList());
        QVERIFY(fetch(host, port).isEmpty());

        // And once more: nothing runs, that is fine.
        const Run idle = demo({u"--stop"_s}, binDir(), demoDir());
        QCOMPARE(idle.exitCode, 0);
        QVERIFY2(idle.out.contains(u"nothing is running"_s), qPrintable(idle.out));
    }

    // A provider that cannot start: the demo names the step, shows berthd's
    // last lines, stops what it started and removes its folder.
    void failureSaysWhatAndCleansUp()
    {
        const QString failingBin = m_tmp.filePath(u"failing-bin"_s);
        QVERIFY(QDir().mkpath(failingBin));
        QVERIFY(
            QFile::link(QStringLiteral(BERTH_BIN_DIR "/berthctl"), failingBin + u"/berthctl"_s));
        QFile fake(failingBin + u"/berthd"_s);
        QVERIFY(fake.open(QIODevice::WriteOnly));
        fake.write("#!/bin/sh\necho 'berthd: the disk is on fire' >&2\nexit 1\n");
        fake.close();
        QVERIFY(fake.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));

        const QString dir = m_tmp.filePath(u"failing-demo"_s);
        const Run failed = demo({}, failingBin, dir);
        QCOMPARE(failed.exitCode, 1);
        QVERIFY2(failed.err.contains(u"FAILED while starting berthd"_s), qPrintable(failed.err));
        QVERIFY2(failed.err.contains(u"the disk is on fire"_s), qPrintable(failed.err));
        QVERIFY2(failed.err.contains(u"stopped; removed "_s + dir), qPrintable(failed.err));
        QVERIFY(!QFileInfo::exists(dir));
        QDeadlineTimer deadline(10000);
        while (!processesMentioning(dir).isEmpty() && !deadline.hasExpired())
            QTest::qWait(200);
        QCOMPARE(processesMentioning(dir), QStringList());
    }
};

QTEST_GUILESS_MAIN(TestDemo)
#include "tst_demo.moc"
