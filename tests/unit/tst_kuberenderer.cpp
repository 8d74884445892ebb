#include "manifest/kuberenderer.h"
#include "manifest/manifestcodec.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTest>

#include <yaml-cpp/yaml.h>

using namespace Qt::StringLiterals;
using namespace berth::manifest;

namespace {

QJsonObject json(const char *text)
{
    QJsonParseError error;
    const auto document = QJsonDocument::fromJson(QByteArray(text), &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("bad expected JSON in test: %s", qPrintable(error.errorString()));
    return document.object();
}

QString pretty(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented));
}

#define COMPARE_JSON(actual, expected)                                                             \
    do {                                                                                           \
        const QJsonObject actualObject = (actual);                                                 \
        const QJsonObject expectedObject = (expected);                                             \
        QVERIFY2(actualObject == expectedObject,                                                   \
                 qPrintable(u"\nactual:\n"_s + pretty(actualObject) + u"\nexpected:\n"_s +         \
                            pretty(expectedObject)));                                              \
    } while (false)

Container webContainer()
{
    Container web;
    web.name = u"web"_s;
    web.image.reference = u"docker.io/library/nginx:1.25"_s;
    web.resources.cpuMillis = 250;
    web.resources.memoryBytes = 512LL * 1024 * 1024;
    return web;
}

Pod minimalPod()
{
    Pod pod;
    pod.metadata.name = u"shop"_s;
    pod.containers.append(webContainer());
    return pod;
}

QList<QJsonObject> ofKind(const QList<QJsonObject> &objects, const QString &kind)
{
    QList<QJsonObject> found;
    for (const auto &object : objects) {
        if (object.value(u"kind"_s).toString() == kind)
            found.append(object);
    }
    return found;
}

QStringList kinds(const QList<QJsonObject> &objects)
{
    QStringList list;
    for (const auto &object : objects)
        list.append(object.value(u"kind"_s).toString());
    return list;
}

QString nameOf(const QJsonObject &object)
{
    return object.value(u"metadata"_s).toObject().value(u"name"_s).toString();
}

QJsonObject onlyOfKind(const QList<QJsonObject> &objects, const QString &kind)
{
    const auto found = ofKind(objects, kind);
    return found.size() == 1 ? found.first() : QJsonObject();
}

// The pod spec of the Pod or of the Deployment's template.
QJsonObject podSpec(const QList<QJsonObject> &objects)
{
    const auto pod = onlyOfKind(objects, u"Pod"_s);
    if (!pod.isEmpty())
        return pod.value(u"spec"_s).toObject();
    return onlyOfKind(objects, u"Deployment"_s)
        .value(u"spec"_s)
        .toObject()
        .value(u"template"_s)
        .toObject()
        .value(u"spec"_s)
        .toObject();
}

QJsonObject firstContainer(const QList<QJsonObject> &objects)
{
    return podSpec(objects).value(u"containers"_s).toArray().first().toObject();
}

// The documents of a YAML stream as yaml-cpp reads them; empty on a parse error.
std::vector<YAML::Node> loadAll(const QByteArray &yaml)
{
    try {
        return YAML::LoadAll(yaml.toStdString());
    } catch (const YAML::Exception &e) {
        qWarning("YAML does not parse: %s", e.what());
        return {};
    }
}

QString text(const YAML::Node &node)
{
    return QString::fromStdString(node.as<std::string>());
}

// A scalar written as a string: quoted ("!" tag), so no reader takes it for a
// number or a boolean.
bool isQuoted(const YAML::Node &node)
{
    return node.IsScalar() && node.Tag() == "!";
}

const char *StandardLabels = R"({"app.kubernetes.io/name": "shop",
                                 "app.kubernetes.io/instance": "shop",
                                 "app.kubernetes.io/managed-by": "berth"})";

} // namespace

