// PodmanRuntime against a real, private `podman system service`: a busybox
// httpd pod served on a loopback host port, updated, stopped and deleted, with
// its persistent volume, secrets, limits, health, logs and status as a provider
// relies on them; images loaded from an archive; the errors for a missing
// image, a stopped Podman and a secret root that is not tmpfs.
#include "manifest/pod.h"
#include "podmanfixture.h"
#include "provider/httpclient.h"
#include "provider/imagearchive.h"
#include "provider/podmanlogstream.h"
#include "provider/podmanruntime.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTest>

#include <sys/stat.h>

using namespace Qt::StringLiterals;
using berth::ErrorCode;
using berth::provider::HttpClient;
using berth::provider::HttpRequest;
using berth::provider::LogQuery;
using berth::provider::PodmanRuntime;
using berth::provider::RuntimeSpec;
namespace manifest = berth::manifest;

namespace {

const QByteArray FileSecret = "file-secret-7f3a9c";
const QByteArray EnvSecret = "env-secret-51d2e8";

int freePort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

// The web container: writes its page, counts its starts on the persistent
// volume, serves the secret file (through a link, so it never lands in the
// container's layer) and the environment secret (through CGI, at request time).
manifest::Container webContainer(const QString &greeting, int port)
{
    manifest::Container web;
    web.name = u"web"_s;
    web.image.reference = berth::test::PodmanFixture::testImage();
    web.command = {u"/bin/sh"_s, u"-c"_s};
    const QString script =
        u"mkdir -p /www/cgi-bin && echo \"$GREETING\" > /www/index.html"
        " && echo start >> /data/starts && ln -sf /data/starts /www/starts.txt"
        " && ln -sf /run/site/password.txt /www/secret.txt"
        " && printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho \"$TOKEN\"\\n'"
        " > /www/cgi-bin/token && chmod 755 /www/cgi-bin/token"
        " && echo web-started && echo web-warning >&2"
        " && exec httpd -f -p %1 -h /www"_s.arg(port);
    web.args = {script};
    web.env = {manifest::EnvVar{u"GREETING"_s, greeting, std::nullopt},
               manifest::EnvVar{u"TOKEN"_s, {}, manifest::SecretKeyRef{u"site"_s, u"token"_s}}};
    web.ports = {manifest::Port{u"http"_s, port, manifest::PortProtocol::Http, {}, std::nullopt}};
    web.resources.cpuMillis = 250;
    web.resources.memoryBytes = 64 * 1024 * 1024;
    web.volumeMounts = {manifest::VolumeMount{u"data"_s, u"/data"_s, false},
                        manifest::VolumeMount{u"site"_s, u"/run/site"_s, true}};
    manifest::HealthCheck check;
    check.kind = manifest::HealthCheckKind::Exec;
    check.command = {u"/bin/cat"_s, u"/www/index.html"_s};
    check.periodSeconds = 2;
    web.healthCheck = check;
    return web;
}

RuntimeSpec webSpec(const QString &id, const QString &greeting, int hostPort)
{
    RuntimeSpec spec;
    spec.deploymentId = id;
    spec.pod.metadata.name = u"site"_s;
    spec.pod.containers = {webContainer(greeting, 8080)};
    manifest::Volume data;
    data.name = u"data"_s;
    data.kind = manifest::VolumeKind::Persistent;
    data.sizeBytes = 64 * 1024 * 1024;
    manifest::Volume site;
    site.name = u"site"_s;
    site.kind = manifest::VolumeKind::Secret;
    site.secretName = u"site"_s;
    site.items = {manifest::SecretItem{u"password"_s, u"password.txt"_s}};
    spec.pod.volumes = {data, site};
    spec.ports = {{u"http"_s, 8080, u"127.0.0.1"_s, hostPort}};
    spec.secrets[u"site"_s][u"password"_s] = berth::crypto::SecretBytes(FileSecret);
    spec.secrets[u"site"_s][u"token"_s] = berth::crypto::SecretBytes(EnvSecret);
    spec.stopGraceSeconds = 1; // busybox httpd ignores SIGTERM
    return spec;
}

// GET http://127.0.0.1:<port><path> until it answers `expected` (or 15 s pass);
// the last body seen.
QByteArray fetchUntil(int port, const QString &path, const QByteArray &expected)
{
    HttpClient client(u"test pod"_s);
    QByteArray last;
    QDeadlineTimer deadline(15000);
    while (!deadline.hasExpired()) {
        HttpRequest request;
        request.url = u"http://127.0.0.1:%1%2"_s.arg(port).arg(path);
        request.timeoutMs = 2000;
        const auto response = client.send(request);
        if (response && response->status == 200) {
            last = response->body;
            if (last == expected)
                return last;
        }
        QThread::msleep(100);
    }
    return last;
}

QByteArray frame(char stream, const QByteArray &payload)
{
    QByteArray header(8, '\0');
    header[0] = stream;
    const quint32 size = quint32(payload.size());
    header[4] = char(size >> 24);
    header[5] = char((size >> 16) & 0xff);
    header[6] = char((size >> 8) & 0xff);
    header[7] = char(size & 0xff);
    return header + payload;
}

// Every regular file under `dir` that contains `needle`.
QStringList filesContaining(const QString &dir, const QByteArray &needle)
{
    QStringList found;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::NoSymLinks,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile file(it.next());
        struct stat info
        {};
        if (::lstat(QFile::encodeName(file.fileName()).constData(), &info) != 0 ||
            !S_ISREG(info.st_mode))
            continue; // FIFOs and sockets of conmon
        if (file.size() > 64 * 1024 * 1024 || !file.open(QIODevice::ReadOnly))
            continue;
        if (file.readAll().contains(needle))
            found.append(file.fileName());
    }
    return found;
}

} // namespace

