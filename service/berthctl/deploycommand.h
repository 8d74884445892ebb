#pragma once

#include "commandcontext.h"
#include "core/result.h"

#include <QJsonArray>
#include <QJsonObject>

namespace berth::publisher {
class ProviderConnection;
}

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

class CommandOutput;

// Shared by the deployment commands (deploycommand.cpp, observecommand.cpp).
// Endpoints with their URLs through the provider's ingress, as text lines and JSON.
QJsonArray describeEndpoints(CommandOutput &out, const QJsonArray &endpoints,
                             const QJsonObject &ingress);
// The provider's provider.capacity answer.
Result<QJsonObject> capacityOf(publisher::ProviderConnection &connection);

} // namespace berth::cli
