#pragma once

#include "manifest/importcontext.h"
#include "manifest/podassembler.h"
#include "manifest/yamlmap.h"

#include <QHash>
#include <QSet>

#include <optional>

namespace berth::manifest {

// An Akash SDL 2.0 file (services, profiles, deployment) as one Berth pod:
// each service becomes a container with the resources of its compute profile.
// Placement (pricing, attributes, signedBy) is Akash's market and is reported:
// Berth providers quote their own prices.
class AkashImporter
{
public:
    explicit AkashImporter(ImportContext &context);

    // nullopt when the document is not an SDL at all (an error says why).
    std::optional<Pod> run(const YAML::Node &document);

private:
    struct Storage
    {
        QString name;
        std::int64_t sizeBytes = 0;
        bool persistent = false;
        bool memory = false; // class "ram": shared memory
    };
    struct Profile
    {
        YamlField field;
        Resources resources;
        QList<Storage> storage;
    };
    void readDeployment(const YamlField &deployment);
    void readPlacements(const YamlField &placements);
    const Profile *profileFor(const QString &service, const YamlField &serviceField);
    Profile readProfile(const YamlField &field);
    void readStorage(Profile &profile, const YamlField &storage);
    std::optional<Gpu> readGpu(const YamlField &gpu);
    void importService(const YamlField &serviceField);
    QStringList commandLine(const YamlField &field);
    void importEnv(qsizetype index, const YamlField &env);
    void importExpose(qsizetype index, const YamlField &expose);
    void importStorage(qsizetype index, const YamlField &params, const Profile *profile);
    std::optional<std::int64_t> size(const YamlField &field);

    ImportContext &m_context;
    PodAssembler m_assembler;
    QHash<QString, QString> m_serviceProfiles;    // service -> compute profile name
    QHash<QString, YamlField> m_deploymentFields; // service -> its deployment entry
    QHash<QString, YamlField> m_computeFields;    // compute profile name -> definition
    QHash<QString, Profile> m_profiles;           // compute profiles read so far
};

} // namespace berth::manifest
