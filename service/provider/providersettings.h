#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <utility>

namespace berth::provider {

// berthd's provider settings: one place that knows each key of berthd.yaml, its
// default and its validation (resources/config/berthd.yaml documents them).
// Secrets never live here: only the path of a password file or the name of a
// keychain credential.
struct ProviderSettings
{
    QString dataDir;            // SQLite state and everything berthd keeps
    QString chainProfile;       // chain.profile: a berthctl chain profile (JSON)
    QString walletKeystore;     // wallet.keystore: the provider's encrypted keystore
    QString walletPasswordFile; // wallet.passwordFile: owner-only file with the password
    QString walletCredential = QStringLiteral("berth-keystore-password"); // wallet.credential
    QString listenAddress = QStringLiteral("127.0.0.1");
    int listenPort = 7443;
    qint64 maxFrameBytes = 1024 * 1024;
    int requestsPerSecond = 20;
    int sessionsPerAddress = 4;
    int idleTimeoutSeconds = 300;
    QString domain; // generated host names are <deployment>.<domain>; empty: none
    int tcpPortFirst = 30000;
    int tcpPortLast = 30999;
    int claimIntervalSeconds = 3600;
    int minRunwaySeconds = 3600;
    int graceSeconds = 600;
    QString tcpPortAddress =
        QStringLiteral("127.0.0.1"); // tcpPorts.address: where TCP ports listen
    int upstreamPortFirst = 31000;   // upstreamPorts: loopback ports where Caddy reaches HTTP ports
    int upstreamPortLast = 31999;
    // pricing.*: tokens per core-hour, GiB-month of memory and of storage, GPU-hour
    // (empty: 0). The rate of a quote is computed from these (chain/podprice.h).
    QString priceCpuCoreHour;
    QString priceMemoryGiBMonth;
    QString priceStorageGiBMonth;
    QString priceGpuHour;
    int quoteValidSeconds = 900; // quote.validSeconds: how long a signed quote can open a channel
    int quoteNoticeSeconds =
        3600; // quote.noticeSeconds: the paid notice period after a close request
    QString podmanSocket = QStringLiteral("/run/podman/podman.sock");
    // podman.environmentSecrets: pass secrets as environment variables although
    // Podman 4.3 keeps their values on disk (PodmanRuntime::Options).
    bool environmentSecrets = false;
    int stopTimeoutSeconds = 10; // podman.stopTimeoutSeconds: SIGTERM → SIGKILL when a pod stops
    QString secretRoot; // podman.secretRoot: tmpfs folder for pods' secret files; default under
                        // /run or /dev/shm
    QString caddyAdminUrl = QStringLiteral("http://127.0.0.1:2019");
    QString caddyServer = QStringLiteral("berth"); // caddy.server: the HTTP server berthd manages
    QString caddyListen = QStringLiteral(":443");  // caddy.listen: its listen address
    QString caddyTls = QStringLiteral("acme");     // caddy.tls: acme, internal or off
    QString loggingRules;                          // QLoggingCategory filter rules, ';'-separated
    // registry.*: the Registry listing berthd keeps in step on start (ListingKeeper).
    bool registryRegister = false;   // registry.register: false leaves the listing alone
    QString registryEndpoint;        // registry.endpoint: the wss:// URL publishers use
    QString registryRegions;         // registry.regions: comma-separated region names
    QString registryAttributes;      // registry.attributes: comma-separated key=value
    QString registryCapacityCpu;     // registry.capacity.cpu: cores as a manifest writes them
    QString registryCapacityMemory;  // registry.capacity.memory: bytes ("32Gi")
    QString registryCapacityStorage; // registry.capacity.storage: bytes ("1Ti")
    int registryCapacityGpus = 0;    // registry.capacity.gpus
    // staking.*: answering liveness challenges (ChallengeResponder).
    bool stakingRespond = true;  // staking.respond
    int stakingPollSeconds = 30; // staking.pollSeconds: how often Staking's events are read
    // logs.*: the containers' output berthd keeps per deployment (LogKeeper).
    qint64 logsMaxBytesPerDeployment = 16 * 1024 * 1024; // logs.maxBytesPerDeployment
    int logsRetentionDays = 7; // logs.retentionDays: kept this long after a deletion
    // metrics.*: the collector, its time-series store and /metrics (MetricsCollector,
    // MetricsStore, PrometheusExporter).
    int metricsIntervalSeconds = 10;   // metrics.intervalSeconds: one collection pass each
    int metricsRawRetentionHours = 24; // metrics.rawRetentionHours: raw samples kept
    int metricsRetentionDays = 30;     // metrics.retentionDays: 5-minute rollups kept
    bool metricsExporter = true;       // metrics.exporter: serve /metrics
    QString metricsListenAddress = QStringLiteral("127.0.0.1"); // metrics.listen.address
    int metricsListenPort = 9464; // metrics.listen.port: 0 takes any free port (logged)
    // metrics.tokenFile: when set, scrapes must send "Authorization: Bearer <the
    // file's content>" (the file is owner-only, like a password file).
    QString metricsTokenFile;
    // admin.*: the operator's admin API (AdminServer): JSON-RPC over ws:// on a
    // loopback address, opened by the token in <dataDir>/admin.token.
    bool adminEnabled = true;                                 // admin.enabled
    QString adminListenAddress = QStringLiteral("127.0.0.1"); // admin.listen.address: loopback only
    int adminListenPort = 7480;  // admin.listen.port: 0 takes any free port (logged)
    QString adminAllowedOrigins; // admin.allowedOrigins: comma-separated browser origins let in
    int adminMaxSessions = 8;    // admin.maxSessions: concurrent admin connections

    // The settings with every default filled in (dataDir from defaultDataDir()).
    static ProviderSettings defaults();

    // $BERTH_CONFIG if set; else /etc/berth/berthd.yaml for root, else
    // <XDG config>/berth/berthd.yaml.
    static QString defaultConfigPath();
    // /var/lib/berth for root, else <XDG data>/berth.
    static QString defaultDataDir();

    // Reads path, then applies the BERTH_<SECTION>_<KEY> overrides from env
    // (BERTH_LISTEN_PORT, BERTH_DATADIR; a BERTH_<SECTION>_ variable that names no
    // key is an error too). Fails with NotFound (no file), TooLarge, ParseFailed
    // (YAML syntax) or ValidationFailed; the message lists every problem, one per
    // line, as "FILE:LINE:COL: key.path: what is wrong" or "VARIABLE: key.path: …".
    static Result<ProviderSettings> load(const QString &path, const QProcessEnvironment &env);
    // The same from text already read; fileName only labels the errors.
    static Result<ProviderSettings> parse(const QByteArray &yaml, const QString &fileName,
                                          const QProcessEnvironment &env);

    // The effective settings, keyed as in berthd.yaml ("listen": {"port": 7443}).
    QJsonObject toJson() const;

    // registry.regions and registry.attributes as lists (blank items dropped).
    QStringList registryRegionList() const;
    // admin.allowedOrigins as a list ("https://console.example:8443").
    QStringList adminAllowedOriginList() const;
    QList<std::pair<QString, QString>> registryAttributeList() const;
};

} // namespace berth::provider
