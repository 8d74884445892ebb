#pragma once

#include "chain/contractclient.h"

namespace berth::chain {

// Staking.Stake as stakeOf(provider) returns it.
struct StakeInfo
{
    UInt256 active;      // staked and not asked back
    UInt256 unbonding;   // asked back, still slashable until withdrawn
    quint64 readyAt = 0; // when `unbonding` may be withdrawn (0: nothing unbonds)

    AbiValue toAbi() const;
    static StakeInfo fromAbi(const AbiValue &tuple);
};

// Staking.Challenge as challengeOf(id) returns it.
struct LivenessChallenge
{
    enum class Status
    {
        None = 0,
        Open = 1,
        Answered = 2,
        Slashed = 3,
    };

    UInt256 id;
    QByteArray channelId; // 32 bytes
    crypto::Address publisher;
    quint64 openedAt = 0;
    crypto::Address provider;
    quint64 deadline = 0; // last second the provider may respond
    Status status = Status::None;
    UInt256 bond;
    UInt256 accruedAtOpen;

    AbiValue toAbi() const;
    static LivenessChallenge fromAbi(const UInt256 &id, const AbiValue &tuple);
    static QString statusName(Status status);
};

// Typed access to the Staking contract.
class StakingContract
{
public:
    explicit StakingContract(ContractClient client);
    const ContractClient &client() const { return m_client; }
    static QStringList usedSignatures();

    Result<TxRequest> stake(const UInt256 &amount) const;
    Result<TxRequest> requestUnstake(const UInt256 &amount) const;
    Result<TxRequest> withdraw() const;
    Result<TxRequest> challenge(const QByteArray &channelId) const;
    Result<TxRequest> respond(const UInt256 &challengeId) const;
    Result<TxRequest> slash(const UInt256 &challengeId) const;

private:
    ContractClient m_client;
};

} // namespace berth::chain
