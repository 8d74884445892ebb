// One test row per validation rule: a valid pod, one change, and the exact
// path and message the publisher sees.
#include "manifest/validator.h"

#include <QTest>

#include <functional>

using namespace Qt::StringLiterals;
using namespace berth::manifest;

using Mutation = std::function<void(Pod &)>;
Q_DECLARE_METATYPE(Mutation)

namespace {

Pod validPod()
{
    Pod pod;
    pod.metadata.name = u"shop"_s;
    Container web;
    web.name = u"web"_s;
    web.image.reference = u"nginx:1.25"_s;
    web.resources.cpuMillis = 250;
    web.resources.memoryBytes = 64LL << 20;
    Port http;
    http.name = u"http"_s;
    http.containerPort = 80;
    http.hosts = {u"shop.example.com"_s};
    web.ports = {http};
    web.volumeMounts = {VolumeMount{u"data"_s, u"/data"_s, false}};
    Container db = web;
    db.name = u"db"_s;
    db.ports.clear();
    db.volumeMounts.clear();
    Volume data;
    data.name = u"data"_s;
    data.kind = VolumeKind::Persistent;
    data.sizeBytes = 1LL << 30;
    pod.containers = {web, db};
    pod.volumes = {data};
    return pod;
}

Container &web(Pod &pod)
{
    return pod.containers[0];
}

QString describe(const QList<Diagnostic> &list)
{
    QStringList lines;
    for (const auto &d : list)
        lines.append(formatDiagnostic(u"pod"_s, d));
    return lines.join(u'\n');
}

} // namespace

class TestValidator : public QObject
{
    Q_OBJECT

private slots:
    void validPodHasNoProblems()
    {
        const auto diagnostics = validate(validPod());
        QVERIFY2(diagnostics.isEmpty(), qPrintable(describe(diagnostics)));
    }

