#pragma once

#include "chain/logentry.h"
#include "core/result.h"
#include "core/uint256.h"
#include "crypto/address.h"

#include <QByteArray>
#include <QJsonValue>
#include <QList>

#include <optional>

namespace berth::chain {

// A mined transaction's receipt (eth_getTransactionReceipt).
struct TransactionReceipt
{
    QByteArray transactionHash; // 32 bytes
    quint64 status = 0;         // 1 = success, 0 = reverted (EIP-658)
    quint64 blockNumber = 0;
    QByteArray blockHash; // 32 bytes
    crypto::Address from;
    std::optional<crypto::Address> to; // none for a contract creation
    quint64 gasUsed = 0;
    UInt256 effectiveGasPrice;                      // what each unit of gas cost
    std::optional<crypto::Address> contractAddress; // the new contract, for a creation
    QList<LogEntry> logs;

    bool succeeded() const { return status == 1; }

    // Strict: a missing or malformed field is a BadResponse naming it ("receipt.gasUsed").
    static Result<TransactionReceipt> fromJson(const QJsonValue &json);
};

} // namespace berth::chain
