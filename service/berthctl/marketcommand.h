#pragma once

#include "commandcontext.h"

namespace berth::cli {

// berthctl market order | bid | accept | cancel | list
int runMarketCommand(CommandContext &context);

} // namespace berth::cli
