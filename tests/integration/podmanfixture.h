#pragma once

// A private Podman for integration tests: `podman system service` on a unix
// socket in a temporary directory, with its own containers.conf (runc, equal
// ulimits: QT64-NOTES.md "Podman on this kernel") and, where the file system
// allows it, its own image and container store. It builds the test image
// localhost/berth-test/busybox:1 from the host's busybox-static.
//
// Cleanup (shutdown(), also run by the destructor, so also when a test fails):
// every pod, container, volume and secret carrying the berth.deployment label
// goes, then the service, the store's mounts and the directory. The service
// gets SIGTERM when the test process dies.
//
// Usage: if (!PodmanFixture::available()) QSKIP(...); then start() and check
// its error text. Nothing here uses QTest macros, so it can live anywhere.

#include <QByteArray>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocalSocket>
#include <QProcess>
#include <QStandardPaths>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QThread>
#include <QtDebug>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <memory>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace berth::test {

class PodmanFixture
{
public:
    PodmanFixture() = default;
    ~PodmanFixture() { shutdown(); }
    PodmanFixture(const PodmanFixture &) = delete;
    PodmanFixture &operator=(const PodmanFixture &) = delete;

    static QString podmanPath() { return QStandardPaths::findExecutable(QStringLiteral("podman")); }
    static bool available() { return !podmanPath().isEmpty(); }
    static QString testImage() { return QStringLiteral("localhost/berth-test/busybox:1"); }

    // Starts the service and builds the test image. False with *error saying
    // what failed (then call shutdown(), or let the destructor do it).
    bool start(QString *error)
    {
        const auto fail = [&](const QString &text) {
            if (error)
                *error = text;
            return false;
        };
        if (!available())
            return fail(QStringLiteral("podman is not installed"));
        if (!m_dir.isValid() || !m_secretDir.isValid())
            return fail(QStringLiteral("cannot create temporary directories"));
        sweepAbandoned(m_dir.path());
        // Who owns this directory, for the sweep of a later run if this one dies.
        QFile owner(m_dir.filePath(QStringLiteral("owner")));
        if (!owner.open(QIODevice::WriteOnly))
            return fail(QStringLiteral("cannot write ") + owner.fileName());
        owner.write(QByteArray::number(qint64(::getpid())) + '\n' +
                    QFile::encodeName(m_secretDir.path()) + '\n');
        owner.close();
        QFile conf(m_dir.filePath(QStringLiteral("containers.conf")));
        if (!conf.open(QIODevice::WriteOnly))
            return fail(QStringLiteral("cannot write ") + conf.fileName());
        conf.write("[containers]\n"
                   "default_ulimits = [\"nofile=20000:20000\", \"nproc=4096:4096\"]\n"
                   "[engine]\n"
                   "runtime = \"runc\"\n"
                   "cgroup_manager = \"cgroupfs\"\n"
                   "events_logger = \"file\"\n");
        conf.close();

        // An isolated store when this file system takes one, else the default.
        m_storeArgs = {QStringLiteral("--root"),    m_dir.filePath(QStringLiteral("root")),
                       QStringLiteral("--runroot"), m_dir.filePath(QStringLiteral("run")),
                       QStringLiteral("--tmpdir"),  m_dir.filePath(QStringLiteral("tmp"))};
        QByteArray graphRoot;
        if (podman({QStringLiteral("info"), QStringLiteral("--format"),
                    QStringLiteral("{{.Store.GraphRoot}}")},
                   &graphRoot) != 0 ||
            graphRoot.trimmed() != m_dir.filePath(QStringLiteral("root")).toUtf8()) {
            qWarning("PodmanFixture: an isolated store failed here; using Podman's default store "
                     "(cleanup removes only objects labelled berth.deployment)");
            m_storeArgs.clear();
            m_isolated = false;
        }

        m_service = std::make_unique<QProcess>();
        m_service->setProcessEnvironment(environment());
        m_service->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_service->setStandardOutputFile(QProcess::nullDevice());
        // The service must not outlive a crashed test.
        m_service->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
        m_service->start(podmanPath(),
                         m_storeArgs + QStringList{QStringLiteral("system"),
                                                   QStringLiteral("service"),
                                                   QStringLiteral("--time=0"),
                                                   QStringLiteral("unix://") + socketPath()});
        if (!m_service->waitForStarted(10000))
            return fail(QStringLiteral("podman system service did not start: ") +
                        m_service->errorString());
        if (!waitForPing(20000))
            return fail(QStringLiteral("podman system service did not answer /_ping at ") +
                        socketPath());
        return buildTestImage(error);
    }

