// berthd.yaml: typed provider settings, every error naming file, line, column and
// key path, environment overrides, and no secrets.
#include "crypto/keccak.h"
#include "provider/listingkeeper.h"
#include "provider/providersettings.h"

#include <QFile>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using berth::ErrorCode;
using berth::provider::ProviderSettings;

namespace {

const QString FileName = u"berthd.yaml"_s;

berth::Result<ProviderSettings> parse(const QByteArray &yaml,
                                      const QProcessEnvironment &env = QProcessEnvironment())
{
    return ProviderSettings::parse(yaml, FileName, env);
}

QString exampleConfig()
{
    return QStringLiteral(BERTH_EXAMPLES_DIR) + u"/../config/berthd.yaml"_s;
}

} // namespace

class TestProviderSettings : public QObject
{
    Q_OBJECT

private slots:
    void exampleConfigValidates()
    {
        const auto settings = ProviderSettings::load(exampleConfig(), QProcessEnvironment());
        QVERIFY2(settings.ok(), qPrintable(settings ? QString() : settings.error().message));
        QCOMPARE(settings->dataDir, u"/var/lib/berth"_s);
        QCOMPARE(settings->chainProfile, u"/etc/berth/chain.json"_s);
        QCOMPARE(settings->walletKeystore, u"/etc/berth/provider.json"_s);
        QCOMPARE(settings->walletPasswordFile, u"/etc/berth/password"_s);
        QCOMPARE(settings->walletCredential, u"berth-keystore-password"_s);
        QCOMPARE(settings->listenAddress, u"127.0.0.1"_s);
        QCOMPARE(settings->listenPort, 7443);
        QCOMPARE(settings->maxFrameBytes, 1048576);
        QCOMPARE(settings->requestsPerSecond, 20);
        QCOMPARE(settings->sessionsPerAddress, 4);
        QCOMPARE(settings->idleTimeoutSeconds, 300);
        QCOMPARE(settings->domain, u"pods.example.com"_s);
        QCOMPARE(settings->tcpPortFirst, 30000);
        QCOMPARE(settings->tcpPortLast, 30999);
        QCOMPARE(settings->claimIntervalSeconds, 3600);
        QCOMPARE(settings->minRunwaySeconds, 3600);
        QCOMPARE(settings->graceSeconds, 600);
        QCOMPARE(settings->podmanSocket, u"/run/podman/podman.sock"_s);
        QCOMPARE(settings->caddyAdminUrl, u"http://127.0.0.1:2019"_s);
        QCOMPARE(settings->loggingRules, u"berth.*.debug=false"_s);
        QCOMPARE(settings->registryRegister, false);
        QCOMPARE(settings->registryEndpoint, u"wss://berth.example.net:7443"_s);
        QCOMPARE(settings->registryRegionList(), (QStringList{u"eu-west"_s, u"eu-central"_s}));
        QCOMPARE(settings->registryCapacityMemory, u"64Gi"_s);
        QCOMPARE(settings->stakingRespond, true);
        QCOMPARE(settings->stakingPollSeconds, 30);
        QCOMPARE(settings->environmentSecrets, false);
    }

    void chainDutiesDefaults()
    {
        const auto settings = parse(QByteArray());
        QVERIFY(settings.ok());
        QCOMPARE(settings->registryRegister, false);
        QVERIFY(settings->registryEndpoint.isEmpty());
        QVERIFY(settings->registryRegionList().isEmpty());
        QVERIFY(settings->registryAttributeList().isEmpty());
        QCOMPARE(settings->registryCapacityGpus, 0);
        QCOMPARE(settings->stakingRespond, true);
        QCOMPARE(settings->stakingPollSeconds, 30);
    }

