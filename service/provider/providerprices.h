#pragma once

#include "chain/registrycontract.h"
#include "core/result.h"
#include "provider/providersettings.h"

namespace berth::provider {

// The prices berthd quotes with and lists in the Registry, from the pricing.*
// settings (tokens per core-hour, GiB-month, GPU-hour) in the token's base units
// per second × 10^18. Egress has no setting: it stays 0.
Result<chain::Prices> providerPrices(const ProviderSettings &settings, int tokenDecimals);

} // namespace berth::provider
