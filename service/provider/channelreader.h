#pragma once

#include "chain/escrowcontract.h"
#include "core/result.h"

#include <QObject>

#include <functional>

namespace berth::chain {
class EthClient;
}

namespace berth::provider {

// One channel as the chain sees it at its latest block.
struct ChannelSnapshot
{
    chain::EscrowChannel channel;
    UInt256 runway;      // Escrow.runway: seconds the deposit still pays
    UInt256 claimable;   // Escrow.claimable: what a claim would pay now
    qint64 chainNow = 0; // the latest block's timestamp (Anvil's clock may run ahead)
};

// Reads Escrow channels without blocking: channel(id), runway, claimable and
// the latest block's time, each an eth_call, the result delivered on `context`.
class ChannelReader
{
public:
    ChannelReader(chain::ContractClient escrow, chain::EthClient *eth);

    void read(const QByteArray &channelId, QObject *context,
              std::function<void(Result<ChannelSnapshot>)> done) const;

    // The latest block's timestamp: the clock Escrow judges quotes and runways by.
    void chainTime(QObject *context, std::function<void(Result<qint64>)> done) const;

    const chain::ContractClient &escrow() const { return m_escrow; }

private:
    chain::ContractClient m_escrow;
    chain::EthClient *m_eth;
};

} // namespace berth::provider