    void registryListingIsRead()
    {
        const auto settings = parse("registry:\n"
                                    "  register: true\n"
                                    "  endpoint: wss://berth.example.net:7443\n"
                                    "  regions: \"eu-west, us-east ,\"\n"
                                    "  attributes: tier=gold, gpu=, cpu=epyc 9354\n"
                                    "  capacity:\n"
                                    "    cpu: 500m\n"
                                    "    memory: 32Gi\n"
                                    "    storage: 1Ti\n"
                                    "    gpus: 2\n"
                                    "staking: {respond: false, pollSeconds: 2}\n");
        QVERIFY2(settings.ok(), qPrintable(settings ? QString() : settings.error().message));
        QCOMPARE(settings->registryRegister, true);
        QCOMPARE(settings->registryEndpoint, u"wss://berth.example.net:7443"_s);
        QCOMPARE(settings->registryRegionList(), (QStringList{u"eu-west"_s, u"us-east"_s}));
        const QList<std::pair<QString, QString>> attributes{
            {u"tier"_s, u"gold"_s}, {u"gpu"_s, QString()}, {u"cpu"_s, u"epyc 9354"_s}};
        QCOMPARE(settings->registryAttributeList(), attributes);
        QCOMPARE(settings->registryCapacityCpu, u"500m"_s);
        QCOMPARE(settings->registryCapacityMemory, u"32Gi"_s);
        QCOMPARE(settings->registryCapacityStorage, u"1Ti"_s);
        QCOMPARE(settings->registryCapacityGpus, 2);
        QCOMPARE(settings->stakingRespond, false);
        QCOMPARE(settings->stakingPollSeconds, 2);

        const QJsonObject json = settings->toJson();
        const QJsonObject registry = json.value("registry"_L1).toObject();
        QCOMPARE(registry.value("register"_L1).toBool(), true);
        QCOMPARE(registry.value("capacity"_L1).toObject().value("memory"_L1).toString(), u"32Gi"_s);
        QCOMPARE(registry.value("capacity"_L1).toObject().value("gpus"_L1).toInt(), 2);
        QCOMPARE(json.value("staking"_L1).toObject().value("respond"_L1).toBool(), false);
    }

    void metricsSettings()
    {
        const auto defaults = parse("");
        QVERIFY2(defaults.ok(), qPrintable(defaults ? QString() : defaults.error().message));
        QCOMPARE(defaults->metricsIntervalSeconds, 10);
        QCOMPARE(defaults->metricsRawRetentionHours, 24);
        QCOMPARE(defaults->metricsRetentionDays, 30);
        QCOMPARE(defaults->metricsExporter, true);
        QCOMPARE(defaults->metricsListenAddress, u"127.0.0.1"_s);
        QCOMPARE(defaults->metricsListenPort, 9464);
        QVERIFY(defaults->metricsTokenFile.isEmpty());

        const auto set = parse("metrics:\n"
                               "  intervalSeconds: 2\n"
                               "  rawRetentionHours: 6\n"
                               "  retentionDays: 90\n"
                               "  exporter: false\n"
                               "  listen: {address: \"::1\", port: 0}\n"
                               "  tokenFile: /etc/berth/metrics.token\n");
        QVERIFY2(set.ok(), qPrintable(set ? QString() : set.error().message));
        QCOMPARE(set->metricsIntervalSeconds, 2);
        QCOMPARE(set->metricsRawRetentionHours, 6);
        QCOMPARE(set->metricsRetentionDays, 90);
        QCOMPARE(set->metricsExporter, false);
        QCOMPARE(set->metricsListenAddress, u"::1"_s);
        QCOMPARE(set->metricsListenPort, 0);
        QCOMPARE(set->metricsTokenFile, u"/etc/berth/metrics.token"_s);
        const auto relative = parse("metrics: {tokenFile: metrics.token}\n");
        QVERIFY(!relative.ok());
        QVERIFY2(relative.error().message.contains(u"metrics.tokenFile"_s),
                 qPrintable(relative.error().message));
        QCOMPARE(set->toJson()
                     .value("metrics"_L1)
                     .toObject()
                     .value("listen"_L1)
                     .toObject()
                     .value("port"_L1)
                     .toInt(),
                 0);

        const auto zero = parse("metrics: {intervalSeconds: 0}\n");
        QVERIFY(!zero);
        QVERIFY2(zero.error().message.contains(
                     u"metrics.intervalSeconds: must be 1..3600 (got \"0\")"_s),
                 qPrintable(zero.error().message));
    }

