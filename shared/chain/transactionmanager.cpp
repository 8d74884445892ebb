#include "chain/transactionmanager.h"

#include "chain/callrequest.h"
#include "chain/ethclient.h"
#include "chain/noncestore.h"
#include "chain/rpcfields.h"
#include "chain/transaction.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QTimer>

#include <algorithm>
#include <limits>

using namespace Qt::StringLiterals;

namespace berth::chain {

Q_LOGGING_CATEGORY(lcTx, "berth.core.chain.tx", QtWarningMsg)

namespace {

// value × (1 + bps/10000), rounded up, and at least value + 1.
UInt256 bumped(const UInt256 &value, int basisPoints)
{
    const UInt256 scaled = (value * UInt256(10000 + basisPoints) + UInt256(9999)) / 10000;
    return std::max(scaled, value + 1);
}

quint64 withMargin(quint64 estimate, int percent)
{
    const UInt256 wide = UInt256(estimate) * UInt256(percent) / 100;
    return wide > UInt256(std::numeric_limits<quint64>::max()) ? estimate : quint64(wide);
}

} // namespace

struct TransactionManager::Job
{
    TxRequest request;
    bool hasContext = false;
    QPointer<QObject> context;
    TxCallbacks callbacks;

    quint64 nonce = 0;
    quint64 gasLimit = 0;
    UInt256 tip;
    UInt256 maxFee;
    QList<QByteArray> hashes; // every accepted version, oldest first
    int replacements = 0;
    QElapsedTimer sinceSent;      // since the newest version was sent
    QElapsedTimer sinceFirstSent; // since the first version was sent

