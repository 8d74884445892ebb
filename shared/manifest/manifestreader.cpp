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

// Exactly one of several keys must be present (health check kinds, volume kinds).
std::optional<QString> pickOne(YamlFields &fields, const QHash<QString, YAML::Node> &entries,
                               const QStringList &choices, const QString &path,
                               const YAML::Node &node, const QString &what)
{
    QStringList present; // "emptyDir: {}" and a bare "emptyDir:" both choose emptyDir
    for (const auto &choice : choices) {
        if (entries.contains(choice))
            present.append(choice);
    }
    if (present.size() == 1)
        return present.front();
    if (present.isEmpty())
        fields.error(path, node, u"%1 needs one of: %2"_s.arg(what, choices.join(u", "_s)));
    else
        fields.error(path, node,
                     u"%1 has %2: keep exactly one"_s.arg(what, present.join(u" and "_s)));
    return std::nullopt;
}

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
    const auto entries = m_fields.mapping(root, {}, PodFields);
    if (!entries)
        return pod;

    const auto apiVersion = m_fields.text(entries->value(u"apiVersion"_s), u"apiVersion"_s);
    if (!entries->contains(u"apiVersion"_s))
        m_fields.error(u"apiVersion"_s, root,
                       u"apiVersion is missing: add \"apiVersion: berth/v1\""_s);
    else if (apiVersion && *apiVersion != QLatin1StringView(ApiVersion))
        m_fields.error(
            u"apiVersion"_s, entries->value(u"apiVersion"_s),
            u"apiVersion \"%1\" is not supported: this Berth reads berth/v1 "
            u"(use `berthctl manifest import` for Kubernetes, compose or Akash files)"_s.arg(
                *apiVersion));
    const auto kind = m_fields.text(entries->value(u"kind"_s), u"kind"_s);
    if (!entries->contains(u"kind"_s))
        m_fields.error(u"kind"_s, root, u"kind is missing: add \"kind: Pod\""_s);
    else if (kind && *kind != QLatin1StringView(Kind))
        m_fields.error(u"kind"_s, entries->value(u"kind"_s),
                       u"kind \"%1\" is not supported: a berth/v1 manifest is a Pod"_s.arg(*kind));

    readMetadata(entries->value(u"metadata"_s), pod.metadata);
    pod.containers = readList<Container>(
        entries->value(u"containers"_s), u"containers"_s,
        [this](const YAML::Node &n, const QString &p) { return readContainer(n, p); });
    pod.volumes = readList<Volume>(
        entries->value(u"volumes"_s), u"volumes"_s,
        [this](const YAML::Node &n, const QString &p) { return readVolume(n, p); });
    readReplicas(entries->value(u"replicas"_s), pod.replicas);
    if (const auto policy = m_fields.text(entries->value(u"restartPolicy"_s), u"restartPolicy"_s)) {
        if (const auto parsed = restartPolicyFromString(*policy))
            pod.restartPolicy = *parsed;
        else
            m_fields.error(
                u"restartPolicy"_s, entries->value(u"restartPolicy"_s),
                u"restartPolicy \"%1\" is not one of Always, OnFailure, Never"_s.arg(*policy));
    }
    if (const auto aliases = m_fields.textList(entries->value(u"hostAliases"_s), u"hostAliases"_s))
        pod.hostAliases = *aliases;
    return pod;
}

