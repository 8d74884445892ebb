#include "provider/providerdaemon.h"

#include "admin/admintoken.h"
#include "chain/ethclient.h"
#include "chain/filenoncestore.h"
#include "chain/transactionmanager.h"
#include "core/hex.h"
#include "crypto/keystore.h"
#include "crypto/passwordfile.h"
#include "crypto/sealedbox.h"
#include "protocol/attestation.h"
#include "protocol/methodnames.h"
#include "protocol/protocolserver.h"
#include "protocol/protocolversion.h"
#include "protocol/rpcerror.h"
#include "provider/adminserver.h"
#include "provider/adminservice.h"
#include "provider/billing.h"
#include "provider/blobservice.h"
#include "provider/caddyingress.h"
#include "provider/capacitycheck.h"
#include "provider/challengeresponder.h"
#include "provider/listingkeeper.h"
#include "provider/logkeeper.h"
#include "provider/metricscollector.h"
#include "provider/metricsservice.h"
#include "provider/metricsstore.h"
#include "provider/podmanruntime.h"
#include "provider/podservice.h"
#include "provider/prometheusexporter.h"
#include "provider/provideridentity.h"
#include "provider/providermetrics.h"
#include "provider/providerprices.h"
#include "provider/reconciler.h"
#include "provider/runtimeworker.h"
#include "provider/statestore.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QLoggingCategory>
#include <QSslCertificate>
#include <QSslKey>

using namespace Qt::StringLiterals;

