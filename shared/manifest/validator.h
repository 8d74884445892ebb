#pragma once

#include "manifest/diagnostic.h"
#include "manifest/pod.h"

namespace berth::manifest {

// The rules of a berth/v1 pod beyond its syntax (docs/manifest.md): names,
// limits, references, duplicates. Reports every problem at once, each with its
// field path; locations are filled in by the caller from a SourceMap.
QList<Diagnostic> validate(const Pod &pod);

} // namespace berth::manifest