    void adminSettings()
    {
        const auto defaults = parse("");
        QVERIFY2(defaults.ok(), qPrintable(defaults ? QString() : defaults.error().message));
        QCOMPARE(defaults->adminEnabled, true);
        QCOMPARE(defaults->adminListenAddress, u"127.0.0.1"_s);
        QCOMPARE(defaults->adminListenPort, 7480);
        QCOMPARE(defaults->adminAllowedOriginList(), QStringList());
        QCOMPARE(defaults->adminMaxSessions, 8);

        const auto example = ProviderSettings::load(exampleConfig(), QProcessEnvironment());
        QVERIFY2(example.ok(), qPrintable(example ? QString() : example.error().message));
        QCOMPARE(example->adminListenPort, 7480);
        QCOMPARE(example->adminAllowedOriginList(), QStringList());

        const auto set =
            parse("admin:\n"
                  "  enabled: false\n"
                  "  listen: {address: \"::1\", port: 0}\n"
                  "  allowedOrigins: \"http://localhost:8080, https://console.example\"\n"
                  "  maxSessions: 2\n");
        QVERIFY2(set.ok(), qPrintable(set ? QString() : set.error().message));
        QCOMPARE(set->adminEnabled, false);
        QCOMPARE(set->adminListenAddress, u"::1"_s);
        QCOMPARE(set->adminListenPort, 0);
        QCOMPARE(set->adminAllowedOriginList(),
                 QStringList({u"http://localhost:8080"_s, u"https://console.example"_s}));
        QCOMPARE(set->adminMaxSessions, 2);
        QCOMPARE(set->toJson().value("admin"_L1).toObject().value("maxSessions"_L1).toInt(), 2);

        const auto env = [] {
            QProcessEnvironment e;
            e.insert(u"BERTH_ADMIN_LISTEN_PORT"_s, u"7999"_s);
            return e;
        }();
        const auto overridden = parse("", env);
        QVERIFY2(overridden.ok(), qPrintable(overridden ? QString() : overridden.error().message));
        QCOMPARE(overridden->adminListenPort, 7999);

        const auto remote = parse("admin:\n  listen: {address: 0.0.0.0}\n");
        QVERIFY(!remote);
        QVERIFY2(remote.error().message.contains(
                     u"berthd.yaml:2:21: admin.listen.address: must be a loopback address"_s),
                 qPrintable(remote.error().message));

        const auto page = parse("admin: {allowedOrigins: \"http://localhost:8080/app\"}\n");
        QVERIFY(!page);
        QVERIFY2(page.error().message.contains(
                     u"admin.allowedOrigins: origin \"http://localhost:8080/app\" must be "
                     "scheme://host[:port]"_s),
                 qPrintable(page.error().message));

        const auto sessions = parse("admin: {maxSessions: 0}\n");
        QVERIFY(!sessions);
        QVERIFY2(
            sessions.error().message.contains(u"admin.maxSessions: must be 1..64 (got \"0\")"_s),
            qPrintable(sessions.error().message));

        const auto clash = parse("listen: {port: 7480}\n");
        QVERIFY(!clash);
        QVERIFY2(clash.error().message.contains(
                     u"admin.listen.port: 7480 is also listen.port or metrics.listen.port"_s),
                 qPrintable(clash.error().message));
        QVERIFY(parse("listen: {port: 7480}\nadmin: {enabled: false}\n").ok());
    }

