#pragma once

#include "chain/registrycontract.h"
#include "core/result.h"
#include "core/uint256.h"
#include "crypto/address.h"
#include "manifest/pod.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <utility>

namespace berth::market {

// Which providers a publisher wants, answered by MarketIndex::providers: listings
// that price `token`, serve one of `regions`, carry every attribute and have at
// least `minStake` active stake; with a pod, only those whose rate for the pod is
// at most `maxRate`, cheapest first (ties by address). Deregistered providers and
// listings without a price for the token never match.
struct ProviderQuery
{
    std::optional<crypto::Address> token;          // none: the chain profile's token
    QStringList regions;                           // any of them (exact names); empty: any region
    QList<std::pair<QString, QString>> attributes; // all must match exactly
    std::optional<chain::Resources> pod;           // what the pod reserves (chain::podResources)
    // The most the pod may cost: token base units per second × 10^18 (as
    // chain::podRate). Needs a pod.
    std::optional<UInt256> maxRate;
    UInt256 minStake; // token base units; 0: no minimum
    int limit = 0;    // 0: every match

    // Sets `pod` to what `pod` reserves (chain::podResources).
    void setPod(const manifest::Pod &pod);

    // The rate `prices` ask for `resources`, rounded up term by term exactly as
    // chain::podRate: rateFor(podResources(pod), prices) == podRate(pod, prices).
    static UInt256 rateFor(const chain::Resources &resources, const chain::Prices &prices);

    // The keys parse() understands, for help texts and errors.
    static QStringList knownKeys();

    // `region=eu,max-price=0.5/h,min-stake=100,attr.gpu=a100`: comma-separated
    // key=value terms. Keys: region (several with `|`: eu|us), max-price (tokens
    // per period: `0.5/h`, `30/month`, `0.001/s`, `12/d`), min-stake (tokens),
    // attr.<key>=<value> (repeatable), token (an address), limit (a count).
    // Amounts are exact, with `tokenDecimals` decimals. An unknown key is
    // InvalidArgument naming it and listing the known ones.
    static Result<ProviderQuery> parse(const QString &expression, int tokenDecimals);
};

} // namespace berth::market
