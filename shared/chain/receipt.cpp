#include "chain/receipt.h"

#include "chain/rpcfields.h"

#include <QJsonArray>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace berth::chain {

Result<TransactionReceipt> TransactionReceipt::fromJson(const QJsonValue &json)
{
    if (!json.isObject())
        return rpcfields::malformed(u"receipt"_s, u"expected an object"_s);
    const QJsonObject o = json.toObject();
    TransactionReceipt r;

    Result<QByteArray> txHash =
        rpcfields::fixedData(o.value(u"transactionHash"_s), u"receipt.transactionHash"_s, 32);
    if (!txHash)
        return txHash.error();
    r.transactionHash = *txHash;

    Result<quint64> status = rpcfields::quantity64(o.value(u"status"_s), u"receipt.status"_s);
    if (!status)
        return status.error();
    if (*status > 1)
        return rpcfields::malformed(u"receipt.status"_s, u"expected 0x0 or 0x1"_s);
    r.status = *status;

    Result<quint64> blockNumber =
        rpcfields::quantity64(o.value(u"blockNumber"_s), u"receipt.blockNumber"_s);
    if (!blockNumber)
        return blockNumber.error();
    r.blockNumber = *blockNumber;

    Result<QByteArray> blockHash =
        rpcfields::fixedData(o.value(u"blockHash"_s), u"receipt.blockHash"_s, 32);
    if (!blockHash)
        return blockHash.error();
    r.blockHash = *blockHash;

    Result<crypto::Address> from = rpcfields::address(o.value(u"from"_s), u"receipt.from"_s);
    if (!from)
        return from.error();
    r.from = *from;

    Result<std::optional<crypto::Address>> to =
        rpcfields::optionalAddress(o.value(u"to"_s), u"receipt.to"_s);
    if (!to)
        return to.error();
    r.to = *to;

    Result<quint64> gasUsed = rpcfields::quantity64(o.value(u"gasUsed"_s), u"receipt.gasUsed"_s);
    if (!gasUsed)
        return gasUsed.error();
    r.gasUsed = *gasUsed;

    // Nodes before London leave it out; then it is unknown (zero).
    if (o.contains(u"effectiveGasPrice"_s)) {
        Result<UInt256> price =
            rpcfields::quantity(o.value(u"effectiveGasPrice"_s), u"receipt.effectiveGasPrice"_s);
        if (!price)
            return price.error();
        r.effectiveGasPrice = *price;
    }

    Result<std::optional<crypto::Address>> created =
        rpcfields::optionalAddress(o.value(u"contractAddress"_s), u"receipt.contractAddress"_s);
    if (!created)
        return created.error();
    r.contractAddress = *created;

    const QJsonValue logs = o.value(u"logs"_s);
    if (!logs.isArray())
        return rpcfields::malformed(u"receipt.logs"_s, u"expected an array"_s);
    for (const QJsonValue &entry : logs.toArray()) {
        Result<LogEntry> log = LogEntry::fromJson(entry);
        if (!log)
            return log.error();
        r.logs.append(*log);
    }
    return r;
}

} // namespace berth::chain