class TestPodmanRuntime : public QObject
{
    Q_OBJECT

private:
    berth::test::PodmanFixture m_podman;
    std::unique_ptr<PodmanRuntime> m_runtime;

    QJsonObject inspectContainer(const QString &name)
    {
        HttpClient client(u"Podman"_s, m_podman.socketPath());
        HttpRequest request;
        request.url = u"http://d/v4.0.0/libpod/containers/%1/json"_s.arg(name);
        const auto response = client.send(request);
        if (!response || !response->ok())
            return {};
        return QJsonDocument::fromJson(response->body).object();
    }

private slots:
    void initTestCase()
    {
        if (!berth::test::PodmanFixture::available())
            QSKIP("podman is not installed: the Podman runtime tests need it");
        QString error;
        QVERIFY2(m_podman.start(&error), qPrintable(error));
        // These tests cover environment secrets too, which an operator must allow.
        auto runtime = PodmanRuntime::create(
            {m_podman.socketPath(), m_podman.workDir(), m_podman.tmpfsDir() + u"/secrets"_s, true});
        QVERIFY2(runtime.ok(), qPrintable(runtime ? QString() : runtime.error().message));
        m_runtime = std::move(runtime).value();
        QVERIFY(m_runtime->ping().ok());
    }

    void cleanupTestCase() { m_podman.shutdown(); }

    void aRestartKeepsTheSecretFilesItFinds()
    {
        const QString id = u"keeper"_s;
        const int port = freePort();
        QVERIFY(m_runtime->apply(webSpec(id, u"kept"_s, port)).ok());
        QCOMPARE(fetchUntil(port, u"/secret.txt"_s, FileSecret), FileSecret);
        // berthd restarted and finds the pod stopped: it plays it again with the
        // files on tmpfs, having no copy of the secrets itself.
        QVERIFY(m_runtime->remove(id, false).ok());
        RuntimeSpec again = webSpec(id, u"kept"_s, port);
        again.secrets.clear();
        again.keepSecrets = true;
        const auto replayed = m_runtime->apply(again);
        QVERIFY2(replayed.ok(), qPrintable(replayed ? QString() : replayed.error().message));
        QCOMPARE(fetchUntil(port, u"/secret.txt"_s, FileSecret), FileSecret);
        // After a reboot the tmpfs is empty: berthd says so instead of running
        // the pod without its secrets.
        QVERIFY(m_runtime->remove(id, false).ok());
        QVERIFY(QDir(m_runtime->secretDirFor(id)).removeRecursively());
        const auto lost = m_runtime->apply(again);
        QVERIFY(!lost.ok());
        QCOMPARE(lost.error().code, ErrorCode::NotFound);
        QVERIFY2(lost.error().message.contains(u"must send them again with pod.update"_s),
                 qPrintable(lost.error().message));
        QVERIFY(m_runtime->remove(id, true).ok());
    }

