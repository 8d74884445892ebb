#pragma once

#include <QByteArray>
#include <QList>

namespace berth::manifest {

// One document of a YAML stream, as text the size of the whole stream: the lines
// of the other documents are blanked, so every line and column yaml-cpp reports
// is the one in the file.
struct YamlDocument
{
    QByteArray text;
    int firstLine = 1; // 1-based line of its first content (for "second document" errors)
};

// Splits a YAML stream at its document markers ("---" and "..." at the start of
// a line, as the YAML spec defines them), dropping documents with no content
// (a trailing "---" is common in Kubernetes files). Parse each with YAML::Load:
// yaml-cpp 0.7's LoadAll loops forever on some malformed input (found by
// fuzzing: "  ,"), its single-document Load does not. At most maxDocuments + 1
// documents are returned, so a caller can refuse streams over its limit.
QList<YamlDocument> splitYamlDocuments(const QByteArray &text, qsizetype maxDocuments = 64);

} // namespace berth::manifest