    void listingProfileFromTheSettings()
    {
        const auto settings = parse("registry:\n"
                                    "  register: true\n"
                                    "  endpoint: wss://berth.example.net:7443\n"
                                    "  regions: eu-west\n"
                                    "  attributes: tier=gold\n"
                                    "  capacity: {cpu: 1500m, memory: 32Gi, gpus: 2}\n");
        QVERIFY(settings.ok());
        const QByteArray x25519(32, '\x2a');
        const auto profile = berth::provider::ListingTarget::profileFrom(*settings, x25519);
        QCOMPARE(profile.endpoint, u"wss://berth.example.net:7443"_s);
        QCOMPARE(profile.regions, QStringList{u"eu-west"_s});
        QCOMPARE(profile.attributes.size(), 1);
        QCOMPARE(profile.attributes.first().first, u"tier"_s);
        QCOMPARE(profile.capacity.cpuMillis, quint64(1500));
        QCOMPARE(profile.capacity.memoryBytes, quint64(32) << 30);
        QCOMPARE(profile.capacity.storageBytes, quint64(0)); // not set: none offered
        QCOMPARE(profile.capacity.gpuCount, quint64(2));
        QCOMPARE(profile.encryptionKeyHash, berth::crypto::keccak256(x25519));
    }

    void chainDutiesFromTheEnvironment()
    {
        QProcessEnvironment env;
        env.insert(u"BERTH_REGISTRY_REGISTER"_s, u"true"_s);
        env.insert(u"BERTH_REGISTRY_ENDPOINT"_s, u"wss://10.0.0.1:7443"_s);
        env.insert(u"BERTH_REGISTRY_CAPACITY_CPU"_s, u"8"_s);
        env.insert(u"BERTH_STAKING_POLLSECONDS"_s, u"5"_s);
        const auto settings = parse(QByteArray(), env);
        QVERIFY2(settings.ok(), qPrintable(settings ? QString() : settings.error().message));
        QCOMPARE(settings->registryRegister, true);
        QCOMPARE(settings->registryEndpoint, u"wss://10.0.0.1:7443"_s);
        QCOMPARE(settings->registryCapacityCpu, u"8"_s);
        QCOMPARE(settings->stakingPollSeconds, 5);

        QProcessEnvironment typo;
        typo.insert(u"BERTH_REGISTRY_CAPACITY_CPUS"_s, u"8"_s);
        const auto refused = parse(QByteArray(), typo);
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().message.contains(
                     u"BERTH_REGISTRY_CAPACITY_CPUS: names no setting; did you mean "
                     "BERTH_REGISTRY_CAPACITY_CPU?"_s),
                 qPrintable(refused.error().message));
    }

    void emptyFileGivesDefaults()
    {
        const auto settings = parse(QByteArray());
        QVERIFY(settings.ok());
        QCOMPARE(settings->dataDir, ProviderSettings::defaultDataDir());
        QCOMPARE(settings->listenAddress, u"127.0.0.1"_s);
        QCOMPARE(settings->listenPort, 7443);
        QCOMPARE(settings->maxFrameBytes, 1024 * 1024);
        QCOMPARE(settings->tcpPortFirst, 30000);
        QCOMPARE(settings->tcpPortLast, 30999);
        QVERIFY(settings->domain.isEmpty());
        QVERIFY(settings->chainProfile.isEmpty());
    }

    void errorNamesFileLineColumnAndKey()
    {
        const auto settings = parse("listen:\n  address: 127.0.0.1\n  port: 0\n");
        QVERIFY(!settings.ok());
        QCOMPARE(settings.error().code, ErrorCode::ValidationFailed);
        QCOMPARE(settings.error().message,
                 u"berthd.yaml:3:9: listen.port: must be 1..65535 (got \"0\")"_s);
    }

    void invalidValues_data()
    {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<QString>("expected");
        QTest::newRow("port not a number")
            << QByteArray("listen: {port: https}\n")
            << u"berthd.yaml:1:16: listen.port: must be 1..65535 (got \"https\")"_s;
        QTest::newRow("relative data dir")
            << QByteArray("dataDir: state\n")
            << u"berthd.yaml:1:10: dataDir: must be an absolute path (got \"state\")"_s;
        QTest::newRow("listen address")
            << QByteArray("listen:\n  address: localhost\n")
            << u"berthd.yaml:2:12: listen.address: must be an IP address"_s;
        QTest::newRow("domain") << QByteArray("domain: Pods_Example.com\n")
                                << u"berthd.yaml:1:9: domain: must be a lower-case DNS name"_s;
        QTest::newRow("caddy url")
            << QByteArray("caddy:\n  adminUrl: unix:/run/caddy.sock\n")
            << u"berthd.yaml:2:13: caddy.adminUrl: must be an http:// or https:// URL"_s;
        QTest::newRow("logging rule")
            << QByteArray("logging: {rules: \"berth.*.debug\"}\n")
            << u"logging.rules: rule \"berth.*.debug\" must look like category.type=true|false"_s;
        QTest::newRow("section not a map")
            << QByteArray("listen: 7443\n")
            << u"berthd.yaml:1:9: listen: must be a map of address, port"_s;
        QTest::newRow("list value")
            << QByteArray("billing:\n  graceSeconds: [1, 2]\n")
            << u"berthd.yaml:2:17: billing.graceSeconds: must be a single value"_s;
        QTest::newRow("missing value") << QByteArray("billing:\n  graceSeconds:\n")
                                       << u"billing.graceSeconds: needs a value"_s;
        QTest::newRow("claim interval too short")
            << QByteArray("billing: {claimIntervalSeconds: 4}\n")
            << u"billing.claimIntervalSeconds: must be 5..2592000 (got \"4\")"_s;
        QTest::newRow("price not a number")
            << QByteArray("pricing: {cpuCoreHour: 2 tUSD}\n")
            << u"pricing.cpuCoreHour: must be a number of tokens such as 0.02 (got \"2 tUSD\")"_s;
        QTest::newRow("unknown tls mode")
            << QByteArray("caddy: {tls: letsencrypt}\n")
            << u"caddy.tls: must be acme (certificates from Let's Encrypt), internal"_s;
        QTest::newRow("upstream ports overlap tcp ports")
            << QByteArray("upstreamPorts: {first: 30500, last: 31500}\n")
            << u"upstreamPorts.first: upstreamPorts 30500..31500 must not overlap tcpPorts"_s;
        QTest::newRow("tcp range inverted")
            << QByteArray("tcpPorts:\n  first: 31000\n  last: 30000\n")
            << u"berthd.yaml:3:9: tcpPorts.last: must not be below tcpPorts.first (31000)"_s;
        QTest::newRow("listen port among pod ports")
            << QByteArray("listen: {port: 30005}\n")
            << u"listen.port: 30005 lies inside tcpPorts 30000..30999"_s;
        QTest::newRow("duplicate key") << QByteArray("domain: a.example\ndomain: b.example\n")
                                       << u"berthd.yaml:2:1: domain: duplicate key"_s;
        QTest::newRow("register not a boolean")
            << QByteArray("registry: {register: yes}\n")
            << u"berthd.yaml:1:22: registry.register: must be true or false (got \"yes\")"_s;
        QTest::newRow("register without endpoint")
            << QByteArray("registry:\n  register: true\n")
            << u"berthd.yaml:2:13: registry.endpoint: must be set when registry.register is "
               "true"_s;
        QTest::newRow("endpoint not wss")
            << QByteArray("registry: {endpoint: \"https://berth.example.net\"}\n")
            << u"registry.endpoint: must be the wss:// URL publishers reach berthd at"_s;
        QTest::newRow("attribute without value")
            << QByteArray("registry: {attributes: \"tier=gold, gpu\"}\n")
            << u"registry.attributes: 'gpu': write key=value, such as tier=gold"_s;
        QTest::newRow("attribute twice")
            << QByteArray("registry: {attributes: \"tier=gold, tier=silver\"}\n")
            << u"registry.attributes: attribute key \"tier\" is given twice"_s;
        QTest::newRow("region twice") << QByteArray("registry: {regions: \"eu, eu\"}\n")
                                      << u"registry.regions: region \"eu\" is listed twice"_s;
        QTest::newRow("region too long")
            << QByteArray("registry: {regions: " + QByteArray(33, 'r') + "}\n")
            << u"registry.regions: region \""_s + QString(33, u'r') +
                   u"\" is longer than 32 bytes"_s;
        QTest::newRow("cpu capacity")
            << QByteArray("registry:\n  capacity:\n    cpu: eight\n")
            << u"berthd.yaml:3:10: registry.capacity.cpu: must be a number of CPU cores such as "
               "8, 0.5 or 500m (got \"eight\")"_s;
        QTest::newRow("memory capacity")
            << QByteArray("registry:\n  capacity: {memory: 32 GB}\n")
            << u"registry.capacity.memory: must be a size such as 32Gi"_s;
        QTest::newRow("unknown capacity key")
            << QByteArray("registry:\n  capacity: {storag: 1Ti}\n")
            << u"registry.capacity.storag: unknown key; did you mean \"storage\"?"_s;
        QTest::newRow("capacity not a map")
            << QByteArray("registry: {capacity: 8}\n")
            << u"registry.capacity: must be a map of cpu, memory, storage, gpus"_s;
        QTest::newRow("poll too often") << QByteArray("staking: {pollSeconds: 1}\n")
                                        << u"staking.pollSeconds: must be 2..3600 (got \"1\")"_s;
        QTest::newRow("document not a map")
            << QByteArray("- dataDir\n") << u"(document): the file must be a map of settings"_s;
    }
    void invalidValues()
    {
        QFETCH(QByteArray, yaml);
        QFETCH(QString, expected);
        const auto settings = parse(yaml);
        QVERIFY(!settings.ok());
        QCOMPARE(settings.error().code, ErrorCode::ValidationFailed);
        QVERIFY2(settings.error().message.contains(expected), qPrintable(settings.error().message));
    }

    void unknownKeysSuggestTheClosest()
    {
        const auto settings = parse("lisen:\n  port: 7443\nlimits:\n  requestPerSecond: 5\n");
        QVERIFY(!settings.ok());
        const QStringList lines = settings.error().message.split(u'\n');
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines.at(0), u"berthd.yaml:1:1: lisen: unknown key; did you mean \"listen\"?"_s);
        QCOMPARE(lines.at(1), u"berthd.yaml:4:3: limits.requestPerSecond: unknown key; did you "
                              "mean \"requestsPerSecond\"?"_s);
    }

    void unknownKeyWithoutNeighbourListsTheKnownOnes()
    {
        const auto settings = parse("listen:\n  zzzzzzzz: 1\n");
        QVERIFY(!settings.ok());
        QCOMPARE(
            settings.error().message,
            u"berthd.yaml:2:3: listen.zzzzzzzz: unknown key; known keys here: address, port"_s);
    }

    void everyErrorAtOnceInFileOrder()
    {
        const auto settings = parse("dataDir: relative\n"
                                    "listen:\n"
                                    "  port: 70000\n"
                                    "podman: {sockt: /run/podman.sock}\n");
        QVERIFY(!settings.ok());
        const QStringList lines = settings.error().message.split(u'\n');
        QCOMPARE(lines.size(), 3);
        QVERIFY(lines.at(0).startsWith("berthd.yaml:1:10: dataDir: "_L1));
        QVERIFY(lines.at(1).startsWith("berthd.yaml:3:9: listen.port: must be 1..65535"_L1));
        QVERIFY(lines.at(2).startsWith("berthd.yaml:4:10: podman.sockt: unknown key"_L1));
    }

    void passwordKeyIsRefusedWithoutEchoingIt()
    {
        const auto settings = parse("wallet:\n  keystore: /etc/berth/provider.json\n"
                                    "  password: hunter2\n");
        QVERIFY(!settings.ok());
        const QString message = settings.error().message;
        QVERIFY2(message.startsWith("berthd.yaml:3:3: wallet.password: a secret never goes in "
                                    "berthd.yaml"_L1),
                 qPrintable(message));
        QVERIFY(message.contains("wallet.passwordFile"_L1));
        QVERIFY(!message.contains("hunter2"_L1));

        const auto topLevel = parse("password: hunter2\n");
        QVERIFY(!topLevel.ok());
        QVERIFY(topLevel.error().message.contains("password: a secret never goes"_L1));
    }

    void environmentOverridesTheFile()
    {
        QProcessEnvironment env;
        env.insert(u"BERTH_LISTEN_PORT"_s, u"7444"_s);
        env.insert(u"BERTH_DATADIR"_s, u"/srv/berth"_s);
        env.insert(u"BERTH_TCPPORTS_FIRST"_s, u"40000"_s);
        env.insert(u"BERTH_TCPPORTS_LAST"_s, u"40099"_s);
        env.insert(u"BERTH_WALLET_PASSWORDFILE"_s, u"/run/secrets/berth"_s);
        env.insert(u"BERTH_PODMAN_ENVIRONMENTSECRETS"_s, u"true"_s);
        const auto settings = parse("listen: {port: 7443}\ndataDir: /var/lib/berth\n", env);
        QVERIFY2(settings.ok(), qPrintable(settings ? QString() : settings.error().message));
        QCOMPARE(settings->listenPort, 7444);
        QCOMPARE(settings->dataDir, u"/srv/berth"_s);
        QCOMPARE(settings->tcpPortFirst, 40000);
        QCOMPARE(settings->tcpPortLast, 40099);
        QCOMPARE(settings->walletPasswordFile, u"/run/secrets/berth"_s);
        QCOMPARE(settings->environmentSecrets, true);
    }

    void environmentOverridesAreValidatedAndNamed()
    {
        QProcessEnvironment env;
        env.insert(u"BERTH_LISTEN_PORT"_s, u"abc"_s);
        env.insert(u"BERTH_CADDY_ADMINURL"_s, u"caddy"_s);
        const auto settings = parse("listen: {port: 7443}\n", env);
        QVERIFY(!settings.ok());
        const QStringList lines = settings.error().message.split(u'\n');
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines.at(0), u"BERTH_LISTEN_PORT: listen.port: must be 1..65535 (got \"abc\")"_s);
        QVERIFY(lines.at(1).startsWith("BERTH_CADDY_ADMINURL: caddy.adminUrl: must be"_L1));

        // A rule across keys names where the value came from.
        QProcessEnvironment last;
        last.insert(u"BERTH_TCPPORTS_LAST"_s, u"29000"_s);
        const auto inverted = parse(QByteArray(), last);
        QVERIFY(!inverted.ok());
        QCOMPARE(inverted.error().message,
                 u"BERTH_TCPPORTS_LAST: tcpPorts.last: must not be below tcpPorts.first (30000)"_s);
    }

    void unknownEnvironmentSettingsAreTypos()
    {
        QProcessEnvironment env;
        env.insert(u"BERTH_LISTEN_PROT"_s, u"7444"_s);
        env.insert(u"BERTH_WALLET_PASSWORD"_s, u"hunter2"_s);
        env.insert(u"BERTH_CHAIN"_s, u"/etc/berth/chain.json"_s); // berthctl's, not a section key
        env.insert(u"BERTH_KEYSTORE_DIR"_s, u"/tmp/keystore"_s);  // not a section of berthd.yaml
        const auto settings = parse(QByteArray(), env);
        QVERIFY(!settings.ok());
        const QStringList lines = settings.error().message.split(u'\n');
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines.at(0), u"BERTH_LISTEN_PROT: BERTH_LISTEN_PROT: names no setting; did you "
                              "mean BERTH_LISTEN_PORT?"_s);
        QVERIFY(lines.at(1).startsWith(
            "BERTH_WALLET_PASSWORD: BERTH_WALLET_PASSWORD: a secret never goes"_L1));
        QVERIFY(!settings.error().message.contains("hunter2"_L1));
    }

    void oversizeFileIsRefused()
    {
        QTemporaryDir temp;
        QFile file(temp.filePath(u"berthd.yaml"_s));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(2 * 1024 * 1024, '#'));
        file.close();
        const auto settings = ProviderSettings::load(file.fileName(), QProcessEnvironment());
        QVERIFY(!settings.ok());
        QCOMPARE(settings.error().code, ErrorCode::TooLarge);
    }

    void syntaxErrorIsParseFailed()
    {
        const auto settings = parse("listen: [7443\n");
        QVERIFY(!settings.ok());
        QCOMPARE(settings.error().code, ErrorCode::ParseFailed);
        QVERIFY2(settings.error().message.startsWith("berthd.yaml:"_L1),
                 qPrintable(settings.error().message));
    }

    void missingFileIsNotFound()
    {
        const auto settings =
            ProviderSettings::load(u"/nonexistent/berthd.yaml"_s, QProcessEnvironment());
        QVERIFY(!settings.ok());
        QCOMPARE(settings.error().code, ErrorCode::NotFound);
        QVERIFY(settings.error().message.contains("/nonexistent/berthd.yaml"_L1));
    }

    void jsonUsesTheFileKeys()
    {
        const auto settings = parse("listen: {port: 7450}\ndomain: pods.example.org\n");
        QVERIFY(settings.ok());
        const QJsonObject json = settings->toJson();
        QCOMPARE(json.value("listen"_L1).toObject().value("port"_L1).toInt(), 7450);
        QCOMPARE(json.value("listen"_L1).toObject().value("address"_L1).toString(), u"127.0.0.1"_s);
        QCOMPARE(json.value("domain"_L1).toString(), u"pods.example.org"_s);
        QCOMPARE(json.value("limits"_L1).toObject().value("maxFrameBytes"_L1).toInteger(), 1048576);
        QCOMPARE(json.value("wallet"_L1).toObject().value("credential"_L1).toString(),
                 u"berth-keystore-password"_s);
        QVERIFY(!json.contains("password"_L1));
    }

    void logsKeysHaveDefaultsAndBounds()
    {
        const auto defaults = parse("listen: {port: 7450}\n");
        QVERIFY(defaults.ok());
        QCOMPARE(defaults->logsMaxBytesPerDeployment, 16 * 1024 * 1024);
        QCOMPARE(defaults->logsRetentionDays, 7);
        const auto set = parse("logs: {maxBytesPerDeployment: 1048576, retentionDays: 0}\n");
        QVERIFY(set.ok());
        QCOMPARE(set->logsMaxBytesPerDeployment, 1048576);
        QCOMPARE(set->logsRetentionDays, 0);
        QCOMPARE(set->toJson().value("logs"_L1).toObject().value("retentionDays"_L1).toInt(), 0);
        const auto small = parse("logs: {maxBytesPerDeployment: 1000}\n");
        QVERIFY(!small.ok());
        QVERIFY2(small.error().message.contains(
                     u"logs.maxBytesPerDeployment: must be 65536..68719476736 (got \"1000\")"_s),
                 qPrintable(small.error().message));
    }

    void defaultConfigPathFollowsBerthConfig()
    {
        qputenv("BERTH_CONFIG", "/tmp/elsewhere/berthd.yaml");
        QCOMPARE(ProviderSettings::defaultConfigPath(), u"/tmp/elsewhere/berthd.yaml"_s);
        qunsetenv("BERTH_CONFIG");
        QVERIFY(ProviderSettings::defaultConfigPath().endsWith("/berthd.yaml"_L1));
    }
};

QTEST_GUILESS_MAIN(TestProviderSettings)
#include "tst_providersettings.moc"
