#include "manifest/podassembler.h"

#include "manifest/importhelpers.h"
#include "manifest/quantity.h"

using namespace Qt::StringLiterals;

namespace berth::manifest {

using namespace importing;

namespace {

bool isValidPortName(const QString &name)
{
    if (name.isEmpty() || name.size() > MaxPortNameLength || name.startsWith(u'-') ||
        name.endsWith(u'-'))
        return false;
    bool hasLetter = false;
    for (const QChar c : name) {
        if (c >= u'a' && c <= u'z')
            hasLetter = true;
        else if (!(c >= u'0' && c <= u'9') && c != u'-')
            return false;
    }
    return hasLetter;
}

} // namespace

PodAssembler::PodAssembler(ImportContext &context)
    : m_context(context)
{}

qsizetype PodAssembler::addContainer(const QString &sourceName)
{
    Container container;
    container.name =
        uniqueName(toDnsLabel(sourceName, u"app"_s), m_containerNames, limits::MaxNameLength);
    m_containerNames.insert(container.name);
    m_pod.containers.append(container);
    m_sourceNames.append(sourceName);
    return m_pod.containers.size() - 1;
}

bool PodAssembler::claimPort(qsizetype index, int port, const YamlField &source)
{
    const auto owner = m_portOwners.constFind(port);
    if (owner == m_portOwners.cend()) {
        m_portOwners.insert(port, index);
        return true;
    }
    if (*owner == index)
        return true;
    m_context.error(source,
                    u"%1 and %2 both listen on port %3, but the containers of a Berth pod share "
                    u"one network, so only one of them can use it: make one of them listen on "
                    u"another port (and point whatever connects to it there)"_s.arg(
                        m_sourceNames[*owner], m_sourceNames[index], QString::number(port)));
    return false;
}

bool PodAssembler::addPort(qsizetype index, Port port, const YamlField &source)
{
    if (!claimPort(index, port.containerPort, source))
        return false;
    if (m_publishedPorts.contains(port.containerPort)) {
        m_context.warn(source, u"port %1 is already published by an earlier entry: this one "
                               u"is ignored"_s.arg(port.containerPort));
        return false;
    }
    if (isValidPortName(port.name) && !m_portNames.contains(port.name))
        m_portNames.insert(port.name);
    else
        port.name = portName(container(index).name, port.containerPort, m_portNames);
    m_publishedPorts.insert(port.containerPort);
    container(index).ports.append(port);
    return true;
}

bool PodAssembler::publish(qsizetype index, Port port, std::optional<int> hostPort,
                           const YamlField &source)
{
    const bool http = port.protocol == PortProtocol::Http;
    if (!http)
        port.publicPort = hostPort;
    if (!addPort(index, port, source))
        return false;
    if (http && hostPort && *hostPort != port.containerPort)
        m_context.warn(source, u"host port %1 is not used: Berth serves HTTP port %2 under a host "
                               u"name (https on port 443)"_s.arg(*hostPort)
                                   .arg(port.containerPort));
    return true;
}

Port *PodAssembler::findPort(qsizetype index, int containerPort)
{
    for (Port &port : container(index).ports) {
        if (port.containerPort == containerPort)
            return &port;
    }
    return nullptr;
}

void PodAssembler::addVolume(Volume volume)
{
    m_volumeNames.insert(volume.name);
    m_pod.volumes.append(std::move(volume));
}

QString PodAssembler::freeVolumeName(const QString &base) const
{
    return uniqueName(toDnsLabel(base, u"volume"_s), m_volumeNames, limits::MaxNameLength);
}

void PodAssembler::requestReplicas(int count, const YamlField &source)
{
    if (!m_replicas) {
        m_replicas = count;
        m_replicasSource = source.path;
        return;
    }
    if (count == *m_replicas)
        return;
    const int chosen = std::max(count, *m_replicas);
    m_context.warn(source, u"a Berth pod is scaled as a whole: `%1` asks for %2 replicas but "
                           u"`%3` for %4, so the pod runs %5"_s.arg(source.path)
                               .arg(count)
                               .arg(m_replicasSource)
                               .arg(*m_replicas)
                               .arg(chosen));
    m_replicas = chosen;
}

void PodAssembler::requestRestartPolicy(RestartPolicy policy, const YamlField &source)
{
    if (!m_restartPolicy) {
        m_restartPolicy = policy;
        m_restartSource = source.path;
        return;
    }
    if (policy != *m_restartPolicy)
        m_context.warn(
            source, u"a Berth pod has one restart policy: %1 (from `%2`) is used, "
                    u"not %3"_s.arg(toString(*m_restartPolicy), m_restartSource, toString(policy)));
}

void PodAssembler::applyDefaultResources(qsizetype index, const YamlField &source)
{
    Resources &resources = container(index).resources;
    QStringList missing;
    QStringList assumed;
    if (resources.cpuMillis == 0) {
        resources.cpuMillis = DefaultCpuMillis;
        missing.append(u"CPU"_s);
        assumed.append(u"cpu "_s + quantity::formatCpuMillis(DefaultCpuMillis));
    }
    if (resources.memoryBytes == 0) {
        resources.memoryBytes = DefaultMemoryBytes;
        missing.append(u"memory"_s);
        assumed.append(u"memory "_s + quantity::formatBytes(DefaultMemoryBytes));
    }
    if (missing.isEmpty())
        return;
    m_context.warn(source, u"container %1 has no %2 limit: Berth assumes %3; adjust resources "
                           u"before deploying"_s.arg(container(index).name, missing.join(u" or "_s),
                                                     assumed.join(u" and "_s)));
}

void PodAssembler::addHostAlias(const QString &alias)
{
    if (m_pod.hostAliases.contains(alias) || m_containerNames.contains(alias))
        return;
    m_pod.hostAliases.append(alias);
}

Pod PodAssembler::finish()
{
    for (qsizetype i = 0; i < m_pod.containers.size(); ++i) {
        const QString &source = m_sourceNames[i];
        // DNS is case-insensitive: "Web" already reaches the container "web".
        if (source.compare(m_pod.containers[i].name, Qt::CaseInsensitive) != 0 &&
            isHostAlias(source))
            addHostAlias(source);
    }
    // A source scaled to zero keeps room for one replica (Berth's max is at least 1).
    const int replicas = m_replicas.value_or(1);
    m_pod.replicas.min = replicas;
    m_pod.replicas.max = std::max(replicas, 1);
    if (m_restartPolicy)
        m_pod.restartPolicy = *m_restartPolicy;
    return m_pod;
}

} // namespace berth::manifest
