#pragma once

#include "chain/marketcontract.h"
#include "core/uint256.h"
#include "crypto/address.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace berth::market {

// One Market order as the index knows it, with its bids.
struct OrderRow
{
    struct Bid
    {
        UInt256 id;
        crypto::Address provider;
        UInt256 ratePerSecond; // token base units per second × 10^18
        quint64 noticePeriod = 0;
        QString status; // "live", "withdrawn", "replaced" or "accepted"
        quint64 placedBlock = 0;
    };

    UInt256 id;
    crypto::Address publisher;
    chain::OrderTerms terms;
    QString status; // "open", "accepted" or "cancelled"
    std::optional<UInt256> acceptedBidId;
    QByteArray channelId; // the Escrow channel once accepted
    quint64 postedBlock = 0;
    quint64 updatedBlock = 0;
    QList<Bid> bids; // cheapest first, then by id
};

} // namespace berth::market