void ManifestReader::readMetadata(const YAML::Node &node, Metadata &metadata)
{
    const auto entries = m_fields.mapping(node, u"metadata"_s, MetadataFields);
    if (!entries)
        return;
    metadata.name =
        m_fields.text(entries->value(u"name"_s), u"metadata.name"_s).value_or(QString());
    const YAML::Node labels = entries->value(u"labels"_s);
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
    const auto entries = m_fields.mapping(node, path, ContainerFields);
    if (!entries)
        return c;
    const auto field = [&](const QString &key) { return entries->value(key); };
    const auto fieldPath = [&](const QString &key) { return joinPath(path, key); };

    c.name = m_fields.text(field(u"name"_s), fieldPath(u"name"_s)).value_or(QString());
    readImage(field(u"image"_s), fieldPath(u"image"_s), c.image);
    c.command =
        m_fields.textList(field(u"command"_s), fieldPath(u"command"_s)).value_or(QStringList());
    c.args = m_fields.textList(field(u"args"_s), fieldPath(u"args"_s)).value_or(QStringList());
    c.workingDir =
        m_fields.text(field(u"workingDir"_s), fieldPath(u"workingDir"_s)).value_or(QString());
    c.env = readList<EnvVar>(
        field(u"env"_s), fieldPath(u"env"_s),
        [this](const YAML::Node &n, const QString &p) { return readEnvVar(n, p); });
    c.ports =
        readList<Port>(field(u"ports"_s), fieldPath(u"ports"_s),
                       [this](const YAML::Node &n, const QString &p) { return readPort(n, p); });
    readResources(field(u"resources"_s), fieldPath(u"resources"_s), c.resources);
    c.volumeMounts = readList<VolumeMount>(
        field(u"volumeMounts"_s), fieldPath(u"volumeMounts"_s),
        [this](const YAML::Node &n, const QString &p) { return readVolumeMount(n, p); });
    c.healthCheck = readHealthCheck(field(u"healthCheck"_s), fieldPath(u"healthCheck"_s));
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
    const auto entries = m_fields.mapping(node, path, BlobFields);
    if (!entries)
        return;
    image.blobSha256 =
        m_fields.text(entries->value(u"sha256"_s), joinPath(path, u"sha256"_s)).value_or(QString());
    image.blobUrl =
        m_fields.text(entries->value(u"url"_s), joinPath(path, u"url"_s)).value_or(QString());
    if (!entries->contains(u"sha256"_s))
        m_fields.error(joinPath(path, u"sha256"_s), node,
                       u"an encrypted image needs sha256, the SHA-256 of its ciphertext "
                       u"(`berthctl image push` prints it)"_s);
}

EnvVar ManifestReader::readEnvVar(const YAML::Node &node, const QString &path)
{
    const auto entries = m_fields.mapping(node, path, EnvFields);
    if (!entries)
        return {};
    EnvVar env;
    env.name =
        m_fields.text(entries->value(u"name"_s), joinPath(path, u"name"_s)).value_or(QString());
    env.value =
        m_fields.text(entries->value(u"value"_s), joinPath(path, u"value"_s)).value_or(QString());
    if (entries->contains(u"secret"_s)) {
        if (entries->contains(u"value"_s))
            m_fields.error(
                path, node,
                u"environment variable \"%1\" has both value and secret: keep one"_s.arg(env.name));
        const QString secretPath = joinPath(path, u"secret"_s);
        const YAML::Node secretNode = entries->value(u"secret"_s);
        if (const auto ref = m_fields.mapping(secretNode, secretPath, SecretRefFields)) {
            SecretKeyRef secret;
            secret.name = m_fields.text(ref->value(u"name"_s), joinPath(secretPath, u"name"_s))
                              .value_or(QString());
            secret.key = m_fields.text(ref->value(u"key"_s), joinPath(secretPath, u"key"_s))
                             .value_or(QString());
            env.secret = secret;
        }
    }
    return env;
}

Port ManifestReader::readPort(const YAML::Node &node, const QString &path)
{
    const auto entries = m_fields.mapping(node, path, PortFields);
    if (!entries)
        return {};
    Port port;
    port.name =
        m_fields.text(entries->value(u"name"_s), joinPath(path, u"name"_s)).value_or(QString());
    port.containerPort =
        m_fields
            .smallInteger(entries->value(u"containerPort"_s), joinPath(path, u"containerPort"_s))
            .value_or(0);
    const QString protocolPath = joinPath(path, u"protocol"_s);
    if (const auto protocol = m_fields.text(entries->value(u"protocol"_s), protocolPath)) {
        if (const auto parsed = portProtocolFromString(*protocol))
            port.protocol = *parsed;
        else
            m_fields.error(protocolPath, entries->value(u"protocol"_s),
                           u"protocol \"%1\" is not http or tcp: http routes web traffic by host "
                           u"name, tcp gives the port a public port number"_s.arg(*protocol));
    }
    port.hosts = m_fields.textList(entries->value(u"hosts"_s), joinPath(path, u"hosts"_s))
                     .value_or(QStringList());
    port.publicPort =
        m_fields.smallInteger(entries->value(u"publicPort"_s), joinPath(path, u"publicPort"_s));
    return port;
}

