#pragma once

#include "commandcontext.h"

namespace berth::cli {

// berthctl escrow quote | open | topup | close | settle | claim | show
int runEscrowCommand(CommandContext &context);

} // namespace berth::cli
