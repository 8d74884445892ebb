#pragma once

#include "manifest/importcontext.h"
#include "manifest/podassembler.h"

#include <QHash>

#include <cstdint>
#include <optional>

namespace berth::manifest {

// The storage side of a compose file for ComposeImporter: top-level volume and
// secret definitions, and each service's volumes, tmpfs mounts and secrets.
class ComposeStorage
{
public:
    // The one Berth secret holding every compose secret, one key each, so that a
    // service's secrets can be mounted together as files in /run/secrets, as
    // compose does.
    static inline const QString SecretName = QStringLiteral("secrets");
    static inline const QString SecretsDirectory = QStringLiteral("/run/secrets");

    ComposeStorage(ImportContext &context, PodAssembler &assembler);

    void readVolumeDefinitions(const YamlField &volumes);
    void readSecretDefinitions(const YamlField &secrets);
    void importVolumes(qsizetype index, const YamlField &volumes);
    void importTmpfs(qsizetype index, const YamlField &tmpfs);
    void importSecrets(qsizetype index, const YamlField &secrets);

    // A compose size (b, k, kb, m, mb, g, gb, powers of 1024), reported when it is not one.
    static std::optional<std::int64_t> readBytes(ImportContext &context, const YamlField &field);

private:
    void importShortVolume(qsizetype index, const YamlField &volume);
    void importLongVolume(qsizetype index, const YamlField &volume);
    void mountNamedVolume(qsizetype index, const QString &source, const QString &target,
                          bool readOnly, const YamlField &field);
    void mountScratch(qsizetype index, const QString &target, std::int64_t sizeBytes);
    void mountAnonymous(qsizetype index, const QString &target, const YamlField &field);

    ImportContext &m_context;
    PodAssembler &m_assembler;
    QHash<QString, YamlField> m_volumeDefinitions; // top-level volumes by compose name
    QHash<QString, YamlField> m_secretDefinitions; // top-level secrets by compose name
    QHash<QString, QString> m_namedVolumes;        // compose volume name -> Berth volume name
};

} // namespace berth::manifest
