#pragma once

#include "manifest/diagnostic.h"

#include <QByteArray>

#include <optional>
#include <string>
#include <yaml-cpp/mark.h>

namespace berth::manifest {

// yaml-cpp's 0-based mark as a 1-based location; unknown for a null mark.
SourceLocation sourceLocation(const YAML::Mark &mark);
// The location of a byte offset in text.
SourceLocation sourceLocationAt(const QByteArray &text, qsizetype offset);

// yaml-cpp 0.7 (Debian 12) never returns from YAML::LoadAll() on some inputs: a
// stray ',' where a document should start ("," or "\"x\",") yields empty
// documents forever without consuming it. checkYamlStream() walks the stream's
// parse events first, bounded in documents and nesting depth, so LoadAll() only
// ever sees text it is known to finish. Returns the problem, if any; throws
// YAML::Exception on a syntax error, like LoadAll() would.
std::optional<Diagnostic> checkYamlStream(const std::string &text, int maxDocuments, int maxDepth);

// What every reader of YAML or JSON checks first, whatever the format: the size
// limit, binary data (NUL bytes), UTF-8.
std::optional<Diagnostic> checkTextInput(const QByteArray &text);

// checkTextInput(), then checkYamlStream() with limits::MaxNestingDepth (syntax
// errors become diagnostics too). A stream of more than maxDocuments documents
// is an error located at the first document too many.
std::optional<Diagnostic> checkYamlInput(const QByteArray &text, int maxDocuments);

} // namespace berth::manifest
