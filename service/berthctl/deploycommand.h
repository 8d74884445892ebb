#pragma once

#include "commandcontext.h"

namespace berth::cli {

// The publisher's deployment commands (docs/berthctl.md, "Deploying"):
//   berthctl deploy FILE  (--provider ADDR|URL | --select CRITERIA) [--deposit | --duration]
//   berthctl update NAME FILE
//   berthctl delete NAME     (delete, request the close; again after the notice: settle)
//   berthctl ls | status NAME | events NAME | logs NAME [-f] | metrics NAME | topup NAME
int runDeployCommand(CommandContext &context);
int runUpdateCommand(CommandContext &context);
int runDeleteCommand(CommandContext &context);
int runListCommand(CommandContext &context);
int runStatusCommand(CommandContext &context);
int runEventsCommand(CommandContext &context);
int runLogsCommand(CommandContext &context);
int runTopUpCommand(CommandContext &context);
int runMetricsCommand(CommandContext &context);

} // namespace berth::cli
