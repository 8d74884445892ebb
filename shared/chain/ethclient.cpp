#include "chain/ethclient.h"

#include "chain/jsonrpcclient.h"
#include "chain/rpcfields.h"
#include "crypto/keccak.h"

#include <QPointer>

using namespace Qt::StringLiterals;

namespace berth::chain {

EthClient::EthClient(JsonRpcClient *rpc, QObject *parent)
    : QObject(parent)
    , m_rpc(rpc)
{}

EthClient::EthClient(const QUrl &url, QObject *parent)
    : QObject(parent)
    , m_rpc(new JsonRpcClient(url, this))
{}

QString EthClient::blockTag(quint64 number)
{
    return toHexQuantity(UInt256(number));
}

template<typename T, typename Parse>
void EthClient::request(const QString &method, const QJsonArray &params, QObject *context,
                        Callback<T> done, Parse parse)
{
    m_rpc->call(method, params, context ? context : this,
                [done = std::move(done), parse = std::move(parse)](Result<QJsonValue> result) {
                    if (!result) {
                        done(result.error());
                        return;
                    }
                    done(parse(*result));
                });
}

void EthClient::requestVoid(const QString &method, const QJsonArray &params, QObject *context,
                            Callback<void> done)
{
    m_rpc->call(method, params, context ? context : this,
                [done = std::move(done)](Result<QJsonValue> result) {
                    if (!result)
                        done(result.error());
                    else
                        done(Result<void>());
                });
}

void EthClient::chainId(QObject *context, Callback<quint64> done)
{
    request<quint64>(u"eth_chainId"_s, {}, context, std::move(done), [](const QJsonValue &v) {
        return rpcfields::quantity64(v, u"eth_chainId"_s);
    });
}

void EthClient::blockNumber(QObject *context, Callback<quint64> done)
{
    request<quint64>(u"eth_blockNumber"_s, {}, context, std::move(done), [](const QJsonValue &v) {
        return rpcfields::quantity64(v, u"eth_blockNumber"_s);
    });
}

void EthClient::getBalance(const crypto::Address &account, const QString &tag, QObject *context,
                           Callback<UInt256> done)
{
    request<UInt256>(u"eth_getBalance"_s, {account.toLowerHex(), tag}, context, std::move(done),
                     [](const QJsonValue &v) { return rpcfields::quantity(v, u"balance"_s); });
}

void EthClient::getTransactionCount(const crypto::Address &account, const QString &tag,
                                    QObject *context, Callback<quint64> done)
{
    request<quint64>(
        u"eth_getTransactionCount"_s, {account.toLowerHex(), tag}, context, std::move(done),
        [](const QJsonValue &v) { return rpcfields::quantity64(v, u"transaction count"_s); });
}

void EthClient::call(const CallRequest &callRequest, const QString &tag, QObject *context,
                     Callback<QByteArray> done)
{
    request<QByteArray>(u"eth_call"_s, {callRequest.toJson(), tag}, context, std::move(done),
                        [](const QJsonValue &v) { return rpcfields::data(v, u"eth_call"_s); });
}

void EthClient::estimateGas(const CallRequest &callRequest, QObject *context,
                            Callback<quint64> done)
{
    request<quint64>(
        u"eth_estimateGas"_s, {callRequest.toJson()}, context, std::move(done),
        [](const QJsonValue &v) { return rpcfields::quantity64(v, u"gas estimate"_s); });
}

void EthClient::gasPrice(QObject *context, Callback<UInt256> done)
{
    request<UInt256>(u"eth_gasPrice"_s, {}, context, std::move(done),
                     [](const QJsonValue &v) { return rpcfields::quantity(v, u"gas price"_s); });
}

void EthClient::maxPriorityFeePerGas(QObject *context, Callback<UInt256> done)
{
    request<UInt256>(
        u"eth_maxPriorityFeePerGas"_s, {}, context, std::move(done),
        [](const QJsonValue &v) { return rpcfields::quantity(v, u"max priority fee"_s); });
}

void EthClient::blockByNumber(const QString &tag, QObject *context, Callback<BlockHeader> done)
{
    request<BlockHeader>(u"eth_getBlockByNumber"_s, {tag, false}, context, std::move(done),
                         [tag](const QJsonValue &v) -> Result<BlockHeader> {
                             if (v.isNull())
                                 return Error(ErrorCode::NotFound,
                                              u"block %1 does not exist (yet)"_s.arg(tag));
                             return BlockHeader::fromJson(v);
                         });
}

void EthClient::latestBlock(QObject *context, Callback<BlockHeader> done)
{
    blockByNumber(u"latest"_s, context, std::move(done));
}

void EthClient::sendRawTransaction(const QByteArray &raw, QObject *context,
                                   Callback<QByteArray> done)
{
    const QByteArray expected = crypto::keccak256(raw);
    request<QByteArray>(
        u"eth_sendRawTransaction"_s, {rpcfields::toData(raw)}, context, std::move(done),
        [expected](const QJsonValue &v) -> Result<QByteArray> {
            Result<QByteArray> hash = rpcfields::fixedData(v, u"transaction hash"_s, 32);
            if (hash && *hash != expected)
                return rpcfields::malformed(u"transaction hash"_s,
                                            u"it is not the hash of the transaction sent"_s);
            return hash;
        });
}

void EthClient::getTransactionReceipt(const QByteArray &hash, QObject *context,
                                      Callback<std::optional<TransactionReceipt>> done)
{
    request<std::optional<TransactionReceipt>>(
        u"eth_getTransactionReceipt"_s, {rpcfields::toData(hash)}, context, std::move(done),
        [](const QJsonValue &v) -> Result<std::optional<TransactionReceipt>> {
            if (v.isNull())
                return std::optional<TransactionReceipt>();
            Result<TransactionReceipt> receipt = TransactionReceipt::fromJson(v);
            if (!receipt)
                return receipt.error();
            return std::optional<TransactionReceipt>(std::move(receipt).value());
        });
}

void EthClient::isTransactionKnown(const QByteArray &hash, QObject *context, Callback<bool> done)
{
    request<bool>(u"eth_getTransactionByHash"_s, {rpcfields::toData(hash)}, context,
                  std::move(done), [](const QJsonValue &v) -> Result<bool> {
                      if (v.isNull())
                          return false;
                      if (!v.isObject())
                          return Error(ErrorCode::BadResponse,
                                       u"eth_getTransactionByHash answered neither null nor a "
                                       "transaction"_s);
                      return true;
                  });
}

void EthClient::getLogs(const LogFilter &filter, QObject *context, Callback<QList<LogEntry>> done)
{
    request<QList<LogEntry>>(u"eth_getLogs"_s, {filter.toJson()}, context, std::move(done),
                             [](const QJsonValue &v) -> Result<QList<LogEntry>> {
                                 if (!v.isArray())
                                     return rpcfields::malformed(u"logs"_s, u"expected an array"_s);
                                 QList<LogEntry> logs;
                                 for (const QJsonValue &entry : v.toArray()) {
                                     Result<LogEntry> log = LogEntry::fromJson(entry);
                                     if (!log)
                                         return log.error();
                                     logs.append(*log);
                                 }
                                 return logs;
                             });
}

void EthClient::increaseTime(qint64 seconds, QObject *context, Callback<void> done)
{
    QObject *ctx = context ? context : this;
    m_rpc->call(u"evm_increaseTime"_s, {seconds}, ctx,
                [self = QPointer<EthClient>(this), ctx,
                 done = std::move(done)](Result<QJsonValue> result) mutable {
                    if (!result) {
                        done(result.error());
                        return;
                    }
                    if (self)
                        self->mine(ctx, std::move(done));
                });
}

void EthClient::mine(QObject *context, Callback<void> done)
{
    requestVoid(u"evm_mine"_s, {}, context, std::move(done));
}

void EthClient::setBalance(const crypto::Address &account, const UInt256 &wei, QObject *context,
                           Callback<void> done)
{
    requestVoid(u"anvil_setBalance"_s, {account.toLowerHex(), toHexQuantity(wei)}, context,
                std::move(done));
}

void EthClient::setAutomine(bool enabled, QObject *context, Callback<void> done)
{
    requestVoid(u"evm_setAutomine"_s, {enabled}, context, std::move(done));
}

} // namespace berth::chain
