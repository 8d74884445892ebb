#pragma once

#include "chain/registrycontract.h"
#include "core/uint256.h"
#include "manifest/pod.h"

namespace berth::chain {

// What a pod reserves on a provider (docs/contracts.md, "Pricing units"): every
// replica it may run (replicas.max) with the CPU, memory and GPUs of all its
// containers, plus the size of its persistent volumes once (replicas share them).
Resources podResources(const manifest::Pod &pod);

// The per-second rate (base units × 10^18) a provider asks for those resources
// under `prices`, each term rounded up: the price a quote carries and the least
// an Escrow channel must pay for the pod to run.
UInt256 podRate(const manifest::Pod &pod, const Prices &prices);
// The same rate for resources already summed (podResources, or a listing query).
UInt256 resourcesRate(const Resources &resources, const Prices &prices);

} // namespace berth::chain
