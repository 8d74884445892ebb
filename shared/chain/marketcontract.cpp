#include "chain/marketcontract.h"

using namespace Qt::StringLiterals;

namespace berth::chain {

AbiValue OrderTerms::toAbi() const
{
    return AbiValue::fromList(
        {AbiValue::fromBytes(manifestHash), AbiValue::fromBytes(deploymentId), resources.toAbi(),
         AbiValue::fromAddress(token), AbiValue::fromUInt(maxRatePerSecond),
         AbiValue::fromUInt(maxNoticePeriod), AbiValue::fromUInt(expiry),
         AbiValue::fromUInt(minStake), AbiValue::fromUInt(deposit), AbiValue::fromString(region)});
}

OrderTerms OrderTerms::fromAbi(const AbiValue &tuple)
{
    const auto &i = tuple.items();
    OrderTerms t;
    t.manifestHash = i[0].toBytes().value();
    t.deploymentId = i[1].toBytes().value();
    t.resources = Resources::fromAbi(i[2]);
    t.token = i[3].toAddress().value();
    t.maxRatePerSecond = i[4].toUInt().value();
    t.maxNoticePeriod = i[5].decodedUInt64();
    t.expiry = i[6].decodedUInt64();
    t.minStake = i[7].toUInt().value();
    t.deposit = i[8].toUInt().value();
    t.region = i[9].toString().value();
    return t;
}

AbiValue MarketOrder::toAbi() const
{
    return AbiValue::fromList({AbiValue::fromAddress(publisher), AbiValue::fromUInt(postedAt),
                               AbiValue::fromUInt(static_cast<quint64>(status)),
                               AbiValue::fromUInt(acceptedBidId), AbiValue::fromBytes(channelId),
                               terms.toAbi()});
}

MarketOrder MarketOrder::fromAbi(const UInt256 &id, const AbiValue &tuple)
{
    const auto &i = tuple.items();
    MarketOrder o;
    o.id = id;
    o.publisher = i[0].toAddress().value();
    o.postedAt = i[1].decodedUInt64();
    o.status = static_cast<Status>(i[2].decodedUInt64());
    o.acceptedBidId = i[3].toUInt().value();
    o.channelId = i[4].toBytes().value();
    o.terms = OrderTerms::fromAbi(i[5]);
    return o;
}

QString MarketOrder::statusName(Status status)
{
    switch (status) {
    case Status::None:
        return u"none"_s;
    case Status::Open:
        return u"open"_s;
    case Status::Accepted:
        return u"accepted"_s;
    case Status::Cancelled:
        return u"cancelled"_s;
    }
    return u"unknown"_s;
}

AbiValue MarketBid::toAbi() const
{
    return AbiValue::fromList({AbiValue::fromUInt(orderId), AbiValue::fromAddress(provider),
                               AbiValue::fromUInt(noticePeriod), AbiValue::fromUInt(placedAt),
                               AbiValue::fromUInt(static_cast<quint64>(status)),
                               AbiValue::fromUInt(ratePerSecond)});
}

MarketBid MarketBid::fromAbi(const UInt256 &id, const AbiValue &tuple)
{
    const auto &i = tuple.items();
    MarketBid b;
    b.id = id;
    b.orderId = i[0].toUInt().value();
    b.provider = i[1].toAddress().value();
    b.noticePeriod = i[2].decodedUInt64();
    b.placedAt = i[3].decodedUInt64();
    b.status = static_cast<Status>(i[4].decodedUInt64());
    b.ratePerSecond = i[5].toUInt().value();
    return b;
}

QString MarketBid::statusName(Status status)
{
    switch (status) {
    case Status::None:
        return u"none"_s;
    case Status::Live:
        return u"live"_s;
    case Status::Withdrawn:
        return u"withdrawn"_s;
    case Status::Replaced:
        return u"replaced"_s;
    case Status::Accepted:
        return u"accepted"_s;
    }
    return u"unknown"_s;
}

MarketContract::MarketContract(ContractClient client)
    : m_client(std::move(client))
{}

QStringList MarketContract::usedSignatures()
{
    const QString terms = u"(bytes32,bytes32,(uint64,uint64,uint64,uint64),address,uint256,uint64,"
                          u"uint64,uint256,uint256,string)"_s;
    return {u"postOrder(%1)"_s.arg(terms),
            u"bid(uint256,uint256,uint64)"_s,
            u"accept(uint256,uint256)"_s,
            u"cancel(uint256)"_s,
            u"reclaim(uint256)"_s,
            u"withdrawBid(uint256)"_s,
            u"order(uint256)"_s,
            u"getBid(uint256)"_s,
            u"orderCount()"_s,
            u"bidCount()"_s,
            u"bidsOfOrder(uint256,uint256,uint256)"_s,
            u"liveBidOf(uint256,address)"_s};
}

QList<MarketBid> MarketContract::bidsFromAbi(const QList<AbiValue> &bidsOfOrderOutput)
{
    QList<MarketBid> bids;
    if (bidsOfOrderOutput.size() < 2)
        return bids;
    const auto &ids = bidsOfOrderOutput[0].items();
    const auto &entries = bidsOfOrderOutput[1].items();
    for (qsizetype i = 0; i < ids.size() && i < entries.size(); ++i)
        bids << MarketBid::fromAbi(ids[i].toUInt().value(), entries[i]);
    return bids;
}

Result<TxRequest> MarketContract::postOrder(const OrderTerms &terms) const
{
    return m_client.transaction(u"postOrder"_s, {terms.toAbi()});
}

Result<TxRequest> MarketContract::bid(const UInt256 &orderId, const UInt256 &ratePerSecond,
                                      quint64 noticePeriod) const
{
    return m_client.transaction(u"bid"_s,
                                {AbiValue::fromUInt(orderId), AbiValue::fromUInt(ratePerSecond),
                                 AbiValue::fromUInt(noticePeriod)});
}

Result<TxRequest> MarketContract::accept(const UInt256 &orderId, const UInt256 &bidId) const
{
    return m_client.transaction(u"accept"_s,
                                {AbiValue::fromUInt(orderId), AbiValue::fromUInt(bidId)});
}

Result<TxRequest> MarketContract::cancel(const UInt256 &orderId) const
{
    return m_client.transaction(u"cancel"_s, {AbiValue::fromUInt(orderId)});
}

Result<TxRequest> MarketContract::reclaim(const UInt256 &orderId) const
{
    return m_client.transaction(u"reclaim"_s, {AbiValue::fromUInt(orderId)});
}

Result<TxRequest> MarketContract::withdrawBid(const UInt256 &bidId) const
{
    return m_client.transaction(u"withdrawBid"_s, {AbiValue::fromUInt(bidId)});
}

} // namespace berth::chain
