#pragma once

#include "chain/contractabi.h"
#include "chain/receipt.h"
#include "core/result.h"
#include "core/uint256.h"
#include "crypto/address.h"
#include "crypto/privatekey.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace berth::chain {

class EthClient;
class NonceStore;

// What to send. The manager fills in nonce, gas and fees.
struct TxRequest
{
    std::optional<crypto::Address> to; // none: deploy a contract (data = init code)
    UInt256 value;
    QByteArray data;
    std::optional<quint64> gasLimit; // none: estimate (a revert then sends nothing)
    QString label;                   // what the user is doing, for messages ("open channel")
    // The called contract's ABI, to name its custom errors when it reverts. Without
    // it, Error(string) and Panic(uint256) are still described.
    std::shared_ptr<const ContractAbi> abi;
};

struct TxCallbacks
{
    // The hash of each version the node accepted: the first, then any replacement.
    std::function<void(const QByteArray &hash)> onSent;
    // The receipt with enough confirmations, or why not.
    std::function<void(Result<TransactionReceipt>)> onDone;
};

// Sends EIP-1559 transactions for ONE key on ONE chain, one at a time in the
// order they were asked for: checks the chain id, picks the nonce, estimates gas
// (a revert there sends nothing), prices fees from the chain, signs, sends, waits
// for the receipt and its confirmations, and replaces a transaction that is stuck.
class TransactionManager : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        int confirmations = 1; // 1: the block that includes it is enough
        int pollIntervalMs = 500;
        // Overall bound from the first send: then Timeout (it may still confirm).
        int receiptTimeoutMs = 120000;
        // A version not mined this long after it was sent is replaced (same nonce,
        // higher fees), at most maxReplacements times and within receiptTimeoutMs.
        int stuckAfterMs = 60000;
        int feeBumpBasisPoints = 1250; // +12.5% per replacement; never below that
        int maxReplacements = 3;
        int gasMarginPercent = 120;                           // gas limit = estimate × 1.2
        UInt256 fallbackPriorityFee = UInt256(1'000'000'000); // 1 gwei, if the node has no tip
    };

    TransactionManager(EthClient *eth, const crypto::PrivateKey &key, quint64 expectedChainId,
                       NonceStore *nonces, QObject *parent = nullptr);
    TransactionManager(EthClient *eth, const crypto::PrivateKey &key, quint64 expectedChainId,
                       NonceStore *nonces, const Options &options, QObject *parent = nullptr);
    ~TransactionManager() override;

    crypto::Address address() const { return m_key.address(); }
    quint64 chainId() const { return m_chainId; }
    // Transactions asked for and not finished yet (the one in flight included).
    int pending() const;

    // Queues `request`. Callbacks come from the event loop; they are dropped if
    // `context` (or this manager) is destroyed first, and a request whose context
    // is gone before it was sent is not sent.
    void send(const TxRequest &request, QObject *context, TxCallbacks callbacks);

private:
    struct Job;
    void startNext();
    void checkChain();
    void pickNonce();
    void estimateGas();
    void priceFees(bool replacement);
    void signAndSend(bool replacement);
    void markSent(const QByteArray &hash, bool replacement);
    void schedulePoll();
    void poll();
    void pollHash(int index);
    void onMined(const TransactionReceipt &receipt);
    void replaceOrGiveUp();
    void recoverRevert(const TransactionReceipt &receipt);
    void finish(Result<TransactionReceipt> result);
    QString what() const;
    QString describeRevert(const Error &error) const;
    bool sameJob(quint64 generation) const;

    EthClient *m_eth = nullptr;
    crypto::PrivateKey m_key;
    quint64 m_chainId = 0;
    NonceStore *m_nonces = nullptr;
    Options m_options;
    QList<std::shared_ptr<Job>> m_queue; // front() is in flight
    quint64 m_generation = 0;            // bumps per job: stale callbacks check it
};

} // namespace berth::chain
