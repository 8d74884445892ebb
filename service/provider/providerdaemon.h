#pragma once

#include "chain/chainprofile.h"
#include "chain/registrycontract.h"
#include "core/result.h"
#include "crypto/privatekey.h"
#include "provider/providersettings.h"

#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

namespace berth::chain {
class EthClient;
class FileNonceStore;
class TransactionManager;
} // namespace berth::chain

namespace berth::protocol {
class ProtocolServer;
}

namespace berth::provider {

class AdminServer;
class AdminService;
class Billing;
class BlobService;
class ChallengeResponder;
class ListingKeeper;
class LogKeeper;
class MetricsCollector;
class MetricsService;
class MetricsStore;
class PodService;
class PrometheusExporter;
class ProviderIdentity;
class ProviderMetrics;
class RuntimeWorker;
class StateStore;

// berthd in the provider role, assembled from its settings (DESIGN.md, "Provider
// internals"): state store and identity, the provider's key, the chain, Podman
// and Caddy behind a worker thread, the pod service, billing and the wss://
// protocol server.
class ProviderDaemon : public QObject
{
    Q_OBJECT

public:
    // Everything that can be checked without waiting: settings that must be set,
    // the state store, the identity, the chain profile, the keystore and its
    // password (decrypting it takes about a second: berthd does it before it
    // serves anything), Podman and Caddy answering. Each error says what to do.
    static Result<std::unique_ptr<ProviderDaemon>> create(const ProviderSettings &settings,
                                                          QObject *parent = nullptr);
    ~ProviderDaemon() override;

    // Checks the chain, reconciles Podman and Caddy with the state store, then
    // listens and starts billing. `done` says whether it is serving.
    void start(std::function<void(Result<void>)> done);

    quint16 port() const;
    crypto::Address address() const { return m_key->address(); }
    QByteArray certificateSha256() const;

private:
    ProviderDaemon(ProviderSettings settings, QObject *parent);
    Result<void> setUp();
    void listenAndServe(std::function<void(Result<void>)> done);
    // The Registry listing (registry.register) and Staking challenges
    // (staking.respond): started after billing; their failures are logged only.
    void startChainDuties(const chain::Prices &prices);
    void attest(const QJsonObject &params, std::function<void(Result<QJsonValue>)> reply) const;
    // The containers' output kept under <dataDir>/logs (pod.logs reads it there).
    void keepLogs();
    // The collector, its store, pod.metrics and /metrics (settings metrics.*):
    // started once the protocol server listens.
    Result<void> startMonitoring();
    // The operator's admin API (settings admin.*), after monitoring: admin.metrics
    // answers through its MetricsService. A port in use is logged, not fatal.
    Result<void> startAdmin();

    ProviderSettings m_settings;
    chain::ChainProfile m_profile;
    std::optional<crypto::PrivateKey> m_key; // set by setUp()
    std::unique_ptr<StateStore> m_store;
    std::unique_ptr<ProviderIdentity> m_identity;
    std::unique_ptr<chain::EthClient> m_eth;
    std::unique_ptr<chain::FileNonceStore> m_nonces;
    std::unique_ptr<chain::TransactionManager> m_transactions;
    std::unique_ptr<RuntimeWorker> m_worker;
    std::unique_ptr<BlobService> m_blobs;
    std::unique_ptr<PodService> m_pods;
    std::unique_ptr<LogKeeper> m_logs;
    std::unique_ptr<Billing> m_billing;
    std::unique_ptr<ListingKeeper> m_listing;
    std::unique_ptr<ChallengeResponder> m_challenges;
    std::unique_ptr<protocol::ProtocolServer> m_server;
    QTimer m_pruneTimer;
    int m_reconcileFailures = 0;
    std::unique_ptr<MetricsStore> m_metricsStore;
    std::unique_ptr<MetricsCollector> m_collector;
    std::unique_ptr<MetricsService> m_metricsService;
    std::unique_ptr<ProviderMetrics> m_providerMetrics;
    std::unique_ptr<PrometheusExporter> m_exporter;
    std::unique_ptr<AdminServer> m_admin;
    std::unique_ptr<AdminService> m_adminService;
};

} // namespace berth::provider
