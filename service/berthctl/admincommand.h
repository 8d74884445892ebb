#pragma once

#include "commandcontext.h"

namespace berth::cli {

// The provider operator's view of a running berthd through its admin API
// (docs/berthctl.md, "Admin (provider)"):
//   berthctl admin status | deployments | metrics DEPLOYMENT|machine | logs DEPLOYMENT [-f]
// with --admin ws://127.0.0.1:PORT and the token from --token-file FILE,
// --data-dir DIR (its admin.token), $BERTH_ADMIN_TOKEN_FILE or berthd's default dataDir.
int runAdminCommand(CommandContext &context);

} // namespace berth::cli