class TestKubeRenderer : public QObject
{
    Q_OBJECT

private slots:
    // Unset optional fields (command, env, ports, mounts, probes, volumes, namespace) are absent.
    void minimalPodIsExact()
    {
        const auto objects = renderKubernetes(minimalPod());
        QCOMPARE(kinds(objects), QStringList{u"Pod"_s});
        COMPARE_JSON(objects.first(), json(R"({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "shop",
                "labels": {"app.kubernetes.io/name": "shop",
                           "app.kubernetes.io/instance": "shop",
                           "app.kubernetes.io/managed-by": "berth"}
            },
            "spec": {
                "restartPolicy": "Always",
                "hostAliases": [{"ip": "127.0.0.1", "hostnames": ["web"]}],
                "containers": [{
                    "name": "web",
                    "image": "docker.io/library/nginx:1.25",
                    "resources": {
                        "limits": {"cpu": "250m", "memory": "512Mi"},
                        "requests": {"cpu": "250m", "memory": "512Mi"}
                    }
                }]
            }
        })"));
    }

    void deploymentWhenSeveralReplicas()
    {
        Pod pod = minimalPod();
        pod.metadata.labels.insert(u"tier"_s, u"front"_s);
        pod.replicas = Replicas{0, 3, 20};
        const auto objects = renderKubernetes(pod);
        QCOMPARE(kinds(objects), QStringList{u"Deployment"_s});
        const auto deployment = objects.first();
        QCOMPARE(deployment.value(u"apiVersion"_s).toString(), u"apps/v1"_s);
        COMPARE_JSON(deployment.value(u"metadata"_s).toObject(), json(R"({
            "name": "shop",
            "labels": {"app.kubernetes.io/name": "shop",
                       "app.kubernetes.io/instance": "shop",
                       "app.kubernetes.io/managed-by": "berth",
                       "tier": "front"},
            "annotations": {"berth.io/replicas-min": "0",
                            "berth.io/replicas-max": "3",
                            "berth.io/target-pending-requests": "20"}
        })"));
        const auto spec = deployment.value(u"spec"_s).toObject();
        // Scale-to-zero pods still start with one replica; the scaler takes them down.
        QCOMPARE(spec.value(u"replicas"_s).toInt(-1), 1);
        COMPARE_JSON(spec.value(u"selector"_s).toObject(), json(R"({"matchLabels": {
            "app.kubernetes.io/name": "shop", "app.kubernetes.io/instance": "shop"}})"));
        const auto templ = spec.value(u"template"_s).toObject();
        COMPARE_JSON(templ.value(u"metadata"_s).toObject().value(u"labels"_s).toObject(),
                     deployment.value(u"metadata"_s).toObject().value(u"labels"_s).toObject());
        QCOMPARE(templ.value(u"spec"_s).toObject().value(u"restartPolicy"_s).toString(),
                 u"Always"_s);
        QVERIFY(!spec.contains(u"strategy"_s));
    }

    void deploymentReplicaCount()
    {
        Pod pod = minimalPod();
        pod.replicas = Replicas{2, 5, 10};
        auto spec = renderKubernetes(pod).first().value(u"spec"_s).toObject();
        QCOMPARE(spec.value(u"replicas"_s).toInt(-1), 2);

        RenderOptions options;
        options.replicaCount = 0;
        spec = renderKubernetes(pod, options).first().value(u"spec"_s).toObject();
        QCOMPARE(spec.value(u"replicas"_s).toInt(-1), 0);
    }

    void autoPicksPodWhenRestartPolicyIsNotAlways()
    {
        Pod pod = minimalPod();
        pod.replicas = Replicas{1, 4, 10};
        pod.restartPolicy = RestartPolicy::OnFailure;
        const auto objects = renderKubernetes(pod);
        QCOMPARE(kinds(objects), QStringList{u"Pod"_s});
        QCOMPARE(podSpec(objects).value(u"restartPolicy"_s).toString(), u"OnFailure"_s);
    }

    void explicitWorkload()
    {
        Pod pod = minimalPod();
        pod.restartPolicy = RestartPolicy::Never;
        RenderOptions options;
        options.workload = RenderOptions::Workload::Deployment;
        auto objects = renderKubernetes(pod, options);
        QCOMPARE(kinds(objects), QStringList{u"Deployment"_s});
        // Deployments only allow Always.
        QCOMPARE(podSpec(objects).value(u"restartPolicy"_s).toString(), u"Always"_s);
        QCOMPARE(objects.first().value(u"spec"_s).toObject().value(u"replicas"_s).toInt(-1), 1);

        pod.restartPolicy = RestartPolicy::Always;
        pod.replicas = Replicas{2, 8, 10};
        options.workload = RenderOptions::Workload::Pod;
        objects = renderKubernetes(pod, options);
        QCOMPARE(kinds(objects), QStringList{u"Pod"_s});
        QCOMPARE(podSpec(objects).value(u"restartPolicy"_s).toString(), u"Always"_s);
    }

    void deploymentWithPersistentVolumeRecreates()
    {
        Pod pod = minimalPod();
        pod.replicas = Replicas{1, 2, 10};
        pod.volumes.append(Volume{u"data"_s, VolumeKind::Persistent, 1LL << 30, {}, {}});
        const auto deployment = onlyOfKind(renderKubernetes(pod), u"Deployment"_s);
        COMPARE_JSON(deployment.value(u"spec"_s).toObject().value(u"strategy"_s).toObject(),
                     json(R"({"type": "Recreate"})"));
    }

    void labelsOnEveryObject()
    {
        Pod pod = minimalPod();
        pod.metadata.labels.insert(u"team"_s, u"blue"_s);
        // Berth's own labels cannot be overridden: the selector depends on them.
        pod.metadata.labels.insert(u"app.kubernetes.io/managed-by"_s, u"helm"_s);
        pod.containers[0].ports.append(Port{u"http"_s, 80, PortProtocol::Http, {}, {}});
        pod.containers[0].env.append(EnvVar{u"TOKEN"_s, {}, SecretKeyRef{u"api"_s, u"t"_s}});
        pod.volumes.append(Volume{u"data"_s, VolumeKind::Persistent, 1LL << 30, {}, {}});
        RenderOptions options;
        options.extraLabels.insert(u"berth.io/deployment"_s, u"d42"_s);
        options.extraLabels.insert(u"team"_s, u"red"_s);
        options.namespaceName = u"tenant-1"_s;
        const auto objects = renderKubernetes(pod, options);
        QCOMPARE(kinds(objects),
                 (QStringList{u"Secret"_s, u"PersistentVolumeClaim"_s, u"Service"_s, u"Pod"_s}));
        auto expected = json(StandardLabels);
        expected.insert(u"team"_s, u"red"_s); // the runtime's labels win over the manifest's
        expected.insert(u"berth.io/deployment"_s, u"d42"_s);
        for (const auto &object : objects) {
            const auto metadata = object.value(u"metadata"_s).toObject();
            COMPARE_JSON(metadata.value(u"labels"_s).toObject(), expected);
            QCOMPARE(metadata.value(u"namespace"_s).toString(), u"tenant-1"_s);
        }
    }

    void hostAliasesNameEveryContainer()
    {
        Pod pod = minimalPod();
        Container db = webContainer();
        db.name = u"db"_s;
        db.image.reference = u"docker.io/library/postgres:16"_s;
        pod.containers.append(db);
        pod.hostAliases = {u"my_db"_s, u"db"_s, u"cache"_s};
        const auto aliases = podSpec(renderKubernetes(pod)).value(u"hostAliases"_s).toArray();
        // One entry; container names first, duplicates dropped.
        COMPARE_JSON((QJsonObject{{u"a"_s, aliases}}), json(R"({"a": [{"ip": "127.0.0.1",
            "hostnames": ["web", "db", "my_db", "cache"]}]})"));
    }

    void resources_data()
    {
        QTest::addColumn<qint64>("cpuMillis");
        QTest::addColumn<qint64>("memoryBytes");
        QTest::addColumn<qint64>("storageBytes");
        QTest::addColumn<int>("gpus");
        QTest::addColumn<QString>("expected");
        QTest::newRow("millicores") << qint64(250) << qint64(256) * 1024 * 1024 << qint64(0) << 0
                                    << uR"({"cpu": "250m", "memory": "256Mi"})"_s;
        QTest::newRow("whole cores stay millicores")
            << qint64(2000) << qint64(1000000000) << qint64(0) << 0
            << uR"({"cpu": "2000m", "memory": "1G"})"_s;
        QTest::newRow("storage and gpus")
            << qint64(1500) << qint64(6) * 1024 * 1024 * 1024 << qint64(10) * 1024 * 1024 * 1024
            << 2 << uR"({"cpu": "1500m", "memory": "6Gi", "ephemeral-storage": "10Gi",
                   "nvidia.com/gpu": "2"})"_s;
        QTest::newRow("odd bytes") << qint64(10) << qint64(6291457) << qint64(0) << 0
                                   << uR"({"cpu": "10m", "memory": "6291457"})"_s;
    }
    void resources()
    {
        QFETCH(qint64, cpuMillis);
        QFETCH(qint64, memoryBytes);
        QFETCH(qint64, storageBytes);
        QFETCH(int, gpus);
        QFETCH(QString, expected);
        Pod pod = minimalPod();
        auto &resources = pod.containers[0].resources;
        resources.cpuMillis = cpuMillis;
        resources.memoryBytes = memoryBytes;
        resources.ephemeralStorageBytes = storageBytes;
        if (gpus > 0)
            resources.gpu = Gpu{gpus, {}};
        const auto amounts = json(expected.toUtf8().constData());
        COMPARE_JSON(firstContainer(renderKubernetes(pod)).value(u"resources"_s).toObject(),
                     (QJsonObject{{u"limits"_s, amounts}, {u"requests"_s, amounts}}));
        QVERIFY(!podSpec(renderKubernetes(pod)).contains(u"nodeSelector"_s));
    }

    void gpuModelSelectsNodes()
    {
        Pod pod = minimalPod();
        Container trainer = webContainer();
        trainer.name = u"trainer"_s;
        trainer.resources.gpu = Gpu{1, u"nvidia-a100"_s};
        pod.containers[0].resources.gpu = Gpu{1, {}}; // any model: the other container decides
        pod.containers.append(trainer);
        const auto spec = podSpec(renderKubernetes(pod));
        COMPARE_JSON(spec.value(u"nodeSelector"_s).toObject(),
                     json(R"({"berth.io/gpu-model": "nvidia-a100"})"));
    }

    void containerFields()
    {
        Pod pod = minimalPod();
        auto &web = pod.containers[0];
        web.command = QStringList{u"/bin/sh"_s, u"-c"_s};
        web.args = QStringList{u"exec nginx -g 'daemon off;'"_s};
        web.workingDir = u"/srv"_s;
        web.env.append(EnvVar{u"MODE"_s, u"production"_s, {}});
        web.env.append(EnvVar{u"EMPTY"_s, {}, {}});
        web.env.append(EnvVar{u"DB_PASSWORD"_s, {}, SecretKeyRef{u"db"_s, u"password"_s}});
        web.ports.append(Port{u"http"_s, 8080, PortProtocol::Http, {u"shop.example.com"_s}, {}});
        web.ports.append(Port{u"admin"_s, 2222, PortProtocol::Tcp, {}, 30022});
        const auto container = firstContainer(renderKubernetes(pod));
        QCOMPARE(container.value(u"command"_s).toArray(), QJsonArray({u"/bin/sh"_s, u"-c"_s}));
        QCOMPARE(container.value(u"args"_s).toArray(),
                 QJsonArray({u"exec nginx -g 'daemon off;'"_s}));
        QCOMPARE(container.value(u"workingDir"_s).toString(), u"/srv"_s);
        QVERIFY(!container.contains(u"imagePullPolicy"_s));
        COMPARE_JSON((QJsonObject{{u"env"_s, container.value(u"env"_s)}}), json(R"({"env": [
            {"name": "MODE", "value": "production"},
            {"name": "EMPTY", "value": ""},
            {"name": "DB_PASSWORD",
             "valueFrom": {"secretKeyRef": {"name": "shop-db", "key": "password"}}}
        ]})"));
        COMPARE_JSON((QJsonObject{{u"ports"_s, container.value(u"ports"_s)}}), json(R"({"ports": [
            {"name": "http", "containerPort": 8080, "protocol": "TCP"},
            {"name": "admin", "containerPort": 2222, "protocol": "TCP"}
        ]})"));
    }

    void probes_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("expected");
        QTest::newRow("http") << int(HealthCheckKind::Http)
                              << uR"({"httpGet": {"path": "/healthz", "port": 8080},
                                     "initialDelaySeconds": 5, "periodSeconds": 15,
                                     "timeoutSeconds": 2, "failureThreshold": 4})"_s;
        QTest::newRow("tcp") << int(HealthCheckKind::Tcp) << uR"({"tcpSocket": {"port": 8080},
                                    "initialDelaySeconds": 5, "periodSeconds": 15,
                                    "timeoutSeconds": 2, "failureThreshold": 4})"_s;
        QTest::newRow("exec") << int(HealthCheckKind::Exec)
                              << uR"({"exec": {"command": ["/bin/check", "--quick"]},
                                     "initialDelaySeconds": 5, "periodSeconds": 15,
                                     "timeoutSeconds": 2, "failureThreshold": 4})"_s;
    }
    void probes()
    {
        QFETCH(int, kind);
        QFETCH(QString, expected);
        HealthCheck check;
        check.kind = HealthCheckKind(kind);
        if (check.kind == HealthCheckKind::Http)
            check.path = u"/healthz"_s;
        if (check.kind == HealthCheckKind::Exec)
            check.command = QStringList{u"/bin/check"_s, u"--quick"_s};
        else
            check.port = 8080;
        check.initialDelaySeconds = 5;
        check.periodSeconds = 15;
        check.timeoutSeconds = 2;
        check.failureThreshold = 4;
        Pod pod = minimalPod();
        pod.containers[0].healthCheck = check;
        const auto container = firstContainer(renderKubernetes(pod));
        const auto probe = json(expected.toUtf8().constData());
        COMPARE_JSON(container.value(u"livenessProbe"_s).toObject(), probe);
        COMPARE_JSON(container.value(u"readinessProbe"_s).toObject(), probe);
    }

    void blobImages()
    {
        const QString sha = u"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"_s;
        QCOMPARE(blobImageName(sha), u"localhost/berth-blob:"_s + sha);
        Pod pod = minimalPod();
        pod.containers[0].image = Image{{}, sha, u"https://blobs.example.com/x"_s};
        const auto container = firstContainer(renderKubernetes(pod));
        QCOMPARE(container.value(u"image"_s).toString(), u"localhost/berth-blob:"_s + sha);
        // Loaded by the provider: never pulled.
        QCOMPARE(container.value(u"imagePullPolicy"_s).toString(), u"Never"_s);
    }

    void nativeVolumes()
    {
        Pod pod = minimalPod();
        pod.volumes = {
            Volume{u"data"_s, VolumeKind::Persistent, 10LL << 30, {}, {}},
            Volume{u"scratch"_s, VolumeKind::EmptyDir, 1LL << 30, {}, {}},
            Volume{u"tmp"_s, VolumeKind::EmptyDir, 0, {}, {}},
            Volume{u"creds"_s,
                   VolumeKind::Secret,
                   0,
                   u"api"_s,
                   {SecretItem{u"token"_s, u"token.txt"_s}, SecretItem{u"ca"_s, u"tls/ca.pem"_s}}},
            Volume{u"all"_s, VolumeKind::Secret, 0, u"tls"_s, {}},
        };
        pod.containers[0].volumeMounts = {
            VolumeMount{u"data"_s, u"/data"_s, false},
            VolumeMount{u"scratch"_s, u"/scratch"_s, true},
            VolumeMount{u"creds"_s, u"/run/creds"_s, false}, // secrets are read-only anyway
        };
        pod.containers[0].env.append(EnvVar{u"DB"_s, {}, SecretKeyRef{u"db"_s, u"url"_s}});
        RenderOptions options;
        options.secretValues[u"api"_s][u"token"_s] = "s3cret";
        options.secretValues[u"api"_s][u"extra"_s] = QByteArray("\x00\xff", 2);
        options.secretValues[u"unused"_s][u"k"_s] = "never rendered";
        const auto objects = renderKubernetes(pod, options);
        QCOMPARE(kinds(objects), (QStringList{u"Secret"_s, u"Secret"_s, u"Secret"_s,
                                              u"PersistentVolumeClaim"_s, u"Pod"_s}));

        const auto spec = podSpec(objects);
        COMPARE_JSON((QJsonObject{{u"volumes"_s, spec.value(u"volumes"_s)}}), json(R"({"volumes": [
            {"name": "data", "persistentVolumeClaim": {"claimName": "shop-data"}},
            {"name": "scratch", "emptyDir": {"sizeLimit": "1Gi"}},
            {"name": "tmp", "emptyDir": {}},
            {"name": "creds", "secret": {"secretName": "shop-api", "items": [
                {"key": "token", "path": "token.txt"}, {"key": "ca", "path": "tls/ca.pem"}]}},
            {"name": "all", "secret": {"secretName": "shop-tls"}}
        ]})"));
        COMPARE_JSON((QJsonObject{{u"m"_s, firstContainer(objects).value(u"volumeMounts"_s)}}),
                     json(R"({"m": [
            {"name": "data", "mountPath": "/data"},
            {"name": "scratch", "mountPath": "/scratch", "readOnly": true},
            {"name": "creds", "mountPath": "/run/creds", "readOnly": true}
        ]})"));

        // Secrets sorted by name; referenced keys without a value are empty.
        const auto secrets = ofKind(objects, u"Secret"_s);
        auto labels = json(StandardLabels);
        COMPARE_JSON(
            secrets[0],
            (QJsonObject{
                {u"apiVersion"_s, u"v1"_s},
                {u"kind"_s, u"Secret"_s},
                {u"metadata"_s, QJsonObject{{u"name"_s, u"shop-api"_s}, {u"labels"_s, labels}}},
                {u"type"_s, u"Opaque"_s},
                {u"data"_s, json(R"({"token": "czNjcmV0", "extra": "AP8=",
                                                         "ca": ""})")},
            }));
        QCOMPARE(nameOf(secrets[1]), u"shop-db"_s);
        COMPARE_JSON(secrets[1].value(u"data"_s).toObject(), json(R"({"url": ""})"));
        QCOMPARE(nameOf(secrets[2]), u"shop-tls"_s);
        COMPARE_JSON(secrets[2].value(u"data"_s).toObject(), QJsonObject());

        COMPARE_JSON(
            onlyOfKind(objects, u"PersistentVolumeClaim"_s),
            (QJsonObject{
                {u"apiVersion"_s, u"v1"_s},
                {u"kind"_s, u"PersistentVolumeClaim"_s},
                {u"metadata"_s, QJsonObject{{u"name"_s, u"shop-data"_s}, {u"labels"_s, labels}}},
                {u"spec"_s, json(R"({"accessModes": ["ReadWriteOnce"],
                                             "resources": {"requests": {"storage": "10Gi"}}})")},
            }));
    }

    void hostPathSecrets()
    {
        Pod pod = minimalPod();
        pod.volumes = {
            Volume{u"creds"_s,
                   VolumeKind::Secret,
                   0,
                   u"api"_s,
                   {SecretItem{u"token"_s, u"token.txt"_s}}},
            Volume{u"data"_s, VolumeKind::Persistent, 1LL << 30, {}, {}},
        };
        pod.containers[0].volumeMounts = {VolumeMount{u"creds"_s, u"/run/creds"_s, false}};
        pod.containers[0].env.append(EnvVar{u"DB"_s, {}, SecretKeyRef{u"db"_s, u"url"_s}});
        RenderOptions options;
        options.secretHostRoot = u"/run/berth/secrets/d42/"_s;
        options.secretValues[u"api"_s][u"token"_s] = "s3cret";
        options.emitPersistentVolumeClaims = false;
        const auto objects = renderKubernetes(pod, options);
        // No Secret and no claim objects: the Podman runtime provides both.
        QCOMPARE(kinds(objects), QStringList{u"Pod"_s});
        const auto volumes = podSpec(objects).value(u"volumes"_s).toArray();
        COMPARE_JSON(volumes[0].toObject(), json(R"({"name": "creds", "hostPath": {
            "path": "/run/berth/secrets/d42/api", "type": "Directory"}})"));
        COMPARE_JSON(
            volumes[1].toObject(),
            json(R"({"name": "data", "persistentVolumeClaim": {"claimName": "shop-data"}})"));
        const auto container = firstContainer(objects);
        QVERIFY(container.value(u"volumeMounts"_s)
                    .toArray()
                    .first()
                    .toObject()
                    .value(u"readOnly"_s)
                    .toBool());
        // Env still comes from a secret: a Podman secret of the same name.
        COMPARE_JSON(container.value(u"env"_s).toArray().first().toObject(), json(R"({
            "name": "DB", "valueFrom": {"secretKeyRef": {"name": "shop-db", "key": "url"}}})"));
        QVERIFY(!QJsonDocument(objects.first()).toJson().contains("s3cret"));
    }

    void services()
    {
        Pod pod = minimalPod();
        pod.containers[0].ports.append(Port{u"http"_s, 80, PortProtocol::Http, {}, {}});
        Container db = webContainer();
        db.name = u"redis"_s;
        db.ports.append(Port{u"redis"_s, 6379, PortProtocol::Tcp, {}, 30079});
        pod.containers.append(db);
        pod.metadata.labels.insert(u"tier"_s, u"front"_s);
        const auto objects = renderKubernetes(pod);
        QCOMPARE(kinds(objects), (QStringList{u"Service"_s, u"Pod"_s}));
        auto labels = json(StandardLabels);
        labels.insert(u"tier"_s, u"front"_s);
        COMPARE_JSON(
            objects.first(),
            (QJsonObject{
                {u"apiVersion"_s, u"v1"_s},
                {u"kind"_s, u"Service"_s},
                {u"metadata"_s, QJsonObject{{u"name"_s, u"shop"_s}, {u"labels"_s, labels}}},
                {u"spec"_s, json(R"({
            "type": "ClusterIP",
            "selector": {"app.kubernetes.io/name": "shop", "app.kubernetes.io/instance": "shop"},
            "ports": [
                {"name": "http", "port": 80, "targetPort": 80, "protocol": "TCP"},
                {"name": "redis", "port": 6379, "targetPort": 6379, "protocol": "TCP"}
            ]})")},
            }));

        RenderOptions options;
        options.emitServices = false;
        QCOMPARE(kinds(renderKubernetes(pod, options)), QStringList{u"Pod"_s});
    }

    void serviceNameStartsWithALetter()
    {
        Pod pod = minimalPod();
        pod.metadata.name = u"1shop"_s;
        pod.containers[0].ports.append(Port{u"http"_s, 80, PortProtocol::Http, {}, {}});
        const auto objects = renderKubernetes(pod);
        QCOMPARE(nameOf(onlyOfKind(objects, u"Service"_s)), u"svc-1shop"_s);
        QCOMPARE(nameOf(onlyOfKind(objects, u"Pod"_s)), u"1shop"_s);
    }

    void objectNames()
    {
        Pod pod = minimalPod();
        QCOMPARE(renderedObjectName(pod), u"shop"_s);
        RenderOptions options;
        options.objectName = u"Deploy_0xAB.cd"_s;
        QCOMPARE(renderedObjectName(pod, options), u"deploy-0xab-cd"_s);
        options.objectName = u"--x--"_s;
        QCOMPARE(renderedObjectName(pod, options), u"x"_s);
        options.objectName = u"___"_s;
        QCOMPARE(renderedObjectName(pod, options), u"pod"_s);

        pod.volumes.append(Volume{u"data"_s, VolumeKind::Persistent, 1LL << 30, {}, {}});
        options.objectName = u"d-42"_s;
        const auto objects = renderKubernetes(pod, options);
        QCOMPARE(nameOf(onlyOfKind(objects, u"PersistentVolumeClaim"_s)), u"d-42-data"_s);
        const auto pod0 = onlyOfKind(objects, u"Pod"_s);
        QCOMPARE(nameOf(pod0), u"d-42"_s);
        // The name label stays the manifest's name; the instance is the object.
        const auto labels = pod0.value(u"metadata"_s).toObject().value(u"labels"_s).toObject();
        QCOMPARE(labels.value(u"app.kubernetes.io/name"_s).toString(), u"shop"_s);
        QCOMPARE(labels.value(u"app.kubernetes.io/instance"_s).toString(), u"d-42"_s);
    }

    void longNamesAreCutWithAHash()
    {
        const QString base = QString(40, u'a');
        const QString shortSuffix = u"data"_s;
        QCOMPARE(derivedObjectName(base, shortSuffix), base + u"-data"_s);

        const QString suffix1 = QString(30, u'v') + u'1';
        const QString suffix2 = QString(30, u'v') + u'2';
        const QString name1 = derivedObjectName(base, suffix1);
        const QString name2 = derivedObjectName(base, suffix2);
        QCOMPARE(name1.size(), 63);
        QCOMPARE(name2.size(), 63);
        QVERIFY(name1 != name2);
        QCOMPARE(derivedObjectName(base, suffix1), name1); // deterministic
        static const QRegularExpression dnsLabel(u"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"_s);
        QVERIFY2(dnsLabel.match(name1).hasMatch(), qPrintable(name1));
        QVERIFY(name1.startsWith(base + u'-'));
        static const QRegularExpression hashTail(u"-[0-9a-f]{8}$"_s);
        QVERIFY2(hashTail.match(name1).hasMatch(), qPrintable(name1));

        // Exactly 63 characters is left alone.
        QCOMPARE(derivedObjectName(QString(58, u'b'), u"data"_s).size(), 63);
        QCOMPARE(derivedObjectName(QString(58, u'b'), u"data"_s), QString(58, u'b') + u"-data"_s);

        // A cut that lands on a hyphen drops it rather than doubling it before the hash.
        const QString hyphenated = derivedObjectName(QString(53, u'c'), u"x-yyyyyyyyyyyy"_s);
        QCOMPARE(hyphenated.size(), 62);
        QVERIFY2(!hyphenated.contains(u"--"_s), qPrintable(hyphenated));

        // Long object names are capped too, and their derived names stay labels.
        Pod pod = minimalPod();
        pod.volumes.append(Volume{u"data"_s, VolumeKind::Persistent, 1LL << 30, {}, {}});
        RenderOptions options;
        options.objectName = QString(80, u'z');
        const QString object = renderedObjectName(pod, options);
        QCOMPARE(object.size(), 63);
        QVERIFY2(hashTail.match(object).hasMatch(), qPrintable(object));
        const auto claim =
            nameOf(onlyOfKind(renderKubernetes(pod, options), u"PersistentVolumeClaim"_s));
        QCOMPARE(claim.size(), 63);
        QCOMPARE(claim, derivedObjectName(object, u"data"_s));
        QVERIFY(claim != object);
    }

    void applyOrder()
    {
        Pod pod = minimalPod();
        pod.replicas = Replicas{1, 2, 10};
        pod.containers[0].ports.append(Port{u"http"_s, 80, PortProtocol::Http, {}, {}});
        pod.volumes = {
            Volume{u"b"_s, VolumeKind::Persistent, 1LL << 30, {}, {}},
            Volume{u"s"_s, VolumeKind::Secret, 0, u"zeta"_s, {}},
            Volume{u"a"_s, VolumeKind::Persistent, 1LL << 30, {}, {}},
            Volume{u"t"_s, VolumeKind::Secret, 0, u"alpha"_s, {}},
        };
        QStringList names;
        const auto objects = renderKubernetes(pod);
        for (const auto &object : objects)
            names.append(object.value(u"kind"_s).toString() + u'/' + nameOf(object));
        QCOMPARE(names,
                 (QStringList{u"Secret/shop-alpha"_s, u"Secret/shop-zeta"_s,
                              u"PersistentVolumeClaim/shop-b"_s, u"PersistentVolumeClaim/shop-a"_s,
                              u"Service/shop"_s, u"Deployment/shop"_s}));
    }
    void yamlReadsBack()
    {
        Pod pod = minimalPod();
        pod.replicas = Replicas{0, 3, 10};
        auto &web = pod.containers[0];
        web.args = QStringList{u"line one\nline two"_s, u"--port=80"_s};
        web.env = {EnvVar{u"DEBUG"_s, u"true"_s, {}}, EnvVar{u"ZIP"_s, u"0123"_s, {}},
                   EnvVar{u"EMPTY"_s, {}, {}},
                   EnvVar{u"TOKEN"_s, {}, SecretKeyRef{u"api"_s, u"token"_s}}};
        web.ports.append(Port{u"http"_s, 80, PortProtocol::Http, {u"shop.example.com"_s}, {}});
        web.resources.cpuMillis = 2000;
        web.resources.gpu = Gpu{1, u"nvidia-a100"_s};
        web.volumeMounts = {VolumeMount{u"creds"_s, u"/run/creds"_s, false},
                            VolumeMount{u"data"_s, u"/data"_s, false}};
        pod.volumes = {Volume{u"creds"_s, VolumeKind::Secret, 0, u"api"_s, {}},
                       Volume{u"data"_s, VolumeKind::Persistent, 10LL << 30, {}, {}}};
        RenderOptions options;
        options.secretValues[u"api"_s][u"token"_s] = "s3cret";
        const QByteArray yaml = renderKubernetesYaml(pod, options);
        QVERIFY(yaml.startsWith("---\n"));
        const auto documents = loadAll(yaml);
        QCOMPARE(documents.size(), std::size_t(4));

        const YAML::Node &secret = documents[0];
        QCOMPARE(text(secret["kind"]), u"Secret"_s);
        QCOMPARE(text(secret["metadata"]["name"]), u"shop-api"_s);
        QCOMPARE(text(secret["data"]["token"]), u"czNjcmV0"_s);
        QCOMPARE(text(documents[1]["kind"]), u"PersistentVolumeClaim"_s);
        QVERIFY(isQuoted(documents[1]["spec"]["resources"]["requests"]["storage"]));
        QCOMPARE(text(documents[1]["spec"]["resources"]["requests"]["storage"]), u"10Gi"_s);
        QCOMPARE(text(documents[2]["kind"]), u"Service"_s);
        QCOMPARE(documents[2]["spec"]["ports"][0]["port"].as<int>(), 80);

        const YAML::Node &deployment = documents[3];
        QCOMPARE(text(deployment["apiVersion"]), u"apps/v1"_s);
        QCOMPARE(text(deployment["kind"]), u"Deployment"_s);
        QCOMPARE(deployment["spec"]["replicas"].as<int>(), 1);
        // Annotation values must stay strings for an API server to accept them.
        QVERIFY(isQuoted(deployment["metadata"]["annotations"]["berth.io/replicas-min"]));
        QCOMPARE(text(deployment["metadata"]["annotations"]["berth.io/replicas-min"]), u"0"_s);
        QCOMPARE(text(deployment["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]),
                 u"shop"_s);
        const YAML::Node spec = deployment["spec"]["template"]["spec"];
        QCOMPARE(text(spec["hostAliases"][0]["ip"]), u"127.0.0.1"_s);
        QCOMPARE(text(spec["hostAliases"][0]["hostnames"][0]), u"web"_s);
        QCOMPARE(text(spec["nodeSelector"]["berth.io/gpu-model"]), u"nvidia-a100"_s);
        QCOMPARE(text(spec["volumes"][1]["persistentVolumeClaim"]["claimName"]), u"shop-data"_s);

        const YAML::Node container = spec["containers"][0];
        QCOMPARE(text(container["args"][0]), u"line one\nline two"_s);
        const YAML::Node env = container["env"];
        QVERIFY(isQuoted(env[0]["value"]));
        QCOMPARE(text(env[0]["value"]), u"true"_s);
        QVERIFY(isQuoted(env[1]["value"]));
        QCOMPARE(text(env[1]["value"]), u"0123"_s);
        QVERIFY(isQuoted(env[2]["value"]));
        QCOMPARE(text(env[2]["value"]), QString());
        QCOMPARE(text(env[3]["valueFrom"]["secretKeyRef"]["name"]), u"shop-api"_s);
        QCOMPARE(container["ports"][0]["containerPort"].as<int>(), 80);
        const YAML::Node limits = container["resources"]["limits"];
        QCOMPARE(text(limits["cpu"]), u"2000m"_s);
        QVERIFY(isQuoted(limits["nvidia.com/gpu"]));
        QCOMPARE(text(limits["nvidia.com/gpu"]), u"1"_s);
        QCOMPARE(container["volumeMounts"][0]["readOnly"].as<bool>(), true);
    }

    void yamlEmptyDirIsAMapping()
    {
        Pod pod = minimalPod();
        pod.volumes = {Volume{u"tmp"_s, VolumeKind::EmptyDir, 0, {}, {}}};
        pod.containers[0].volumeMounts = {VolumeMount{u"tmp"_s, u"/tmp"_s, false}};
        const auto documents = loadAll(renderKubernetesYaml(pod));
        QCOMPARE(documents.size(), std::size_t(1));
        const YAML::Node emptyDir = documents[0]["spec"]["volumes"][0]["emptyDir"];
        QVERIFY(emptyDir.IsMap());
        QCOMPARE(emptyDir.size(), std::size_t(0));
    }

    // Every shipped example is valid and renders to YAML that reads back.
    void examples()
    {
        const QDir dir(QStringLiteral(BERTH_EXAMPLES_DIR));
        const auto files = dir.entryList({u"*.yaml"_s}, QDir::Files, QDir::Name);
        QVERIFY2(files.size() >= 5, qPrintable(files.join(u", "_s)));
        for (const auto &name : files) {
            QFile file(dir.filePath(name));
            QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(name));
            const ParseResult parsed = loadManifest(file.readAll());
            QStringList problems;
            for (const auto &diagnostic : parsed.diagnostics)
                problems.append(formatDiagnostic(name, diagnostic));
            QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));

            const auto documents = loadAll(renderKubernetesYaml(parsed.pod));
            QVERIFY2(!documents.empty(), qPrintable(name));
            const YAML::Node workload = documents.back();
            const QString kind = text(workload["kind"]);
            const YAML::Node spec =
                kind == u"Deployment" ? workload["spec"]["template"]["spec"] : workload["spec"];
            QVERIFY2(kind == u"Pod" || kind == u"Deployment", qPrintable(name));
            QCOMPARE(spec["containers"].size(), std::size_t(parsed.pod.containers.size()));
            QCOMPARE(text(workload["metadata"]["name"]), parsed.pod.metadata.name);
        }
    }

    void examplesUseDeploymentsWhenScaling()
    {
        QFile file(QStringLiteral(BERTH_EXAMPLES_DIR "/multi-host.yaml"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const ParseResult parsed = loadManifest(file.readAll());
        QVERIFY(parsed.ok());
        const auto objects = renderKubernetes(parsed.pod);
        QCOMPARE(kinds(objects), (QStringList{u"Secret"_s, u"Service"_s, u"Deployment"_s}));
        const auto hostnames = podSpec(objects)
                                   .value(u"hostAliases"_s)
                                   .toArray()
                                   .first()
                                   .toObject()
                                   .value(u"hostnames"_s)
                                   .toArray();
        QCOMPARE(hostnames, QJsonArray({u"frontend"_s, u"api"_s}));
        const auto ports = onlyOfKind(objects, u"Service"_s)
                               .value(u"spec"_s)
                               .toObject()
                               .value(u"ports"_s)
                               .toArray();
        QCOMPARE(ports.size(), 3);
    }
};

QTEST_GUILESS_MAIN(TestKubeRenderer)
#include "tst_kuberenderer.moc"