    void rules_data()
    {
        QTest::addColumn<Mutation>("mutate");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("fragment");

        const auto row = [](const char *name, Mutation m, const QString &path,
                            const QString &fragment) {
            QTest::newRow(name) << m << path << fragment;
        };
        // metadata
        row(
            "name required", [](Pod &p) { p.metadata.name.clear(); }, u"metadata.name"_s,
            u"the pod name is required"_s);
        row(
            "name not a label", [](Pod &p) { p.metadata.name = u"My_Shop"_s; }, u"metadata.name"_s,
            u"is not a DNS label"_s);
        row(
            "name suggestion", [](Pod &p) { p.metadata.name = u"My_Shop"_s; }, u"metadata.name"_s,
            u"(e.g. \"my-shop\")"_s);
        row(
            "name too long", [](Pod &p) { p.metadata.name = QString(64, u'a'); },
            u"metadata.name"_s, u"the limit is 63"_s);
        row(
            "label value", [](Pod &p) { p.metadata.labels.insert(u"tier"_s, u"front end"_s); },
            u"metadata.labels.tier"_s, u"label value \"front end\""_s);
        row(
            "label prefix", [](Pod &p) { p.metadata.labels.insert(u"Example.COM/x"_s, u"1"_s); },
            u"metadata.labels.Example.COM/x"_s, u"label prefix"_s);
        row(
            "too many labels",
            [](Pod &p) {
                for (int i = 0; i < 65; ++i)
                    p.metadata.labels.insert(u"l%1"_s.arg(i), u"v"_s);
            },
            u"metadata.labels"_s, u"65 labels; the limit is 64"_s);
        // containers
        row(
            "no containers",
            [](Pod &p) {
                p.containers.clear();
                p.volumes.clear();
            },
            u"containers"_s, u"at least one container"_s);
        row(
            "too many containers",
            [](Pod &p) {
                for (int i = 0; i < 15; ++i) {
                    Container c = p.containers[1];
                    c.name = u"c%1"_s.arg(i);
                    p.containers.append(c);
                }
            },
            u"containers"_s, u"17 containers; the limit is 16"_s);
        row(
            "duplicate container", [](Pod &p) { p.containers[1].name = u"web"_s; },
            u"containers[1].name"_s, u"already used at containers[0].name"_s);
        row(
            "image required", [](Pod &p) { web(p).image.reference.clear(); },
            u"containers[0].image"_s, u"image is required"_s);
        row(
            "image whitespace", [](Pod &p) { web(p).image.reference = u"nginx latest"_s; },
            u"containers[0].image"_s, u"contains whitespace"_s);
        row(
            "blob sha",
            [](Pod &p) {
                web(p).image = Image{{}, u"ABC"_s, {}};
            },
            u"containers[0].image.sha256"_s, u"64 lower-case hexadecimal"_s);
        row(
            "blob url",
            [](Pod &p) {
                web(p).image = Image{{}, QString(64, u'0'), u"ftp://x/y"_s};
            },
            u"containers[0].image.url"_s, u"http(s) URL"_s);
        row(
            "working dir", [](Pod &p) { web(p).workingDir = u"srv"_s; },
            u"containers[0].workingDir"_s, u"absolute path"_s);
        row(
            "too many args", [](Pod &p) { web(p).args = QStringList(257, u"x"_s); },
            u"containers[0]"_s, u"257 command and args entries; the limit is 256"_s);
        row(
            "long arg", [](Pod &p) { web(p).command = {QString(8193, u'x')}; },
            u"containers[0].command[0]"_s, u"8193 characters long"_s);
        // env
        row(
            "env name",
            [](Pod &p) {
                web(p).env = {EnvVar{u"1ABC"_s, u"x"_s, {}}};
            },
            u"containers[0].env[0].name"_s, u"not a valid variable name"_s);
        row(
            "env duplicate",
            [](Pod &p) {
                web(p).env = {EnvVar{u"A"_s, u"1"_s, {}}, EnvVar{u"A"_s, u"2"_s, {}}};
            },
            u"containers[0].env[1].name"_s, u"is set twice"_s);
        row(
            "env secret name",
            [](Pod &p) {
                web(p).env = {EnvVar{u"A"_s, {}, SecretKeyRef{u"Db"_s, u"k"_s}}};
            },
            u"containers[0].env[0].secret.name"_s, u"the secret name \"Db\""_s);
        row(
            "env secret key",
            [](Pod &p) {
                web(p).env = {EnvVar{u"A"_s, {}, SecretKeyRef{u"db"_s, u"a/b"_s}}};
            },
            u"containers[0].env[0].secret.key"_s, u"secret key must be"_s);
        row(
            "env value size",
            [](Pod &p) {
                web(p).env = {EnvVar{u"A"_s, QString(32769, u'x'), {}}};
            },
            u"containers[0].env[0].value"_s, u"use a secret volume"_s);
        // ports
        row(
            "port range", [](Pod &p) { web(p).ports[0].containerPort = 70000; },
            u"containers[0].ports[0].containerPort"_s, u"between 1 and 65535"_s);
        row(
            "port required", [](Pod &p) { web(p).ports[0].containerPort = 0; },
            u"containers[0].ports[0].containerPort"_s, u"containerPort is required"_s);
        row(
            "port name", [](Pod &p) { web(p).ports[0].name = u"very-long-port-name"_s; },
            u"containers[0].ports[0].name"_s, u"1-15 lower-case"_s);
        row(
            "port name double dash", [](Pod &p) { web(p).ports[0].name = u"a--b"_s; },
            u"containers[0].ports[0].name"_s, u"no \"--\""_s);
        row(
            "port name digits", [](Pod &p) { web(p).ports[0].name = u"8080"_s; },
            u"containers[0].ports[0].name"_s, u"at least one letter"_s);
        row(
            "port twice in pod",
            [](Pod &p) {
                Port again = web(p).ports[0];
                again.name = u"other"_s;
                again.hosts.clear();
                p.containers[1].ports = {again};
            },
            u"containers[1].ports[0].containerPort"_s,
            u"port 80 is already declared at containers[0].ports[0].containerPort"_s);
        row(
            "port name twice",
            [](Pod &p) {
                Port again = web(p).ports[0];
                again.containerPort = 81;
                again.hosts.clear();
                web(p).ports.append(again);
            },
            u"containers[0].ports[1].name"_s, u"port names are unique in the pod"_s);
        row(
            "hosts on tcp", [](Pod &p) { web(p).ports[0].protocol = PortProtocol::Tcp; },
            u"containers[0].ports[0].hosts"_s, u"hosts apply to http ports"_s);
        row(
            "public port on http", [](Pod &p) { web(p).ports[0].publicPort = 8080; },
            u"containers[0].ports[0].publicPort"_s, u"publicPort applies to tcp ports"_s);
        row(
            "public port range",
            [](Pod &p) {
                web(p).ports[0].protocol = PortProtocol::Tcp;
                web(p).ports[0].hosts.clear();
                web(p).ports[0].publicPort = 0;
            },
            u"containers[0].ports[0].publicPort"_s, u"between 1 and 65535"_s);
        row(
            "host name", [](Pod &p) { web(p).ports[0].hosts = {u"Shop.Example.com"_s}; },
            u"containers[0].ports[0].hosts[0]"_s, u"is not a host name"_s);
        row(
            "host without dot", [](Pod &p) { web(p).ports[0].hosts = {u"shop"_s}; },
            u"containers[0].ports[0].hosts[0]"_s, u"at least one dot"_s);
        row(
            "wildcard host", [](Pod &p) { web(p).ports[0].hosts = {u"*.example.com"_s}; },
            u"containers[0].ports[0].hosts[0]"_s, u"wildcard host"_s);
        row(
            "host twice", [](Pod &p) { web(p).ports[0].hosts.append(web(p).ports[0].hosts[0]); },
            u"containers[0].ports[0].hosts[1]"_s, u"already routed"_s);
        row(
            "too many hosts",
            [](Pod &p) {
                for (int i = 0; i < 16; ++i)
                    web(p).ports[0].hosts.append(u"h%1.example.com"_s.arg(i));
            },
            u"containers[0].ports[0].hosts"_s, u"17 hosts; the limit is 16"_s);
        // resources
        row(
            "cpu required", [](Pod &p) { web(p).resources.cpuMillis = 0; },
            u"containers[0].resources.cpu"_s, u"resources.cpu is required"_s);
        row(
            "cpu too small", [](Pod &p) { web(p).resources.cpuMillis = 5; },
            u"containers[0].resources.cpu"_s, u"cpu 5m is out of range: use 10m to 256"_s);
        row(
            "memory too small", [](Pod &p) { web(p).resources.memoryBytes = 1 << 20; },
            u"containers[0].resources.memory"_s, u"memory 1Mi is out of range: use 6Mi to 4Ti"_s);
        row(
            "memory required", [](Pod &p) { web(p).resources.memoryBytes = 0; },
            u"containers[0].resources.memory"_s, u"resources.memory is required"_s);
        row(
            "gpu count",
            [](Pod &p) {
                web(p).resources.gpu = Gpu{0, {}};
            },
            u"containers[0].resources.gpu.count"_s, u"between 1 and 16"_s);
        row(
            "gpu model",
            [](Pod &p) {
                web(p).resources.gpu = Gpu{1, u"NVIDIA A100"_s};
            },
            u"containers[0].resources.gpu.model"_s, u"lower-case letters"_s);
        // mounts and volumes
        row(
            "mount unknown volume", [](Pod &p) { web(p).volumeMounts[0].name = u"dta"_s; },
            u"containers[0].volumeMounts[0].name"_s,
            u"volume \"dta\" does not exist; did you mean \"data\"?"_s);
        row(
            "mount path relative", [](Pod &p) { web(p).volumeMounts[0].mountPath = u"data"_s; },
            u"containers[0].volumeMounts[0].mountPath"_s, u"absolute path"_s);
        row(
            "mount path dotdot",
            [](Pod &p) { web(p).volumeMounts[0].mountPath = u"/data/../etc"_s; },
            u"containers[0].volumeMounts[0].mountPath"_s, u"must not contain \"..\""_s);
        row(
            "mount path twice",
            [](Pod &p) {
                web(p).volumeMounts.append(VolumeMount{u"data"_s, u"/data/"_s, true});
            },
            u"containers[0].volumeMounts[1].mountPath"_s, u"two volumes are mounted at /data"_s);
        row(
            "volume twice", [](Pod &p) { p.volumes.append(p.volumes[0]); }, u"volumes[1].name"_s,
            u"is used twice"_s);
        row(
            "persistent size", [](Pod &p) { p.volumes[0].sizeBytes = 0; },
            u"volumes[0].persistent.size"_s, u"needs a size"_s);
        row(
            "secret item path",
            [](Pod &p) {
                p.volumes[0].kind = VolumeKind::Secret;
                p.volumes[0].secretName = u"api"_s;
                p.volumes[0].items = {SecretItem{u"token"_s, u"../token"_s}};
            },
            u"volumes[0].secret.items[0].path"_s, u"relative to the mount"_s);
        // health checks
        row(
            "health path",
            [](Pod &p) {
                HealthCheck h;
                h.path = u"healthz"_s;
                h.port = 80;
                web(p).healthCheck = h;
            },
            u"containers[0].healthCheck.http.path"_s, u"must start with '/'"_s);
        row(
            "health port",
            [](Pod &p) {
                HealthCheck h;
                h.kind = HealthCheckKind::Tcp;
                web(p).healthCheck = h;
            },
            u"containers[0].healthCheck.tcp.port"_s, u"between 1 and 65535"_s);
        row(
            "health exec",
            [](Pod &p) {
                HealthCheck h;
                h.kind = HealthCheckKind::Exec;
                web(p).healthCheck = h;
            },
            u"containers[0].healthCheck.exec.command"_s, u"needs a command"_s);
        row(
            "health timeout",
            [](Pod &p) {
                HealthCheck h;
                h.path = u"/"_s;
                h.port = 80;
                h.timeoutSeconds = 30;
                web(p).healthCheck = h;
            },
            u"containers[0].healthCheck.timeoutSeconds"_s, u"longer than periodSeconds (10)"_s);
        row(
            "health threshold",
            [](Pod &p) {
                HealthCheck h;
                h.path = u"/"_s;
                h.port = 80;
                h.failureThreshold = 0;
                web(p).healthCheck = h;
            },
            u"containers[0].healthCheck.failureThreshold"_s, u"between 1 and 100"_s);
        // replicas, aliases
        row(
            "min over max",
            [](Pod &p) {
                p.replicas = Replicas{3, 2, 10};
            },
            u"replicas.min"_s, u"replicas.min (3) is larger than replicas.max (2)"_s);
        row(
            "max range",
            [](Pod &p) {
                p.replicas = Replicas{1, 101, 10};
            },
            u"replicas.max"_s, u"between 1 and 100"_s);
        row(
            "scale to zero needs http",
            [](Pod &p) {
                p.replicas.min = 0;
                web(p).ports.clear();
            },
            u"replicas.min"_s, u"needs an http port"_s);
        row(
            "target", [](Pod &p) { p.replicas.targetPendingRequests = 0; },
            u"replicas.targetPendingRequests"_s, u"between 1 and 10000"_s);
        row(
            "alias is container", [](Pod &p) { p.hostAliases = {u"db"_s}; }, u"hostAliases[0]"_s,
            u"already a container name"_s);
        row(
            "alias syntax", [](Pod &p) { p.hostAliases = {u"my db"_s}; }, u"hostAliases[0]"_s,
            u"is not a host name"_s);
    }

