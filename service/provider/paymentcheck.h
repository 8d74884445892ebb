#pragma once

#include "chain/escrowcontract.h"
#include "core/result.h"
#include "core/uint256.h"
#include "crypto/address.h"

namespace berth::provider {

// What a channel must satisfy before berthd runs a pod on it ("paid, or not
// run"): open, between this provider and the logged-in publisher, in the token
// berthd prices in, at least the pod's rate, not closing, and funded for at
// least minRunwaySeconds more.
struct PaymentRequirement
{
    crypto::Address provider;
    crypto::Address publisher;
    crypto::Address token;
    UInt256 minRate; // scaled per-second rate of the pod (chain/podprice.h)
    quint64 minRunwaySeconds = 0;
    int tokenDecimals = 0;
    QString tokenSymbol;
};

// The channel as the chain reported it, with Escrow.runway(id) at time nowUnix.
// Errors: PaymentRequired (protocol code, made by makeRpcError) whose message
// says what is wrong and what the publisher can do, with data {channel, reason}
// where reason is one of "missing", "settled", "foreign", "token", "closing",
// "rate", "runway".
Result<void> checkChannelPays(const chain::EscrowChannel &channel, const UInt256 &runwaySeconds,
                              const PaymentRequirement &need, qint64 nowUnix);

// When the channel's paid time ends (unix seconds): the earlier of a requested
// stop and the moment its deposit runs out, as Escrow accrues it —
// start + ceil((deposit − accruedBefore) × 10^18 / rate) — also when that moment
// has passed. Saturates for a free channel.
qint64 paidUntil(const chain::EscrowChannel &channel);

} // namespace berth::provider
