// The YAML and JSON codecs: lossless round trips, located errors for every kind
// of bad input, and the limits that keep a parser safe.
#include "manifest/limits.h"
#include "manifest/manifestcodec.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth::manifest;

namespace berth::manifest {
// Readable QCOMPARE failures.
char *toString(const SourceLocation &location)
{
    return QTest::toString(u"%1:%2"_s.arg(location.line).arg(location.column));
}
} // namespace berth::manifest

namespace {

// A pod that uses every field, with strings that a careless writer would turn
// into numbers, booleans or comments.
Pod everyField()
{
    Pod pod;
    pod.metadata.name = u"shop"_s;
    pod.metadata.labels = {{u"app"_s, u"shop"_s}, {u"example.com/tier"_s, u"1.0"_s}};

    Container web;
    web.name = u"web"_s;
    web.image.reference = u"docker.io/library/nginx:1.25"_s;
    web.command = {u"/bin/sh"_s, u"-c"_s};
    web.args = {u"exec nginx -g 'daemon off;'"_s,
                u"80"_s,
                u"true"_s,
                u""_s,
                u"# not a comment"_s,
                u"key: value"_s,
                u"line one\nline two"_s,
                u"grüße ✓"_s,
                u" padded "_s};
    web.workingDir = u"/srv"_s;
    web.env = {EnvVar{u"MODE"_s, u"production"_s, {}}, EnvVar{u"PORT"_s, u"8080"_s, {}},
               EnvVar{u"FLAG"_s, u"no"_s, {}}, EnvVar{u"EMPTY"_s, u""_s, {}},
               EnvVar{u"DB_PASSWORD"_s, {}, SecretKeyRef{u"db"_s, u"password"_s}}};
    Port http;
    http.name = u"http"_s;
    http.containerPort = 80;
    http.hosts = {u"shop.example.com"_s, u"www.shop.example.com"_s};
    Port admin;
    admin.name = u"admin"_s;
    admin.containerPort = 2222;
    admin.protocol = PortProtocol::Tcp;
    admin.publicPort = 30022;
    web.ports = {http, admin};
    web.resources.cpuMillis = 1500;
    web.resources.memoryBytes = 512LL * 1024 * 1024;
    web.resources.ephemeralStorageBytes = 1000LL * 1000 * 1000;
    web.resources.gpu = Gpu{1, u"nvidia-a100"_s};
    web.volumeMounts = {VolumeMount{u"data"_s, u"/data"_s, false},
                        VolumeMount{u"creds"_s, u"/run/creds"_s, true}};
    HealthCheck check;
    check.kind = HealthCheckKind::Http;
    check.path = u"/healthz"_s;
    check.port = 80;
    check.initialDelaySeconds = 5;
    check.periodSeconds = 15;
    check.timeoutSeconds = 2;
    check.failureThreshold = 4;
    web.healthCheck = check;

    Container worker;
    worker.name = u"worker"_s;
    worker.image.blobSha256 = QString(64, u'a');
    worker.image.blobUrl = u"https://blobs.example.com/aaaa"_s;
    worker.resources.cpuMillis = 250;
    worker.resources.memoryBytes = 64LL * 1024 * 1024;
    HealthCheck exec;
    exec.kind = HealthCheckKind::Exec;
    exec.command = {u"/bin/true"_s};
    worker.healthCheck = exec;

    Volume data;
    data.name = u"data"_s;
    data.kind = VolumeKind::Persistent;
    data.sizeBytes = 10LL * 1024 * 1024 * 1024;
    Volume scratch;
    scratch.name = u"scratch"_s;
    scratch.kind = VolumeKind::EmptyDir;
    Volume creds;
    creds.name = u"creds"_s;
    creds.kind = VolumeKind::Secret;
    creds.secretName = u"api"_s;
    creds.items = {SecretItem{u"token"_s, u"token.txt"_s}};
    pod.containers = {web, worker};
    pod.volumes = {data, scratch, creds};
    pod.replicas = Replicas{0, 5, 20};
    pod.restartPolicy = RestartPolicy::OnFailure;
    pod.hostAliases = {u"my_db"_s};
    return pod;
}

QString describe(const QList<Diagnostic> &list)
{
    QStringList lines;
    for (const auto &d : list)
        lines.append(formatDiagnostic(u"f"_s, d));
    return lines.join(u'\n');
}

const QByteArray Minimal = R"(apiVersion: berth/v1
kind: Pod
metadata:
  name: web
containers:
  - name: web
    image: nginx:1.25
    resources:
      cpu: 250m
      memory: 64Mi
)";

} // namespace

