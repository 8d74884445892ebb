#pragma once

#include "manifest/diagnostic.h"
#include "manifest/pod.h"

#include <QByteArray>

#include <optional>

namespace berth::manifest {

// Formats a publisher may already have, convertible into a Berth manifest.
enum class SourceFormat
{
    Berth,
    Compose,
    Kubernetes,
    Akash
};

QString toString(SourceFormat);                                      // "berth", "compose", ...
std::optional<SourceFormat> sourceFormatFromString(const QString &); // the --from names

struct ImportResult
{
    std::optional<Pod> pod; // empty when the input could not be converted at all
    // Warnings name every field that could not be mapped (nothing is dropped
    // silently); errors say why there is no pod. Paths are in the source file's
    // terms ("services.wordpress.build"), with line and column.
    QList<Diagnostic> diagnostics;
};

// Guesses the format from the document's shape; nullopt when it is none of them.
std::optional<SourceFormat> detectSourceFormat(const QByteArray &text);

// Converts text in the given format (detected when nullopt) into a pod. The pod
// is not validated here: callers run Validator on it.
ImportResult importManifest(const QByteArray &text, std::optional<SourceFormat> from = {});

} // namespace berth::manifest