    void rules()
    {
        QFETCH(Mutation, mutate);
        QFETCH(QString, path);
        QFETCH(QString, fragment);
        Pod pod = validPod();
        mutate(pod);
        const auto diagnostics = validate(pod);
        const auto found =
            std::find_if(diagnostics.cbegin(), diagnostics.cend(), [&](const Diagnostic &d) {
                return d.path == path && d.message.contains(fragment) &&
                       d.severity == Severity::Error;
            });
        QVERIFY2(found != diagnostics.cend(), qPrintable(u"wanted %1: %2\ngot:\n%3"_s.arg(
                                                  path, fragment, describe(diagnostics))));
    }

    void unmountedVolumeIsOnlyAWarning()
    {
        Pod pod = validPod();
        web(pod).volumeMounts.clear();
        const auto diagnostics = validate(pod);
        QCOMPARE(diagnostics.size(), 1);
        QCOMPARE(diagnostics.front().severity, Severity::Warning);
        QCOMPARE(diagnostics.front().path, u"volumes[0].name"_s);
        QVERIFY(!hasErrors(diagnostics));
    }

    void scaleToZeroWithHttpPortIsValid()
    {
        Pod pod = validPod();
        pod.replicas = Replicas{0, 4, 5};
        QVERIFY2(validate(pod).isEmpty(), qPrintable(describe(validate(pod))));
    }
};

QTEST_GUILESS_MAIN(TestValidator)
#include "tst_validator.moc"
