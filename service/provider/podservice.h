#pragma once

#include "chain/registrycontract.h"
#include "core/result.h"
#include "crypto/address.h"
#include "crypto/privatekey.h"
#include "crypto/secretbytes.h"
#include "manifest/pod.h"
#include "provider/channelreader.h"
#include "provider/runtime.h"

#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>
#include <optional>

namespace berth::provider {

class BlobService;
class LogKeeper;
class RuntimeWorker;
class StateStore;
struct DeploymentRecord;

// What the pod methods need to know about this provider.
struct PodServiceConfig
{
    crypto::Address provider;
    quint64 chainId = 0;
    crypto::Address escrow;
    crypto::Address token;
    int tokenDecimals = 0;
    QString tokenSymbol;
    chain::Prices prices;
    int quoteValidSeconds = 900;
    int quoteNoticeSeconds = 3600;
    int minRunwaySeconds = 3600;
    QString domain; // generated host names <deployment>.<domain>; empty: none
    // How publishers reach HTTP ports through Caddy: "http" or "https", and the
    // port when it is not the scheme's default (0).
    QString ingressScheme = QStringLiteral("https");
    int ingressPort = 0;
    QString upstreamAddress = QStringLiteral("127.0.0.1");
    int upstreamPortFirst = 31000;
    int upstreamPortLast = 31999;
    QString tcpAddress = QStringLiteral("127.0.0.1");
    int tcpPortFirst = 30000;
    int tcpPortLast = 30999;
    int stopGraceSeconds = 10;
    // What pods are admitted against (capacitycheck.h): the listed capacity,
    // CPU and memory from the machine where none is listed.
    chain::Resources capacity;
};

// Who is calling: the session and the publisher its login proved.
struct Caller
{
    quint64 sessionId = 0;
    crypto::Address publisher;
};

// Answers one request, exactly once.
class Reply
{
public:
    Reply(std::function<void(Result<QJsonValue>)> send)
        : m_send(std::move(send))
    {}
    void operator()(Result<QJsonValue> result) const { m_send(std::move(result)); }
    void operator()(const QJsonObject &result) const { m_send(QJsonValue(result)); }
    void operator()(const Error &error) const { m_send(error); }

private:
    std::function<void(Result<QJsonValue>)> m_send;
};

// Where a followed deployment's new log lines go: a publisher's session
// (origin null: PodService::notify sends pod.logs) or a session of another
// server, such as berthd's admin API (deliver gets the notification's params).
struct LogSubscriber
{
    const QObject *origin = nullptr;
    quint64 sessionId = 0;
    std::function<void(const QJsonObject &params)> deliver;
};

// Opens a value sealed to this provider's X25519 key (crypto_box_seal).
using SealOpener = std::function<Result<crypto::SecretBytes>(QByteArrayView sealed)>;

// The pod.* methods of the protocol (docs/protocol.md, "Methods") for one
// provider: quotes, provisioning only what a channel pays for, updates,
// deletion, status, events and logs. A publisher only ever sees and touches its
// own deployments. Runtime and ingress calls run on the RuntimeWorker; chain
// reads are asynchronous; the state store is the record of what should run.
class PodService : public QObject
{
    Q_OBJECT

public:
    PodService(PodServiceConfig config, StateStore *store, ChannelReader channels,
               crypto::PrivateKey signer, RuntimeWorker *worker, SealOpener openSealed,
               QObject *parent = nullptr);

    const PodServiceConfig &config() const { return m_config; }

    // Where uploaded images come from (pods that run one need it).
    void setBlobs(const BlobService *blobs) { m_blobs = blobs; }
    // Where pod.logs reads from and follows (without one it answers Unavailable).
    void setLogKeeper(LogKeeper *logs);

    void capacity(const QJsonObject &params, Reply reply);
    void quote(const Caller &caller, const QJsonObject &params, Reply reply);
    void provision(const Caller &caller, const QJsonObject &params, Reply reply);
    void update(const Caller &caller, const QJsonObject &params, Reply reply);
    void remove(const Caller &caller, const QJsonObject &params, Reply reply);
    void status(const Caller &caller, const QJsonObject &params, Reply reply);
    void events(const Caller &caller, const QJsonObject &params, Reply reply);
    void logs(const Caller &caller, const QJsonObject &params, Reply reply);
    // admin.logs: pod.logs for the operator, for any deployment (a deleted one
    // while its logs are kept); follows go to `subscriber`.
    void operatorLogs(const QJsonObject &params, LogSubscriber subscriber, Reply reply);

