#include "provider/billing.h"

#include "chain/escrowcontract.h"
#include "chain/ethclient.h"
#include "chain/logfilter.h"
#include "chain/priceunits.h"
#include "chain/transactionmanager.h"
#include "core/hex.h"
#include "core/tokenamount.h"
#include "provider/deploymentrecord.h"
#include "provider/paymentcheck.h"
#include "provider/podservice.h"
#include "provider/statestore.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <memory>

using namespace Qt::StringLiterals;

namespace berth::provider {

Q_LOGGING_CATEGORY(lcBilling, "berth.billing")

namespace {

// Counts outstanding asynchronous steps and runs `done` after the last one.
class Countdown
{
public:
    explicit Countdown(std::function<void()> done)
        : m_done(std::move(done))
    {}
    static std::shared_ptr<Countdown> make(std::function<void()> done)
    {
        return std::make_shared<Countdown>(std::move(done));
    }
    void add() { ++m_outstanding; }
    void finishOne()
    {
        if (--m_outstanding == 0 && m_done)
            std::exchange(m_done, nullptr)();
    }

private:
    int m_outstanding = 1; // the caller's own share, released by finishOne()
    std::function<void()> m_done;
};

bool isLive(const QString &state)
{
    return state == "running"_L1 || state == "provisioning"_L1;
}

QByteArray channelBytes(const QString &hex)
{
    return QByteArray::fromHex(hex.mid(2).toLatin1());
}

} // namespace

Billing::Billing(BillingConfig config, StateStore *store, ChannelReader channels,
                 chain::EthClient *eth, chain::TransactionManager *transactions, PodService *pods,
                 QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_store(store)
    , m_channels(std::move(channels))
    , m_eth(eth)
    , m_transactions(transactions)
    , m_pods(pods)
{
    m_timer.setInterval(
        qMax(1, qMin(m_config.checkIntervalSeconds, m_config.claimIntervalSeconds)) * 1000);
    connect(&m_timer, &QTimer::timeout, this, [this] { runOnce(false); });
}

void Billing::start()
{
    runOnce(false);
    m_timer.start();
}

void Billing::recoverClaims(std::function<void()> done)
{
    auto unfinished = m_store->unfinishedClaims();
    if (!unfinished || unfinished->isEmpty()) {
        if (!unfinished)
            qCWarning(lcBilling).noquote() << unfinished.error().message;
        return done();
    }
    auto escrowAbi = m_channels.escrow().abi();
    auto claimed = escrowAbi.event(u"Claimed"_s);
    if (!claimed) {
        qCCritical(lcBilling).noquote() << claimed.error().message;
        return done();
    }
    auto countdown = Countdown::make(std::move(done));
    for (const ClaimRecord &record : std::as_const(*unfinished)) {
        if (m_claiming.contains(record.channelId))
            continue; // in flight in this process: its receipt settles it
        countdown->add();
        chain::LogFilter filter;
        filter.addresses = {m_channels.escrow().address()};
        filter.topics = {{claimed->topic0()}, {channelBytes(record.channelId)}};
        m_eth->getLogs(
            filter, this,
            [this, record, escrowAbi, countdown](Result<QList<chain::LogEntry>> logs) {
                if (!logs) {
                    // Left unfinished: the next pass tries again.
                    qCWarning(lcBilling).noquote()
                        << "claim" << record.id
                        << "stays unfinished: cannot read the chain:" << logs.error().message;
                    return countdown->finishOne();
                }
                settleFromLogs(record, escrowAbi, *logs, [countdown] { countdown->finishOne(); });
            });
    }
    countdown->finishOne();
}

void Billing::settleFromLogs(const ClaimRecord &record, const chain::ContractAbi &escrowAbi,
                             const QList<chain::LogEntry> &logs, std::function<void()> done)
{
    // A Claimed event of the channel above the claimed total this claim was
    // recorded with, and not already another claim's, is this claim on chain.
    const UInt256 before = parseUInt256(record.claimedBefore).value_or(0);
    const QSet<QString> taken = m_store->confirmedClaimHashes().value_or({});
    for (const chain::LogEntry &log : logs) {
        const QString hash = hexString(log.transactionHash).toLower();
        if (log.removed || taken.contains(hash))
            continue;
        auto decoded = escrowAbi.decodeLog(log.topics, log.data);
        if (!decoded)
            continue;
        const auto *total = decoded->arg(u"totalClaimed"_s);
        const auto *amount = decoded->arg(u"amount"_s);
        if (!total || !amount || total->toUInt().value_or(0) <= before)
            continue;
        if (record.state == ClaimState::Pending)
            (void)m_store->advanceClaim(record.id, ClaimState::Sent, hash);
        (void)m_store->advanceClaim(record.id, ClaimState::Confirmed, {},
                                    toDecimalString(amount->toUInt().value_or(0)));
        qCInfo(lcBilling).noquote() << "claim" << record.id << "was confirmed by" << hash;
        return done();
    }
    if (record.state == ClaimState::Sent && !record.txHash.isEmpty()) {
        // Not mined yet, or never will be: ask the node whether it still has it.
        m_eth->isTransactionKnown(
            QByteArray::fromHex(record.txHash.mid(2).toLatin1()), this,
            [this, record, done](Result<bool> known) {
                if (known && !*known) {
                    (void)m_store->advanceClaim(record.id, ClaimState::Failed);
                    qCInfo(lcBilling).noquote()
                        << "claim" << record.id << "was dropped by the chain; marked failed";
                }
                done(); // known (pending) or unreadable: looked at again next pass
            });
        return;
    }
    // Pending, never marked sent, and nothing on chain: it was not sent.
    (void)m_store->advanceClaim(record.id, ClaimState::Failed);
    qCInfo(lcBilling).noquote() << "claim" << record.id << "never reached the chain; marked failed";
    done();
}

void Billing::runOnce(bool claimAll, std::function<void()> done)
{
    if (m_passRunning) {
        if (done)
            done();
        return;
    }
    m_passRunning = true;
    // Claims a crash or a lost answer left unfinished are settled against the
    // chain before anything new is claimed.
    recoverClaims([this, claimAll, done] { pass(claimAll, done); });
}

void Billing::pass(bool claimAll, std::function<void()> done)
{
    auto deployments = m_store->deployments();
    auto unfinished = m_store->unfinishedClaims();
    if (!deployments || !unfinished) {
        m_passRunning = false;
        if (done)
            done();
        return;
    }
    QSet<QString> unsettled;
    for (const ClaimRecord &record : std::as_const(*unfinished))
        unsettled.insert(record.channelId);
    auto countdown = Countdown::make([this, done] {
        m_passRunning = false;
        if (done)
            done();
    });
    QHash<QString, QList<DeploymentRecord>> byChannel;
    for (const DeploymentRecord &record : std::as_const(*deployments)) {
        if (isLive(record.state) || record.state == "stopped"_L1)
            byChannel[record.channelId].append(record);
        else if (record.state == "failed"_L1)
            if (auto events = m_store->events(record.id); events && neverRanAndFailed(*events))
                refund(record.id, record.channelId);
    }
    for (auto it = byChannel.cbegin(); it != byChannel.cend(); ++it) {
        const QString channelId = it.key();
        const QList<DeploymentRecord> records = it.value();
        countdown->add();
        m_channels.read(channelBytes(channelId), this,
                        [this, channelId, records, claimAll, countdown,
                         unsettled](Result<ChannelSnapshot> snapshot) {
                            if (!snapshot) {
                                qCWarning(lcBilling).noquote() << "cannot read channel" << channelId
                                                               << ":" << snapshot.error().message;
                                return countdown->finishOne();
                            }
                            for (const DeploymentRecord &record : records)
                                check(record.id, channelId, record.state, *snapshot);
                            const qint64 last = m_lastClaim.value(channelId, 0);
                            const bool due = claimAll || snapshot->chainNow - last >=
                                                             m_config.claimIntervalSeconds;
                            if (due && snapshot->claimable > 0 && !m_claiming.contains(channelId) &&
                                !unsettled.contains(channelId)) {
                                countdown->add();
                                claim(channelId, *snapshot,
                                      [countdown] { countdown->finishOne(); });
                            }
                            countdown->finishOne();
                        });
    }
    countdown->finishOne();
}

void Billing::check(const QString &deploymentId, const QString &channelId, const QString &state,
                    const ChannelSnapshot &snapshot)
{
    if (!isLive(state))
        return;
    emit channelChecked(deploymentId, snapshot);
    const qint64 until = paidUntil(snapshot.channel);
    const qint64 left = until - snapshot.chainNow;
    if (snapshot.chainNow >= until + m_config.graceSeconds) {
        m_pods->stopUnpaid(deploymentId,
                           u"stopped: channel %1 paid until %2 and the grace period of %3 has "
                           "passed; top it up and call pod.update to run it again"_s.arg(
                               channelId,
                               QDateTime::fromSecsSinceEpoch(until, Qt::UTC).toString(Qt::ISODate),
                               chain::formatDuration(quint64(m_config.graceSeconds))));
        return;
    }
    if (left < m_config.warnRunwaySeconds) {
        if (m_warned.contains(deploymentId))
            return;
        m_warned.insert(deploymentId);
        m_pods->recordEvent(
            deploymentId, u"runway-low"_s,
            left > 0 ? u"channel %1 pays for %2 more; top it up to keep the pod running (it stops "
                       "%3 after the paid time ends)"_s.arg(
                           channelId, chain::formatDuration(quint64(left)),
                           chain::formatDuration(quint64(m_config.graceSeconds)))
                     : u"channel %1's paid time has ended; the pod stops in %2 unless it is "
                       "topped up"_s.arg(channelId,
                                         chain::formatDuration(quint64(
                                             until + m_config.graceSeconds - snapshot.chainNow))));
    } else {
        m_warned.remove(deploymentId);
    }
}

void Billing::claim(const QString &channelId, const ChannelSnapshot &snapshot,
                    std::function<void()> done)
{
    const chain::EscrowChannel &channel = snapshot.channel;
    ChannelRecord record{channelId,
                         channel.publisher.toChecksumString(),
                         channel.provider.toChecksumString(),
                         channel.token.toChecksumString(),
                         toDecimalString(channel.rate),
                         toDecimalString(channel.deposit),
                         QDateTime::fromSecsSinceEpoch(qint64(channel.start), Qt::UTC),
                         0};
    if (auto saved = m_store->saveChannel(record); !saved) {
        qCWarning(lcBilling).noquote() << saved.error().message;
        return done();
    }
    const QString expected = toDecimalString(snapshot.claimable);
    // Recorded before it is sent: a crash from here on is settled by recoverClaims().
    auto claimId = m_store->recordClaim(channelId, expected, toDecimalString(channel.claimed));
    if (!claimId) {
        qCWarning(lcBilling).noquote() << claimId.error().message;
        return done();
    }
    const chain::EscrowContract escrow(m_channels.escrow());
    auto request = escrow.onChannel(u"claim"_s, channel.id);
    if (!request) {
        (void)m_store->advanceClaim(*claimId, ClaimState::Failed);
        return done();
    }
    m_claiming.insert(channelId);
    const qint64 id = *claimId;
    const qint64 chainNow = snapshot.chainNow;
    chain::TxCallbacks callbacks;
    callbacks.onSent = [this, id](const QByteArray &hash) {
        // The first version moves it to Sent; a replacement keeps the state.
        if (auto current = m_store->claim(id); current && current->state == ClaimState::Pending)
            (void)m_store->advanceClaim(id, ClaimState::Sent, hexString(hash));
    };
    callbacks.onDone = [this, id, channelId, chainNow, escrow,
                        done](Result<chain::TransactionReceipt> receipt) {
        m_claiming.remove(channelId);
        if (!receipt && (receipt.error().code == ErrorCode::Timeout ||
                         receipt.error().code == ErrorCode::Unavailable ||
                         receipt.error().code == ErrorCode::IoFailed)) {
            // The transaction may have reached the chain: the next pass settles it from there.
            qCWarning(lcBilling).noquote()
                << "claim on" << channelId << "has no answer yet:" << receipt.error().message;
            return done();
        }
        if (!receipt || !receipt->succeeded()) {
            (void)m_store->advanceClaim(id, ClaimState::Failed);
            qCWarning(lcBilling).noquote()
                << "claim on" << channelId
                << "failed:" << (receipt ? u"reverted"_s : receipt.error().message);
            emit claimFinished(channelId, false, QString());
            return done();
        }
        QString amount;
        if (auto event = escrow.client().event(*receipt, u"Claimed"_s))
            if (const auto *value = event->arg(u"amount"_s))
                amount = toDecimalString(value->toUInt().value_or(0));
        (void)m_store->advanceClaim(id, ClaimState::Confirmed, {}, amount);
        m_lastClaim.insert(channelId, chainNow);
        qCInfo(lcBilling).noquote() << "claimed" << amount << "base units on" << channelId;
        emit claimFinished(channelId, true, amount);
        done();
    };
    m_transactions->send(*request, this, callbacks);
}

void Billing::refund(const QString &deploymentId, const QString &channelId)
{
    if (m_refunding.contains(channelId))
        return;
    m_refunding.insert(channelId);
    m_channels.read(
        channelBytes(channelId), this,
        [this, deploymentId, channelId](Result<ChannelSnapshot> snapshot) {
            if (!snapshot) {
                m_refunding.remove(channelId);
                qCWarning(lcBilling).noquote() << "cannot read channel" << channelId
                                               << "to refund it:" << snapshot.error().message;
                return;
            }
            // Looked at again now: a retry may be running the pod by this time.
            auto events = m_store->events(deploymentId);
            if (m_pods->isChanging(deploymentId) || !events || !neverRanAndFailed(*events)) {
                m_refunding.remove(channelId);
                return;
            }
            if (snapshot->channel.status != chain::EscrowChannel::Status::Open) {
                // Settled by someone else already: nothing to give back, and
                // nothing for later passes to look at again.
                m_refunding.remove(channelId);
                m_pods->recordEvent(
                    deploymentId, u"settled"_s,
                    u"channel %1 is settled already: nothing to refund"_s.arg(channelId));
                return;
            }
            const chain::EscrowContract escrow(m_channels.escrow());
            auto request = escrow.onChannel(u"refund"_s, snapshot->channel.id);
            if (!request) {
                m_refunding.remove(channelId);
                return;
            }
            chain::TxCallbacks callbacks;
            callbacks.onDone = [this, deploymentId, channelId,
                                escrow](Result<chain::TransactionReceipt> receipt) {
                m_refunding.remove(channelId);
                if (!receipt || !receipt->succeeded()) {
                    qCWarning(lcBilling).noquote()
                        << "refund of" << channelId << "failed (tried again next pass):"
                        << (receipt ? u"reverted"_s : receipt.error().message);
                    return;
                }
                UInt256 amount = 0;
                if (auto event = escrow.client().event(*receipt, u"Refunded"_s))
                    if (const auto *value = event->arg(u"amount"_s))
                        amount = value->toUInt().value_or(0);
                const QString tokens =
                    formatTokenAmount(amount, m_config.tokenDecimals) + u' ' + m_config.tokenSymbol;
                qCInfo(lcBilling).noquote() << "refunded" << tokens << "on" << channelId;
                m_pods->recordEvent(deploymentId, u"refunded"_s,
                                    u"the pod never ran: channel %1 returned %2 to the publisher "
                                    "(nothing was charged)"_s.arg(channelId, tokens));
            };
            m_transactions->send(*request, this, callbacks);
        });
}

} // namespace berth::provider
