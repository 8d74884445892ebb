#pragma once

#include "chain/registrycontract.h"
#include "core/result.h"
#include "provider/deploymentrecord.h"

#include <QList>

namespace berth::provider {

// Admission: berthd takes a pod only when it fits beside the pods it runs
// already (docs/provider.md, "Capacity"). The capacity is what the provider
// lists (registry.capacity.*), with CPU and memory read from the machine where
// the listing names none. Requests (the manifest's resources) are what count.

// This machine's CPU (millicores) and memory (bytes); storage and GPUs 0.
chain::Resources machineResources();

// The listed capacity with CPU and memory from `machine` where the listing is 0.
chain::Resources admissionCapacity(const chain::Resources &listed,
                                   const chain::Resources &machine = machineResources());

// What the deployments that hold resources (running, provisioning) ask for in
// all, leaving out `replacing` (the deployment an update or re-provision
// replaces). A stored manifest that no longer reads counts as nothing.
chain::Resources resourcesInUse(const QList<DeploymentRecord> &deployments,
                                const QString &replacing = {});

// Whether `wanted` fits beside `used` in `capacity`. CPU, memory and GPUs are
// always checked (0 GPUs: none to give); storage only when a storage capacity
// is listed. The error (protocol InsufficientCapacity, data {"resource",
// "wanted", "free", "capacity"}) names the first resource short.
Result<void> checkFits(const chain::Resources &wanted, const chain::Resources &used,
                       const chain::Resources &capacity);

} // namespace berth::provider