    QString socketPath() const { return m_dir.filePath(QStringLiteral("podman.sock")); }
    QString workDir() const { return m_dir.path(); }
    // A private directory on tmpfs (/dev/shm) for the runtime's secret root.
    QString tmpfsDir() const { return m_secretDir.path(); }
    bool isolatedStore() const { return m_isolated; }
    bool running() const { return m_service && m_service->state() == QProcess::Running; }

    QProcessEnvironment environment() const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("CONTAINERS_CONF"),
                   m_dir.filePath(QStringLiteral("containers.conf")));
        return env;
    }

    // Runs the podman CLI on the fixture's store; its exit code (-1: did not run).
    int podman(const QStringList &args, QByteArray *output = nullptr, int timeoutMs = 120000) const
    {
        return runPodman(m_storeArgs, environment(), args, output, timeoutMs);
    }

    // Removes what Berth made, stops the service, unmounts the store and
    // deletes the directories. Safe to call twice.
    void shutdown()
    {
        if (m_shutDown)
            return;
        m_shutDown = true;
        if (m_dir.isValid() && m_service)
            removeBerthObjects(m_storeArgs, environment(), m_isolated);
        if (m_service) {
            if (m_service->state() != QProcess::NotRunning) {
                m_service->terminate();
                if (!m_service->waitForFinished(15000)) {
                    m_service->kill();
                    m_service->waitForFinished(5000);
                }
            }
            m_service.reset();
        }
        if (m_dir.isValid()) {
            unmountBelow(m_dir.path());
            m_dir.remove();
        }
        if (m_secretDir.isValid())
            m_secretDir.remove();
    }

