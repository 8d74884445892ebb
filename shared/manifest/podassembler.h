#pragma once

#include "manifest/importcontext.h"
#include "manifest/pod.h"

#include <QHash>
#include <QSet>

namespace berth::manifest {

// Builds one pod out of the services or containers of a source file, applying
// the rules every importer shares: containers named by DNS label (original
// spellings become host aliases), ports named and checked against the shared
// network, one restart policy and one replica count for the whole pod, and
// default resources where the source has none.
class PodAssembler
{
public:
    explicit PodAssembler(ImportContext &context);

    Pod &pod() { return m_pod; }

    // Adds a container for the service (or container) sourceName and returns its index.
    qsizetype addContainer(const QString &sourceName);
    Container &container(qsizetype index) { return m_pod.containers[index]; }

    // Notes that the container listens on port (published or not). Two
    // containers of a pod cannot: that is an error at source. Returns false then.
    bool claimPort(qsizetype index, int port, const YamlField &source);
    // Publishes a port (claiming it); an empty or taken name is replaced by
    // "<container>-<port>". A port the container already publishes is reported.
    bool addPort(qsizetype index, Port port, const YamlField &source);
    // Publishes a port the way every source means it: a TCP port requests the
    // host port as its public port; an HTTP port is served under a host name on
    // the provider's ports 80 and 443, so a host port means nothing for it and a
    // warning says so when it differs from the container port ("80:80" gets
    // what it asked for, "8080:80" does not).
    bool publish(qsizetype index, Port port, std::optional<int> hostPort, const YamlField &source);
    // The container's published port with that number, or nullptr.
    Port *findPort(qsizetype index, int containerPort);

    bool hasVolume(const QString &name) const { return m_volumeNames.contains(name); }
    // Adds the volume as named (callers check hasVolume first for shared ones).
    void addVolume(Volume volume);
    // A free volume name derived from base.
    QString freeVolumeName(const QString &base) const;

    // The pod has one replica count: the largest asked for, with a warning when they differ.
    void requestReplicas(int count, const YamlField &source);
    // The pod has one restart policy: the first one asked for, with a warning for others.
    void requestRestartPolicy(RestartPolicy policy, const YamlField &source);
    // Fills in the CPU and memory the source did not give, with one warning.
    void applyDefaultResources(qsizetype index, const YamlField &source);
    void addHostAlias(const QString &alias);

    // The pod, with host aliases for services whose names had to change.
    Pod finish();

private:
    ImportContext &m_context;
    Pod m_pod;
    QStringList m_sourceNames; // per container
    QSet<QString> m_containerNames;
    QSet<QString> m_portNames;
    QSet<QString> m_volumeNames;
    QHash<int, qsizetype> m_portOwners; // container port -> container index
    QSet<int> m_publishedPorts;
    std::optional<int> m_replicas;
    QString m_replicasSource;
    std::optional<RestartPolicy> m_restartPolicy;
    QString m_restartSource;
};

} // namespace berth::manifest
