#pragma once

#include "chain/contractclient.h"
#include "chain/escrowquote.h"

namespace berth::chain {

// Escrow.Channel as channel(id) returns it.
struct EscrowChannel
{
    enum class Status
    {
        None = 0,
        Open = 1,
        Settled = 2,
    };

    QByteArray id; // 32 bytes
    crypto::Address publisher;
    quint64 start = 0;
    crypto::Address provider;
    quint64 stopAt = 0; // 0: no stop requested
    crypto::Address token;
    quint64 noticePeriod = 0;
    Status status = Status::None;
    QByteArray deploymentId;
    UInt256 rate; // base units per second × 10^18
    UInt256 deposit;
    UInt256 accruedBefore;
    UInt256 claimed;

    static EscrowChannel fromAbi(const QByteArray &id, const AbiValue &tuple);
    static QString statusName(Status status);
};

// Typed access to the Escrow contract.
class EscrowContract
{
public:
    explicit EscrowContract(ContractClient client);
    const ContractClient &client() const { return m_client; }
    static QStringList usedSignatures();

    Result<TxRequest> open(const EscrowQuote &quote, const crypto::Address &provider,
                           const QByteArray &signature65, const UInt256 &deposit) const;
    Result<TxRequest> onChannel(const QString &function, const QByteArray &channelId) const;
    Result<TxRequest> topUp(const QByteArray &channelId, const UInt256 &amount) const;

    // keccak256(abi.encode(publisher, provider, deploymentId)), as channelIdOf computes it.
    static QByteArray channelIdOf(const crypto::Address &publisher, const crypto::Address &provider,
                                  const QByteArray &deploymentId);

private:
    ContractClient m_client;
};

} // namespace berth::chain
