#pragma once

#include "manifest/importcontext.h"
#include "manifest/podassembler.h"
#include "manifest/yamlmap.h"

#include <QHash>
#include <QSet>

#include <optional>
#include <vector>

namespace berth::manifest {

// A Kubernetes Pod or Deployment (from a stream of objects, as kubectl reads
// them) as a Berth pod. PersistentVolumeClaims of the same stream give their
// volumes a size; other objects are reported and left out.
class KubernetesImporter
{
public:
    explicit KubernetesImporter(ImportContext &context);

    // nullopt when the stream holds no Pod or Deployment (an error says so).
    std::optional<Pod> run(const std::vector<YAML::Node> &documents);

private:
    struct Claim
    {
        YamlField document;
        std::optional<std::int64_t> sizeBytes;
        bool used = false;
    };
    void readClaim(const YamlField &document, const QString &name);
    void importWorkload(const YamlField &document, const QString &kind);
    void importMetadata(const YamlField &metadata, bool naming);
    void importPodSpec(const YamlField &spec);
    void importVolumes(const YamlField &volumes);
    void importContainer(const YamlField &containerField);
    void importEnv(qsizetype index, const YamlField &env);
    void importPorts(qsizetype index, const YamlField &ports);
    void importResources(qsizetype index, const YamlField &resources);
    void importVolumeMounts(qsizetype index, const YamlField &mounts);
    void importProbes(qsizetype index, YamlMap &container);
    std::optional<HealthCheck> probe(const YamlField &probeField);
    std::optional<int> probePort(const YamlField &port);

    ImportContext &m_context;
    PodAssembler m_assembler;
    QHash<QString, Claim> m_claims;        // PersistentVolumeClaims by name
    QHash<QString, QString> m_volumeNames; // mapped Kubernetes volume -> Berth volume
    QSet<QString> m_unmappedVolumes;       // volumes already reported as not mapped
    QSet<QString> m_readOnlyVolumes;       // claims mounted read-only
    QHash<QString, int> m_portNumbers;     // named ports of the current container
};

} // namespace berth::manifest
