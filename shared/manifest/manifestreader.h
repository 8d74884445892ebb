#pragma once

#include "manifest/parseresult.h"
#include "manifest/yamlfields.h"

namespace berth::manifest {

// Turns a parsed YAML (or JSON) document into a Pod, reporting every syntax,
// type and unknown-field problem with its path and location. Rules on values
// (ranges, references, duplicates) are Validator's.
class ManifestReader
{
public:
    ManifestReader(QList<Diagnostic> &diagnostics, SourceMap &sourceMap)
        : m_fields(diagnostics, sourceMap)
    {}

    Pod read(const YAML::Node &root);

private:
    void readMetadata(const YAML::Node &node, Metadata &metadata);
    Container readContainer(const YAML::Node &node, const QString &path);
    void readImage(const YAML::Node &node, const QString &path, Image &image);
    EnvVar readEnvVar(const YAML::Node &node, const QString &path);
    Port readPort(const YAML::Node &node, const QString &path);
    void readResources(const YAML::Node &node, const QString &path, Resources &resources);
    VolumeMount readVolumeMount(const YAML::Node &node, const QString &path);
    std::optional<HealthCheck> readHealthCheck(const YAML::Node &node, const QString &path);
    Volume readVolume(const YAML::Node &node, const QString &path);
    void readReplicas(const YAML::Node &node, Replicas &replicas);

    // Reads each item of the list at node with read(item, itemPath).
    template<typename T, typename Read>
    QList<T> readList(const YAML::Node &node, const QString &path, Read read);

    YamlFields m_fields;
};

} // namespace berth::manifest
