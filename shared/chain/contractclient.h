#pragma once

#include "chain/abivalue.h"
#include "chain/contractabi.h"
#include "chain/receipt.h"
#include "chain/transactionmanager.h"
#include "core/result.h"
#include "crypto/address.h"

#include <QObject>

#include <functional>

namespace berth::chain {

class EthClient;

// One deployed contract: reads through eth_call, prepares transactions for a
// TransactionManager, decodes its events and explains its reverts by name
// ("Escrow.claim reverted: NothingToClaim(channelId: 0x…)").
class ContractClient
{
public:
    using Values = QList<AbiValue>;
    using Callback = std::function<void(Result<Values>)>;

    ContractClient(QString name, ContractAbi abi, crypto::Address address, EthClient *eth);
    // The ABI from the artifact built into libberth.
    static Result<ContractClient> fromArtifact(const QString &name, const crypto::Address &address,
                                               EthClient *eth);

    const QString &name() const { return m_name; }
    const crypto::Address &address() const { return m_address; }
    const ContractAbi &abi() const { return m_abi; }

    // A view call at the latest block; `from` matters for calls that check msg.sender.
    void call(const QString &function, const Values &args, QObject *context, Callback done,
              std::optional<crypto::Address> from = std::nullopt) const;
    // The transaction that calls `function` with `args`, for TransactionManager::send.
    Result<TxRequest> transaction(const QString &function, const Values &args,
                                  const UInt256 &value = 0) const;
    // This contract's events in a receipt, in log order; logs of other contracts are skipped.
    QList<DecodedLog> events(const TransactionReceipt &receipt) const;
    // The first event named `event` in a receipt.
    std::optional<DecodedLog> event(const TransactionReceipt &receipt, const QString &event) const;
    // A Reverted error with raw revert data becomes one that names the contract's error.
    Error explain(const Error &error, const QString &function) const;

private:
    QString m_name;
    ContractAbi m_abi;
    crypto::Address m_address;
    EthClient *m_eth = nullptr;
};

} // namespace berth::chain
