// Importers: compose, Kubernetes and Akash SDL files into Berth pods. Each
// realistic file is checked field by field, and its warnings one by one: every
// thing Berth cannot map is named exactly once, at its path.
#include "manifest/importer.h"
#include "manifest/importhelpers.h"
#include "manifest/validator.h"

#include <QFile>
#include <QRandomGenerator>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth::manifest;

namespace {

constexpr std::int64_t MiB = 1024 * 1024;
constexpr std::int64_t GiB = 1024 * MiB;

QByteArray readData(const QString &name)
{
    QFile file(QStringLiteral(BERTH_TEST_DATA_DIR "/import/") + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read test data %s", qPrintable(name));
    return file.readAll();
}

QString describe(const QList<Diagnostic> &list)
{
    QStringList lines;
    for (const auto &d : list)
        lines.append((d.severity == Severity::Error ? u"error "_s : u"warning "_s) +
                     formatDiagnostic(u"file"_s, d));
    return lines.join(u'\n');
}

QList<Diagnostic> ofSeverity(const ImportResult &result, Severity severity)
{
    QList<Diagnostic> list;
    for (const auto &d : result.diagnostics) {
        if (d.severity == severity)
            list.append(d);
    }
    return list;
}

// The diagnostics of that severity at exactly path whose message has fragment.
qsizetype count(const ImportResult &result, Severity severity, const QString &path,
                const QString &fragment)
{
    qsizetype n = 0;
    for (const auto &d : result.diagnostics) {
        if (d.severity == severity && d.path == path && d.message.contains(fragment))
            ++n;
    }
    return n;
}

const Container &containerNamed(const Pod &pod, const QString &name)
{
    for (const auto &container : pod.containers) {
        if (container.name == name)
            return container;
    }
    qFatal("no container %s", qPrintable(name));
}

const Volume &volumeNamed(const Pod &pod, const QString &name)
{
    for (const auto &volume : pod.volumes) {
        if (volume.name == name)
            return volume;
    }
    qFatal("no volume %s", qPrintable(name));
}

struct Expected
{
    QString path;
    QString fragment;
};

} // namespace

// One warning at path with fragment, and exactly as many warnings as expected.
#define VERIFY_WARNINGS(result, ...)                                                               \
    do {                                                                                           \
        const QList<Expected> expected{__VA_ARGS__};                                               \
        const QString all = describe((result).diagnostics);                                        \
        for (const Expected &e : expected)                                                         \
            QVERIFY2(count(result, Severity::Warning, e.path, e.fragment) == 1,                    \
                     qPrintable(u"want one warning at %1 with \"%2\", got:\n%3"_s.arg(             \
                         e.path, e.fragment, all)));                                               \
        QVERIFY2(ofSeverity(result, Severity::Warning).size() == expected.size(),                  \
                 qPrintable(all));                                                                 \
    } while (false)

#define VERIFY_NO_ERRORS(result)                                                                   \
    QVERIFY2(!hasErrors((result).diagnostics), qPrintable(describe((result).diagnostics)))

class TestImporters : public QObject
{
    Q_OBJECT

private slots:
    void formatNames()
    {
        for (const auto format : {SourceFormat::Berth, SourceFormat::Compose,
                                  SourceFormat::Kubernetes, SourceFormat::Akash})
            QVERIFY(sourceFormatFromString(toString(format)) == format);
        QCOMPARE(toString(SourceFormat::Compose), u"compose"_s);
        QCOMPARE(toString(SourceFormat::Kubernetes), u"kubernetes"_s);
        QCOMPARE(toString(SourceFormat::Akash), u"akash"_s);
        QCOMPARE(toString(SourceFormat::Berth), u"berth"_s);
        QCOMPARE(sourceFormatFromString(u"docker-compose"_s), std::nullopt);
        QCOMPARE(sourceFormatFromString(QString()), std::nullopt);
    }

    void detection_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<std::optional<SourceFormat>>("format");
        QTest::newRow("berth") << QByteArray("apiVersion: berth/v1\nkind: Pod\n")
                               << std::optional(SourceFormat::Berth);
        QTest::newRow("compose") << QByteArray("services:\n  web:\n    image: nginx\n")
                                 << std::optional(SourceFormat::Compose);
        QTest::newRow("compose with version")
            << QByteArray("version: \"3.8\"\nservices:\n  web: {image: nginx}\n")
            << std::optional(SourceFormat::Compose);
        QTest::newRow("compose with profiles only")
            << QByteArray("services: {web: {image: nginx}}\nprofiles: {}\n")
            << std::optional(SourceFormat::Compose);
        QTest::newRow("kubernetes pod")
            << QByteArray("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n")
            << std::optional(SourceFormat::Kubernetes);
        QTest::newRow("deployment after a service")
            << QByteArray("apiVersion: v1\nkind: Service\n---\napiVersion: apps/v1\n"
                          "kind: Deployment\n")
            << std::optional(SourceFormat::Kubernetes);
        QTest::newRow("akash") << readData(u"akash/shop.yaml"_s)
                               << std::optional(SourceFormat::Akash);
        QTest::newRow("wordpress")
            << readData(u"compose/wordpress.yaml"_s) << std::optional(SourceFormat::Compose);
        QTest::newRow("nginx stream") << readData(u"kubernetes/nginx-deployment.yaml"_s)
                                      << std::optional(SourceFormat::Kubernetes);
        QTest::newRow("scalar") << QByteArray("hello") << std::optional<SourceFormat>();
        QTest::newRow("list") << QByteArray("- a\n- b\n") << std::optional<SourceFormat>();
        QTest::newRow("empty") << QByteArray() << std::optional<SourceFormat>();
        QTest::newRow("other mapping") << QByteArray("name: x\n") << std::optional<SourceFormat>();
        QTest::newRow("broken yaml") << QByteArray("services: [") << std::optional<SourceFormat>();
    }
    void detection()
    {
        QFETCH(QByteArray, text);
        QFETCH(std::optional<SourceFormat>, format);
        const auto detected = detectSourceFormat(text);
        QVERIFY2(detected == format, qPrintable(detected ? toString(*detected) : u"nothing"_s));
    }

    void berthManifestIsRefused()
    {
        const QByteArray text = "apiVersion: berth/v1\nkind: Pod\nmetadata: {name: x}\n";
        for (const auto from :
             {std::optional<SourceFormat>(), std::optional(SourceFormat::Berth)}) {
            const ImportResult result = importManifest(text, from);
            QVERIFY(!result.pod);
            QCOMPARE(result.diagnostics.size(), 1);
            QCOMPARE(result.diagnostics[0].severity, Severity::Error);
            QVERIFY(result.diagnostics[0].message.contains(
                u"this is already a Berth manifest; use `berthctl manifest validate`"_s));
        }
    }

