#pragma once

#include "manifest/diagnostic.h"

#include <optional>
#include <string>

namespace berth::manifest {

// yaml-cpp 0.7 (Debian 12) never returns from YAML::LoadAll() on some inputs: a
// stray ',' where a document should start ("," or "\"x\",") yields empty
// documents forever without consuming it. checkYamlStream() walks the stream's
// parse events first, bounded in documents and nesting depth, so LoadAll() only
// ever sees text it is known to finish. Returns the problem, if any; throws
// YAML::Exception on a syntax error, like LoadAll() would.
std::optional<Diagnostic> checkYamlStream(const std::string &text, int maxDocuments, int maxDepth);

} // namespace berth::manifest
