#pragma once

#include "commandcontext.h"

namespace berth::cli {

// berthctl wallet new | import | export | address | balance | list
int runWalletCommand(CommandContext &context);

} // namespace berth::cli
