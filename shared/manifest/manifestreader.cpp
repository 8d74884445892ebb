#include "manifest/manifestreader.h"

using namespace Qt::StringLiterals;

namespace berth::manifest {

namespace {

const QStringList PodFields{u"apiVersion"_s, u"kind"_s,     u"metadata"_s,      u"containers"_s,
                            u"volumes"_s,    u"replicas"_s, u"restartPolicy"_s, u"hostAliases"_s};
const QStringList MetadataFields{u"name"_s, u"labels"_s};
const QStringList ContainerFields{u"name"_s,         u"image"_s,      u"command"_s, u"args"_s,
                                  u"workingDir"_s,   u"env"_s,        u"ports"_s,   u"resources"_s,
                                  u"volumeMounts"_s, u"healthCheck"_s};
const QStringList BlobFields{u"sha256"_s, u"url"_s};
const QStringList EnvFields{u"name"_s, u"value"_s, u"secret"_s};
const QStringList SecretRefFields{u"name"_s, u"key"_s};
const QStringList PortFields{u"name"_s, u"containerPort"_s, u"protocol"_s, u"hosts"_s,
                             u"publicPort"_s};
const QStringList ResourceFields{u"cpu"_s, u"memory"_s, u"ephemeralStorage"_s, u"gpu"_s};
const QStringList GpuFields{u"count"_s, u"model"_s};
const QStringList MountFields{u"name"_s, u"mountPath"_s, u"readOnly"_s};
const QStringList HealthFields{u"http"_s,
                               u"tcp"_s,
                               u"exec"_s,
                               u"initialDelaySeconds"_s,
                               u"periodSeconds"_s,
                               u"timeoutSeconds"_s,
                               u"failureThreshold"_s};
const QStringList HttpCheckFields{u"path"_s, u"port"_s};
const QStringList TcpCheckFields{u"port"_s};
const QStringList ExecCheckFields{u"command"_s};
const QStringList VolumeFields{u"name"_s, u"emptyDir"_s, u"persistent"_s, u"secret"_s};
const QStringList EmptyDirFields{u"sizeLimit"_s};
const QStringList PersistentFields{u"size"_s};
const QStringList SecretVolumeFields{u"name"_s, u"items"_s};
const QStringList SecretItemFields{u"key"_s, u"path"_s};
const QStringList ReplicaFields{u"min"_s, u"max"_s, u"targetPendingRequests"_s};

} // namespace

template<typename T, typename Read>
QList<T> ManifestReader::readList(const YAML::Node &node, const QString &path, Read read)
{
    QList<T> result;
    const auto items = m_fields.sequence(node, path);
    if (!items)
        return result;
    // Items that could not be read stay as placeholders so that every later
    // path ("env[3]") still names the item it came from.
    for (qsizetype i = 0; i < items->size(); ++i)
        result.append(read(items->at(i), joinPath(path, i)));
    return result;
}

Pod ManifestReader::read(const YAML::Node &root)
{
    Pod pod;
    if (!root.IsDefined() || root.IsNull()) {
        m_fields.error({}, root,
                       u"the file is empty: a manifest starts with \"apiVersion: berth/v1\" and "
                       u"\"kind: Pod\""_s);
        return pod;
    }
    const auto fields = m_fields.fieldsOf(root, {}, PodFields);
    if (!fields)
        return pod;

    const QString apiVersion = fields->text(u"apiVersion"_s);
    if (!fields->has(u"apiVersion"_s))
        m_fields.error(u"apiVersion"_s, root,
                       u"apiVersion is missing: add \"apiVersion: berth/v1\""_s);
    else if (!apiVersion.isEmpty() && apiVersion != QLatin1StringView(ApiVersion))
        m_fields.error(
            u"apiVersion"_s, fields->node(u"apiVersion"_s),
            u"apiVersion \"%1\" is not supported: this Berth reads berth/v1 "
            u"(use `berthctl manifest import` for Kubernetes, compose or Akash files)"_s.arg(
                apiVersion));
    const QString kind = fields->text(u"kind"_s);
    if (!fields->has(u"kind"_s))
        m_fields.error(u"kind"_s, root, u"kind is missing: add \"kind: Pod\""_s);
    else if (!kind.isEmpty() && kind != QLatin1StringView(Kind))
        m_fields.error(u"kind"_s, fields->node(u"kind"_s),
                       u"kind \"%1\" is not supported: a berth/v1 manifest is a Pod"_s.arg(kind));

    readMetadata(fields->node(u"metadata"_s), pod.metadata);
    pod.containers = readList<Container>(
        fields->node(u"containers"_s), u"containers"_s,
        [this](const YAML::Node &n, const QString &p) { return readContainer(n, p); });
    pod.volumes = readList<Volume>(
        fields->node(u"volumes"_s), u"volumes"_s,
        [this](const YAML::Node &n, const QString &p) { return readVolume(n, p); });
    readReplicas(fields->node(u"replicas"_s), pod.replicas);
    const QString policy = fields->text(u"restartPolicy"_s);
    if (const auto parsed = restartPolicyFromString(policy))
        pod.restartPolicy = *parsed;
    else if (!policy.isEmpty())
        m_fields.error(
            u"restartPolicy"_s, fields->node(u"restartPolicy"_s),
            u"restartPolicy \"%1\" is not one of Always, OnFailure, Never"_s.arg(policy));
    pod.hostAliases = fields->textList(u"hostAliases"_s);
    return pod;
}

void ManifestReader::readMetadata(const YAML::Node &node, Metadata &metadata)
{
    const auto fields = m_fields.fieldsOf(node, u"metadata"_s, MetadataFields);
    if (!fields)
        return;
    metadata.name = fields->text(u"name"_s);
    const YAML::Node labels = fields->node(u"labels"_s);
    if (!YamlFields::isPresent(labels))
        return;
    m_fields.record(u"metadata.labels"_s, labels);
    if (!labels.IsMap()) {
        m_fields.error(u"metadata.labels"_s, labels,
                       u"expected a mapping of label names to values, got %1"_s.arg(
                           YamlFields::describe(labels)));
        return;
    }
    for (auto it = labels.begin(); it != labels.end(); ++it) {
        const YAML::Node keyNode = it->first;
        const YAML::Node valueNode = it->second;
        const auto key = m_fields.text(keyNode, u"metadata.labels"_s);
        if (!key)
            continue;
        const QString path = joinPath(u"metadata.labels"_s, *key);
        if (metadata.labels.contains(*key)) {
            m_fields.error(path, keyNode, u"label \"%1\" appears twice"_s.arg(*key));
            continue;
        }
        // Label values may be written unquoted (version: 1.2); keep their text.
        metadata.labels.insert(*key, m_fields.text(valueNode, path).value_or(QString()));
    }
}

Container ManifestReader::readContainer(const YAML::Node &node, const QString &path)
{
    Container c;
    const auto fields = m_fields.fieldsOf(node, path, ContainerFields);
    if (!fields)
        return c;
    c.name = fields->text(u"name"_s);
    readImage(fields->node(u"image"_s), fields->path(u"image"_s), c.image);
    c.command = fields->textList(u"command"_s);
    c.args = fields->textList(u"args"_s);
    c.workingDir = fields->text(u"workingDir"_s);
    c.env = readList<EnvVar>(
        fields->node(u"env"_s), fields->path(u"env"_s),
        [this](const YAML::Node &n, const QString &p) { return readEnvVar(n, p); });
    c.ports =
        readList<Port>(fields->node(u"ports"_s), fields->path(u"ports"_s),
                       [this](const YAML::Node &n, const QString &p) { return readPort(n, p); });
    readResources(fields->node(u"resources"_s), fields->path(u"resources"_s), c.resources);
    c.volumeMounts = readList<VolumeMount>(
        fields->node(u"volumeMounts"_s), fields->path(u"volumeMounts"_s),
        [this](const YAML::Node &n, const QString &p) { return readVolumeMount(n, p); });
    c.healthCheck = readHealthCheck(fields->node(u"healthCheck"_s), fields->path(u"healthCheck"_s));
    return c;
}

void ManifestReader::readImage(const YAML::Node &node, const QString &path, Image &image)
{
    if (!YamlFields::isPresent(node))
        return;
    if (node.IsScalar()) {
        image.reference = m_fields.text(node, path).value_or(QString());
        return;
    }
    const auto fields = m_fields.fieldsOf(node, path, BlobFields);
    if (!fields)
        return;
    image.blobSha256 = fields->text(u"sha256"_s);
    image.blobUrl = fields->text(u"url"_s);
    if (!fields->has(u"sha256"_s))
        m_fields.error(fields->path(u"sha256"_s), node,
                       u"an encrypted image needs sha256, the SHA-256 of its ciphertext "
                       u"(`berthctl image push` prints it)"_s);
}

EnvVar ManifestReader::readEnvVar(const YAML::Node &node, const QString &path)
{
    const auto fields = m_fields.fieldsOf(node, path, EnvFields);
    if (!fields)
        return {};
    EnvVar env;
    env.name = fields->text(u"name"_s);
    env.value = fields->text(u"value"_s);
    if (!fields->has(u"secret"_s))
        return env;
    if (fields->has(u"value"_s))
        m_fields.error(
            path, node,
            u"environment variable \"%1\" has both value and secret: keep one"_s.arg(env.name));
    if (const auto ref = m_fields.fieldsOf(fields->node(u"secret"_s), fields->path(u"secret"_s),
                                           SecretRefFields))
        env.secret = SecretKeyRef{ref->text(u"name"_s), ref->text(u"key"_s)};
    return env;
}

Port ManifestReader::readPort(const YAML::Node &node, const QString &path)
{
    const auto fields = m_fields.fieldsOf(node, path, PortFields);
    if (!fields)
        return {};
    Port port;
    port.name = fields->text(u"name"_s);
    port.containerPort = fields->integer(u"containerPort"_s, 0);
    const QString protocol = fields->text(u"protocol"_s);
    if (const auto parsed = portProtocolFromString(protocol))
        port.protocol = *parsed;
    else if (!protocol.isEmpty())
        m_fields.error(fields->path(u"protocol"_s), fields->node(u"protocol"_s),
                       u"protocol \"%1\" is not http or tcp: http routes web traffic by host "
                       u"name, tcp gives the port a public port number"_s.arg(protocol));
    port.hosts = fields->textList(u"hosts"_s);
    port.publicPort = fields->optionalInteger(u"publicPort"_s);
    return port;
}

void ManifestReader::readResources(const YAML::Node &node, const QString &path,
                                   Resources &resources)
{
    const auto fields = m_fields.fieldsOf(node, path, ResourceFields);
    if (!fields)
        return;
    resources.cpuMillis = fields->cpuMillis(u"cpu"_s);
    resources.memoryBytes = fields->bytes(u"memory"_s);
    resources.ephemeralStorageBytes = fields->bytes(u"ephemeralStorage"_s);
    if (!YamlFields::isPresent(fields->node(u"gpu"_s)))
        return;
    if (const auto gpu =
            m_fields.fieldsOf(fields->node(u"gpu"_s), fields->path(u"gpu"_s), GpuFields))
        resources.gpu = Gpu{gpu->integer(u"count"_s, 0), gpu->text(u"model"_s)};
}

VolumeMount ManifestReader::readVolumeMount(const YAML::Node &node, const QString &path)
{
    const auto fields = m_fields.fieldsOf(node, path, MountFields);
    if (!fields)
        return {};
    return VolumeMount{fields->text(u"name"_s), fields->text(u"mountPath"_s),
                       fields->boolean(u"readOnly"_s, false)};
}

std::optional<HealthCheck> ManifestReader::readHealthCheck(const YAML::Node &node,
                                                           const QString &path)
{
    if (!YamlFields::isPresent(node))
        return std::nullopt;
    const auto fields = m_fields.fieldsOf(node, path, HealthFields);
    if (!fields)
        return std::nullopt;
    HealthCheck check;
    check.initialDelaySeconds =
        fields->integer(u"initialDelaySeconds"_s, check.initialDelaySeconds);
    check.periodSeconds = fields->integer(u"periodSeconds"_s, check.periodSeconds);
    check.timeoutSeconds = fields->integer(u"timeoutSeconds"_s, check.timeoutSeconds);
    check.failureThreshold = fields->integer(u"failureThreshold"_s, check.failureThreshold);

    const auto kind = fields->oneOf({u"http"_s, u"tcp"_s, u"exec"_s}, node, u"a health check"_s);
    if (!kind)
        return check;
    const auto probe = m_fields.fieldsOf(fields->node(*kind), fields->path(*kind),
                                         *kind == u"http"  ? HttpCheckFields
                                         : *kind == u"tcp" ? TcpCheckFields
                                                           : ExecCheckFields);
    // The kind is known even when its settings cannot be read.
    check.kind = *kind == u"http"  ? HealthCheckKind::Http
                 : *kind == u"tcp" ? HealthCheckKind::Tcp
                                   : HealthCheckKind::Exec;
    if (!probe)
        return check;
    if (check.kind == HealthCheckKind::Http)
        check.path = probe->text(u"path"_s, u"/"_s);
    if (check.kind != HealthCheckKind::Exec)
        check.port = probe->integer(u"port"_s, 0);
    else
        check.command = probe->textList(u"command"_s);
    return check;
}

Volume ManifestReader::readVolume(const YAML::Node &node, const QString &path)
{
    const auto fields = m_fields.fieldsOf(node, path, VolumeFields);
    if (!fields)
        return {};
    Volume volume;
    volume.name = fields->text(u"name"_s);
    const auto kind = fields->oneOf({u"emptyDir"_s, u"persistent"_s, u"secret"_s}, node,
                                    u"volume \"%1\""_s.arg(volume.name));
    if (!kind)
        return volume;
    const auto source = m_fields.fieldsOf(fields->node(*kind), fields->path(*kind),
                                          *kind == u"emptyDir"     ? EmptyDirFields
                                          : *kind == u"persistent" ? PersistentFields
                                                                   : SecretVolumeFields);
    if (*kind == u"emptyDir")
        volume.kind = VolumeKind::EmptyDir;
    else if (*kind == u"persistent")
        volume.kind = VolumeKind::Persistent;
    else
        volume.kind = VolumeKind::Secret;
    if (!source)
        return volume;
    volume.sizeBytes =
        source->bytes(volume.kind == VolumeKind::EmptyDir ? u"sizeLimit"_s : u"size"_s);
    volume.secretName = source->text(u"name"_s);
    volume.items = readList<SecretItem>(
        source->node(u"items"_s), source->path(u"items"_s),
        [this](const YAML::Node &n, const QString &p) -> SecretItem {
            const auto item = m_fields.fieldsOf(n, p, SecretItemFields);
            return item ? SecretItem{item->text(u"key"_s), item->text(u"path"_s)} : SecretItem{};
        });
    return volume;
}

void ManifestReader::readReplicas(const YAML::Node &node, Replicas &replicas)
{
    const auto fields = m_fields.fieldsOf(node, u"replicas"_s, ReplicaFields);
    if (!fields)
        return;
    replicas.min = fields->integer(u"min"_s, replicas.min);
    // A lone "min: 3" means at least three: max follows it unless given.
    replicas.max = fields->integer(u"max"_s, std::max(replicas.max, replicas.min));
    replicas.targetPendingRequests =
        fields->integer(u"targetPendingRequests"_s, replicas.targetPendingRequests);
}

} // namespace berth::manifest