    // The session ended: its log streams stop.
    void sessionClosed(quint64 sessionId);
    // A session of another server (LogSubscriber::origin) ended.
    void subscriberGone(const QObject *origin, quint64 sessionId);

    // Records an event and tells the publisher's open sessions (pod.events).
    void recordEvent(const QString &deploymentId, const QString &kind, const QString &message);

    // Stops a deployment nobody pays for any more (billing): pod and routes
    // removed, volumes kept until it is deleted or its channel settles.
    void stopUnpaid(const QString &deploymentId, const QString &reason,
                    std::function<void(Result<void>)> done = {});

    // The deployment id of a publisher's name on this provider:
    // "<name>-<8 hex digits of its channel id>".
    static QString deploymentIdFor(const QString &name, const QByteArray &channelId);

    // Whether a deployment is being provisioned, updated, stopped or removed now.
    bool isChanging(const QString &deploymentId) const { return m_inFlight.contains(deploymentId); }

signals:
    // A provisioning failed before the pod ever ran on its channel: the channel
    // paid for nothing (billing refunds it).
    void neverRan(const QString &deploymentId, const QString &channelId);

    // A notification for one session (pod.logs lines, pod.events).
    void notify(quint64 sessionId, const QString &method, const QJsonObject &params);

private:
    struct Plan; // a deployment as it should run
    struct LogFollow
    {
        LogSubscriber subscriber;
        QString deploymentId;
        QString container;
    };

    void remember(const Caller &caller);
    Result<DeploymentRecord> ownDeployment(const Caller &caller, const QJsonObject &params) const;
    // The deployment params.deployment names: live, or deleted with its logs
    // still kept when whileLogsAreKept (else NotFound); Forbidden when
    // `publisher` is set and it is another's.
    Result<DeploymentRecord> deploymentFor(const std::optional<crypto::Address> &publisher,
                                           const QJsonObject &params, bool whileLogsAreKept) const;
    void readLogs(const DeploymentRecord &record, const QJsonObject &params,
                  LogSubscriber subscriber, Reply reply);
    Result<Plan> plan(const Caller &caller, const QJsonObject &params, const QString &name,
                      const DeploymentRecord *existing) const;
    Result<QList<PortBinding>> assignPorts(const manifest::Pod &pod, const QString &deploymentId,
                                           const QJsonObject &previousSpec) const;
    Result<QMap<QString, QMap<QString, crypto::SecretBytes>>>
    openSecrets(const manifest::Pod &pod, const QJsonValue &sealed) const;
    void checkPaid(const QByteArray &channelId, const Caller &caller, const manifest::Pod &pod,
                   const QJsonValue &quote, std::function<void(Result<ChannelSnapshot>)> done);
    void apply(std::shared_ptr<Plan> plan, Reply reply);
    // A provisioning or update that failed: recorded, answered, and refunded
    // when the pod never ran on its channel.
    void failed(const std::shared_ptr<Plan> &plan, const Reply &reply, const Error &error);
    Result<void> fitsBeside(const manifest::Pod &pod, const QString &replacing) const;
    QJsonObject describe(const DeploymentRecord &record) const;
    // Reads a deployment's last output before a worker job removes its pod.
    std::function<void(Runtime &)> logCollector(const QString &deploymentId);
    void logsStored(const QString &deploymentId, const QList<LogLine> &lines);

    PodServiceConfig m_config;
    StateStore *m_store;
    ChannelReader m_channels;
    crypto::PrivateKey m_signer;
    RuntimeWorker *m_worker;
    SealOpener m_openSealed;
    const BlobService *m_blobs = nullptr;
    QSet<QString> m_inFlight; // deployment ids being provisioned, updated or removed
    QHash<QString, QSet<quint64>> m_sessionsByPublisher; // checksummed address → sessions
    QHash<quint64, QString> m_publisherBySession;
    QHash<quint64, LogFollow> m_follows; // by subscription id
    quint64 m_nextFollow = 1;
    LogKeeper *m_logs = nullptr;
};

} // namespace berth::provider
