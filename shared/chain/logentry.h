#pragma once

#include "core/result.h"
#include "crypto/address.h"

#include <QByteArray>
#include <QJsonValue>
#include <QList>

namespace berth::chain {

// One event log, as eth_getLogs and transaction receipts report it.
struct LogEntry
{
    crypto::Address address;  // the contract that emitted it
    QList<QByteArray> topics; // 32 bytes each; topics[0] is the event signature hash
    QByteArray data;          // the ABI-encoded non-indexed arguments
    quint64 logIndex = 0;     // position in the block
    quint64 blockNumber = 0;
    QByteArray blockHash;       // 32 bytes
    QByteArray transactionHash; // 32 bytes
    bool removed = false;       // true when a reorg dropped it

    // Strict: every field must be present and well-formed ("log.topics[1]" names a bad one).
    static Result<LogEntry> fromJson(const QJsonValue &json);
};

} // namespace berth::chain
