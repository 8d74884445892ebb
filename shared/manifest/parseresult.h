#pragma once

#include "manifest/diagnostic.h"
#include "manifest/pod.h"

namespace berth::manifest {

// What a codec read: the pod (as complete as the input allowed), every problem
// found, and where each field came from.
struct ParseResult
{
    Pod pod;
    QList<Diagnostic> diagnostics;
    SourceMap sourceMap;
    bool ok() const { return !hasErrors(diagnostics); }
};

} // namespace berth::manifest