void ManifestReader::readResources(const YAML::Node &node, const QString &path,
                                   Resources &resources)
{
    const auto entries = m_fields.mapping(node, path, ResourceFields);
    if (!entries)
        return;
    resources.cpuMillis =
        m_fields.cpuMillis(entries->value(u"cpu"_s), joinPath(path, u"cpu"_s)).value_or(0);
    resources.memoryBytes =
        m_fields.bytes(entries->value(u"memory"_s), joinPath(path, u"memory"_s)).value_or(0);
    resources.ephemeralStorageBytes =
        m_fields.bytes(entries->value(u"ephemeralStorage"_s), joinPath(path, u"ephemeralStorage"_s))
            .value_or(0);
    const QString gpuPath = joinPath(path, u"gpu"_s);
    const YAML::Node gpuNode = entries->value(u"gpu"_s);
    if (!YamlFields::isPresent(gpuNode))
        return;
    if (const auto gpu = m_fields.mapping(gpuNode, gpuPath, GpuFields)) {
        Gpu g;
        g.count = m_fields.smallInteger(gpu->value(u"count"_s), joinPath(gpuPath, u"count"_s))
                      .value_or(0);
        g.model = m_fields.text(gpu->value(u"model"_s), joinPath(gpuPath, u"model"_s))
                      .value_or(QString());
        resources.gpu = g;
    }
}

VolumeMount ManifestReader::readVolumeMount(const YAML::Node &node, const QString &path)
{
    const auto entries = m_fields.mapping(node, path, MountFields);
    if (!entries)
        return {};
    VolumeMount mount;
    mount.name =
        m_fields.text(entries->value(u"name"_s), joinPath(path, u"name"_s)).value_or(QString());
    mount.mountPath = m_fields.text(entries->value(u"mountPath"_s), joinPath(path, u"mountPath"_s))
                          .value_or(QString());
    mount.readOnly = m_fields.boolean(entries->value(u"readOnly"_s), joinPath(path, u"readOnly"_s))
                         .value_or(false);
    return mount;
}

std::optional<HealthCheck> ManifestReader::readHealthCheck(const YAML::Node &node,
                                                           const QString &path)
{
    if (!YamlFields::isPresent(node))
        return std::nullopt;
    const auto entries = m_fields.mapping(node, path, HealthFields);
    if (!entries)
        return std::nullopt;
    HealthCheck check;
    const auto integer = [&](const QString &key, int fallback) {
        return m_fields.smallInteger(entries->value(key), joinPath(path, key)).value_or(fallback);
    };
    check.initialDelaySeconds = integer(u"initialDelaySeconds"_s, check.initialDelaySeconds);
    check.periodSeconds = integer(u"periodSeconds"_s, check.periodSeconds);
    check.timeoutSeconds = integer(u"timeoutSeconds"_s, check.timeoutSeconds);
    check.failureThreshold = integer(u"failureThreshold"_s, check.failureThreshold);

    const auto kind = pickOne(m_fields, *entries, {u"http"_s, u"tcp"_s, u"exec"_s}, path, node,
                              u"a health check"_s);
    if (!kind)
        return check;
    const QString kindPath = joinPath(path, *kind);
    const YAML::Node kindNode = entries->value(*kind);
    if (*kind == u"http") {
        check.kind = HealthCheckKind::Http;
        if (const auto http = m_fields.mapping(kindNode, kindPath, HttpCheckFields)) {
            check.path = m_fields.text(http->value(u"path"_s), joinPath(kindPath, u"path"_s))
                             .value_or(u"/"_s);
            check.port =
                m_fields.smallInteger(http->value(u"port"_s), joinPath(kindPath, u"port"_s))
                    .value_or(0);
        }
    } else if (*kind == u"tcp") {
        check.kind = HealthCheckKind::Tcp;
        if (const auto tcp = m_fields.mapping(kindNode, kindPath, TcpCheckFields))
            check.port = m_fields.smallInteger(tcp->value(u"port"_s), joinPath(kindPath, u"port"_s))
                             .value_or(0);
    } else {
        check.kind = HealthCheckKind::Exec;
        if (const auto exec = m_fields.mapping(kindNode, kindPath, ExecCheckFields))
            check.command =
                m_fields.textList(exec->value(u"command"_s), joinPath(kindPath, u"command"_s))
                    .value_or(QStringList());
    }
    return check;
}

