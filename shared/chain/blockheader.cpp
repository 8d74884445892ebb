#include "chain/blockheader.h"

#include "chain/rpcfields.h"

#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace berth::chain {

Result<BlockHeader> BlockHeader::fromJson(const QJsonValue &json)
{
    if (!json.isObject())
        return rpcfields::malformed(u"block"_s, u"expected an object"_s);
    const QJsonObject o = json.toObject();
    BlockHeader block;

    Result<quint64> number = rpcfields::quantity64(o.value(u"number"_s), u"block.number"_s);
    if (!number)
        return number.error();
    block.number = *number;

    Result<QByteArray> hash = rpcfields::fixedData(o.value(u"hash"_s), u"block.hash"_s, 32);
    if (!hash)
        return hash.error();
    block.hash = *hash;

    Result<quint64> timestamp =
        rpcfields::quantity64(o.value(u"timestamp"_s), u"block.timestamp"_s);
    if (!timestamp)
        return timestamp.error();
    block.timestamp = *timestamp;

    Result<quint64> gasLimit = rpcfields::quantity64(o.value(u"gasLimit"_s), u"block.gasLimit"_s);
    if (!gasLimit)
        return gasLimit.error();
    block.gasLimit = *gasLimit;

    const QJsonValue baseFee = o.value(u"baseFeePerGas"_s);
    if (!baseFee.isUndefined() && !baseFee.isNull()) {
        Result<UInt256> fee = rpcfields::quantity(baseFee, u"block.baseFeePerGas"_s);
        if (!fee)
            return fee.error();
        block.baseFeePerGas = *fee;
    }
    return block;
}

} // namespace berth::chain