    void environmentSecretsAreRefusedByDefault()
    {
        auto strict = PodmanRuntime::create(
            {m_podman.socketPath(), m_podman.workDir(), m_podman.tmpfsDir() + u"/secrets"_s});
        QVERIFY(strict.ok());
        const int port = freePort();
        const auto applied = (*strict)->apply(webSpec(u"envsecret"_s, u"x"_s, port));
        QVERIFY(!applied.ok());
        QCOMPARE(applied.error().code, ErrorCode::Unsupported);
        QVERIFY2(applied.error().message.contains(u"mount the secret as a file"_s),
                 qPrintable(applied.error().message));
        QCOMPARE((*strict)->status(u"envsecret"_s)->state, u"missing"_s);
        QVERIFY(!QFileInfo::exists((*strict)->secretDirFor(u"envsecret"_s)));
    }

    void decodesTheLogStream()
    {
        const QByteArray body = frame(1, "2026-11-25T18:48:15.123456789Z hello\n") +
                                frame(2, "2026-11-25T18:48:16Z oops\n") +
                                frame(1, "2026-11-25T18:48:17+01:00 \n");
        const auto lines = berth::provider::decodePodmanLogStream(body, u"web"_s);
        QVERIFY(lines.ok());
        QCOMPARE(lines->size(), 3);
        QCOMPARE(lines->at(0).text, u"hello"_s);
        QCOMPARE(lines->at(0).stream, u"stdout"_s);
        QCOMPARE(lines->at(0).container, u"web"_s);
        QCOMPARE(lines->at(0).time,
                 QDateTime(QDate(2026, 11, 25), QTime(18, 48, 15, 123), Qt::UTC));
        QCOMPARE(lines->at(1).stream, u"stderr"_s);
        QCOMPARE(lines->at(1).text, u"oops"_s);
        QCOMPARE(lines->at(2).time, QDateTime(QDate(2026, 11, 25), QTime(17, 48, 17), Qt::UTC));
        QCOMPARE(lines->at(2).text, QString());

        const auto refused = [](const QByteArray &bad) {
            const auto result = berth::provider::decodePodmanLogStream(bad, u"web"_s);
            return !result.ok() && result.error().code == ErrorCode::BadResponse;
        };
        QVERIFY(refused(body.left(body.size() - 3)));                    // truncated payload
        QVERIFY(refused(body + QByteArray(5, '\0')));                    // truncated header
        QVERIFY(refused(frame(3, "2026-11-25T18:48:15Z x\n")));          // unknown stream
        QVERIFY(refused(frame(1, "no timestamp here\n")));               // no timestamp
        QVERIFY(refused(QByteArray::fromHex("0100000000200000") + "x")); // 2 MiB frame
        QVERIFY(refused(QByteArray::fromHex("0101000000000001") + "x")); // reserved bytes
        QVERIFY(berth::provider::decodePodmanLogStream({}, u"web"_s)->isEmpty());
    }

    void refusesASecretRootOffTmpfs()
    {
        const auto runtime = PodmanRuntime::create(
            {m_podman.socketPath(), {}, m_podman.workDir() + u"/disk-secrets"_s});
        QVERIFY(!runtime.ok());
        QCOMPARE(runtime.error().code, ErrorCode::Unsupported);
        QVERIFY2(runtime.error().message.contains(u"not on tmpfs"_s),
                 qPrintable(runtime.error().message));
    }

