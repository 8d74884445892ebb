#pragma once

#include "manifest/parseresult.h"

#include <QByteArray>
#include <QJsonObject>

namespace berth::manifest {

enum class ManifestFormat
{
    Yaml,
    Json
};

// Reads a berth/v1 manifest in YAML or JSON (JSON when the first non-blank
// character is '{'), refusing files over limits::MaxFileBytes.
ParseResult parseManifest(const QByteArray &text);
ParseResult parseManifest(const QByteArray &text, ManifestFormat format);

// parseManifest, then validate(), with every diagnostic located.
ParseResult loadManifest(const QByteArray &text);

// The pod as a JSON object (the JSON codec's document).
QJsonObject toJsonObject(const Pod &pod);
// Canonical text: YAML for people, JSON for programs. Both read back to an equal Pod.
QByteArray writeManifest(const Pod &pod, ManifestFormat format);

} // namespace berth::manifest
