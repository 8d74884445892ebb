#pragma once

#include "core/result.h"
#include "core/uint256.h"

#include <QByteArray>
#include <QJsonValue>

#include <optional>

namespace berth::chain {

// The parts of a block (eth_getBlockByNumber) that Berth uses.
struct BlockHeader
{
    quint64 number = 0;
    QByteArray hash;       // 32 bytes
    quint64 timestamp = 0; // seconds since the epoch, as the chain sees time
    quint64 gasLimit = 0;
    std::optional<UInt256> baseFeePerGas; // none before London (EIP-1559)

    static Result<BlockHeader> fromJson(const QJsonValue &json);
};

} // namespace berth::chain