    void podmanDownIsUnavailable()
    {
        auto runtime = PodmanRuntime::create({m_podman.workDir() + u"/nobody-listens.sock"_s,
                                              {},
                                              m_podman.tmpfsDir() + u"/down"_s,
                                              true});
        QVERIFY(runtime.ok());
        const auto ping = (*runtime)->ping();
        QVERIFY(!ping.ok());
        QCOMPARE(ping.error().code, ErrorCode::Unavailable);
        QVERIFY2(ping.error().message.contains(u"Podman"_s), qPrintable(ping.error().message));
        const auto applied = (*runtime)->apply(webSpec(u"down"_s, u"x"_s, freePort()));
        QCOMPARE(applied.error().code, ErrorCode::Unavailable);
        QCOMPARE((*runtime)->listPods().error().code, ErrorCode::Unavailable);
    }

    void missingImageIsNotFound()
    {
        RuntimeSpec spec = webSpec(u"noimage"_s, u"x"_s, freePort());
        spec.pod.containers[0].image.reference = u"localhost/berth-test/absent:1"_s;
        const auto applied = m_runtime->apply(spec);
        QVERIFY(!applied.ok());
        QCOMPARE(applied.error().code, ErrorCode::NotFound);
        QCOMPARE(applied.error().message,
                 u"image localhost/berth-test/absent:1 is not loaded; upload it or name a public "
                 "image"_s);
        QCOMPARE(m_runtime->status(u"noimage"_s)->state, u"missing"_s);
        QVERIFY(!m_runtime->listVolumeOwners()->contains(u"noimage"_s));
    }

