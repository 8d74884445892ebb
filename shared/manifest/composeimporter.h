#pragma once

#include "manifest/composestorage.h"
#include "manifest/importcontext.h"
#include "manifest/podassembler.h"
#include "manifest/yamlmap.h"

#include <optional>

namespace berth::manifest {

// A docker-compose file (the Compose Specification) as one Berth pod: each
// service becomes a container named after it. What Berth cannot express is
// reported as a warning at its source.
class ComposeImporter
{
public:
    explicit ComposeImporter(ImportContext &context);

    // nullopt when the document is not a compose file at all (an error says why).
    std::optional<Pod> run(const YAML::Node &document);

private:
    void importService(const YamlField &serviceField);
    void importImage(qsizetype index, YamlMap &service);
    void importCommand(qsizetype index, YamlMap &service);
    void importEnvironment(qsizetype index, const YamlField &environment);
    void importPorts(qsizetype index, const YamlField &ports);
    void importShortPort(qsizetype index, const YamlField &port);
    void importLongPort(qsizetype index, const YamlField &port);
    struct PortMapping
    {
        int containerPort = 0;
        std::optional<int> hostPort;
        QString protocol; // lower case: tcp, udp, sctp
        QString hostIp;
        QString appProtocol;
    };
    // app_protocol says what a port speaks; without it, common web ports are HTTP.
    void publishPort(qsizetype index, const PortMapping &mapping, const YamlField &source,
                     const YamlField &hostIpSource);
    void importExpose(qsizetype index, const YamlField &expose);
    void importDeploy(qsizetype index, const YamlField &deploy);
    void importResources(qsizetype index, const YamlField &resources);
    void importGpuDevices(qsizetype index, const YamlField &devices);
    void importServiceLevelResources(qsizetype index, YamlMap &service);
    void importHealthcheck(qsizetype index, const YamlField &healthcheck);
    void importRestart(const YamlField &restart);
    void importLabels(const YamlField &labels);
    void importNetworking(YamlMap &service);
    std::optional<int> seconds(const YamlField &field);
    QString interpolate(const QString &text, const YamlField &field);

    ImportContext &m_context;
    PodAssembler m_assembler;
    ComposeStorage m_storage;
    QString m_serviceName; // the service being imported
};

} // namespace berth::manifest