Volume ManifestReader::readVolume(const YAML::Node &node, const QString &path)
{
    const auto entries = m_fields.mapping(node, path, VolumeFields);
    if (!entries)
        return {};
    Volume volume;
    volume.name =
        m_fields.text(entries->value(u"name"_s), joinPath(path, u"name"_s)).value_or(QString());
    const auto kind = pickOne(m_fields, *entries, {u"emptyDir"_s, u"persistent"_s, u"secret"_s},
                              path, node, u"volume \"%1\""_s.arg(volume.name));
    if (!kind)
        return volume;
    const QString kindPath = joinPath(path, *kind);
    const YAML::Node kindNode = entries->value(*kind);
    if (*kind == u"emptyDir") {
        volume.kind = VolumeKind::EmptyDir;
        if (const auto dir = m_fields.mapping(kindNode, kindPath, EmptyDirFields))
            volume.sizeBytes =
                m_fields.bytes(dir->value(u"sizeLimit"_s), joinPath(kindPath, u"sizeLimit"_s))
                    .value_or(0);
    } else if (*kind == u"persistent") {
        volume.kind = VolumeKind::Persistent;
        if (const auto persistent = m_fields.mapping(kindNode, kindPath, PersistentFields))
            volume.sizeBytes =
                m_fields.bytes(persistent->value(u"size"_s), joinPath(kindPath, u"size"_s))
                    .value_or(0);
    } else {
        volume.kind = VolumeKind::Secret;
        if (const auto secret = m_fields.mapping(kindNode, kindPath, SecretVolumeFields)) {
            volume.secretName =
                m_fields.text(secret->value(u"name"_s), joinPath(kindPath, u"name"_s))
                    .value_or(QString());
            volume.items = readList<SecretItem>(
                secret->value(u"items"_s), joinPath(kindPath, u"items"_s),
                [this](const YAML::Node &n, const QString &p) -> SecretItem {
                    const auto item = m_fields.mapping(n, p, SecretItemFields);
                    if (!item)
                        return {};
                    return SecretItem{m_fields.text(item->value(u"key"_s), joinPath(p, u"key"_s))
                                          .value_or(QString()),
                                      m_fields.text(item->value(u"path"_s), joinPath(p, u"path"_s))
                                          .value_or(QString())};
                });
        }
    }
    return volume;
}

void ManifestReader::readReplicas(const YAML::Node &node, Replicas &replicas)
{
    const QString path = u"replicas"_s;
    const auto entries = m_fields.mapping(node, path, ReplicaFields);
    if (!entries)
        return;
    const auto integer = [&](const QString &key, int fallback) {
        return m_fields.smallInteger(entries->value(key), joinPath(path, key)).value_or(fallback);
    };
    replicas.min = integer(u"min"_s, replicas.min);
    // A lone "min: 3" means at least three: max follows it unless given.
    replicas.max = integer(u"max"_s, std::max(replicas.max, replicas.min));
    replicas.targetPendingRequests =
        integer(u"targetPendingRequests"_s, replicas.targetPendingRequests);
}

} // namespace berth::manifest
