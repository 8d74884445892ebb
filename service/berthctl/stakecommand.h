#pragma once

#include "commandcontext.h"

namespace berth::cli {

// berthctl stake deposit | unstake | withdraw | challenge | respond | slash | show
int runStakeCommand(CommandContext &context);

} // namespace berth::cli
