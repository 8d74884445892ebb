#pragma once

#include "chain/contractclient.h"
#include "chain/registrycontract.h"

namespace berth::chain {

// Market.OrderTerms: what a publisher posts.
struct OrderTerms
{
    QByteArray manifestHash = QByteArray(32, '\0');
    QByteArray deploymentId = QByteArray(32, '\0'); // the Escrow channel's deploymentId
    Resources resources;
    crypto::Address token;
    UInt256 maxRatePerSecond; // base units per second × 10^18, as Escrow's rate
    quint64 maxNoticePeriod = 0;
    quint64 expiry = 0; // last second bids and accept are possible
    UInt256 minStake;   // minimum active provider stake; 0: none
    UInt256 deposit;
    QString region; // empty: any

    AbiValue toAbi() const;
    static OrderTerms fromAbi(const AbiValue &tuple);
};

// Market.Order as order(id) returns it.
struct MarketOrder
{
    enum class Status
    {
        None = 0,
        Open = 1,
        Accepted = 2,
        Cancelled = 3,
    };

    UInt256 id;
    crypto::Address publisher;
    quint64 postedAt = 0;
    Status status = Status::None;
    UInt256 acceptedBidId;                       // 0 unless accepted
    QByteArray channelId = QByteArray(32, '\0'); // zero unless accepted
    OrderTerms terms;

    AbiValue toAbi() const;
    static MarketOrder fromAbi(const UInt256 &id, const AbiValue &tuple);
    static QString statusName(Status status);
};

// Market.Bid as getBid(id) and bidsOfOrder return it.
struct MarketBid
{
    enum class Status
    {
        None = 0,
        Live = 1,
        Withdrawn = 2,
        Replaced = 3,
        Accepted = 4,
    };

    UInt256 id;
    UInt256 orderId;
    crypto::Address provider;
    quint64 noticePeriod = 0;
    quint64 placedAt = 0;
    Status status = Status::None;
    UInt256 ratePerSecond; // base units per second × 10^18

    AbiValue toAbi() const;
    static MarketBid fromAbi(const UInt256 &id, const AbiValue &tuple);
    static QString statusName(Status status);
};

// Typed access to the Market contract.
class MarketContract
{
public:
    explicit MarketContract(ContractClient client);
    const ContractClient &client() const { return m_client; }
    static QStringList usedSignatures();

    // The bids of one bidsOfOrder(orderId, offset, limit) page, with their ids.
    static QList<MarketBid> bidsFromAbi(const QList<AbiValue> &bidsOfOrderOutput);

    Result<TxRequest> postOrder(const OrderTerms &terms) const;
    Result<TxRequest> bid(const UInt256 &orderId, const UInt256 &ratePerSecond,
                          quint64 noticePeriod) const;
    Result<TxRequest> accept(const UInt256 &orderId, const UInt256 &bidId) const;
    Result<TxRequest> cancel(const UInt256 &orderId) const;
    Result<TxRequest> reclaim(const UInt256 &orderId) const;
    Result<TxRequest> withdrawBid(const UInt256 &bidId) const;

private:
    ContractClient m_client;
};

} // namespace berth::chain