namespace berth::provider {

Q_LOGGING_CATEGORY(lcDaemon, "berth.daemon")

namespace {

constexpr qint64 AttestationLifetimeSeconds = 24 * 60 * 60;

Error needsSetting(const QString &key, const QString &what)
{
    return Error(ErrorCode::InvalidArgument, u"%1 is not set in berthd.yaml: %2"_s.arg(key, what));
}

Result<crypto::SecretBytes> keystorePassword(const ProviderSettings &settings)
{
    if (!settings.walletPasswordFile.isEmpty())
        return crypto::readPasswordFile(settings.walletPasswordFile);
    if (!settings.walletCredential.isEmpty()) {
        auto credential = crypto::readSystemdCredential(settings.walletCredential);
        if (credential || credential.error().code != ErrorCode::NotFound)
            return credential;
    }
    return Error(ErrorCode::NotFound,
                 u"no keystore password: set wallet.passwordFile to an owner-only file "
                 "holding it, or pass the systemd credential %1 (LoadCredential=)"_s.arg(
                     settings.walletCredential));
}

CaddyIngress::TlsMode tlsModeFrom(const QString &text)
{
    if (text == "internal"_L1)
        return CaddyIngress::TlsMode::Internal;
    if (text == "off"_L1)
        return CaddyIngress::TlsMode::Off;
    return CaddyIngress::TlsMode::Acme;
}

} // namespace

ProviderDaemon::ProviderDaemon(ProviderSettings settings, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
{}

ProviderDaemon::~ProviderDaemon()
{
    // The server and services go before the worker they post to.
    m_adminService.reset();
    m_admin.reset();
    m_exporter.reset();
    m_collector.reset();
    m_server.reset();
    m_challenges.reset();
    m_listing.reset();
    m_billing.reset();
    m_pods.reset();
    m_logs.reset();
    m_worker.reset();
    m_blobs.reset();
}

Result<std::unique_ptr<ProviderDaemon>> ProviderDaemon::create(const ProviderSettings &settings,
                                                               QObject *parent)
{
    std::unique_ptr<ProviderDaemon> daemon(new ProviderDaemon(settings, parent));
    if (auto ready = daemon->setUp(); !ready)
        return ready.error();
    return daemon;
}

Result<void> ProviderDaemon::setUp()
{
    const ProviderSettings &s = m_settings;
    if (s.chainProfile.isEmpty())
        return needsSetting(u"chain.profile"_s,
                            u"name the chain profile `berthctl chain use` wrote"_s);
    if (s.walletKeystore.isEmpty())
        return needsSetting(u"wallet.keystore"_s,
                            u"name the provider's keystore (`berthctl wallet new` makes one)"_s);
    auto profile = chain::ChainProfile::load(s.chainProfile);
    if (!profile)
        return profile.error();
    m_profile = *profile;

    auto store = StateStore::open(s.dataDir);
    if (!store)
        return store.error();
    m_store = std::move(store).value();
    auto identity = ProviderIdentity::loadOrCreate(s.dataDir);
    if (!identity)
        return identity.error();
    m_identity = std::make_unique<ProviderIdentity>(std::move(*identity));

    QFile keystore(s.walletKeystore);
    if (!keystore.open(QIODevice::ReadOnly))
        return Error(ErrorCode::NotFound, u"cannot read the keystore %1: %2"_s.arg(
                                              s.walletKeystore, keystore.errorString()));
    auto password = keystorePassword(s);
    if (!password)
        return password.error();
    auto key =
        crypto::Keystore::decrypt(keystore.read(crypto::Keystore::MaxFileSize + 1), *password);
    if (!key)
        return Error(key.error().code,
                     u"cannot unlock %1: %2"_s.arg(s.walletKeystore, key.error().message));
    m_key = *key;

    auto runtime =
        PodmanRuntime::create({s.podmanSocket, s.dataDir, s.secretRoot, s.environmentSecrets});
    if (!runtime)
        return runtime.error();
    if (auto up = (*runtime)->ping(); !up)
        return up.error();
    CaddyIngress::Options caddy;
    caddy.adminUrl = s.caddyAdminUrl;
    caddy.serverName = s.caddyServer;
    caddy.listen = {s.caddyListen};
    caddy.tlsMode = tlsModeFrom(s.caddyTls);
    auto ingress = std::make_unique<CaddyIngress>(caddy);
    if (auto up = ingress->ensureServer(); !up)
        return up.error();
    m_worker = std::make_unique<RuntimeWorker>(std::move(runtime).value(), std::move(ingress));
    m_eth = std::make_unique<chain::EthClient>(m_profile.rpcUrl);
    return {};
}

QByteArray ProviderDaemon::certificateSha256() const
{
    return m_identity->certificateSha256();
}

quint16 ProviderDaemon::port() const
{
    return m_server ? m_server->port() : 0;
}

void ProviderDaemon::start(std::function<void(Result<void>)> done)
{
    // The chain must be the profile's, and its genesis names the nonce store so
    // that a restarted devnet never inherits a nonce gap.
    m_eth->chainId(this, [this, done](Result<quint64> chainId) {
        if (!chainId)
            return done(Error(ErrorCode::Unavailable,
                              u"the chain at %1 does not answer: %2"_s.arg(
                                  m_profile.rpcUrl.toDisplayString(
                                      QUrl::RemoveUserInfo | QUrl::RemovePath | QUrl::RemoveQuery),
                                  chainId.error().message)));
        if (*chainId != m_profile.chainId)
            return done(Error(ErrorCode::WrongChain,
                              u"the RPC endpoint serves chain %1, the profile says %2"_s.arg(
                                  QString::number(*chainId), QString::number(m_profile.chainId))));
        m_eth->blockByNumber(
            chain::EthClient::blockTag(0), this, [this, done](Result<chain::BlockHeader> genesis) {
                if (!genesis)
                    return done(genesis.error());
                const QString nonces = QDir(m_settings.dataDir)
                                           .filePath(u"nonces-%1-%2.json"_s.arg(
                                               QString::number(m_profile.chainId),
                                               QString::fromLatin1(genesis->hash.left(8).toHex())));
                m_nonces = std::make_unique<chain::FileNonceStore>(nonces);
                m_transactions = std::make_unique<chain::TransactionManager>(
                    m_eth.get(), *m_key, m_profile.chainId, m_nonces.get());
                listenAndServe(done);
            });
    });
}

void ProviderDaemon::listenAndServe(std::function<void(Result<void>)> done)
{
    const ProviderSettings &s = m_settings;
    auto prices = providerPrices(s, m_profile.tokenDecimals);
    if (!prices)
        return done(prices.error());
    auto escrow = chain::ContractClient::fromArtifact(u"Escrow"_s, m_profile.escrow, m_eth.get());
    if (!escrow)
        return done(escrow.error());

    PodServiceConfig config;
    config.provider = m_key->address();
    config.chainId = m_profile.chainId;
    config.escrow = m_profile.escrow;
    config.token = m_profile.token;
    config.tokenDecimals = m_profile.tokenDecimals;
    config.tokenSymbol = m_profile.tokenSymbol;
    config.prices = *prices;
    config.quoteValidSeconds = s.quoteValidSeconds;
    config.quoteNoticeSeconds = s.quoteNoticeSeconds;
    config.minRunwaySeconds = s.minRunwaySeconds;
    config.domain = s.domain;
    config.ingressScheme = s.caddyTls == u"off"_s ? u"http"_s : u"https"_s;
    {
        const int port = s.caddyListen.section(u':', -1).toInt();
        const int standard = config.ingressScheme == u"http"_s ? 80 : 443;
        config.ingressPort = port == standard ? 0 : port;
    }
    config.upstreamPortFirst = s.upstreamPortFirst;
    config.upstreamPortLast = s.upstreamPortLast;
    config.tcpAddress = s.tcpPortAddress;
    config.tcpPortFirst = s.tcpPortFirst;
    config.tcpPortLast = s.tcpPortLast;
    config.stopGraceSeconds = s.stopTimeoutSeconds;
    config.capacity = admissionCapacity(
        ListingTarget::profileFrom(m_settings, m_identity->x25519PublicKey()).capacity);
    const QByteArray publicKey = m_identity->x25519PublicKey();
    const crypto::SecretBytes secretKey = m_identity->x25519SecretKey();
    SealOpener opener = [publicKey, secretKey](QByteArrayView sealed) {
        return crypto::SealedBox::open(sealed, publicKey, secretKey);
    };
    ChannelReader channels(*escrow, m_eth.get());
    m_pods = std::make_unique<PodService>(config, m_store.get(), channels, *m_key, m_worker.get(),
                                          opener);
    auto blobStore = BlobStore::open(s.dataDir);
    if (!blobStore)
        return done(blobStore.error());
    // A chunk and its base64 must fit a frame with room for the envelope.
    const qint64 maxChunk = (s.maxFrameBytes - 1024) / 4 * 3;
    m_blobs = std::make_unique<BlobService>(std::move(blobStore).value(), opener, maxChunk);
    m_pods->setBlobs(m_blobs.get());
    keepLogs();
    m_blobs->pruneStale();
    m_pruneTimer.setInterval(60 * 60 * 1000);
    connect(&m_pruneTimer, &QTimer::timeout, this, [this] { m_blobs->pruneStale(); });
    m_pruneTimer.start();

    BillingConfig billing;
    billing.claimIntervalSeconds = s.claimIntervalSeconds;
    billing.checkIntervalSeconds = qMin(60, s.claimIntervalSeconds);
    billing.graceSeconds = s.graceSeconds;
    billing.warnRunwaySeconds = qMax(s.minRunwaySeconds, 60);
    billing.tokenDecimals = m_profile.tokenDecimals;
    billing.tokenSymbol = m_profile.tokenSymbol;
    m_billing = std::make_unique<Billing>(billing, m_store.get(), channels, m_eth.get(),
                                          m_transactions.get(), m_pods.get());
    connect(m_pods.get(), &PodService::neverRan, m_billing.get(), &Billing::refund);

    auto records = m_store->deployments();
    if (!records)
        return done(records.error());
    const int grace = config.stopGraceSeconds;
    const chain::Prices listedPrices = *prices;
    m_worker->run<ReconcileReport>(
        [records = *records, grace](Runtime &runtime, Ingress &ingress) -> Result<ReconcileReport> {
            return reconcile(records, runtime, ingress, grace);
        },
        this,
        [this, done, listedPrices](Result<ReconcileReport> report) {
            if (report) {
                for (const QString &id : std::as_const(report->restarted))
                    m_pods->recordEvent(id, u"restarted"_s,
                                        u"berthd restarted and played the pod again"_s);
                for (const QString &id : std::as_const(report->failed)) {
                    (void)m_store->setDeploymentState(id, u"failed"_s);
                    m_pods->recordEvent(id, u"failed"_s,
                                        u"could not be restarted: "_s + report->errors.value(id));
                }
                qCInfo(lcDaemon).noquote() << "reconciled:" << report->toJson();
            }
            m_reconcileFailures = report ? int(report->failed.size()) : 1;

            protocol::ProtocolServer::Config server;
            server.address = QHostAddress(m_settings.listenAddress);
            server.port = quint16(m_settings.listenPort);
            server.limits.maxFrameBytes = m_settings.maxFrameBytes;
            server.limits.requestsPerSecond = m_settings.requestsPerSecond;
            server.limits.requestBurst = 2.0 * m_settings.requestsPerSecond;
            server.limits.sessionsPerAddress = m_settings.sessionsPerAddress;
            server.limits.idleTimeoutSeconds = m_settings.idleTimeoutSeconds;
            server.certificate = QSslCertificate(m_identity->certificatePem());
            QByteArray keyPem = m_identity->privateKeyPem();
            server.key = QSslKey(keyPem, QSsl::Ec);
            crypto::secureZero(keyPem);
            server.provider = m_key->address();
            server.chainId = m_profile.chainId;
            server.helloExtras = QJsonObject{{u"software"_s, u"berthd " BERTH_VERSION ""_s},
                                             {u"escrow"_s, m_profile.escrow.toChecksumString()},
                                             {u"registry"_s, m_profile.registry.toChecksumString()},
                                             {u"staking"_s, m_profile.staking.toChecksumString()},
                                             {u"token"_s, m_profile.token.toChecksumString()},
                                             {u"tokenSymbol"_s, m_profile.tokenSymbol},
                                             {u"tokenDecimals"_s, m_profile.tokenDecimals}};
            m_server = std::make_unique<protocol::ProtocolServer>(server);

            using protocol::CallContext;
            namespace method = protocol::method;
            const auto caller = [](const CallContext &context) {
                return Caller{context.sessionId, context.publisher.value_or(crypto::Address())};
            };
            const auto wrap = [](protocol::Reply reply) {
                return Reply([reply](Result<QJsonValue> result) { reply(std::move(result)); });
            };
            m_server->setHandler(method::ProviderAttest, [this](const CallContext &,
                                                                const QJsonObject &params,
                                                                protocol::Reply reply) {
                attest(params, [reply](Result<QJsonValue> result) { reply(std::move(result)); });
            });
            m_server->setHandler(
                method::ProviderCapacity,
                [this, wrap](const CallContext &, const QJsonObject &params,
                             protocol::Reply reply) { m_pods->capacity(params, wrap(reply)); });
            using Method = void (PodService::*)(const Caller &, const QJsonObject &, Reply);
            const std::pair<QLatin1StringView, Method> podMethods[] = {
                {method::PodQuote, &PodService::quote},
                {method::PodProvision, &PodService::provision},
                {method::PodUpdate, &PodService::update},
                {method::PodDelete, &PodService::remove},
                {method::PodStatus, &PodService::status},
                {method::PodEvents, &PodService::events},
                {method::PodLogs, &PodService::logs},
            };
            using BlobMethod = void (BlobService::*)(const Caller &, const QJsonObject &, Reply);
            const std::pair<QLatin1StringView, BlobMethod> blobMethods[] = {
                {method::BlobBegin, &BlobService::begin},
                {method::BlobAppend, &BlobService::append},
                {method::BlobStatus, &BlobService::status},
            };
            for (const auto &[name, member] : blobMethods) {
                m_server->setHandler(name, [this, caller, wrap, member = member](
                                               const CallContext &context,
                                               const QJsonObject &params, protocol::Reply reply) {
                    (m_blobs.get()->*member)(caller(context), params, wrap(reply));
                });
            }
            for (const auto &[name, member] : podMethods) {
                m_server->setHandler(name, [this, caller, wrap, member = member](
                                               const CallContext &context,
                                               const QJsonObject &params, protocol::Reply reply) {
                    (m_pods.get()->*member)(caller(context), params, wrap(reply));
                });
            }
            connect(m_pods.get(), &PodService::notify, this,
                    [this](quint64 session, const QString &name, const QJsonObject &params) {
                        const QByteArray latin = name.toLatin1();
                        m_server->notify(session, QLatin1StringView(latin), params);
                    });
            connect(m_server.get(), &protocol::ProtocolServer::sessionClosed, m_pods.get(),
                    &PodService::sessionClosed);

            if (auto listening = m_server->listen(); !listening)
                return done(listening.error());
            m_logs->start(); // after reconciling: pods that should run, run
            // Before billing starts, so that its first check is seen.
            if (auto monitoring = startMonitoring(); !monitoring)
                return done(monitoring.error());
            if (auto admin = startAdmin(); !admin)
                return done(admin.error());
            m_billing->start();
            startChainDuties(listedPrices);
            qCInfo(lcDaemon).noquote()
                << u"provider %1 serving on wss://%2:%3"_s
                       .arg(m_key->address().toChecksumString(), m_settings.listenAddress)
                       .arg(m_server->port());
            done({});
        });
}

void ProviderDaemon::startChainDuties(const chain::Prices &prices)
{
    if (m_settings.registryRegister) {
        auto registry =
            chain::ContractClient::fromArtifact(u"Registry"_s, m_profile.registry, m_eth.get());
        if (!registry) {
            qCWarning(lcDaemon).noquote()
                << "the Registry listing is not kept:" << registry.error().message;
        } else {
            ListingTarget target{
                ListingTarget::profileFrom(m_settings, m_identity->x25519PublicKey()), prices,
                m_profile.token};
            m_listing =
                std::make_unique<ListingKeeper>(*registry, m_transactions.get(), std::move(target));
            m_listing->sync();
        }
    }
    if (!m_settings.stakingRespond)
        return;
    if (m_profile.staking.isZero()) {
        qCWarning(lcDaemon).noquote()
            << "the chain profile names no Staking contract: liveness challenges are not "
               "answered (set staking.respond: false to silence this)";
        return;
    }
    auto staking =
        chain::ContractClient::fromArtifact(u"Staking"_s, m_profile.staking, m_eth.get());
    if (!staking) {
        qCWarning(lcDaemon).noquote()
            << "Staking challenges are not answered:" << staking.error().message;
        return;
    }
    ChallengeResponderConfig config;
    config.pollSeconds = m_settings.stakingPollSeconds;
    config.stateFile =
        ChallengeResponder::stateFileIn(m_settings.dataDir, m_profile.chainId, m_profile.staking);
    m_challenges =
        std::make_unique<ChallengeResponder>(config, *staking, m_eth.get(), m_transactions.get());
    m_challenges->start();
}

void ProviderDaemon::keepLogs()
{
    LogKeeperConfig config;
    config.root = QDir(m_settings.dataDir).filePath(u"logs"_s);
    config.maxBytesPerDeployment = m_settings.logsMaxBytesPerDeployment;
    config.retentionDays = m_settings.logsRetentionDays;
    m_logs = std::make_unique<LogKeeper>(config, m_store.get(), m_worker.get());
    m_pods->setLogKeeper(m_logs.get());
}

Result<void> ProviderDaemon::startMonitoring()
{
    const ProviderSettings &s = m_settings;
    MetricsStore::Retention retention;
    retention.rawSeconds = qint64(s.metricsRawRetentionHours) * 3600;
    retention.rollupSeconds = qint64(s.metricsRetentionDays) * 86400;
    auto store = MetricsStore::open(s.dataDir, retention);
    if (!store)
        return store.error();
    m_metricsStore = std::move(store).value();
    m_collector = std::make_unique<MetricsCollector>(
        MetricsCollectorConfig{s.podmanSocket, s.dataDir, s.metricsIntervalSeconds},
        m_metricsStore.get());
    m_collector->start();

    m_metricsService = std::make_unique<MetricsService>(m_store.get(), m_metricsStore.get());
    m_server->setHandler(protocol::method::PodMetrics, [this](const protocol::CallContext &context,
                                                              const QJsonObject &params,
                                                              protocol::Reply reply) {
        m_metricsService->metrics(
            Caller{context.sessionId, context.publisher.value_or(crypto::Address())}, params,
            Reply([reply](Result<QJsonValue> result) { reply(std::move(result)); }));
    });

    m_providerMetrics = std::make_unique<ProviderMetrics>(
        ProviderMetrics::Token{m_profile.token, m_profile.tokenSymbol, m_profile.tokenDecimals},
        m_store.get());
    m_providerMetrics->setCollector(m_collector.get());
    m_providerMetrics->setServer(m_server.get());
    m_providerMetrics->reconciled(m_reconcileFailures);
    connect(m_billing.get(), &Billing::channelChecked, this,
            [this](const QString &deploymentId, const ChannelSnapshot &snapshot) {
                m_providerMetrics->channelChecked(deploymentId, snapshot);
            });
    connect(m_billing.get(), &Billing::claimFinished, this,
            [this](const QString &, bool confirmed, const QString &amount) {
                m_providerMetrics->claimFinished(confirmed, amount);
            });

    if (!s.metricsExporter)
        return {};
    m_exporter = std::make_unique<PrometheusExporter>(
        [metrics = m_providerMetrics.get()] { return metrics->render(); });
    if (!s.metricsTokenFile.isEmpty()) {
        auto token = crypto::readPasswordFile(s.metricsTokenFile);
        if (!token) {
            // Never served without the authentication that was asked for.
            qCWarning(lcDaemon).noquote()
                << "not serving /metrics: metrics.tokenFile:" << token.error().message;
            m_exporter.reset();
            return {};
        }
        m_exporter->setBearerToken(std::move(token).value());
    } else if (!QHostAddress(s.metricsListenAddress).isLoopback()) {
        qCWarning(lcDaemon).noquote()
            << "/metrics is served on" << s.metricsListenAddress
            << "without authentication: set metrics.tokenFile, or bind it to a private address";
    }
    // Monitoring is not worth refusing to serve pods for: a port in use is logged.
    if (auto listening =
            m_exporter->listen(QHostAddress(s.metricsListenAddress), quint16(s.metricsListenPort));
        !listening) {
        qCWarning(lcDaemon).noquote() << listening.error().message;
        m_exporter.reset();
        return {};
    }
    const QHostAddress address(s.metricsListenAddress);
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? u"[%1]"_s.arg(address.toString())
                             : address.toString();
    qCInfo(lcDaemon).noquote() << u"metrics on http://%1:%2/metrics"_s.arg(host).arg(
        m_exporter->port());
    return {};
}

Result<void> ProviderDaemon::startAdmin()
{
    const ProviderSettings &s = m_settings;
    if (!s.adminEnabled)
        return {};
    const QString tokenFile = admin::AdminToken::fileIn(s.dataDir);
    auto token = admin::AdminToken::loadOrCreate(tokenFile);
    if (!token)
        return token.error();
    AdminServer::Config config;
    config.address = QHostAddress(s.adminListenAddress);
    config.port = quint16(s.adminListenPort);
    config.allowedOrigins = s.adminAllowedOriginList();
    config.maxSessions = s.adminMaxSessions;
    m_admin = std::make_unique<AdminServer>(config, std::move(token).value());
    if (auto listening = m_admin->listen(); !listening) {
        qCWarning(lcDaemon).noquote() << listening.error().message;
        m_admin.reset();
        return {};
    }
    AdminStatusInfo info{m_key->address(), m_profile.chainId, u"berthd " BERTH_VERSION ""_s,
                         int(m_server->port()), m_exporter ? int(m_exporter->port()) : 0};
    m_adminService = std::make_unique<AdminService>(m_admin.get(), m_store.get(), m_pods.get(),
                                                    m_metricsService.get(), info);
    const QHostAddress address(s.adminListenAddress);
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? u"[%1]"_s.arg(address.toString())
                             : address.toString();
    qCInfo(lcDaemon).noquote()
        << u"admin API on ws://%1:%2 (token in %3)"_s.arg(host).arg(m_admin->port()).arg(tokenFile);
    return {};
}

void ProviderDaemon::attest(const QJsonObject &,
                            std::function<void(Result<QJsonValue>)> reply) const
{
    protocol::Attestation attestation;
    attestation.provider = m_key->address();
    attestation.chainId = m_profile.chainId;
    attestation.tlsCertSha256 = m_identity->certificateSha256();
    attestation.x25519PublicKey = m_identity->x25519PublicKey();
    attestation.software = u"berthd " BERTH_VERSION ""_s;
    attestation.issuedAt = QDateTime::currentSecsSinceEpoch();
    attestation.expiresAt = attestation.issuedAt + AttestationLifetimeSeconds;
    auto signed_ = attestation.sign(*m_key);
    if (!signed_)
        return reply(signed_.error());
    reply(QJsonValue(*signed_));
}

} // namespace berth::provider
