#include "chain/logentry.h"

#include "chain/rpcfields.h"

#include <QJsonArray>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace berth::chain {

Result<LogEntry> LogEntry::fromJson(const QJsonValue &json)
{
    if (!json.isObject())
        return rpcfields::malformed(u"log"_s, u"expected an object"_s);
    const QJsonObject o = json.toObject();
    LogEntry log;

    Result<crypto::Address> address = rpcfields::address(o.value(u"address"_s), u"log.address"_s);
    if (!address)
        return address.error();
    log.address = *address;

    const QJsonValue topics = o.value(u"topics"_s);
    if (!topics.isArray())
        return rpcfields::malformed(u"log.topics"_s, u"expected an array"_s);
    const QJsonArray topicArray = topics.toArray();
    for (qsizetype i = 0; i < topicArray.size(); ++i) {
        Result<QByteArray> topic =
            rpcfields::fixedData(topicArray.at(i), u"log.topics[%1]"_s.arg(i), 32);
        if (!topic)
            return topic.error();
        log.topics.append(*topic);
    }

    Result<QByteArray> data = rpcfields::data(o.value(u"data"_s), u"log.data"_s);
    if (!data)
        return data.error();
    log.data = *data;

    Result<quint64> logIndex = rpcfields::quantity64(o.value(u"logIndex"_s), u"log.logIndex"_s);
    if (!logIndex)
        return logIndex.error();
    log.logIndex = *logIndex;

    Result<quint64> blockNumber =
        rpcfields::quantity64(o.value(u"blockNumber"_s), u"log.blockNumber"_s);
    if (!blockNumber)
        return blockNumber.error();
    log.blockNumber = *blockNumber;

    Result<QByteArray> blockHash =
        rpcfields::fixedData(o.value(u"blockHash"_s), u"log.blockHash"_s, 32);
    if (!blockHash)
        return blockHash.error();
    log.blockHash = *blockHash;

    Result<QByteArray> txHash =
        rpcfields::fixedData(o.value(u"transactionHash"_s), u"log.transactionHash"_s, 32);
    if (!txHash)
        return txHash.error();
    log.transactionHash = *txHash;

    const QJsonValue removed = o.value(u"removed"_s);
    if (!removed.isUndefined() && !removed.isBool())
        return rpcfields::malformed(u"log.removed"_s, u"expected true or false"_s);
    log.removed = removed.toBool(false);
    return log;
}

} // namespace berth::chain
