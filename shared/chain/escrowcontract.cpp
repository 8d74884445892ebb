#include "chain/escrowcontract.h"

#include "crypto/keccak.h"

using namespace Qt::StringLiterals;

namespace berth::chain {

EscrowChannel EscrowChannel::fromAbi(const QByteArray &id, const AbiValue &tuple)
{
    const auto &i = tuple.items();
    EscrowChannel c;
    c.id = id;
    c.publisher = i[0].toAddress().value();
    c.start = i[1].decodedUInt64();
    c.provider = i[2].toAddress().value();
    c.stopAt = i[3].decodedUInt64();
    c.token = i[4].toAddress().value();
    c.noticePeriod = i[5].decodedUInt64();
    c.status = static_cast<Status>(i[6].decodedUInt64());
    c.deploymentId = i[7].toBytes().value();
    c.rate = i[8].toUInt().value();
    c.deposit = i[9].toUInt().value();
    c.accruedBefore = i[10].toUInt().value();
    c.claimed = i[11].toUInt().value();
    return c;
}

QString EscrowChannel::statusName(Status status)
{
    switch (status) {
    case Status::None:
        return u"none"_s;
    case Status::Open:
        return u"open"_s;
    case Status::Settled:
        return u"settled"_s;
    }
    return u"unknown"_s;
}

EscrowContract::EscrowContract(ContractClient client)
    : m_client(std::move(client))
{}

QStringList EscrowContract::usedSignatures()
{
    const QString quote = u"(address,bytes32,address,uint256,uint64,uint64,uint256)"_s;
    return {u"open(%1,address,bytes,uint256)"_s.arg(quote),
            u"channel(bytes32)"_s,
            u"accrued(bytes32)"_s,
            u"claimable(bytes32)"_s,
            u"refundable(bytes32)"_s,
            u"runway(bytes32)"_s,
            u"claim(bytes32)"_s,
            u"topUp(bytes32,uint256)"_s,
            u"requestClose(bytes32)"_s,
            u"terminate(bytes32)"_s,
            u"refund(bytes32)"_s,
            u"settle(bytes32)"_s,
            u"quoteDigest(%1)"_s.arg(quote),
            u"channelIdOf(address,address,bytes32)"_s,
            u"usedNonce(address,uint256)"_s};
}

Result<TxRequest> EscrowContract::open(const EscrowQuote &quote, const crypto::Address &provider,
                                       const QByteArray &signature65, const UInt256 &deposit) const
{
    return m_client.transaction(u"open"_s,
                                {quote.toAbi(), AbiValue::fromAddress(provider),
                                 AbiValue::fromBytes(signature65), AbiValue::fromUInt(deposit)});
}

Result<TxRequest> EscrowContract::onChannel(const QString &function,
                                            const QByteArray &channelId) const
{
    return m_client.transaction(function, {AbiValue::fromBytes(channelId)});
}

Result<TxRequest> EscrowContract::topUp(const QByteArray &channelId, const UInt256 &amount) const
{
    return m_client.transaction(u"topUp"_s,
                                {AbiValue::fromBytes(channelId), AbiValue::fromUInt(amount)});
}

QByteArray EscrowContract::channelIdOf(const crypto::Address &publisher,
                                       const crypto::Address &provider,
                                       const QByteArray &deploymentId)
{
    // abi.encode of three static words is their concatenation.
    QByteArray encoded = QByteArray(12, '\0') + publisher.bytes() + QByteArray(12, '\0') +
                         provider.bytes() + deploymentId;
    return crypto::keccak256(encoded);
}

} // namespace berth::chain
