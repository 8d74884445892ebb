#pragma once

#include "chain/blockheader.h"
#include "chain/callrequest.h"
#include "chain/logentry.h"
#include "chain/logfilter.h"
#include "chain/receipt.h"
#include "core/result.h"
#include "core/uint256.h"
#include "crypto/address.h"

#include <QJsonArray>
#include <QObject>
#include <QUrl>

#include <functional>
#include <optional>

namespace berth::chain {

class JsonRpcClient;

// Typed eth_* calls over a JsonRpcClient. Every answer is parsed strictly; a
// malformed field is a BadResponse naming it. Callbacks come from the event loop
// and are dropped if `context` is destroyed first (null context: this client).
class EthClient : public QObject
{
    Q_OBJECT

public:
    template<typename T> using Callback = std::function<void(Result<T>)>;

    // Uses `rpc` (not owned unless it is a child of this client).
    explicit EthClient(JsonRpcClient *rpc, QObject *parent = nullptr);
    // Creates and owns a JsonRpcClient with default options.
    explicit EthClient(const QUrl &url, QObject *parent = nullptr);

    JsonRpcClient *rpc() const { return m_rpc; }

    // A block tag for a block number ("0x1b4"); "latest", "pending", "earliest",
    // "safe" and "finalized" are the named ones.
    static QString blockTag(quint64 number);

    void chainId(QObject *context, Callback<quint64> done);
    void blockNumber(QObject *context, Callback<quint64> done);
    void getBalance(const crypto::Address &account, const QString &blockTag, QObject *context,
                    Callback<UInt256> done);
    void getTransactionCount(const crypto::Address &account, const QString &blockTag,
                             QObject *context, Callback<quint64> done);
    // A revert is Reverted with Error::data = the raw revert bytes.
    void call(const CallRequest &request, const QString &blockTag, QObject *context,
              Callback<QByteArray> done);
    void estimateGas(const CallRequest &request, QObject *context, Callback<quint64> done);
    void gasPrice(QObject *context, Callback<UInt256> done);
    void maxPriorityFeePerGas(QObject *context, Callback<UInt256> done);
    // A block that does not exist (yet) is NotFound.
    void blockByNumber(const QString &blockTag, QObject *context, Callback<BlockHeader> done);
    void latestBlock(QObject *context, Callback<BlockHeader> done);
    // The transaction hash, checked against keccak256(raw).
    void sendRawTransaction(const QByteArray &raw, QObject *context, Callback<QByteArray> done);
    // nullopt while the transaction is pending or unknown.
    void getTransactionReceipt(const QByteArray &hash, QObject *context,
                               Callback<std::optional<TransactionReceipt>> done);
    void getLogs(const LogFilter &filter, QObject *context, Callback<QList<LogEntry>> done);
    // Whether the node knows the transaction at all (pending in its pool, or mined).
    void isTransactionKnown(const QByteArray &hash, QObject *context, Callback<bool> done);

    // Development chains (Anvil) only.
    void increaseTime(qint64 seconds, QObject *context, Callback<void> done); // then mines a block
    void mine(QObject *context, Callback<void> done);
    void setBalance(const crypto::Address &account, const UInt256 &wei, QObject *context,
                    Callback<void> done);
    void setAutomine(bool enabled, QObject *context, Callback<void> done);

private:
    template<typename T, typename Parse>
    void request(const QString &method, const QJsonArray &params, QObject *context,
                 Callback<T> done, Parse parse);
    void requestVoid(const QString &method, const QJsonArray &params, QObject *context,
                     Callback<void> done);

    JsonRpcClient *m_rpc = nullptr;
};

} // namespace berth::chain