class TestManifestCodec : public QObject
{
    Q_OBJECT

private slots:
    void yamlRoundTripIsLossless()
    {
        const Pod pod = everyField();
        const QByteArray yaml = writeManifest(pod, ManifestFormat::Yaml);
        const ParseResult parsed = parseManifest(yaml);
        QVERIFY2(parsed.ok(),
                 qPrintable(describe(parsed.diagnostics) + u"\n"_s + QString::fromUtf8(yaml)));
        QCOMPARE(parsed.pod.metadata, pod.metadata);
        for (qsizetype i = 0; i < pod.containers.size(); ++i) {
            const Container &a = parsed.pod.containers.at(i);
            const Container &b = pod.containers.at(i);
            QCOMPARE(a.args, b.args);
            QCOMPARE(a.env, b.env);
            QCOMPARE(a.ports, b.ports);
            QCOMPARE(a.resources, b.resources);
            QCOMPARE(a.healthCheck, b.healthCheck);
            QCOMPARE(a, b);
        }
        QCOMPARE(parsed.pod, pod);
        // Writing again gives the same text: the output is canonical.
        QCOMPARE(writeManifest(parsed.pod, ManifestFormat::Yaml), yaml);
    }

    void jsonRoundTripIsLossless()
    {
        const Pod pod = everyField();
        const QByteArray json = writeManifest(pod, ManifestFormat::Json);
        QVERIFY(json.trimmed().startsWith('{'));
        const ParseResult parsed = parseManifest(json);
        QVERIFY2(parsed.ok(), qPrintable(describe(parsed.diagnostics)));
        QCOMPARE(parsed.pod, pod);
        // YAML and JSON describe the same pod.
        QCOMPARE(parseManifest(writeManifest(pod, ManifestFormat::Yaml)).pod, parsed.pod);
    }

    void yamlReadsDefaultsAndQuantities()
    {
        const ParseResult parsed = parseManifest(Minimal);
        QVERIFY2(parsed.ok(), qPrintable(describe(parsed.diagnostics)));
        const Container &c = parsed.pod.containers.at(0);
        QCOMPARE(c.resources.cpuMillis, 250);
        QCOMPARE(c.resources.memoryBytes, 64LL * 1024 * 1024);
        QCOMPARE(parsed.pod.replicas, (Replicas{1, 1, 10}));
        QVERIFY(parsed.pod.restartPolicy == RestartPolicy::Always);
        QVERIFY(!c.healthCheck);
    }

    void plainNumbersAreAcceptedWhereTextIsExpected()
    {
        // cpu: 1 and a label value 1.0 are text to Berth, written unquoted.
        QByteArray yaml = Minimal;
        yaml.replace("cpu: 250m", "cpu: 1");
        yaml.replace("  name: web\ncontainers",
                     "  name: web\n  labels:\n    version: 1.0\ncontainers");
        const ParseResult parsed = parseManifest(yaml);
        QVERIFY2(parsed.ok(), qPrintable(describe(parsed.diagnostics)));
        QCOMPARE(parsed.pod.containers.at(0).resources.cpuMillis, 1000);
        QCOMPARE(parsed.pod.metadata.labels.value(u"version"_s), u"1.0"_s);
    }

    void jsonReportsFieldLocations()
    {
        const QByteArray json =
            "{\n\t\"apiVersion\": \"berth/v1\",\n\t\"kind\": \"Pod\",\n"
            "\t\"metadata\": {\"name\": \"web\"},\n"
            "\t\"containers\": [{\"name\": \"web\", \"image\": \"nginx\",\n"
            "\t\t\"resources\": {\"cpu\": \"250m\", \"memory\": \"64Mi\"},\n"
            "\t\t\"ports\": [{\"name\": \"http\", \"containerPort\": \"80\"}]}]\n}\n";
        const ParseResult parsed = loadManifest(json);
        QCOMPARE(parsed.diagnostics.size(), 1);
        const Diagnostic &d = parsed.diagnostics.front();
        QCOMPARE(d.path, u"containers[0].ports[0].containerPort"_s);
        QCOMPARE(d.location, (SourceLocation{7, 47}));
        QVERIFY2(d.message.contains(u"remove the quotes"_s), qPrintable(d.message));
    }

    void errors_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("line");
        QTest::addColumn<int>("column");
        QTest::addColumn<QString>("fragment");

        QByteArray typo = Minimal;
        typo.replace("    image: nginx:1.25", "    image: nginx:1.25\n    volumeMount: []");
        QTest::newRow("unknown field suggests")
            << typo << u"containers[0].volumeMount"_s << 8 << 5
            << u"unknown field \"volumeMount\"; did you mean \"volumeMounts\"?"_s;

        QByteArray unknown = Minimal;
        unknown.replace("kind: Pod", "kind: Pod\nfrobnicate: 1");
        QTest::newRow("unknown field lists fields")
            << unknown << u"frobnicate"_s << 3 << 1 << u"the fields here are: apiVersion"_s;