    bool contextAlive() const { return !hasContext || !context.isNull(); }
};

TransactionManager::TransactionManager(EthClient *eth, const crypto::PrivateKey &key,
                                       quint64 expectedChainId, NonceStore *nonces, QObject *parent)
    : TransactionManager(eth, key, expectedChainId, nonces, Options{}, parent)
{}

TransactionManager::TransactionManager(EthClient *eth, const crypto::PrivateKey &key,
                                       quint64 expectedChainId, NonceStore *nonces,
                                       const Options &options, QObject *parent)
    : QObject(parent)
    , m_eth(eth)
    , m_key(key)
    , m_chainId(expectedChainId)
    , m_nonces(nonces)
    , m_options(options)
{
    m_options.feeBumpBasisPoints = std::max(m_options.feeBumpBasisPoints, 1250);
    m_options.confirmations = std::max(m_options.confirmations, 1);
    m_options.pollIntervalMs = std::max(m_options.pollIntervalMs, 1);
    m_options.gasMarginPercent = std::max(m_options.gasMarginPercent, 100);
}

TransactionManager::~TransactionManager() = default;

int TransactionManager::pending() const
{
    return int(m_queue.size());
}

void TransactionManager::send(const TxRequest &request, QObject *context, TxCallbacks callbacks)
{
    auto job = std::make_shared<Job>();
    job->request = request;
    job->hasContext = context != nullptr;
    job->context = context;
    job->callbacks = std::move(callbacks);
    m_queue.append(job);
    if (m_queue.size() == 1)
        QTimer::singleShot(0, this, [this] { startNext(); });
}

QString TransactionManager::describeRevert(const Error &error) const
{
    // Empty revert data says nothing: keep the node's words then.
    if (error.data.isEmpty())
        return error.message;
    const std::shared_ptr<const ContractAbi> &abi = m_queue.front()->request.abi;
    if (abi)
        return abi->describeRevert(error.data);
    static const Result<ContractAbi> standard = ContractAbi::fromJson({});
    return standard ? standard->describeRevert(error.data) : error.message;
}

bool TransactionManager::sameJob(quint64 generation) const
{
    return generation == m_generation && !m_queue.isEmpty();
}

QString TransactionManager::what() const
{
    const QString label = m_queue.isEmpty() ? QString() : m_queue.front()->request.label;
    return label.isEmpty() ? tr("the transaction") : label;
}

void TransactionManager::startNext()
{
    while (!m_queue.isEmpty() && !m_queue.front()->contextAlive())
        m_queue.removeFirst(); // nobody waits for it and nothing was sent: drop it
    if (m_queue.isEmpty())
        return;
    ++m_generation;
    checkChain();
}

void TransactionManager::checkChain()
{
    const quint64 generation = m_generation;
    m_eth->chainId(this, [this, generation](Result<quint64> chain) {
        if (!sameJob(generation))
            return;
        if (!chain) {
            finish(chain.error());
            return;
        }
        if (*chain != m_chainId) {
            finish(Error(ErrorCode::WrongChain,
                         tr("the RPC endpoint is chain %1 but the profile says %2; use the right "
                            "--rpc or `berthctl chain use`")
                             .arg(*chain)
                             .arg(m_chainId)));
            return;
        }
        pickNonce();
    });
}

void TransactionManager::pickNonce()
{
    const quint64 generation = m_generation;
    m_eth->getTransactionCount(
        address(), u"pending"_s, this, [this, generation](Result<quint64> count) {
            if (!sameJob(generation))
                return;
            if (!count) {
                finish(count.error());
                return;
            }
            const std::optional<quint64> stored =
                m_nonces ? m_nonces->nextNonce(m_chainId, address()) : std::nullopt;
            if (stored && *stored > *count) {
                // Sent before but unknown to this node: a lagging node behind a load
                // balancer (the stored nonce is right) or a restarted devnet (it is not,
                // and the transaction will wait for the gap until it times out).
                qCWarning(lcTx).noquote()
                    << "the nonce store is ahead of the chain for" << address().toChecksumString()
                    << "on chain" << m_chainId << ":" << *stored << ">" << *count;
            }
            m_queue.front()->nonce = std::max(*count, stored.value_or(0));
            estimateGas();
        });
}

void TransactionManager::estimateGas()
{
    Job &job = *m_queue.front();
    if (job.request.gasLimit) {
        job.gasLimit = *job.request.gasLimit;
        priceFees(false);
        return;
    }
    CallRequest call;
    call.from = address();
    call.to = job.request.to;
    call.value = job.request.value;
    call.data = job.request.data;
    const quint64 generation = m_generation;
    m_eth->estimateGas(call, this, [this, generation](Result<quint64> estimate) {
        if (!sameJob(generation))
            return;
        if (!estimate) {
            const Error &error = estimate.error();
            if (error.code == ErrorCode::Reverted) {
                finish(Error(
                    ErrorCode::Reverted,
                    tr("%1 would fail, so nothing was sent: %2").arg(what(), describeRevert(error)),
                    error.data));
            } else {
                finish(error);
            }
            return;
        }
        m_queue.front()->gasLimit = withMargin(*estimate, m_options.gasMarginPercent);
        priceFees(false);
    });
}

void TransactionManager::priceFees(bool replacement)
{
    const quint64 generation = m_generation;
    m_eth->latestBlock(this, [this, generation, replacement](Result<BlockHeader> block) {
        if (!sameJob(generation))
            return;
        if (!block) {
            if (replacement) { // keep waiting for what was sent; try again later
                qCWarning(lcTx).noquote() << "cannot price a replacement:" << block.error().message;
                m_queue.front()->sinceSent.restart();
                schedulePoll();
            } else {
                finish(block.error());
            }
            return;
        }
        if (!block->baseFeePerGas) {
            finish(Error(ErrorCode::Unsupported,
                         tr("the chain has no EIP-1559 base fee (block %1); Berth sends only "
                            "EIP-1559 transactions")
                             .arg(block->number)));
            return;
        }
        const UInt256 baseFee = *block->baseFeePerGas;
        m_eth->maxPriorityFeePerGas(
            this, [this, generation, replacement, baseFee](Result<UInt256> suggested) {
                if (!sameJob(generation))
                    return;
                Job &job = *m_queue.front();
                UInt256 tip = suggested ? *suggested : m_options.fallbackPriorityFee;
                UInt256 maxFee = baseFee * 2 + tip;
                if (replacement) {
                    tip = std::max(tip, bumped(job.tip, m_options.feeBumpBasisPoints));
                    maxFee = std::max(maxFee, bumped(job.maxFee, m_options.feeBumpBasisPoints));
                }
                job.tip = tip;
                job.maxFee = std::max(maxFee, tip);
                signAndSend(replacement);
            });
    });
}

void TransactionManager::signAndSend(bool replacement)
{
    Job &job = *m_queue.front();
    if (!replacement && !job.contextAlive()) {
        finish(Error(ErrorCode::Internal, u"caller gone"_s)); // nobody listens; nothing sent
        return;
    }
    Eip1559Transaction tx;
    tx.chainId = m_chainId;
    tx.nonce = job.nonce;
    tx.maxPriorityFeePerGas = job.tip;
    tx.maxFeePerGas = job.maxFee;
    tx.gasLimit = job.gasLimit;
    tx.to = job.request.to;
    tx.value = job.request.value;
    tx.data = job.request.data;
    const QByteArray raw = tx.sign(m_key);
    const QByteArray hash = Eip1559Transaction::hashOfRaw(raw);

    const quint64 generation = m_generation;
    m_eth->sendRawTransaction(
        raw, this, [this, generation, replacement, hash](Result<QByteArray> sent) {
            if (!sameJob(generation))
                return;
            if (sent.ok()) {
                markSent(hash, replacement);
                return;
            }
            const Error &error = sent.error();
            if (error.code == ErrorCode::Conflict && error.message.contains(u"already known"_s)) {
                markSent(hash, replacement); // a retried request got through the first time
                return;
            }
            if (replacement) { // the old version may have been mined meanwhile: keep watching
                qCWarning(lcTx).noquote() << "replacement not accepted:" << error.message;
                m_queue.front()->sinceSent.restart();
                schedulePoll();
                return;
            }
            const Error notSent(error.code, tr("%1 was not sent: %2").arg(what(), error.message),
                                error.data);
            if (error.code != ErrorCode::Conflict) {
                finish(notSent);
                return;
            }
            // "nonce too low" can mean a retried request landed and was mined: look for it.
            m_eth->getTransactionReceipt(hash, this,
                                         [this, generation, hash, notSent](
                                             Result<std::optional<TransactionReceipt>> receipt) {
                                             if (!sameJob(generation))
                                                 return;
                                             if (receipt && *receipt)
                                                 markSent(hash, false);
                                             else
                                                 finish(notSent);
                                         });
        });
}

void TransactionManager::markSent(const QByteArray &hash, bool replacement)
{
    Job &job = *m_queue.front();
    job.hashes.append(hash);
    job.sinceSent.start();
    if (!replacement)
        job.sinceFirstSent.start();
    if (m_nonces) {
        const Result<void> recorded = m_nonces->record(m_chainId, address(), job.nonce + 1);
        if (!recorded)
            qCWarning(lcTx).noquote() << recorded.error().message;
    }
    qCInfo(lcTx).noquote() << what() << (replacement ? "replaced by" : "sent as")
                           << rpcfields::toData(hash) << "nonce" << job.nonce;
    schedulePoll();
    if (job.contextAlive() && job.callbacks.onSent) {
        const auto onSent = job.callbacks.onSent; // a copy: it may destroy this manager
        onSent(hash);
    }
}

void TransactionManager::schedulePoll()
{
    const quint64 generation = m_generation;
    QTimer::singleShot(m_options.pollIntervalMs, this, [this, generation] {
        if (sameJob(generation))
            poll();
    });
}

void TransactionManager::poll()
{
    pollHash(int(m_queue.front()->hashes.size()) - 1); // the newest version first
}

void TransactionManager::pollHash(int index)
{
    Job &job = *m_queue.front();
    if (index < 0) { // none mined yet
        if (job.sinceFirstSent.elapsed() > m_options.receiptTimeoutMs) {
            finish(Error(ErrorCode::Timeout,
                         tr("%1 was sent as %2 but not mined within %3 s; it may still "
                            "confirm: check that transaction before sending it again")
                             .arg(what(), rpcfields::toData(job.hashes.last()))
                             .arg(m_options.receiptTimeoutMs / 1000.0),
                         job.hashes.last()));
        } else if (job.sinceSent.elapsed() > m_options.stuckAfterMs) {
            replaceOrGiveUp();
        } else {
            schedulePoll();
        }
        return;
    }
    const quint64 generation = m_generation;
    m_eth->getTransactionReceipt(
        job.hashes.at(index), this,
        [this, generation, index](Result<std::optional<TransactionReceipt>> receipt) {
            if (!sameJob(generation))
                return;
            if (!receipt) {
                qCWarning(lcTx).noquote() << "receipt query failed:" << receipt.error().message;
                pollHash(-1); // transient: keep waiting within the timeouts
                return;
            }
            if (*receipt)
                onMined(**receipt);
            else
                pollHash(index - 1);
        });
}

void TransactionManager::onMined(const TransactionReceipt &receipt)
{
    if (m_options.confirmations <= 1) {
        if (receipt.succeeded())
            finish(receipt);
        else
            recoverRevert(receipt);
        return;
    }
    const quint64 generation = m_generation;
    m_eth->blockNumber(this, [this, generation, receipt](Result<quint64> head) {
        if (!sameJob(generation))
            return;
        const bool deepEnough = head && *head >= receipt.blockNumber &&
                                *head - receipt.blockNumber + 1 >= quint64(m_options.confirmations);
        if (!deepEnough) {
            schedulePoll(); // the next poll re-reads the receipt, in case of a reorg
            return;
        }
        if (receipt.succeeded())
            finish(receipt);
        else
            recoverRevert(receipt);
    });
}

void TransactionManager::replaceOrGiveUp()
{
    Job &job = *m_queue.front();
    if (job.replacements >= m_options.maxReplacements) {
        finish(Error(ErrorCode::Timeout,
                     tr("%1 was sent as %2 but not mined after %3 fee increases; it may still "
                        "confirm: check that transaction before sending it again")
                         .arg(what(), rpcfields::toData(job.hashes.last()))
                         .arg(job.replacements),
                     job.hashes.last()));
        return;
    }
    ++job.replacements;
    priceFees(true);
}

void TransactionManager::recoverRevert(const TransactionReceipt &receipt)
{
    const Job &job = *m_queue.front();
    CallRequest call;
    call.from = address();
    call.to = job.request.to;
    call.value = job.request.value;
    call.data = job.request.data;
    call.gas = job.gasLimit;
    const QString hash = rpcfields::toData(receipt.transactionHash);
    const quint64 generation = m_generation;
    m_eth->call(call, EthClient::blockTag(receipt.blockNumber), this,
                [this, generation, hash](Result<QByteArray> replay) {
                    if (!sameJob(generation))
                        return;
                    if (!replay && replay.error().code == ErrorCode::Reverted) {
                        finish(Error(ErrorCode::Reverted,
                                     tr("%1 failed on chain in transaction %2: %3")
                                         .arg(what(), hash, describeRevert(replay.error())),
                                     replay.error().data));
                    } else {
                        finish(Error(ErrorCode::Reverted,
                                     tr("%1 failed on chain in transaction %2 (the reason "
                                        "could not be recovered; it may have run out of gas)")
                                         .arg(what(), hash)));
                    }
                });
}

void TransactionManager::finish(Result<TransactionReceipt> result)
{
    const std::shared_ptr<Job> job = m_queue.takeFirst();
    ++m_generation; // late answers for this job are ignored
    if (!m_queue.isEmpty())
        QTimer::singleShot(0, this, [this] { startNext(); });
    if (!result)
        qCInfo(lcTx).noquote() << result.error().message;
    if (job->contextAlive() && job->callbacks.onDone)
        job->callbacks.onDone(std::move(result)); // last: it may destroy this manager
}

} // namespace berth::chain
