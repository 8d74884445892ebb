#pragma once

#include "chain/registrycontract.h"
#include "commandcontext.h"

#include <optional>

namespace berth::cli {

// berthctl provider register | update | show | list
int runProviderCommand(CommandContext &context);

class ChainSession;

// A provider's Registry listing and its prices in the profile's token.
struct Listing
{
    chain::ProviderListing listing;
    std::optional<chain::Prices> prices;
};

// NotFound (saying how to register) when the provider is not registered.
Result<Listing> readListing(ChainSession &session, const chain::ContractClient &registry,
                            const crypto::Address &provider);

} // namespace berth::cli
