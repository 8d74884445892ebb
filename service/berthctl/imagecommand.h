#pragma once

#include "commandcontext.h"

namespace berth::cli {

// berthctl image push | ls: private images exported, encrypted once and
// recorded, ready to upload to (or be fetched by) any provider.
int runImageCommand(CommandContext &context);

} // namespace berth::cli
