#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>

namespace berth::manifest {

// Writes JSON values as block-style YAML that reads back to the same values:
// strings that would read as numbers, booleans or null are quoted, and keys
// come in a readable order (apiVersion, kind, metadata, name, ... then the rest
// alphabetically) rather than QJsonObject's alphabetical one.
QByteArray toYaml(const QJsonValue &value);

// Several objects as one stream of documents separated by "---".
QByteArray toYamlDocuments(const QList<QJsonObject> &documents);

} // namespace berth::manifest