    void runsUpdatesStopsAndDeletesAPod()
    {
        const QString id = u"web1"_s;
        const int port = freePort();
        QVERIFY(port > 0);

        QVERIFY2(m_runtime->apply(webSpec(id, u"hello-v1"_s, port)).ok(), "first apply");
        QCOMPARE(fetchUntil(port, u"/index.html"_s, "hello-v1\n"), QByteArray("hello-v1\n"));
        QCOMPARE(fetchUntil(port, u"/secret.txt"_s, FileSecret), FileSecret);
        QCOMPARE(fetchUntil(port, u"/cgi-bin/token"_s, EnvSecret + '\n'), EnvSecret + '\n');
        QCOMPARE(fetchUntil(port, u"/starts.txt"_s, "start\n"), QByteArray("start\n"));

        // Limits as Podman enforces them; the stop grace as a label.
        const QJsonObject inspect = inspectContainer(u"berth-web1-web"_s);
        const QJsonObject hostConfig = inspect.value(u"HostConfig"_s).toObject();
        QCOMPARE(hostConfig.value(u"Memory"_s).toInteger(), 64 * 1024 * 1024);
        QCOMPARE(hostConfig.value(u"NanoCpus"_s).toInteger(), 250000000);
        const QJsonObject labels =
            inspect.value(u"Config"_s).toObject().value(u"Labels"_s).toObject();
        QCOMPARE(labels.value(u"berth.deployment"_s).toString(), id);
        QCOMPARE(labels.value(u"app.kubernetes.io/managed-by"_s).toString(), u"berth"_s);

        // The file secret: 0400 in a 0700 directory on tmpfs, and nowhere on disk.
        const QString secretFile = m_runtime->secretDirFor(id) + u"/site/password.txt"_s;
        struct stat info
        {};
        QCOMPARE(::stat(QFile::encodeName(secretFile).constData(), &info), 0);
        QCOMPARE(int(info.st_mode & 0777), 0400);
        QCOMPARE(::stat(QFile::encodeName(m_runtime->secretDirFor(id)).constData(), &info), 0);
        QCOMPARE(int(info.st_mode & 0777), 0700);
        if (m_podman.isolatedStore())
            QCOMPARE(filesContaining(m_podman.workDir(), FileSecret), QStringList());
        // The environment secret's Podman secret keeps its data on the tmpfs too.
        // (Podman 4.3's kube play still copies the value into the container's
        // configuration on disk: see PodmanRuntime.)
        QVERIFY(QFile::exists(m_runtime->secretDirFor(id) + u"/_podman/secretsdata.json"_s));
        QVERIFY(QFileInfo(m_runtime->secretDirFor(id) + u"/_podman/secretsdata.json"_s).size() >
                EnvSecret.size());

        // Status, health, listing, logs.
        auto status = m_runtime->status(id);
        QVERIFY(status.ok());
        QVERIFY(status->exists);
        QCOMPARE(status->state, u"running"_s);
        QCOMPARE(status->containers.size(), 1);
        QCOMPARE(status->containers[0].name, u"web"_s);
        QCOMPARE(status->containers[0].state, u"running"_s);
        QCOMPARE(status->containers[0].restarts, 0);
        QCOMPARE(status->containers[0].healthy, std::optional<bool>(true));
        QVERIFY(status->containers[0].startedAt.isValid());
        QVERIFY(qAbs(status->containers[0].startedAt.secsTo(QDateTime::currentDateTimeUtc())) < 60);
        QCOMPARE(m_runtime->listPods().value(), QStringList{id});
        QCOMPARE(m_runtime->listVolumeOwners().value(), QStringList{id});

        const auto logs = m_runtime->logs(id, {});
        QVERIFY2(logs.ok(), qPrintable(logs ? QString() : logs.error().message));
        bool sawStdout = false;
        bool sawStderr = false;
        for (const auto &line : logs.value()) {
            QCOMPARE(line.container, u"web"_s);
            QVERIFY(line.time.isValid());
            QVERIFY(qAbs(line.time.secsTo(QDateTime::currentDateTimeUtc())) < 60);
            sawStdout = sawStdout || (line.text == u"web-started"_s && line.stream == u"stdout"_s);
            sawStderr = sawStderr || (line.text == u"web-warning"_s && line.stream == u"stderr"_s);
        }
        QVERIFY(sawStdout);
        QVERIFY(sawStderr);
        LogQuery oneLine;
        oneLine.tail = 1;
        QCOMPARE(m_runtime->logs(id, oneLine)->size(), 1);
        LogQuery other;
        other.container = u"nope"_s;
        QCOMPARE(m_runtime->logs(id, other).error().code, ErrorCode::NotFound);
        LogQuery future;
        future.since = QDateTime::currentDateTimeUtc().addSecs(3600);
        QVERIFY(m_runtime->logs(id, future)->isEmpty());

        // Update: the new page, the same volume.
        QVERIFY2(m_runtime->apply(webSpec(id, u"hello-v2"_s, port)).ok(), "update");
        QCOMPARE(fetchUntil(port, u"/index.html"_s, "hello-v2\n"), QByteArray("hello-v2\n"));
        QCOMPARE(fetchUntil(port, u"/starts.txt"_s, "start\nstart\n"),
                 QByteArray("start\nstart\n"));

        // An update that lacks a secret is refused and leaves the pod running.
        RuntimeSpec lacking = webSpec(id, u"hello-v3"_s, port);
        lacking.secrets[u"site"_s].remove(u"token"_s);
        const auto refused = m_runtime->apply(lacking);
        QCOMPARE(refused.error().code, ErrorCode::InvalidArgument);
        QCOMPARE(refused.error().message, u"secret site has no key token"_s);
        QCOMPARE(m_runtime->status(id)->state, u"running"_s);
        QCOMPARE(fetchUntil(port, u"/index.html"_s, "hello-v2\n"), QByteArray("hello-v2\n"));

        // Stop (keep volumes), then run again: the data is still there.
        QVERIFY(m_runtime->remove(id, false).ok());
        QCOMPARE(m_runtime->status(id)->state, u"missing"_s);
        QVERIFY(!m_runtime->status(id)->exists);
        QCOMPARE(m_runtime->listPods().value(), QStringList());
        QCOMPARE(m_runtime->listVolumeOwners().value(), QStringList{id});
        QVERIFY(QFile::exists(secretFile));
        QVERIFY(m_runtime->remove(id, false).ok()); // removing what is gone succeeds
        // A reboot empties the tmpfs; Podman still knows the secrets.
        QVERIFY(QDir(m_runtime->secretDirFor(id)).removeRecursively());
        QVERIFY2(m_runtime->apply(webSpec(id, u"hello-v3"_s, port)).ok(), "apply after stop");
        QCOMPARE(fetchUntil(port, u"/starts.txt"_s, "start\nstart\nstart\n"),
                 QByteArray("start\nstart\nstart\n"));

        // Delete: pod, volume, secret files and Podman secrets gone.
        QVERIFY(m_runtime->remove(id, true).ok());
        QCOMPARE(m_runtime->status(id)->state, u"missing"_s);
        QCOMPARE(m_runtime->listVolumeOwners().value(), QStringList());
        QVERIFY(!QFile::exists(m_runtime->secretDirFor(id)));
        QByteArray secrets;
        QCOMPARE(m_podman.podman({u"secret"_s, u"ls"_s, u"--format"_s, u"{{.Name}}"_s}, &secrets),
                 0);
        QVERIFY2(!secrets.contains("berth-web1-"), secrets.constData());
        QVERIFY(m_runtime->remove(id, true).ok());
    }