private:
    bool waitForPing(int timeoutMs) const
    {
        QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired()) {
            if (m_service->state() == QProcess::NotRunning)
                return false;
            QLocalSocket socket;
            socket.connectToServer(socketPath());
            if (socket.waitForConnected(1000)) {
                socket.write("GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n");
                socket.waitForBytesWritten(1000);
                QByteArray answer;
                while (socket.waitForReadyRead(2000))
                    answer += socket.readAll();
                answer += socket.readAll();
                if (answer.startsWith("HTTP/1.") && answer.contains(" 200 ") &&
                    answer.endsWith("OK"))
                    return true;
            }
            QThread::msleep(100);
        }
        return false;
    }

    bool buildTestImage(QString *error) const
    {
        if (podman({QStringLiteral("image"), QStringLiteral("exists"), testImage()}) == 0)
            return true;
        const auto fail = [&](const QString &text) {
            if (error)
                *error = text;
            return false;
        };
        QString busybox = QStringLiteral("/bin/busybox");
        if (!QFile::exists(busybox))
            busybox = QStandardPaths::findExecutable(QStringLiteral("busybox"));
        if (busybox.isEmpty())
            return fail(QStringLiteral("busybox is not installed (Debian: busybox-static)"));
        const QString rootfs = m_dir.filePath(QStringLiteral("rootfs"));
        for (const char *dir : {"bin", "tmp", "www", "etc"}) {
            if (!QDir().mkpath(rootfs + u'/' + QLatin1StringView(dir)))
                return fail(QStringLiteral("cannot create the test rootfs"));
        }
        if (!QFile::copy(busybox, rootfs + QStringLiteral("/bin/busybox")))
            return fail(QStringLiteral("cannot copy ") + busybox);
        QFile(rootfs + QStringLiteral("/bin/busybox"))
            .setPermissions(QFile::ReadOwner | QFile::ExeOwner | QFile::ReadGroup |
                            QFile::ExeGroup | QFile::ReadOther | QFile::ExeOther);
        for (const char *applet :
             {"sh",   "httpd",  "sleep", "cat",  "echo",     "ls",    "mkdir",
              "date", "env",    "wc",    "head", "tail",     "true",  "false",
              "test", "printf", "id",    "kill", "rm",       "touch", "chmod",
              "ln",   "cp",     "grep",  "sed",  "hostname", "nc",    "wget"}) {
            const QByteArray link = QFile::encodeName(rootfs) + "/bin/" + applet;
            if (::symlink("busybox", link.constData()) != 0)
                return fail(QStringLiteral("cannot link the busybox applets"));
        }
        QFile passwd(rootfs + QStringLiteral("/etc/passwd"));
        if (passwd.open(QIODevice::WriteOnly))
            passwd.write("root:x:0:0:root:/:/bin/sh\n");
        passwd.close();
        const QString tarball = m_dir.filePath(QStringLiteral("rootfs.tar"));
        QProcess tar;
        tar.start(QStringLiteral("tar"), {QStringLiteral("-C"), rootfs, QStringLiteral("-cf"),
                                          tarball, QStringLiteral(".")});
        if (!tar.waitForFinished(60000) || tar.exitCode() != 0)
            return fail(QStringLiteral("tar of the test rootfs failed"));
        if (podman({QStringLiteral("import"), QStringLiteral("--change"),
                    QStringLiteral("ENV PATH=/bin"), tarball, testImage()}) != 0)
            return fail(QStringLiteral("podman import of the test image failed"));
        return true;
    }

    static int runPodman(const QStringList &storeArgs, const QProcessEnvironment &env,
                         const QStringList &args, QByteArray *output = nullptr,
                         int timeoutMs = 120000)
    {
        QProcess process;
        process.setProcessEnvironment(env);
        process.setProcessChannelMode(QProcess::SeparateChannels);
        process.start(podmanPath(), storeArgs + args);
        if (!process.waitForStarted(10000))
            return -1;
        if (!process.waitForFinished(timeoutMs)) {
            process.kill();
            process.waitForFinished(5000);
            return -1;
        }
        if (output)
            *output = process.readAllStandardOutput();
        const QByteArray errors = process.readAllStandardError().trimmed();
        if (process.exitCode() != 0 && !errors.isEmpty())
            qWarning("podman %s: %s", qPrintable(args.join(u' ')), errors.constData());
        return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    }

    // A run that died without its destructor (a crash, a QFATAL, a test timeout)
    // leaves its directory behind; its service died with it (PDEATHSIG), its
    // pods did not. Clean up every such directory whose owner is gone.
    static void sweepAbandoned(const QString &ownDir)
    {
        const QDir tmp(QDir::tempPath());
        const QStringList dirs = tmp.entryList({QStringLiteral("berth-podman-*")}, QDir::Dirs);
        for (const QString &name : dirs) {
            const QString dir = tmp.filePath(name);
            if (dir == ownDir)
                continue;
            QFile owner(dir + QStringLiteral("/owner"));
            if (!owner.open(QIODevice::ReadOnly))
                continue; // not started yet, or not ours
            const QList<QByteArray> lines = owner.readAll().split('\n');
            bool ok = false;
            const qint64 pid = lines.value(0).toLongLong(&ok);
            if (!ok || pid <= 0 || ::kill(pid_t(pid), 0) == 0 || errno != ESRCH)
                continue;
            qWarning("PodmanFixture: cleaning up %s, left behind by process %lld", qPrintable(dir),
                     pid);
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("CONTAINERS_CONF"), dir + QStringLiteral("/containers.conf"));
            if (QFileInfo::exists(dir + QStringLiteral("/root")))
                removeBerthObjects({QStringLiteral("--root"), dir + QStringLiteral("/root"),
                                    QStringLiteral("--runroot"), dir + QStringLiteral("/run"),
                                    QStringLiteral("--tmpdir"), dir + QStringLiteral("/tmp")},
                                   env, true);
            unmountBelow(dir);
            QDir(dir).removeRecursively();
            const QString secretDir = QFile::decodeName(lines.value(1));
            if (secretDir.startsWith(QStringLiteral("/dev/shm/berth-podman-test-")))
                QDir(secretDir).removeRecursively();
        }
    }

    static void removeBerthObjects(const QStringList &storeArgs, const QProcessEnvironment &env,
                                   bool isolated)
    {
        const auto podman = [&](const QStringList &args, QByteArray *output = nullptr,
                                int timeoutMs = 120000) {
            return runPodman(storeArgs, env, args, output, timeoutMs);
        };
        const QString filter = QStringLiteral("label=berth.deployment");
        const auto ids = [&](const QStringList &args) {
            QByteArray out;
            podman(args, &out, 60000);
            QStringList list;
            for (const QByteArray &line : out.split('\n')) {
                if (!line.trimmed().isEmpty())
                    list.append(QString::fromUtf8(line.trimmed()));
            }
            return list;
        };
        const QStringList pods = ids({QStringLiteral("pod"), QStringLiteral("ps"),
                                      QStringLiteral("-q"), QStringLiteral("--filter"), filter});
        if (!pods.isEmpty()) {
            podman(QStringList{QStringLiteral("pod"), QStringLiteral("stop"), QStringLiteral("-t"),
                               QStringLiteral("0")} +
                   pods);
            podman(QStringList{QStringLiteral("pod"), QStringLiteral("rm"), QStringLiteral("-f")} +
                   pods);
        }
        const QStringList containers =
            ids({QStringLiteral("ps"), QStringLiteral("-aq"), QStringLiteral("--filter"), filter});
        if (!containers.isEmpty())
            podman(QStringList{QStringLiteral("rm"), QStringLiteral("-f"), QStringLiteral("-t"),
                               QStringLiteral("0")} +
                   containers);
        const QStringList volumes = ids({QStringLiteral("volume"), QStringLiteral("ls"),
                                         QStringLiteral("-q"), QStringLiteral("--filter"), filter});
        if (!volumes.isEmpty())
            podman(
                QStringList{QStringLiteral("volume"), QStringLiteral("rm"), QStringLiteral("-f")} +
                volumes);
        // Podman 4.3 secrets carry no labels: Berth's are named berth-<id>-<secret>.
        QStringList secrets = ids({QStringLiteral("secret"), QStringLiteral("ls"),
                                   QStringLiteral("--format"), QStringLiteral("{{.Name}}")});
        secrets.removeIf([](const QString &name) { return !name.startsWith(u"berth-"); });
        if (!secrets.isEmpty())
            podman(QStringList{QStringLiteral("secret"), QStringLiteral("rm")} + secrets);
        if (isolated) {
            // Nothing else lives in a private store: leave no container mounted.
            podman({QStringLiteral("pod"), QStringLiteral("rm"), QStringLiteral("-af")});
            podman({QStringLiteral("rm"), QStringLiteral("-af"), QStringLiteral("-t"),
                    QStringLiteral("0")});
        }
    }

    // The overlay driver bind-mounts its home onto itself; remove none of it
    // while mounted.
    static void unmountBelow(const QString &dir)
    {
        QFile mounts(QStringLiteral("/proc/self/mounts"));
        if (!mounts.open(QIODevice::ReadOnly))
            return;
        const QByteArray prefix = QFile::encodeName(dir) + '/';
        QList<QByteArray> points;
        for (const QByteArray &line : mounts.readAll().split('\n')) {
            const QList<QByteArray> fields = line.split(' ');
            if (fields.size() > 1 && fields.at(1).startsWith(prefix))
                points.append(fields.at(1));
        }
        std::sort(points.begin(), points.end(),
                  [](const QByteArray &a, const QByteArray &b) { return a.size() > b.size(); });
        for (const QByteArray &point : std::as_const(points))
            ::umount2(point.constData(), MNT_DETACH);
    }

    QTemporaryDir m_dir{QDir::tempPath() + QStringLiteral("/berth-podman-XXXXXX")};
    QTemporaryDir m_secretDir{QStringLiteral("/dev/shm/berth-podman-test-XXXXXX")};
    QStringList m_storeArgs;
    std::unique_ptr<QProcess> m_service;
    bool m_isolated = true;
    bool m_shutDown = false;
};

} // namespace berth::test