        QByteArray quoted = Minimal;
        quoted.replace(
            "    resources:",
            "    ports:\n      - name: http\n        containerPort: \"80\"\n    resources:");
        QTest::newRow("quoted number")
            << quoted << u"containers[0].ports[0].containerPort"_s << 10 << 24
            << u"expected a whole number, got the text \"80\": remove the quotes"_s;

        QByteArray notList = Minimal;
        notList.replace("    image: nginx:1.25", "    image: nginx:1.25\n    args: run");
        QTest::newRow("list expected")
            << notList << u"containers[0].args"_s << 8 << 11
            << u"expected a list (\"- item\" lines or [a, b]), got run"_s;

        QByteArray dup = Minimal;
        dup.replace("kind: Pod", "kind: Pod\nkind: Pod");
        QTest::newRow("duplicate key") << dup << u"kind"_s << 3 << 1 << u"appears twice"_s;

        QByteArray cpu = Minimal;
        cpu.replace("cpu: 250m", "cpu: lots");
        QTest::newRow("bad cpu") << cpu << u"containers[0].resources.cpu"_s << 9 << 12
                                 << u"\"lots\" is not a CPU quantity"_s;

        QByteArray boolean = Minimal;
        boolean.replace(
            "    resources:",
            "    volumeMounts:\n      - {name: v, mountPath: /v, readOnly: yes}\n    resources:");
        QTest::newRow("yes is not a boolean")
            << boolean << u"containers[0].volumeMounts[0].readOnly"_s << 9 << 44
            << u"expected true or false, got yes"_s;

