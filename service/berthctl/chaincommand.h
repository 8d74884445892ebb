#pragma once

#include "commandcontext.h"

namespace berth::cli {

// berthctl chain devnet [--stop] | use FILE|URL | show
int runChainCommand(CommandContext &context);

} // namespace berth::cli