    void degradedWhenAContainerExits()
    {
        const QString id = u"web2"_s;
        RuntimeSpec spec = webSpec(id, u"two"_s, freePort());
        manifest::Container job;
        job.name = u"job"_s;
        job.image.reference = berth::test::PodmanFixture::testImage();
        job.command = {u"/bin/sh"_s, u"-c"_s, u"echo job-done; exit 3"_s};
        job.resources.cpuMillis = 100;
        job.resources.memoryBytes = 16 * 1024 * 1024;
        spec.pod.containers.append(job);
        spec.pod.restartPolicy = manifest::RestartPolicy::Never;
        QVERIFY(m_runtime->apply(spec).ok());

        berth::Result<berth::provider::RuntimeStatus> status = m_runtime->status(id);
        QDeadlineTimer deadline(15000);
        while (!deadline.hasExpired() && status && status->state != u"degraded"_s) {
            QThread::msleep(200);
            status = m_runtime->status(id);
        }
        QVERIFY(status.ok());
        QCOMPARE(status->state, u"degraded"_s);
        QCOMPARE(status->containers.size(), 2);
        QCOMPARE(status->containers[0].name, u"job"_s);
        QCOMPARE(status->containers[0].state, u"exited"_s);
        QCOMPARE(status->containers[0].exitCode, std::optional<int>(3));
        QCOMPARE(status->containers[1].state, u"running"_s);
        LogQuery jobLogs;
        jobLogs.container = u"job"_s;
        const auto lines = m_runtime->logs(id, jobLogs);
        QVERIFY(lines.ok());
        QCOMPARE(lines->size(), 1);
        QCOMPARE(lines->at(0).text, u"job-done"_s);
        QVERIFY(m_runtime->remove(id, true).ok());
    }

    void stoppedWhenEveryContainerExited()
    {
        const QString id = u"once"_s;
        RuntimeSpec spec;
        spec.deploymentId = id;
        spec.pod.metadata.name = u"once"_s;
        manifest::Container job;
        job.name = u"job"_s;
        job.image.reference = berth::test::PodmanFixture::testImage();
        job.command = {u"/bin/sh"_s, u"-c"_s, u"echo once"_s};
        job.resources.cpuMillis = 100;
        job.resources.memoryBytes = 16 * 1024 * 1024;
        spec.pod.containers = {job};
        spec.pod.restartPolicy = manifest::RestartPolicy::Never;
        spec.stopGraceSeconds = 0;
        QVERIFY(m_runtime->apply(spec).ok());
        berth::Result<berth::provider::RuntimeStatus> status = m_runtime->status(id);
        QDeadlineTimer deadline(15000);
        while (!deadline.hasExpired() && status && status->state != u"stopped"_s) {
            QThread::msleep(200);
            status = m_runtime->status(id);
        }
        QVERIFY(status.ok());
        QCOMPARE(status->state, u"stopped"_s);
        QVERIFY(status->exists);
        QCOMPARE(status->containers.size(), 1);
        QCOMPARE(status->containers[0].exitCode, std::optional<int>(0));
        QCOMPARE(status->containers[0].healthy, std::nullopt);
        QVERIFY(m_runtime->remove(id, true).ok());
    }