    void badInput_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<std::optional<SourceFormat>>("from");
        QTest::addColumn<QString>("fragment");
        QByteArray garbage(4096, '\0');
        QRandomGenerator random(20240611);
        for (char &c : garbage)
            c = char(random.bounded(256));
        QTest::newRow("garbage bytes") << garbage << std::optional<SourceFormat>() << QString();
        QTest::newRow("garbage as compose")
            << garbage << std::optional(SourceFormat::Compose) << QString();
        QTest::newRow("over 1 MiB")
            << (QByteArray("services:\n  web:\n    image: nginx\n#") + QByteArray(MiB, 'x'))
            << std::optional<SourceFormat>() << u"more than the 1048576 bytes"_s;
        QTest::newRow("10000 brackets") << QByteArray(10000, '[') << std::optional<SourceFormat>()
                                        << u"more than 64 levels deep"_s;
        QTest::newRow("10000 brackets as kubernetes")
            << QByteArray(10000, '[') << std::optional(SourceFormat::Kubernetes)
            << u"more than 64 levels deep"_s;
        // yaml-cpp 0.7 alone would loop forever on these.
        QTest::newRow("stray comma")
            << QByteArray(",") << std::optional<SourceFormat>() << u"stray ','"_s;
        QTest::newRow("comma after a document")
            << QByteArray("\"services\",") << std::optional(SourceFormat::Compose)
            << u"stray ','"_s;
        QTest::newRow("deep block nesting") << (QByteArray("services:\n  web:\n    image: ") +
                                                QByteArray(3000, '-').replace("-", "- "))
                                            << std::optional<SourceFormat>() << QString();
        QTest::newRow("deep but closed")
            << ("services: " + QByteArray(1500, '[') + QByteArray(1500, ']'))
            << std::optional<SourceFormat>() << QString();
        QTest::newRow("scalar document")
            << QByteArray("just text") << std::optional<SourceFormat>() << u"cannot tell"_s;
        QTest::newRow("scalar as compose")
            << QByteArray("just text") << std::optional(SourceFormat::Compose)
            << u"a compose file is a mapping"_s;
        QTest::newRow("scalar as akash") << QByteArray("42") << std::optional(SourceFormat::Akash)
                                         << u"an Akash SDL is a mapping"_s;
        QTest::newRow("scalar as kubernetes")
            << QByteArray("42") << std::optional(SourceFormat::Kubernetes)
            << u"no Pod or Deployment"_s;
        QTest::newRow("empty file")
            << QByteArray() << std::optional<SourceFormat>() << u"cannot tell"_s;
        QTest::newRow("no services") << QByteArray("services: {}\n")
                                     << std::optional<SourceFormat>() << u"has no services"_s;
        QTest::newRow("unclosed flow mapping")
            << QByteArray("services:\n  web: {image: nginx\n") << std::optional<SourceFormat>()
            << u"not valid YAML"_s;
        QByteArray bomb = "big: &big \"" + QByteArray(400000, 'y') +
                          "\"\nservices:\n  web:\n    image: x\n    command: [";
        for (int i = 0; i < 1000; ++i)
            bomb += "*big, ";
        bomb += "x]\n";
        QTest::newRow("alias bomb")
            << bomb << std::optional<SourceFormat>() << u"expands into too much data"_s;
    }
    void badInput()
    {
        QFETCH(QByteArray, text);
        QFETCH(std::optional<SourceFormat>, from);
        QFETCH(QString, fragment);
        const ImportResult result = importManifest(text, from);
        QVERIFY2(!result.pod, qPrintable(describe(result.diagnostics)));
        QVERIFY(hasErrors(result.diagnostics));
        if (!fragment.isEmpty())
            QVERIFY2(std::any_of(result.diagnostics.cbegin(), result.diagnostics.cend(),
                                 [&](const Diagnostic &d) { return d.message.contains(fragment); }),
                     qPrintable(describe(result.diagnostics)));
    }

    void yamlErrorsAreLocated()
    {
        const ImportResult result = importManifest("services:\n  web:\n    image: [nginx\n");
        QVERIFY(!result.pod);
        QCOMPARE(result.diagnostics.size(), 1);
        QVERIFY(result.diagnostics[0].message.startsWith(u"the file is not valid YAML"_s));
        QVERIFY(result.diagnostics[0].location.line >= 3); // 1-based: the flow list opens on line 3
        QVERIFY(result.diagnostics[0].location.column >= 1);
    }

    void tooManyEntries()
    {
        QByteArray text = "services:\n  web:\n    image: nginx\n    environment:\n";
        for (int i = 0; i < 1500; ++i)
            text += "      - K" + QByteArray::number(i) + "=v\n";
        const ImportResult result = importManifest(text);
        QVERIFY(result.pod);
        QCOMPARE(count(result, Severity::Error, u"services.web.environment"_s,
                       u"has 1500 entries, more than the 1024"_s),
                 1);
        QCOMPARE(result.pod->containers[0].env.size(), 1024);
    }

    // --- docker-compose -------------------------------------------------------------

    void composeWordpress()
    {
        const ImportResult result = importManifest(readData(u"compose/wordpress.yaml"_s));
        VERIFY_NO_ERRORS(result);
        QVERIFY(result.pod);
        const Pod &pod = *result.pod;
        QCOMPARE(pod.metadata.name, u"blog"_s);
        QCOMPARE(pod.containers.size(), 2);
        QCOMPARE(pod.replicas.min, 1);
        QCOMPARE(pod.replicas.max, 1);
        QCOMPARE(toString(pod.restartPolicy), u"Always"_s);
        QCOMPARE(pod.hostAliases, QStringList());

        const Container &wordpress = containerNamed(pod, u"wordpress"_s);
        QCOMPARE(wordpress.image.reference, u"docker.io/library/wordpress:6.5-apache"_s);
        QCOMPARE(wordpress.command, QStringList());
        QCOMPARE(wordpress.args, QStringList());
        QCOMPARE(wordpress.resources.cpuMillis, 1500);
        QCOMPARE(wordpress.resources.memoryBytes, 512 * MiB); // compose "512M" is 512 MiB
        QCOMPARE(wordpress.ports.size(), 1);
        QCOMPARE(wordpress.ports[0].name, u"wordpress-80"_s);
        QCOMPARE(wordpress.ports[0].containerPort, 80);
        QCOMPARE(toString(wordpress.ports[0].protocol), u"http"_s);
        QCOMPARE(wordpress.ports[0].publicPort, std::nullopt);
        QCOMPARE(wordpress.env.size(), 4);
        QCOMPARE(wordpress.env[0], (EnvVar{u"WORDPRESS_DB_HOST"_s, u"db:3306"_s, std::nullopt}));
        QCOMPARE(wordpress.env[3], (EnvVar{u"WORDPRESS_DB_PASSWORD_FILE"_s,
                                           u"/run/secrets/db_password"_s, std::nullopt}));
        QCOMPARE(wordpress.volumeMounts,
                 (QList<VolumeMount>{{u"wp-content"_s, u"/var/www/html/wp-content"_s, false},
                                     {u"wordpress-secrets"_s, u"/run/secrets"_s, true}}));
        QVERIFY(wordpress.healthCheck);
        QCOMPARE(toString(wordpress.healthCheck->kind), u"exec"_s);
        QCOMPARE(wordpress.healthCheck->command,
                 (QStringList{u"/bin/sh"_s, u"-c"_s,
                              u"curl -fsS http://localhost/wp-login.php >/dev/null || exit 1"_s}));
        QCOMPARE(wordpress.healthCheck->periodSeconds, 30);
        QCOMPARE(wordpress.healthCheck->timeoutSeconds, 5);
        QCOMPARE(wordpress.healthCheck->failureThreshold, 3);
        QCOMPARE(wordpress.healthCheck->initialDelaySeconds, 60);

        const Container &db = containerNamed(pod, u"db"_s);
        QCOMPARE(db.image.reference, u"docker.io/library/mariadb:11.3"_s);
        QCOMPARE(db.args,
                 (QStringList{u"--max-connections=200"_s, u"--character-set-server=utf8mb4"_s}));
        QCOMPARE(db.resources.cpuMillis, 500);
        QCOMPARE(db.resources.memoryBytes, GiB);
        QCOMPARE(db.ports.size(), 0); // expose: reachable inside the pod without a Berth port
        QCOMPARE(db.env.size(), 4);
        QCOMPARE(db.env[2].name, u"MARIADB_PASSWORD_FILE"_s);
        QCOMPARE(db.volumeMounts, (QList<VolumeMount>{{u"db-data"_s, u"/var/lib/mysql"_s, false},
                                                      {u"db-secrets"_s, u"/run/secrets"_s, true}}));
        QVERIFY(db.healthCheck);
        QCOMPARE(db.healthCheck->command,
                 (QStringList{u"healthcheck.sh"_s, u"--connect"_s, u"--innodb_initialized"_s}));
        QCOMPARE(db.healthCheck->periodSeconds, 10);
        QCOMPARE(db.healthCheck->timeoutSeconds, 5);
        QCOMPARE(db.healthCheck->failureThreshold, 5);
        QCOMPARE(db.healthCheck->initialDelaySeconds, 0);

        QCOMPARE(pod.volumes.size(), 4);
        QCOMPARE(volumeNamed(pod, u"wp-content"_s),
                 (Volume{u"wp-content"_s, VolumeKind::Persistent, GiB, {}, {}}));
        QCOMPARE(volumeNamed(pod, u"db-data"_s),
                 (Volume{u"db-data"_s, VolumeKind::Persistent, GiB, {}, {}}));
        const QList<SecretItem> password{{u"db_password"_s, u"db_password"_s}};
        QCOMPARE(volumeNamed(pod, u"wordpress-secrets"_s),
                 (Volume{u"wordpress-secrets"_s, VolumeKind::Secret, 0, u"secrets"_s, password}));
        QCOMPARE(volumeNamed(pod, u"db-secrets"_s),
                 (Volume{u"db-secrets"_s, VolumeKind::Secret, 0, u"secrets"_s, password}));

        VERIFY_WARNINGS(
            result, {u"services.wordpress.depends_on"_s, u"make wordpress wait for db itself"_s},
            {u"services.wordpress.ports[0]"_s, u"host port 8080 is not used"_s},
            {u"volumes.wp_content"_s,
             u"volume wp_content has no size in a compose file: Berth creates a persistent "
             u"volume of 1Gi"_s},
            {u"volumes.db_data"_s, u"volume db_data has no size"_s},
            {u"secrets.db_password"_s,
             u"read from the file ./secrets/db_password.txt, which does not go into a manifest: "
             u"supply it as key db_password of the Berth secret `secrets` when you deploy"_s},
            {u"services.db.deploy.resources.reservations.memory"_s,
             u"the memory reservation 256Mi is not kept: Berth reserves the limit, 1Gi"_s},
            {u"services.db.logging"_s, u"Berth collects each container's output itself"_s});
    }

    void composeWarningLocations()
    {
        const ImportResult result = importManifest(readData(u"compose/wordpress.yaml"_s));
        for (const auto &d : result.diagnostics) {
            if (d.path == u"services.wordpress.depends_on")
                QCOMPARE(d.location, (SourceLocation{8, 5}));
            if (d.path == u"services.wordpress.ports[0]")
                QCOMPARE(d.location, (SourceLocation{11, 9}));
            QVERIFY2(d.location.isKnown(), qPrintable(d.path));
        }
    }

    void composeOdd()
    {
        const ImportResult result = importManifest(readData(u"compose/odd.yaml"_s));
        VERIFY_NO_ERRORS(result);
        QVERIFY(result.pod);
        const Pod &pod = *result.pod;
        QCOMPARE(pod.metadata.name, u"my-app"_s);
        QCOMPARE(pod.hostAliases, (QStringList{u"app-backend"_s, u"my_app"_s, u"worker_2"_s}));
        QCOMPARE(pod.replicas.min, 4);
        QCOMPARE(pod.replicas.max, 4);
        QCOMPARE(toString(pod.restartPolicy), u"OnFailure"_s);
        QCOMPARE(pod.metadata.labels,
                 (QMap<QString, QString>{{u"com.example.team"_s, u"tools"_s}}));

        const Container &app = containerNamed(pod, u"my-app"_s);
        QCOMPARE(app.image.reference, u"registry.example.com/tools/app:1.0"_s);
        QCOMPARE(app.args,
                 (QStringList{u"sh"_s, u"-c"_s, u"exec app --port 9000 --name \"my app\""_s}));
        QCOMPARE(app.workingDir, u"/srv/app"_s);
        QCOMPARE(app.resources.cpuMillis, 250);
        QCOMPARE(app.resources.memoryBytes, 128 * MiB);
        QCOMPARE(app.env, (QList<EnvVar>{{u"MODE"_s, u"${MODE}"_s, std::nullopt}}));
        QCOMPARE(app.ports.size(), 2);
        QCOMPARE(app.ports[0].name, u"my-app-9000"_s);
        QCOMPARE(app.ports[0].containerPort, 9000);
        QCOMPARE(toString(app.ports[0].protocol), u"tcp"_s);
        QCOMPARE(app.ports[0].publicPort, 9000);
        QCOMPARE(app.ports[1].containerPort, 8081);
        QCOMPARE(toString(app.ports[1].protocol), u"http"_s); // app_protocol: http
        QCOMPARE(app.ports[1].publicPort, std::nullopt);
        QCOMPARE(app.volumeMounts,
                 (QList<VolumeMount>{{u"my-app-scratch"_s, u"/var/cache/app"_s, false},
                                     {u"my-app-scratch-2"_s, u"/run/app"_s, false},
                                     {u"my-app-scratch-3"_s, u"/tmp"_s, false}}));
        QCOMPARE(pod.volumes,
                 (QList<Volume>{{u"my-app-scratch"_s, VolumeKind::EmptyDir, 0, {}, {}},
                                {u"my-app-scratch-2"_s, VolumeKind::EmptyDir, 64 * MiB, {}, {}},
                                {u"my-app-scratch-3"_s, VolumeKind::EmptyDir, 32 * MiB, {}, {}}}));

        const Container &worker = containerNamed(pod, u"worker-2"_s);
        QCOMPARE(worker.resources.cpuMillis, 500);
        QCOMPARE(worker.resources.memoryBytes, 512 * MiB);

        VERIFY_WARNINGS(
            result, {u"services.my_app.image"_s, u"the defaults of ${TAG:-1.0} are used"_s},
            {u"services.my_app.environment[0]"_s,
             u"API_TOKEN takes its value from your shell, which Berth cannot read"_s},
            {u"services.my_app.environment[1]"_s, u"${MODE} is left as written"_s},
            {u"services.my_app.ports[0]"_s, u"host address 127.0.0.1 is not kept"_s},
            {u"services.my_app.ports[1]"_s, u"UDP port 5353 is not published"_s},
            {u"services.my_app.ports[2]"_s, u"port range 7000-7005:7000-7005 is not published"_s},
            {u"services.my_app.ports[3]"_s, u"host port 18081 is not used"_s},
            {u"services.my_app.volumes[0]"_s,
             u"bind mount ./config:/etc/app:ro cannot be mapped"_s},
            {u"services.my_app.volumes[1]"_s,
             u"anonymous volume /var/cache/app becomes an emptyDir volume"_s},
            {u"services.my_app.labels.com.example.description"_s,
             u"label com.example.description cannot be a Berth label"_s},
            {u"services.my_app.networks"_s, u"the aliases app-backend are kept as host aliases"_s},
            {u"services.my_app.user"_s, u"set USER in the image"_s},
            {u"services.my_app.cap_add"_s, u"without extra privileges"_s},
            {u"services.worker_2.deploy.replicas"_s,
             u"asks for 4 replicas but `services.my_app.deploy.replicas` for 2, so the pod runs 4"_s},
            {u"services.worker_2"_s,
             u"container worker-2 has no CPU or memory limit: Berth assumes cpu 500m and memory "
             u"512Mi; adjust resources before deploying"_s},
            {u"networks"_s, u"`networks` are not needed"_s});
    }

    void composeBuildWithoutImage()
    {
        const ImportResult result = importManifest(readData(u"compose/build-only.yaml"_s));
        QVERIFY(result.pod);
        QCOMPARE(ofSeverity(result, Severity::Error).size(), 1);
        QCOMPARE(count(result, Severity::Error, u"services.app.build"_s,
                       u"service app has `build` but no `image`: Berth runs built images only"_s),
                 1);
        QCOMPARE(result.diagnostics[0].location, (SourceLocation{3, 5}));
    }

    void composeBuildWithImage()
    {
        const ImportResult result = importManifest(
            "services:\n  web:\n    image: registry.example.com/web:2\n    build: ./web\n"
            "    deploy: {resources: {limits: {cpus: '1', memory: 1g}}}\n");
        VERIFY_NO_ERRORS(result);
        QCOMPARE(result.pod->containers[0].image.reference, u"registry.example.com/web:2"_s);
        VERIFY_WARNINGS(result,
                        {u"services.web.build"_s, u"`build` is not used: Berth runs the image "
                                                  u"registry.example.com/web:2"_s});
    }

    void composePortConflict()
    {
        const ImportResult result = importManifest(readData(u"compose/port-conflict.yaml"_s));
        QVERIFY(result.pod);
        QCOMPARE(ofSeverity(result, Severity::Error).size(), 1);
        QCOMPARE(count(result, Severity::Error, u"services.admin.expose[0]"_s,
                       u"api and admin both listen on port 8080, but the containers of a Berth "
                       u"pod share one network"_s),
                 1);
        QCOMPARE(ofSeverity(result, Severity::Warning).size(), 0);
    }

    void composePublishedPortConflict()
    {
        const ImportResult result =
            importManifest("services:\n  a: {image: x, ports: ['80'], cpus: '1', mem_limit: 64m}\n"
                           "  b: {image: y, ports: ['8000:80'], cpus: '1', mem_limit: 64m}\n");
        QCOMPARE(count(result, Severity::Error, u"services.b.ports[0]"_s,
                       u"a and b both listen on port 80"_s),
                 1);
        QCOMPARE(result.pod->containers[1].ports.size(), 0);
    }

    void composePortForms_data()
    {
        QTest::addColumn<QByteArray>("entry");
        QTest::addColumn<int>("containerPort");
        QTest::addColumn<QString>("protocol");
        QTest::addColumn<int>("publicPort"); // 0: none requested
        QTest::addColumn<QStringList>("warnings");
        QTest::newRow("container only")
            << QByteArray("'80'") << 80 << u"http"_s << 0 << QStringList();
        QTest::newRow("same host port")
            << QByteArray("'80:80'") << 80 << u"http"_s << 0 << QStringList();
        QTest::newRow("other host port") << QByteArray("'8080:80'") << 80 << u"http"_s << 0
                                         << QStringList{u"host port 8080 is not used"_s};
        QTest::newRow("address and protocol")
            << QByteArray("'127.0.0.1:8080:80/tcp'") << 80 << u"http"_s << 0
            << QStringList{u"host address 127.0.0.1 is not kept"_s, u"host port 8080"_s};
        QTest::newRow("tcp") << QByteArray("'5432:5432'") << 5432 << u"tcp"_s << 5432
                             << QStringList();
        QTest::newRow("tls is tcp")
            << QByteArray("'443:443'") << 443 << u"tcp"_s << 443 << QStringList();
        QTest::newRow("ipv6 address") << QByteArray("'[::1]:6379:6379'") << 6379 << u"tcp"_s << 6379
                                      << QStringList{u"host address ::1 is not kept"_s};
        QTest::newRow("address, any host port")
            << QByteArray("'127.0.0.1::9000'") << 9000 << u"tcp"_s << 0
            << QStringList{u"host address 127.0.0.1"_s};
        QTest::newRow("number") << QByteArray("2222") << 2222 << u"tcp"_s << 0 << QStringList();
        QTest::newRow("long syntax")
            << QByteArray("{target: 8443, published: 443, protocol: tcp, mode: host}") << 8443
            << u"tcp"_s << 443 << QStringList();
    }
    void composePortForms()
    {
        QFETCH(QByteArray, entry);
        QFETCH(int, containerPort);
        QFETCH(QString, protocol);
        QFETCH(int, publicPort);
        QFETCH(QStringList, warnings);
        const ImportResult result = importManifest(
            "services:\n  s: {image: x, cpus: '1', mem_limit: 64m, ports: [" + entry + "]}\n");
        VERIFY_NO_ERRORS(result);
        const QList<Port> &ports = result.pod->containers[0].ports;
        QCOMPARE(ports.size(), 1);
        QCOMPARE(ports[0].name, u"s-"_s + QString::number(containerPort));
        QCOMPARE(ports[0].containerPort, containerPort);
        QCOMPARE(toString(ports[0].protocol), protocol);
        QCOMPARE(ports[0].publicPort.value_or(0), publicPort);
        QCOMPARE(ofSeverity(result, Severity::Warning).size(), warnings.size());
        for (const QString &fragment : warnings)
            QCOMPARE(count(result, Severity::Warning, u"services.s.ports[0]"_s, fragment), 1);
    }

    void composeEnvironmentForms()
    {
        const ImportResult result = importManifest(R"(
services:
  web:
    image: nginx
    cpus: 0.5
    mem_limit: 256m
    environment:
      PLAIN: value
      NUMBER: 42
      EMPTY: ""
      ESCAPED: "cost: $$5"
      FROM_SHELL:
)");
        QVERIFY(result.pod);
        QCOMPARE(result.pod->containers[0].env,
                 (QList<EnvVar>{{u"PLAIN"_s, u"value"_s, std::nullopt},
                                {u"NUMBER"_s, u"42"_s, std::nullopt},
                                {u"EMPTY"_s, QString(), std::nullopt},
                                {u"ESCAPED"_s, u"cost: $5"_s, std::nullopt}}));
        QCOMPARE(result.pod->containers[0].resources.cpuMillis, 500);
        QCOMPARE(result.pod->containers[0].resources.memoryBytes, 256 * MiB);
        VERIFY_WARNINGS(result, {u"services.web.environment.FROM_SHELL"_s,
                                 u"FROM_SHELL takes its value from your shell"_s});
    }

    void composeHealthcheckForms_data()
    {
        QTest::addColumn<QByteArray>("healthcheck");
        QTest::addColumn<QStringList>("command"); // empty: no health check
        QTest::addColumn<int>("period");
        QTest::addColumn<int>("timeout");
        QTest::newRow("string") << QByteArray("{test: \"curl -f http://localhost/\"}")
                                << QStringList{u"/bin/sh"_s, u"-c"_s,
                                               u"curl -f http://localhost/"_s}
                                << 30 << 30;
        QTest::newRow("CMD") << QByteArray("{test: [CMD, pg_isready, -U, shop], interval: 1m30s}")
                             << QStringList{u"pg_isready"_s, u"-U"_s, u"shop"_s} << 90 << 30;
        QTest::newRow("short interval caps the default timeout")
            << QByteArray("{test: [CMD, true], interval: 10s}") << QStringList{u"true"_s} << 10
            << 10;
        QTest::newRow("sub-second rounds up")
            << QByteArray("{test: [CMD, true], interval: 500ms, timeout: 200ms}")
            << QStringList{u"true"_s} << 1 << 1;
        QTest::newRow("NONE") << QByteArray("{test: [NONE]}") << QStringList() << 0 << 0;
        QTest::newRow("disable") << QByteArray("{disable: true, test: [CMD, x]}") << QStringList()
                                 << 0 << 0;
    }
    void composeHealthcheckForms()
    {
        QFETCH(QByteArray, healthcheck);
        QFETCH(QStringList, command);
        QFETCH(int, period);
        QFETCH(int, timeout);
        const ImportResult result = importManifest(
            "services:\n  db:\n    image: postgres:16\n    cpus: '1'\n    mem_limit: 1g\n"
            "    healthcheck: " +
            healthcheck + "\n");
        VERIFY_NO_ERRORS(result);
        VERIFY_WARNINGS(result);
        const auto &check = result.pod->containers[0].healthCheck;
        if (command.isEmpty()) {
            QVERIFY(!check);
            return;
        }
        QVERIFY(check);
        QCOMPARE(toString(check->kind), u"exec"_s);
        QCOMPARE(check->command, command);
        QCOMPARE(check->periodSeconds, period);
        QCOMPARE(check->timeoutSeconds, timeout);
        QCOMPARE(check->failureThreshold, 3);
    }

    void composeRestartPolicies_data()
    {
        QTest::addColumn<QString>("restart");
        QTest::addColumn<QString>("policy");
        QTest::newRow("always") << u"always"_s << u"Always"_s;
        QTest::newRow("unless-stopped") << u"unless-stopped"_s << u"Always"_s;
        QTest::newRow("on-failure") << u"on-failure"_s << u"OnFailure"_s;
        QTest::newRow("no") << u"\"no\""_s << u"Never"_s;
    }
    void composeRestartPolicies()
    {
        QFETCH(QString, restart);
        QFETCH(QString, policy);
        const ImportResult result = importManifest(
            "services:\n  a: {image: x, cpus: '1', mem_limit: 64m, restart: " + restart.toUtf8() +
            "}\n");
        QCOMPARE(toString(result.pod->restartPolicy), policy);
        VERIFY_WARNINGS(result);
    }

    void composeDifferingRestartPolicies()
    {
        const ImportResult result = importManifest(
            "services:\n  a: {image: x, cpus: '1', mem_limit: 64m, restart: always}\n"
            "  b: {image: y, cpus: '1', mem_limit: 64m, restart: 'no'}\n");
        QCOMPARE(toString(result.pod->restartPolicy), u"Always"_s);
        VERIFY_WARNINGS(result, {u"services.b.restart"_s,
                                 u"a Berth pod has one restart policy: Always (from "
                                 u"`services.a.restart`) is used, not Never"_s});
    }

    void composeStorageForms()
    {
        const ImportResult result = importManifest(R"(
services:
  app:
    image: app:1
    deploy: {resources: {limits: {cpus: "2", memory: 2gb}}}
    volumes:
      - type: volume
        source: data
        target: /data
        read_only: true
      - cache:/cache:rw
    secrets:
      - source: api_key
        target: /run/secrets/keys/api
      - source: tls_cert
        target: /etc/ssl/cert.pem
volumes:
  data: {}
  cache:
    external: true
secrets:
  api_key: {environment: API_KEY}
  tls_cert: {file: ./cert.pem}
)");
        VERIFY_NO_ERRORS(result);
        const Pod &pod = *result.pod;
        const Container &app = pod.containers[0];
        QCOMPARE(app.resources.memoryBytes, 2 * GiB); // compose "gb" is 1024-based
        QCOMPARE(app.volumeMounts,
                 (QList<VolumeMount>{{u"data"_s, u"/data"_s, true},
                                     {u"cache"_s, u"/cache"_s, false},
                                     {u"app-secrets"_s, u"/run/secrets"_s, true}}));
        QCOMPARE(
            volumeNamed(pod, u"app-secrets"_s).items,
            (QList<SecretItem>{{u"api_key"_s, u"keys/api"_s}, {u"tls_cert"_s, u"tls_cert"_s}}));
        VERIFY_WARNINGS(
            result, {u"volumes.data"_s, u"volume data has no size"_s},
            {u"volumes.cache"_s, u"volume cache has no size"_s},
            {u"volumes.cache.external"_s, u"Berth creates a new, empty persistent volume"_s},
            {u"services.app.secrets[1]"_s,
             u"secret target /etc/ssl/cert.pem is not kept: Berth mounts secrets under "
             u"/run/secrets, so the file is /run/secrets/tls_cert"_s},
            {u"secrets.api_key"_s, u"read from the environment variable API_KEY"_s},
            {u"secrets.tls_cert"_s, u"read from the file ./cert.pem"_s});
    }

    void composeMergeKeysAndExtensions()
    {
        const ImportResult result = importManifest(R"(
x-defaults: &defaults
  restart: unless-stopped
  deploy:
    resources:
      limits: {cpus: "0.5", memory: 128m}
services:
  web:
    <<: *defaults
    image: nginx:1.25
    ports: ["80:80"]
  api:
    <<: *defaults
    image: api:1
    restart: on-failure
    stop_grace_period: 30s
)");
        VERIFY_NO_ERRORS(result);
        const Pod &pod = *result.pod;
        QCOMPARE(pod.containers[0].resources.cpuMillis, 500);
        QCOMPARE(pod.containers[1].resources.memoryBytes, 128 * MiB);
        QCOMPARE(toString(pod.containers[0].ports[0].protocol), u"http"_s);
        QCOMPARE(toString(pod.restartPolicy), u"Always"_s);
        VERIFY_WARNINGS(result, {u"services.api.restart"_s, u"one restart policy: Always"_s},
                        {u"services.api.stop_grace_period"_s,
                         u"`stop_grace_period` has no Berth equivalent and is ignored"_s});
    }

    void composeGpuReservation()
    {
        const ImportResult result = importManifest(R"(
services:
  llm:
    image: inference:1
    deploy:
      resources:
        limits: {cpus: "4", memory: 16g}
        reservations:
          devices:
            - driver: nvidia
              count: 2
              capabilities: [gpu]
)");
        VERIFY_NO_ERRORS(result);
        VERIFY_WARNINGS(result);
        QCOMPARE(result.pod->containers[0].resources.gpu, (Gpu{2, QString()}));
        QCOMPARE(result.pod->containers[0].resources.memoryBytes, 16 * GiB);
    }

    // --- Kubernetes -----------------------------------------------------------------

    void kubernetesDeployment()
    {
        const ImportResult result = importManifest(readData(u"kubernetes/nginx-deployment.yaml"_s));
        VERIFY_NO_ERRORS(result);
        QVERIFY(result.pod);
        const Pod &pod = *result.pod;
        QCOMPARE(pod.metadata.name, u"nginx"_s);
        QCOMPARE(pod.metadata.labels,
                 (QMap<QString, QString>{{u"app"_s, u"nginx"_s}, {u"tier"_s, u"frontend"_s}}));
        QCOMPARE(pod.replicas.min, 3);
        QCOMPARE(pod.replicas.max, 3);
        QCOMPARE(pod.containers.size(), 1);
        const Container &nginx = pod.containers[0];
        QCOMPARE(nginx.name, u"nginx"_s);
        QCOMPARE(nginx.image.reference, u"docker.io/library/nginx:1.25-alpine"_s);
        QCOMPARE(nginx.resources.cpuMillis, 250); // limits win over requests
        QCOMPARE(nginx.resources.memoryBytes, 128 * MiB);
        QCOMPARE(nginx.resources.ephemeralStorageBytes, GiB);
        QCOMPARE(nginx.ports.size(), 2);
        QCOMPARE(nginx.ports[0].name, u"http"_s);
        QCOMPARE(nginx.ports[0].containerPort, 80);
        QCOMPARE(toString(nginx.ports[0].protocol), u"http"_s);
        QCOMPARE(nginx.ports[1].name, u"metrics"_s);
        QCOMPARE(nginx.ports[1].containerPort, 9113);
        QCOMPARE(toString(nginx.ports[1].protocol), u"tcp"_s);
        QCOMPARE(nginx.volumeMounts,
                 (QList<VolumeMount>{{u"cache"_s, u"/var/cache/nginx"_s, false}}));
        QVERIFY(nginx.healthCheck);
        QCOMPARE(toString(nginx.healthCheck->kind), u"http"_s);
        QCOMPARE(nginx.healthCheck->path, u"/healthz"_s);
        QCOMPARE(nginx.healthCheck->port, 80); // the named port "http"
        QCOMPARE(nginx.healthCheck->initialDelaySeconds, 5);
        QCOMPARE(nginx.healthCheck->periodSeconds, 15);
        QCOMPARE(nginx.healthCheck->timeoutSeconds, 1);
        QCOMPARE(nginx.healthCheck->failureThreshold, 3);
        QCOMPARE(pod.volumes,
                 (QList<Volume>{{u"cache"_s, VolumeKind::Persistent, 5 * GiB, {}, {}}}));

        VERIFY_WARNINGS(
            result, {u"spec.storageClassName"_s, u"`storageClassName` is not kept"_s},
            {QString(), u"Service nginx is not imported"_s},
            {u"metadata.namespace"_s, u"`namespace` is not used"_s},
            {u"spec.strategy"_s, u"`strategy` is not kept"_s},
            {u"spec.template.spec.volumes[1]"_s,
             u"volume config (configMap) cannot be mapped, and its mounts are left out"_s},
            {u"spec.template.spec.containers[0].readinessProbe"_s,
             u"`readinessProbe` is not kept: Berth runs one health check per container"_s},
            {u"spec.template.spec.containers[0].securityContext"_s,
             u"`securityContext` is not kept"_s},
            {u"spec.template.spec.initContainers"_s,
             u"init containers are not imported: Berth starts all containers together"_s},
            {u"spec.template.spec.imagePullSecrets"_s, u"registry credentials are not imported"_s});
    }

    void kubernetesPod()
    {
        const ImportResult result = importManifest(readData(u"kubernetes/api-pod.yaml"_s));
        VERIFY_NO_ERRORS(result);
        QVERIFY(result.pod);
        const Pod &pod = *result.pod;
        QCOMPARE(pod.metadata.name, u"api"_s);
        QCOMPARE(toString(pod.restartPolicy), u"OnFailure"_s);
        QCOMPARE(pod.containers.size(), 2);

        const Container &api = pod.containers[0];
        QCOMPARE(api.command, QStringList{u"/app/server"_s});
        QCOMPARE(api.args, (QStringList{u"--listen"_s, u":8443"_s, u"--log-format=json"_s}));
        QCOMPARE(api.workingDir, u"/app"_s);
        QCOMPARE(api.env, (QList<EnvVar>{{u"LOG_LEVEL"_s, u"info"_s, std::nullopt},
                                         {u"DATABASE_PASSWORD"_s, QString(),
                                          SecretKeyRef{u"api-db"_s, u"password"_s}}}));
        QCOMPARE(api.ports.size(), 1);
        QCOMPARE(api.ports[0].name, u"https"_s);
        QCOMPARE(api.ports[0].containerPort, 8443);
        QCOMPARE(toString(api.ports[0].protocol), u"tcp"_s);
        QCOMPARE(api.resources.cpuMillis, 2000);
        QCOMPARE(api.resources.memoryBytes, GiB);
        QCOMPARE(api.resources.gpu, (Gpu{1, QString()}));
        QCOMPARE(api.volumeMounts, (QList<VolumeMount>{{u"tls"_s, u"/etc/tls"_s, true},
                                                       {u"scratch"_s, u"/tmp"_s, false}}));
        QVERIFY(api.healthCheck);
        QCOMPARE(toString(api.healthCheck->kind), u"tcp"_s);
        QCOMPARE(api.healthCheck->port, 8443);
        QCOMPARE(api.healthCheck->periodSeconds, 20);
        QCOMPARE(api.healthCheck->timeoutSeconds, 3);
        QCOMPARE(api.healthCheck->failureThreshold, 5);

        const Container &shipper = pod.containers[1];
        QCOMPARE(shipper.name, u"log-shipper"_s);
        QCOMPARE(shipper.resources.cpuMillis, 500);
        QCOMPARE(shipper.resources.memoryBytes, 512 * MiB);
        QVERIFY(shipper.healthCheck); // from the readiness probe, as there is no liveness probe
        QCOMPARE(toString(shipper.healthCheck->kind), u"exec"_s);
        QCOMPARE(shipper.healthCheck->command,
                 (QStringList{u"/fluent-bit/bin/fluent-bit"_s, u"--dry-run"_s}));

        QCOMPARE(pod.volumes.size(), 2);
        QCOMPARE(volumeNamed(pod, u"tls"_s),
                 (Volume{u"tls"_s,
                         VolumeKind::Secret,
                         0,
                         u"api-tls"_s,
                         {{u"tls.crt"_s, u"server.crt"_s}, {u"tls.key"_s, u"server.key"_s}}}));
        QCOMPARE(volumeNamed(pod, u"scratch"_s),
                 (Volume{u"scratch"_s, VolumeKind::EmptyDir, 256 * MiB, {}, {}}));

        VERIFY_WARNINGS(
            result,
            {u"spec.containers[0].env[2].valueFrom"_s,
             u"POD_IP takes its value from fieldRef, which Berth cannot provide"_s},
            {u"spec.containers[0].ports[1]"_s, u"UDP port 514 is not published"_s},
            {u"spec.containers[1]"_s,
             u"container log-shipper has no CPU or memory limit: Berth assumes cpu 500m and "
             u"memory 512Mi; adjust resources before deploying"_s},
            {u"spec.volumes[2]"_s, u"volume host-logs (hostPath) cannot be mapped"_s},
            {u"spec.nodeSelector"_s, u"the pod runs on the provider you choose"_s});
    }

    void kubernetesWithoutWorkload()
    {
        const ImportResult result =
            importManifest("apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\n"
                           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n");
        QVERIFY(!result.pod);
        QCOMPARE(count(result, Severity::Error, QString(), u"there is no Pod or Deployment"_s), 1);
        VERIFY_WARNINGS(result, {QString(), u"Service web is not imported"_s},
                        {QString(), u"ConfigMap settings is not imported"_s});
    }

    void kubernetesSecondWorkloadAndClaims()
    {
        const ImportResult result = importManifest(R"(
apiVersion: v1
kind: Pod
metadata: {name: first}
spec:
  containers:
    - name: app
      image: app:1
      resources: {limits: {cpu: 250m, memory: 64Mi}}
      volumeMounts: [{name: data, mountPath: /data}]
  volumes:
    - name: data
      persistentVolumeClaim: {claimName: missing}
---
apiVersion: v1
kind: Pod
metadata: {name: second}
spec:
  containers: [{name: other, image: other:1}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: spare}
spec: {resources: {requests: {storage: 2Gi}}}
)");
        VERIFY_NO_ERRORS(result);
        QCOMPARE(result.pod->metadata.name, u"first"_s);
        QCOMPARE(result.pod->containers.size(), 1);
        QCOMPARE(result.pod->volumes,
                 (QList<Volume>{{u"data"_s, VolumeKind::Persistent, GiB, {}, {}}}));
        VERIFY_WARNINGS(
            result,
            {u"spec.volumes[0].persistentVolumeClaim"_s,
             u"the size of claim missing is not in this file: Berth creates a persistent volume "
             u"of 1Gi"_s},
            {QString(), u"Pod second is not imported: a Berth manifest describes one pod"_s},
            {QString(), u"PersistentVolumeClaim spare is not used by the pod"_s});
    }

    void kubernetesUnresolvedProbePort()
    {
        const ImportResult result = importManifest(R"(
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: app
      image: app:1
      resources: {requests: {cpu: "1", memory: 1G}}
      livenessProbe: {httpGet: {path: /, port: admin}}
)");
        QVERIFY(!result.pod->containers[0].healthCheck);
        QCOMPARE(result.pod->containers[0].resources.memoryBytes, 1000 * 1000 * 1000);
        VERIFY_WARNINGS(result, {u"spec.containers[0].livenessProbe.httpGet.port"_s,
                                 u"port admin is not a port of this container"_s});
    }

    // --- Akash SDL ------------------------------------------------------------------

    void akashShop()
    {
        const ImportResult result = importManifest(readData(u"akash/shop.yaml"_s));
        VERIFY_NO_ERRORS(result);
        QVERIFY(result.pod);
        const Pod &pod = *result.pod;
        QCOMPARE(pod.metadata.name, u"web"_s);
        QCOMPARE(pod.replicas.min, 2);
        QCOMPARE(pod.replicas.max, 2);
        QCOMPARE(pod.hostAliases, QStringList());
        QCOMPARE(pod.containers.size(), 2);

        const Container &web = containerNamed(pod, u"web"_s);
        QCOMPARE(web.image.reference, u"ghcr.io/example/shop-frontend:1.8.0"_s);
        QCOMPARE(web.env.size(), 2);
        QCOMPARE(web.env[1],
                 (EnvVar{u"DATABASE_URL"_s, u"postgres://shop:change-me@postgres:5432/shop"_s,
                         std::nullopt}));
        QCOMPARE(web.ports.size(), 1);
        QCOMPARE(web.ports[0].name, u"web-3000"_s);
        QCOMPARE(web.ports[0].containerPort, 3000);
        QCOMPARE(toString(web.ports[0].protocol), u"http"_s); // exposed as 80
        QCOMPARE(web.ports[0].hosts,
                 (QStringList{u"shop.example.com"_s, u"www.shop.example.com"_s}));
        QCOMPARE(web.ports[0].publicPort, std::nullopt);
        QCOMPARE(web.resources.cpuMillis, 500);
        QCOMPARE(web.resources.memoryBytes, 512 * MiB);
        QCOMPARE(web.resources.ephemeralStorageBytes, GiB);

        const Container &postgres = containerNamed(pod, u"postgres"_s);
        QCOMPARE(postgres.image.reference, u"docker.io/library/postgres:16"_s);
        QCOMPARE(postgres.ports.size(), 0); // exposed to web only: shared pod network
        QCOMPARE(postgres.env.size(), 3);
        QCOMPARE(postgres.resources.cpuMillis, 1000);
        QCOMPARE(postgres.resources.memoryBytes, 2 * GiB);
        QCOMPARE(postgres.resources.ephemeralStorageBytes, 512 * MiB);
        QCOMPARE(postgres.volumeMounts,
                 (QList<VolumeMount>{{u"pgdata"_s, u"/var/lib/postgresql/data"_s, false}}));
        QCOMPARE(pod.volumes,
                 (QList<Volume>{{u"pgdata"_s, VolumeKind::Persistent, 20 * GiB, {}, {}}}));

        VERIFY_WARNINGS(result,
                        {u"profiles.placement.dcloud.pricing"_s,
                         u"`pricing` is not kept: Berth providers quote their own prices"_s},
                        {u"profiles.placement.dcloud.attributes"_s, u"`attributes` are not kept"_s},
                        {u"profiles.placement.dcloud.signedBy"_s, u"`signedBy` is not kept"_s},
                        {u"profiles.compute.postgres.resources.storage[1].attributes.class"_s,
                         u"storage class beta3 is not kept"_s});
    }

    void akashVariants()
    {
        const ImportResult result = importManifest(R"(
version: "2.0"
services:
  game:
    image: game-server:3
    command: ["/srv/game"]
    args: ["--port", "7777"]
    expose:
      - port: 7777
        as: 30777
        accept: [play.example.com]
        to: [{global: true}]
      - port: 7778
        proto: udp
        to: [{global: true}]
      - port: 9090
        to: [{global: true}]
  trainer:
    image: trainer:1
profiles:
  compute:
    game:
      resources:
        cpu: {units: 500m}
        memory: {size: 1G}
        storage: [{size: 1Gi}, {name: maps, size: 5Gi, attributes: {persistent: true}}]
    trainer:
      resources:
        cpu: {units: 8}
        memory: {size: 32Gi}
        gpu:
          units: 1
          attributes: {vendor: {nvidia: [{model: a100}]}}
        storage: {size: 100Gi}
  placement:
    anywhere: {}
deployment:
  game: {anywhere: {profile: game, count: 1}}
  trainer: {anywhere: {profile: trainer, count: 2}}
)");
        VERIFY_NO_ERRORS(result);
        const Pod &pod = *result.pod;
        QCOMPARE(pod.replicas.min, 2);
        const Container &game = containerNamed(pod, u"game"_s);
        QCOMPARE(game.command, QStringList{u"/srv/game"_s});
        QCOMPARE(game.args, (QStringList{u"--port"_s, u"7777"_s}));
        QCOMPARE(game.resources.cpuMillis, 500);
        QCOMPARE(game.resources.memoryBytes, 1000 * 1000 * 1000);
        QCOMPARE(game.ports.size(), 2);
        QCOMPARE(game.ports[0].containerPort, 7777);
        QCOMPARE(toString(game.ports[0].protocol), u"tcp"_s);
        QCOMPARE(game.ports[0].publicPort, 30777);
        QCOMPARE(game.ports[1].containerPort, 9090);
        QCOMPARE(toString(game.ports[1].protocol), u"tcp"_s);
        QCOMPARE(game.ports[1].publicPort, std::nullopt);
        const Container &trainer = containerNamed(pod, u"trainer"_s);
        QCOMPARE(trainer.resources.gpu, (Gpu{1, u"nvidia-a100"_s}));
        QCOMPARE(trainer.resources.ephemeralStorageBytes, 100 * GiB);
        QVERIFY(pod.volumes.isEmpty());
        VERIFY_WARNINGS(
            result,
            {u"services.game.expose[0].accept"_s,
             u"`accept` is not kept: only an expose as port 80 is served by host name"_s},
            {u"services.game.expose[1]"_s, u"UDP port 7778 is not published"_s},
            {u"profiles.compute.game"_s, u"storage maps is not mounted by service game"_s},
            {u"deployment.trainer.anywhere.count"_s,
             u"asks for 2 replicas but `deployment.game.anywhere.count` for 1, so the pod runs "
             u"2"_s});
    }

    void akashUnderscoreServiceBecomesAlias()
    {
        const ImportResult result = importManifest(R"(
version: "2.0"
services:
  api_server: {image: api:1}
profiles:
  compute:
    api: {resources: {cpu: {units: 1}, memory: {size: 512Mi}}}
deployment:
  api_server: {dc: {profile: api, count: 1}}
)");
        VERIFY_NO_ERRORS(result);
        VERIFY_WARNINGS(result);
        QCOMPARE(result.pod->containers[0].name, u"api-server"_s);
        QCOMPARE(result.pod->hostAliases, QStringList{u"api_server"_s});
        QCOMPARE(result.pod->metadata.name, u"api-server"_s);
    }

    // --- helpers ----------------------------------------------------------------

    void shellWords_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("words");
        QTest::newRow("plain") << u"nginx -g daemon off;"_s
                               << QStringList{u"nginx"_s, u"-g"_s, u"daemon"_s, u"off;"_s};
        QTest::newRow("single quotes") << u"sh -c 'echo \"hi\" $HOME'"_s
                                       << QStringList{u"sh"_s, u"-c"_s, u"echo \"hi\" $HOME"_s};
        QTest::newRow("double quotes")
            << u"echo \"a \\\"b\\\" \\n\""_s << QStringList{u"echo"_s, u"a \"b\" \\n"_s};
        QTest::newRow("backslash space") << u"ls my\\ dir"_s << QStringList{u"ls"_s, u"my dir"_s};
        QTest::newRow("empty quotes") << u"a '' b"_s << QStringList{u"a"_s, QString(), u"b"_s};
        QTest::newRow("spaces") << u"  a   b  "_s << QStringList{u"a"_s, u"b"_s};
        QTest::newRow("nothing") << QString() << QStringList();
    }
    void shellWords()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, words);
        QCOMPARE(importing::splitShellWords(text), words);
    }

    void shellWordsUnclosed()
    {
        QCOMPARE(importing::splitShellWords(u"sh -c 'echo"_s), std::nullopt);
        QCOMPARE(importing::splitShellWords(u"echo \"a"_s), std::nullopt);
        QCOMPARE(importing::splitShellWords(u"trailing \\"_s), std::nullopt);
    }

    void durations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<std::optional<std::int64_t>>("millis");
        QTest::newRow("seconds") << u"30s"_s << std::optional<std::int64_t>(30000);
        QTest::newRow("minutes and seconds") << u"1m30s"_s << std::optional<std::int64_t>(90000);
        QTest::newRow("hours") << u"2h"_s << std::optional<std::int64_t>(7200000);
        QTest::newRow("millis") << u"500ms"_s << std::optional<std::int64_t>(500);
        QTest::newRow("fraction") << u"1.5s"_s << std::optional<std::int64_t>(1500);
        QTest::newRow("micros round up") << u"10us"_s << std::optional<std::int64_t>(1);
        QTest::newRow("zero") << u"0"_s << std::optional<std::int64_t>(0);
        QTest::newRow("no unit") << u"30"_s << std::optional<std::int64_t>();
        QTest::newRow("unknown unit") << u"3d"_s << std::optional<std::int64_t>();
        QTest::newRow("negative") << u"-1s"_s << std::optional<std::int64_t>();
        QTest::newRow("empty") << QString() << std::optional<std::int64_t>();
        QTest::newRow("overflow") << u"9999999999999h"_s << std::optional<std::int64_t>();
    }
    void durations()
    {
        QFETCH(QString, text);
        QFETCH(std::optional<std::int64_t>, millis);
        QCOMPARE(importing::parseDurationMillis(text), millis);
    }

    void names()
    {
        QCOMPARE(importing::toDnsLabel(u"My_App.v2"_s, u"x"_s), u"my-app-v2"_s);
        QCOMPARE(importing::toDnsLabel(u"--web--"_s, u"x"_s), u"web"_s);
        QCOMPARE(importing::toDnsLabel(u"___"_s, u"fallback"_s), u"fallback"_s);
        QCOMPARE(importing::toDnsLabel(QString(100, u'a'), u"x"_s).size(), 63);
        QSet<QString> used;
        QCOMPARE(importing::portName(u"wordpress"_s, 80, used), u"wordpress-80"_s);
        QCOMPARE(importing::portName(u"a-very-long-container"_s, 8080, used), u"a-very-lon-8080"_s);
        QCOMPARE(importing::portName(u"wordpress"_s, 80, used), u"wordpress-80-2"_s);
        QCOMPARE(importing::portName(u"123"_s, 80, used), u"port-80"_s);
        for (const QString &name : used)
            QVERIFY2(name.size() <= 15, qPrintable(name));
        QVERIFY(importing::isCommonHttpPort(8080));
        QVERIFY(!importing::isCommonHttpPort(443));
    }

    // --- every imported pod is a valid Berth pod ------------------------------------

    void importedPodsValidate_data()
    {
        QTest::addColumn<QString>("file");
        for (const auto &file :
             {u"compose/wordpress.yaml"_s, u"compose/odd.yaml"_s, u"compose/port-conflict.yaml"_s,
              u"kubernetes/nginx-deployment.yaml"_s, u"kubernetes/api-pod.yaml"_s,
              u"akash/shop.yaml"_s})
            QTest::newRow(qPrintable(file)) << file;
    }
    void importedPodsValidate()
    {
        QFETCH(QString, file);
        const ImportResult result = importManifest(readData(file));
        QVERIFY(result.pod);
        const QList<Diagnostic> problems = validate(*result.pod);
        QVERIFY2(!hasErrors(problems), qPrintable(describe(problems)));
    }
};

QTEST_GUILESS_MAIN(TestImporters)
#include "tst_importers.moc"
