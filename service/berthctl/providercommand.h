#pragma once

#include "commandcontext.h"

namespace berth::cli {

// berthctl provider register | update | show | list
int runProviderCommand(CommandContext &context);

} // namespace berth::cli