        QTest::newRow("syntax error") << QByteArray("apiVersion: berth/v1\nkind: [Pod\n")
                                      << QString() << 3 << 1 << u"not valid YAML"_s;
        QTest::newRow("json syntax error")
            << QByteArray("{\n  \"apiVersion\": \"berth/v1\",\n  \"kind\" \"Pod\"\n}\n")
            << QString() << 3 << 11 << u"not valid JSON"_s;
        QTest::newRow("empty file")
            << QByteArray("\n# nothing\n") << QString() << 0 << 0 << u"the file is empty"_s;
        QTest::newRow("scalar document") << QByteArray("just text\n") << QString() << 1 << 1
                                         << u"expected a mapping of fields"_s;
        QTest::newRow("two documents") << (Minimal + "---\n" + Minimal) << QString() << 11 << 1
                                       << u"holds more than one document"_s;
        QTest::newRow("binary") << QByteArray("\x7f"
                                              "ELF\x02\x01\x01\x00\x00",
                                              9)
                                << QString() << 1 << 8 << u"NUL byte"_s;
        QTest::newRow("not utf-8")
            << QByteArray("name: caf\xe9\n") << QString() << 1 << 1 << u"not UTF-8"_s;
        QTest::newRow("stray comma")
            << QByteArray("  ,") << QString() << 1 << 3 << u"a stray ','"_s;
        QTest::newRow("deep nesting") << (QByteArray("a: ") + QByteArray(10000, '[')) << QString()
                                      << 1 << 36 << u"more than 64 levels deep"_s;
        QTest::newRow("too large") << QByteArray(int(limits::MaxFileBytes) + 1, '#') << QString()
                                   << 1 << 1 << u"at most 1048576 bytes (1 MiB)"_s;
        QByteArray api = Minimal;
        api.replace("berth/v1", "v1");
        QTest::newRow("foreign apiVersion")
            << api << u"apiVersion"_s << 1 << 13 << u"use `berthctl manifest import`"_s;
        QByteArray kind = Minimal;
        kind.replace("kind: Pod\n", "");
        QTest::newRow("missing kind") << kind << u"kind"_s << 1 << 1 << u"add \"kind: Pod\""_s;
        QByteArray both = Minimal;
        both.replace(
            "    resources:",
            "    healthCheck:\n      tcp: {port: 80}\n      http: {path: /}\n    resources:");
        QTest::newRow("two health check kinds")
            << both << u"containers[0].healthCheck"_s << 9 << 7 << u"keep exactly one"_s;
    }

    void errors()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, path);
        QFETCH(int, line);
        QFETCH(int, column);
        QFETCH(QString, fragment);
        const ParseResult parsed = loadManifest(text);
        QVERIFY(!parsed.ok());
        const auto found =
            std::find_if(parsed.diagnostics.cbegin(), parsed.diagnostics.cend(),
                         [&](const Diagnostic &d) { return d.message.contains(fragment); });
        QVERIFY2(found != parsed.diagnostics.cend(), qPrintable(describe(parsed.diagnostics)));
        QCOMPARE(found->path, path);
        QCOMPARE(found->location, (SourceLocation{line, column}));
        QCOMPARE(found->severity, Severity::Error);
    }

    void reportsEveryErrorAtOnce()
    {
        const QByteArray text = R"(apiVersion: berth/v1
kind: Pod
metadata:
  name: Web_App
containers:
  - name: web
    image: nginx
    imagePullPolicy: Always
    ports:
      - {name: http, containerPort: 70000}
    resources:
      cpu: 250m
  - name: web
    image: nginx
    resources: {cpu: 1, memory: 1Gi}
)";
        const ParseResult parsed = loadManifest(text);
        QStringList got;
        for (const auto &d : parsed.diagnostics)
            got.append(u"%1:%2:%3"_s.arg(d.path).arg(d.location.line).arg(d.location.column));
        const QStringList expected{
            u"metadata.name:4:9"_s,                          // not a DNS label
            u"containers[0].imagePullPolicy:8:5"_s,          // unknown field
            u"containers[0].ports[0].containerPort:10:37"_s, // out of range
            u"containers[0].resources.memory:11:5"_s,        // missing: at its parent key
            u"containers[1].name:13:11"_s,                   // duplicate container name
        };
        QCOMPARE(got, expected);
    }

    void typeErrorsAreNotReportedTwice()
    {
        QByteArray text = Minimal;
        text.replace("cpu: 250m", "cpu: [1]");
        const ParseResult parsed = loadManifest(text);
        QCOMPARE(parsed.diagnostics.size(), 1);
        QCOMPARE(parsed.diagnostics.front().path, u"containers[0].resources.cpu"_s);
        QVERIFY(parsed.diagnostics.front().message.startsWith(u"expected text, got a list"_s));
    }

    void anchorsAreExpanded()
    {
        const QByteArray text = R"(apiVersion: berth/v1
kind: Pod
metadata: {name: web}
containers:
  - name: a
    image: busybox
    resources: &small {cpu: 100m, memory: 32Mi}
  - name: b
    image: busybox
    resources: *small
)";
        const ParseResult parsed = loadManifest(text);
        QVERIFY2(parsed.ok(), qPrintable(describe(parsed.diagnostics)));
        QCOMPARE(parsed.pod.containers.at(1).resources, parsed.pod.containers.at(0).resources);
    }

    void mergeKeysApply()
    {
        const QByteArray text = R"(apiVersion: berth/v1
kind: Pod
metadata: {name: web}
containers:
  - &base
    name: a
    image: busybox
    resources: {cpu: 100m, memory: 32Mi}
  - <<: *base
    name: b
    colour: blue
)";
        const ParseResult parsed = loadManifest(text);
        QCOMPARE(parsed.diagnostics.size(), 1); // the unknown field only; "name" overrides
        QCOMPARE(parsed.diagnostics.front().path, u"containers[1].colour"_s);
        QCOMPARE(parsed.pod.containers.at(1).name, u"b"_s);
        QCOMPARE(parsed.pod.containers.at(1).image, parsed.pod.containers.at(0).image);
        QCOMPARE(parsed.pod.containers.at(1).resources.memoryBytes, 32LL << 20);
    }

    void aliasBombIsRefused()
    {
        // 64 containers of 64 env lists of 64 aliases of a 4 KiB value: a few KiB
        // of text that would expand into gigabytes.
        QByteArray text = "apiVersion: berth/v1\nkind: Pod\nmetadata: {name: web}\n"
                          "x-big: &big \"" +
                          QByteArray(4096, 'x') + "\"\n";
        text += "x-env: &env [";
        for (int i = 0; i < 64; ++i)
            text += "{name: V, value: *big}, ";
        text +=
            "]\nx-c: &c {name: a, image: busybox, env: *env, resources: {cpu: 1, memory: 1Gi}}\n";
        text += "containers: [";
        for (int i = 0; i < 4096; ++i)
            text += "*c, ";
        text += "]\n";
        const ParseResult parsed = loadManifest(text);
        QVERIFY(!parsed.ok());
        const auto found = std::find_if(
            parsed.diagnostics.cbegin(), parsed.diagnostics.cend(),
            [](const Diagnostic &d) { return d.message.contains(u"through YAML aliases"_s); });
        QVERIFY2(found != parsed.diagnostics.cend(), qPrintable(describe(parsed.diagnostics)));
    }

    void diagnosticFormat()
    {
        Diagnostic d{
            Severity::Error, u"containers[1].ports[0].containerPort"_s, {12, 24}, u"bad"_s};
        QCOMPARE(formatDiagnostic(u"pod.yaml"_s, d),
                 u"pod.yaml:12:24: containers[1].ports[0].containerPort: bad"_s);
        d.path.clear();
        QCOMPARE(formatDiagnostic(u"pod.yaml"_s, d), u"pod.yaml:12:24: (document): bad"_s);
    }
};

QTEST_GUILESS_MAIN(TestManifestCodec)
#include "tst_manifestcodec.moc"