    void aTakenHostPortIsConflict()
    {
        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
        const QString id = u"taken"_s;
        const auto applied = m_runtime->apply(webSpec(id, u"x"_s, squatter.serverPort()));
        QVERIFY(!applied.ok());
        QCOMPARE(applied.error().code, ErrorCode::Conflict);
        QVERIFY2(applied.error().message.contains(u"address already in use"_s),
                 qPrintable(applied.error().message));
        // Nothing half made is left running.
        QCOMPARE(m_runtime->status(id)->state, u"missing"_s);
        QVERIFY(m_runtime->remove(id, true).ok());
        QVERIFY(!m_runtime->listVolumeOwners()->contains(id));
    }

    void refusesPortsNoContainerHas()
    {
        RuntimeSpec spec = webSpec(u"web3"_s, u"x"_s, freePort());
        spec.ports.append({u"admin"_s, 9999, u"127.0.0.1"_s, freePort()});
        const auto applied = m_runtime->apply(spec);
        QCOMPARE(applied.error().code, ErrorCode::InvalidArgument);
        QVERIFY(applied.error().message.contains(u"9999"_s));
        RuntimeSpec bad = webSpec(u"Not_Valid"_s, u"x"_s, freePort());
        QCOMPARE(m_runtime->apply(bad).error().code, ErrorCode::InvalidArgument);
    }

    void loadsAnImageArchive()
    {
        // An archive named after an image this provider holds is refused: an
        // upload must never take over another image's name.
        const QString named = m_podman.workDir() + u"/named.tar"_s;
        QCOMPARE(
            m_podman.podman({u"save"_s, u"-o"_s, named, berth::test::PodmanFixture::testImage()}),
            0);
        const QString name = u"localhost/berth-blob:0123abcd"_s;
        const auto hijack = m_runtime->loadImage(named, name);
        QCOMPARE(hijack.error().code, ErrorCode::Conflict);
        QVERIFY2(hijack.error().message.contains(berth::test::PodmanFixture::testImage()),
                 qPrintable(hijack.error().message));
        QCOMPARE(m_runtime->hasImage(name).value(), false);

        // A publisher's own name is loaded under the blob's name only.
        const QString own = u"localhost/publisher/app:1"_s;
        QCOMPARE(m_podman.podman({u"tag"_s, berth::test::PodmanFixture::testImage(), own}), 0);
        const QString archive = m_podman.workDir() + u"/saved.tar"_s;
        QCOMPARE(m_podman.podman({u"save"_s, u"-o"_s, archive, own}), 0);
        QCOMPARE(m_podman.podman({u"untag"_s, berth::test::PodmanFixture::testImage(), own}), 0);
        QCOMPARE(berth::provider::imageArchiveNames(archive).value(), QStringList{own});
        QCOMPARE(m_runtime->hasImage(name).value(), false);
        const auto loaded = m_runtime->loadImage(archive, name);
        QVERIFY2(loaded.ok(), qPrintable(loaded ? QString() : loaded.error().message));
        QCOMPARE(m_runtime->hasImage(name).value(), true);
        QCOMPARE(m_runtime->hasImage(own).value(), false);
        QCOMPARE(m_runtime->hasImage(berth::test::PodmanFixture::testImage()).value(), true);
        QCOMPARE(
            berth::provider::imageArchiveNames(m_podman.workDir() + u"/../nothing"_s).error().code,
            ErrorCode::IoFailed);

        const auto missing = m_runtime->loadImage(m_podman.workDir() + u"/none.tar"_s, name);
        QCOMPARE(missing.error().code, ErrorCode::NotFound);

        // No registry is reachable here: a clear error, not a hang.
        const auto pulled = m_runtime->pullImage(u"registry.invalid/berth/none:1"_s);
        QVERIFY(!pulled.ok());
        QCOMPARE(pulled.error().code, ErrorCode::Unavailable);
        QVERIFY2(pulled.error().message.startsWith(
                     u"Podman could not pull registry.invalid/berth/none:1: "_s),
                 qPrintable(pulled.error().message));
    }
};

QTEST_GUILESS_MAIN(TestPodmanRuntime)
#include "tst_podmanruntime.moc"
