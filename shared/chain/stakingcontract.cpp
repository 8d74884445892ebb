#include "chain/stakingcontract.h"

using namespace Qt::StringLiterals;

namespace berth::chain {

AbiValue StakeInfo::toAbi() const
{
    return AbiValue::fromList(
        {AbiValue::fromUInt(active), AbiValue::fromUInt(unbonding), AbiValue::fromUInt(readyAt)});
}

StakeInfo StakeInfo::fromAbi(const AbiValue &tuple)
{
    const auto &i = tuple.items();
    return {i[0].toUInt().value(), i[1].toUInt().value(), i[2].decodedUInt64()};
}

AbiValue LivenessChallenge::toAbi() const
{
    return AbiValue::fromList({AbiValue::fromBytes(channelId), AbiValue::fromAddress(publisher),
                               AbiValue::fromUInt(openedAt), AbiValue::fromAddress(provider),
                               AbiValue::fromUInt(deadline),
                               AbiValue::fromUInt(static_cast<quint64>(status)),
                               AbiValue::fromUInt(bond), AbiValue::fromUInt(accruedAtOpen)});
}

LivenessChallenge LivenessChallenge::fromAbi(const UInt256 &id, const AbiValue &tuple)
{
    const auto &i = tuple.items();
    LivenessChallenge c;
    c.id = id;
    c.channelId = i[0].toBytes().value();
    c.publisher = i[1].toAddress().value();
    c.openedAt = i[2].decodedUInt64();
    c.provider = i[3].toAddress().value();
    c.deadline = i[4].decodedUInt64();
    c.status = static_cast<Status>(i[5].decodedUInt64());
    c.bond = i[6].toUInt().value();
    c.accruedAtOpen = i[7].toUInt().value();
    return c;
}

QString LivenessChallenge::statusName(Status status)
{
    switch (status) {
    case Status::None:
        return u"none"_s;
    case Status::Open:
        return u"open"_s;
    case Status::Answered:
        return u"answered"_s;
    case Status::Slashed:
        return u"slashed"_s;
    }
    return u"unknown"_s;
}

StakingContract::StakingContract(ContractClient client)
    : m_client(std::move(client))
{}

QStringList StakingContract::usedSignatures()
{
    return {u"stake(uint256)"_s,     u"requestUnstake(uint256)"_s, u"withdraw()"_s,
            u"challenge(bytes32)"_s, u"respond(uint256)"_s,        u"slash(uint256)"_s,
            u"stakeOf(address)"_s,   u"challengeOf(uint256)"_s,    u"openChallenges(address)"_s,
            u"challengeBond()"_s,    u"compensationOf(uint256)"_s, u"slashableOf(address)"_s};
}

Result<TxRequest> StakingContract::stake(const UInt256 &amount) const
{
    return m_client.transaction(u"stake"_s, {AbiValue::fromUInt(amount)});
}

Result<TxRequest> StakingContract::requestUnstake(const UInt256 &amount) const
{
    return m_client.transaction(u"requestUnstake"_s, {AbiValue::fromUInt(amount)});
}

Result<TxRequest> StakingContract::withdraw() const
{
    return m_client.transaction(u"withdraw"_s, {});
}

Result<TxRequest> StakingContract::challenge(const QByteArray &channelId) const
{
    return m_client.transaction(u"challenge"_s, {AbiValue::fromBytes(channelId)});
}

Result<TxRequest> StakingContract::respond(const UInt256 &challengeId) const
{
    return m_client.transaction(u"respond"_s, {AbiValue::fromUInt(challengeId)});
}

Result<TxRequest> StakingContract::slash(const UInt256 &challengeId) const
{
    return m_client.transaction(u"slash"_s, {AbiValue::fromUInt(challengeId)});
}

} // namespace berth::chain
