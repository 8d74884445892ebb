#pragma once

#include "chain/contractabi.h"
#include "chain/logentry.h"
#include "core/result.h"
#include "provider/channelreader.h"
#include "provider/claimrecord.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

namespace berth::chain {
class EthClient;
class TransactionManager;
} // namespace berth::chain

namespace berth::provider {

class PodService;
class StateStore;

struct BillingConfig
{
    int claimIntervalSeconds = 3600; // claim a channel at most this often
    int checkIntervalSeconds = 60;   // how often runways are looked at
    int graceSeconds = 600;          // a pod stops this long after its paid time ends
    int warnRunwaySeconds = 3600;    // below this, pod.events warns the publisher
    int tokenDecimals = 0;
    QString tokenSymbol;
};

// Earns what the pods run for and stops what nobody pays for (DESIGN.md,
// "Provider internals"; docs/provider.md, "Billing"):
//  - every check, each live deployment's channel is read; a runway below
//    warnRunwaySeconds is told to the publisher through pod.events (once per
//    threshold crossing), and a pod whose paid time plus the grace period has
//    ended is stopped (its volumes are kept until deleted);
//  - every claimInterval, each channel with something claimable is claimed. A
//    claim is recorded (pending, with the channel's claimed total) before its
//    transaction is sent, marked sent with the hash, and confirmed or failed by
//    its receipt. Every pass first settles unfinished claims (a crash, a lost
//    answer) against the chain: a Claimed event above the recorded total that no
//    other claim owns means it went through; a sent transaction the node still
//    holds stays unfinished; otherwise it failed. A channel with an unsettled
//    claim is not claimed again. So a crash never forgets a claim nor makes one
//    twice.
class Billing : public QObject
{
    Q_OBJECT

public:
    Billing(BillingConfig config, StateStore *store, ChannelReader channels, chain::EthClient *eth,
            chain::TransactionManager *transactions, PodService *pods, QObject *parent = nullptr);

    // Settles unfinished claims, then checks and claims on a timer.
    void start();
    // One pass now (tests, and `berthd` on a signal): checks every channel and
    // claims those due; `done` when every claim sent in it has finished.
    void runOnce(bool claimAll, std::function<void()> done = {});
    // Gives the publisher back a channel whose pod never ran (Escrow's refund):
    // sent when its deployment's provisioning failed, and retried by every pass
    // while the deployment stays failed without having run (see
    // neverRanAndFailed). Does nothing when the channel is not open.
    void refund(const QString &deploymentId, const QString &channelId);

signals:
    void claimFinished(const QString &channelId, bool confirmed, const QString &amount);
    // A live deployment's channel as the last check read it (runway, claimable).
    void channelChecked(const QString &deploymentId, const ChannelSnapshot &snapshot);

private:
    void recoverClaims(std::function<void()> done);
    void settleFromLogs(const ClaimRecord &record, const chain::ContractAbi &escrowAbi,
                        const QList<chain::LogEntry> &logs, std::function<void()> done);
    void pass(bool claimAll, std::function<void()> done);
    void check(const QString &deploymentId, const QString &channelId, const QString &state,
               const ChannelSnapshot &snapshot);
    void claim(const QString &channelId, const ChannelSnapshot &snapshot,
               std::function<void()> done);

    BillingConfig m_config;
    StateStore *m_store;
    ChannelReader m_channels;
    chain::EthClient *m_eth;
    chain::TransactionManager *m_transactions;
    PodService *m_pods;
    QTimer m_timer;
    bool m_passRunning = false;
    QHash<QString, qint64> m_lastClaim; // channel id → chain time of its last claim
    QSet<QString> m_claiming;           // channels with a claim in flight
    QSet<QString> m_refunding;          // channels with a refund in flight
    QSet<QString> m_warned;             // deployments told that their runway is short
};

} // namespace berth::provider
