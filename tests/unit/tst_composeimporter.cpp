// docker-compose files into Berth pods: each realistic file checked field by
// field, and its warnings one by one (every unmapped thing exactly once, at its path).
#include "importtest.h"

using namespace importtest;

class TestComposeImporter : public QObject
{
    Q_OBJECT

private slots:
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
};

QTEST_GUILESS_MAIN(TestComposeImporter)
#include "tst_composeimporter.moc"
