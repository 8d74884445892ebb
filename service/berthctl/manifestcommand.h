#pragma once

#include "commandcontext.h"

namespace berth::cli {

// `berthctl manifest validate|render|import ...`
int runManifestCommand(CommandContext &context);

} // namespace berth::cli
