#include "manifest/validator.h"

#include "core/suggest.h"
#include "manifest/limits.h"
#include "manifest/quantity.h"

#include <QHash>
#include <QRegularExpression>
#include <QSet>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace berth::manifest {

namespace {

using namespace limits;

const QRegularExpression DnsLabel(u"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"_s);
const QRegularExpression PortName(u"^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$"_s);
const QRegularExpression
    HostName(u"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"_s);
const QRegularExpression AliasName(
    u"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$"_s);
const QRegularExpression LabelName(u"^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$"_s);
const QRegularExpression LabelValue(u"^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$"_s);
const QRegularExpression
    LabelPrefix(u"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"_s);
const QRegularExpression EnvName(u"^[-._a-zA-Z][-._a-zA-Z0-9]*$"_s);
const QRegularExpression SecretKey(u"^[-._a-zA-Z0-9]+$"_s);
const QRegularExpression Sha256(u"^[0-9a-f]{64}$"_s);
const QRegularExpression GpuModel(u"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"_s);
const QRegularExpression Whitespace(u"[\\s\\x00-\\x1f\\x7f]"_s);

class Rules
{
public:
    QList<Diagnostic> diagnostics;

    void error(const QString &path, const QString &message)
    {
        diagnostics.append(Diagnostic{Severity::Error, path, {}, message});
    }
    void warning(const QString &path, const QString &message)
    {
        diagnostics.append(Diagnostic{Severity::Warning, path, {}, message});
    }

    // Required DNS label (names of the pod, containers, volumes, secrets).
    void dnsLabel(const QString &path, const QString &value, const QString &what)
    {
        if (value.isEmpty())
            error(path, u"%1 is required: use lower-case letters, digits and '-'"_s.arg(what));
        else if (value.size() > MaxNameLength)
            error(path, u"%1 \"%2\" is %3 characters long; the limit is %4"_s.arg(what)
                            .arg(value.left(20) + u"..."_s)
                            .arg(value.size())
                            .arg(MaxNameLength));
        else if (!DnsLabel.match(value).hasMatch())
            error(path, u"%1 \"%2\" is not a DNS label: use lower-case letters, digits and "
                        u"'-', starting and ending with a letter or digit (e.g. \"%3\")"_s.arg(
                            what, value, suggestLabel(value)));
    }

    static QString suggestLabel(const QString &value)
    {
        QString label;
        for (const QChar c : value.toLower()) {
            const bool ok = (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9');
            if (ok)
                label.append(c);
            else if (!label.isEmpty() && !label.endsWith(u'-'))
                label.append(u'-');
        }
        while (label.endsWith(u'-'))
            label.chop(1);
        return label.isEmpty() ? u"app"_s : label.left(MaxNameLength);
    }

    void range(const QString &path, qint64 value, qint64 min, qint64 max, const QString &what)
    {
        if (value < min || value > max)
            error(
                path,
                u"%1 is %2; it must be between %3 and %4"_s.arg(what).arg(value).arg(min).arg(max));
    }

    void count(const QString &path, qsizetype size, qsizetype max, const QString &what)
    {
        if (size > max)
            error(path, u"%1 %2; the limit is %3"_s.arg(size).arg(what).arg(max));
    }

    void absolutePath(const QString &path, const QString &value, const QString &what)
    {
        if (!value.startsWith(u'/'))
            error(path, u"%1 \"%2\" must be an absolute path starting with '/'"_s.arg(what, value));
        else if (value.size() > MaxPathLength)
            error(path, u"%1 is longer than %2 characters"_s.arg(what).arg(MaxPathLength));
        else if (value.split(u'/').contains(u".."_s))
            error(path, u"%1 \"%2\" must not contain \"..\""_s.arg(what, value));
    }

    void metadata(const Metadata &m)
    {
        dnsLabel(u"metadata.name"_s, m.name, u"the pod name"_s);
        count(u"metadata.labels"_s, m.labels.size(), MaxLabels, u"labels"_s);
        for (auto it = m.labels.cbegin(); it != m.labels.cend(); ++it) {
            const QString path = joinPath(u"metadata.labels"_s, it.key());
            const auto slash = it.key().indexOf(u'/');
            const QString prefix = slash >= 0 ? it.key().left(slash) : QString();
            const QString name = slash >= 0 ? it.key().mid(slash + 1) : it.key();
            if (slash >= 0 &&
                (prefix.size() > MaxLabelKeyPrefixLength || !LabelPrefix.match(prefix).hasMatch()))
                error(path, u"label prefix \"%1\" must be a lower-case DNS name such as "
                            u"example.com"_s.arg(prefix));
            if (!LabelName.match(name).hasMatch())
                error(path, u"label name \"%1\" must be 1-63 letters, digits, '-', '_' or '.', "
                            u"starting and ending with a letter or digit"_s.arg(name));
            if (!LabelValue.match(it.value()).hasMatch())
                error(path, u"label value \"%1\" must be at most 63 letters, digits, '-', '_' "
                            u"or '.', starting and ending with a letter or digit"_s.arg(
                                it.value().left(80)));
        }
    }

    void image(const QString &path, const Image &image)
    {
        if (image.isBlob()) {
            if (!Sha256.match(image.blobSha256).hasMatch())
                error(joinPath(path, u"sha256"_s),
                      u"sha256 must be 64 lower-case hexadecimal digits (the SHA-256 of the "
                      u"encrypted image, as `berthctl image push` prints it)"_s);
            if (!image.blobUrl.isEmpty()) {
                const QUrl url(image.blobUrl, QUrl::StrictMode);
                const QString scheme = url.scheme();
                if (image.blobUrl.size() > MaxUrlLength || !url.isValid() || url.host().isEmpty() ||
                    (scheme != u"https" && scheme != u"http"))
                    error(joinPath(path, u"url"_s),
                          u"url must be an http(s) URL where the provider can fetch the blob, "
                          u"or be left out when the blob is uploaded to the provider"_s);
            }
            return;
        }
        if (image.reference.isEmpty())
            error(path, u"image is required: a registry reference such as "
                        u"docker.io/library/nginx:1.25, or an encrypted image {sha256: ...}"_s);
        else if (image.reference.size() > MaxImageReferenceLength)
            error(path,
                  u"image reference is longer than %1 characters"_s.arg(MaxImageReferenceLength));
        else if (Whitespace.match(image.reference).hasMatch())
            error(path, u"image \"%1\" contains whitespace or control characters; an image "
                        u"reference looks like registry/name:tag"_s.arg(image.reference.left(80)));
    }

    void arguments(const QString &path, const Container &c)
    {
        count(path, c.command.size() + c.args.size(), MaxArgs, u"command and args entries"_s);
        const auto check = [&](const QStringList &list, const QString &field) {
            for (qsizetype i = 0; i < list.size(); ++i) {
                if (list[i].size() > MaxArgLength)
                    error(joinPath(joinPath(path, field), i),
                          u"entry is %1 characters long; the limit is %2: put long scripts in "
                          u"the image"_s.arg(list[i].size())
                              .arg(MaxArgLength));
            }
        };
        check(c.command, u"command"_s);
        check(c.args, u"args"_s);
        if (!c.workingDir.isEmpty())
            absolutePath(joinPath(path, u"workingDir"_s), c.workingDir, u"workingDir"_s);
    }

    void env(const QString &path, const QList<EnvVar> &vars)
    {
        count(path, vars.size(), MaxEnvPerContainer, u"environment variables"_s);
        QSet<QString> seen;
        for (qsizetype i = 0; i < vars.size(); ++i) {
            const auto &var = vars[i];
            const QString itemPath = joinPath(path, i);
            if (var.name.isEmpty())
                error(joinPath(itemPath, u"name"_s), u"an environment variable needs a name"_s);
            else if (!EnvName.match(var.name).hasMatch() || var.name.size() > MaxHostNameLength)
                error(joinPath(itemPath, u"name"_s),
                      u"\"%1\" is not a valid variable name: use letters, digits, '_', '-' and "
                      u"'.', not starting with a digit"_s.arg(var.name.left(80)));
            else if (seen.contains(var.name))
                error(joinPath(itemPath, u"name"_s),
                      u"environment variable \"%1\" is set twice in this container; keep one"_s.arg(
                          var.name));
            seen.insert(var.name);
            if (var.value.size() > MaxEnvValueLength)
                error(joinPath(itemPath, u"value"_s),
                      u"value is %1 characters long; the limit is %2: use a secret volume for "
                      u"large data"_s.arg(var.value.size())
                          .arg(MaxEnvValueLength));
            if (var.secret)
                secretRef(joinPath(itemPath, u"secret"_s), *var.secret);
        }
    }

    void secretRef(const QString &path, const SecretKeyRef &ref)
    {
        dnsLabel(joinPath(path, u"name"_s), ref.name, u"the secret name"_s);
        if (ref.key.isEmpty() || ref.key.size() > MaxHostNameLength ||
            !SecretKey.match(ref.key).hasMatch())
            error(joinPath(path, u"key"_s),
                  u"the secret key must be 1-253 letters, digits, '-', '_' or '.'"_s);
    }

    void resources(const QString &path, const Resources &r)
    {
        const QString cpuPath = joinPath(path, u"cpu"_s);
        if (r.cpuMillis == 0)
            error(cpuPath, u"resources.cpu is required: the price depends on it (e.g. cpu: 250m "
                           u"for a quarter core)"_s);
        else if (r.cpuMillis < MinCpuMillis || r.cpuMillis > MaxCpuMillis)
            error(cpuPath, u"cpu %1 is out of range: use %2 to %3"_s.arg(
                               quantity::formatCpuMillis(r.cpuMillis),
                               quantity::formatCpuMillis(MinCpuMillis),
                               quantity::formatCpuMillis(MaxCpuMillis)));
        const QString memoryPath = joinPath(path, u"memory"_s);
        if (r.memoryBytes == 0)
            error(memoryPath, u"resources.memory is required: the price depends on it (e.g. "
                              u"memory: 256Mi)"_s);
        else if (r.memoryBytes < MinMemoryBytes || r.memoryBytes > MaxMemoryBytes)
            error(memoryPath,
                  u"memory %1 is out of range: use %2 to %3"_s.arg(
                      quantity::formatBytes(r.memoryBytes), quantity::formatBytes(MinMemoryBytes),
                      quantity::formatBytes(MaxMemoryBytes)));
        if (r.ephemeralStorageBytes > MaxStorageBytes)
            error(joinPath(path, u"ephemeralStorage"_s),
                  u"ephemeralStorage is larger than %1"_s.arg(
                      quantity::formatBytes(MaxStorageBytes)));
        if (r.gpu) {
            const QString gpuPath = joinPath(path, u"gpu"_s);
            range(joinPath(gpuPath, u"count"_s), r.gpu->count, 1, MaxGpus, u"gpu.count"_s);
            if (!r.gpu->model.isEmpty() && !GpuModel.match(r.gpu->model).hasMatch())
                error(joinPath(gpuPath, u"model"_s),
                      u"gpu model \"%1\" must be lower-case letters, digits and '-' (e.g. "
                      u"nvidia-a100)"_s.arg(r.gpu->model.left(80)));
        }
    }

    void healthCheck(const QString &path, const HealthCheck &check)
    {
        switch (check.kind) {
        case HealthCheckKind::Http:
            if (!check.path.startsWith(u'/') || Whitespace.match(check.path).hasMatch())
                error(joinPath(path, u"http.path"_s),
                      u"the health check path must start with '/' and contain no spaces"_s);
            range(joinPath(path, u"http.port"_s), check.port, 1, 65535, u"the health check port"_s);
            break;
        case HealthCheckKind::Tcp:
            range(joinPath(path, u"tcp.port"_s), check.port, 1, 65535, u"the health check port"_s);
            break;
        case HealthCheckKind::Exec:
            if (check.command.isEmpty())
                error(joinPath(path, u"exec.command"_s),
                      u"an exec health check needs a command, e.g. [\"/bin/sh\", \"-c\", "
                      u"\"test -f /tmp/ready\"]"_s);
            break;
        }
        range(joinPath(path, u"initialDelaySeconds"_s), check.initialDelaySeconds, 0,
              MaxProbeSeconds, u"initialDelaySeconds"_s);
        range(joinPath(path, u"periodSeconds"_s), check.periodSeconds, 1, MaxProbeSeconds,
              u"periodSeconds"_s);
        range(joinPath(path, u"timeoutSeconds"_s), check.timeoutSeconds, 1, MaxProbeSeconds,
              u"timeoutSeconds"_s);
        if (check.timeoutSeconds > check.periodSeconds && check.periodSeconds >= 1)
            error(joinPath(path, u"timeoutSeconds"_s),
                  u"timeoutSeconds (%1) is longer than periodSeconds (%2): a check would still "
                  u"run when the next starts"_s.arg(check.timeoutSeconds)
                      .arg(check.periodSeconds));
        range(joinPath(path, u"failureThreshold"_s), check.failureThreshold, 1, MaxFailureThreshold,
              u"failureThreshold"_s);
    }

    void volumes(const QList<Volume> &volumes)
    {
        count(u"volumes"_s, volumes.size(), MaxVolumes, u"volumes"_s);
        QSet<QString> seen;
        for (qsizetype i = 0; i < volumes.size(); ++i) {
            const auto &v = volumes[i];
            const QString path = joinPath(u"volumes"_s, i);
            dnsLabel(joinPath(path, u"name"_s), v.name, u"the volume name"_s);
            if (!v.name.isEmpty() && seen.contains(v.name))
                error(joinPath(path, u"name"_s),
                      u"volume name \"%1\" is used twice; give each volume its own name"_s.arg(
                          v.name));
            seen.insert(v.name);
            switch (v.kind) {
            case VolumeKind::EmptyDir:
                if (v.sizeBytes > MaxStorageBytes)
                    error(joinPath(path, u"emptyDir.sizeLimit"_s),
                          u"sizeLimit is larger than %1"_s.arg(
                              quantity::formatBytes(MaxStorageBytes)));
                break;
            case VolumeKind::Persistent:
                if (v.sizeBytes <= 0)
                    error(joinPath(path, u"persistent.size"_s),
                          u"a persistent volume needs a size, e.g. size: 10Gi"_s);
                else if (v.sizeBytes > MaxStorageBytes)
                    error(joinPath(path, u"persistent.size"_s),
                          u"size is larger than %1"_s.arg(quantity::formatBytes(MaxStorageBytes)));
                break;
            case VolumeKind::Secret:
                secretVolume(joinPath(path, u"secret"_s), v);
                break;
            }
        }
    }

    void secretVolume(const QString &path, const Volume &v)
    {
        dnsLabel(joinPath(path, u"name"_s), v.secretName, u"the secret name"_s);
        count(joinPath(path, u"items"_s), v.items.size(), MaxSecretItems, u"items"_s);
        QSet<QString> paths;
        for (qsizetype j = 0; j < v.items.size(); ++j) {
            const auto &item = v.items[j];
            const QString itemPath = joinPath(joinPath(path, u"items"_s), j);
            if (item.key.isEmpty() || !SecretKey.match(item.key).hasMatch())
                error(joinPath(itemPath, u"key"_s),
                      u"the secret key must be 1-253 letters, digits, '-', '_' or '.'"_s);
            if (item.path.isEmpty() || item.path.startsWith(u'/') ||
                item.path.split(u'/').contains(u".."_s) || item.path.size() > MaxPathLength)
                error(joinPath(itemPath, u"path"_s),
                      u"the file path must be relative to the mount (e.g. token.txt) and must "
                      u"not contain \"..\""_s);
            else if (paths.contains(item.path))
                error(joinPath(itemPath, u"path"_s),
                      u"two keys are written to \"%1\"; give each its own file"_s.arg(item.path));
            paths.insert(item.path);
        }
    }
};

struct PodWideNames
{
    QHash<int, QString> containerPorts; // port -> path of its first use
    QHash<QString, QString> portNames;
    QHash<QString, QString> hosts;
    QHash<int, QString> publicPorts;
};

void checkPorts(Rules &rules, const QString &path, const QList<Port> &ports, PodWideNames &seen)
{
    rules.count(path, ports.size(), MaxPortsPerContainer, u"ports"_s);
    for (qsizetype i = 0; i < ports.size(); ++i) {
        const auto &port = ports[i];
        const QString itemPath = joinPath(path, i);
        const QString namePath = joinPath(itemPath, u"name"_s);
        if (port.name.isEmpty())
            rules.error(namePath, u"a port needs a name, e.g. name: http"_s);
        else if (!PortName.match(port.name).hasMatch() ||
                 !port.name.contains(QRegularExpression(u"[a-z]"_s)) || port.name.contains(u"--"_s))
            rules.error(namePath, u"port name \"%1\" must be 1-15 lower-case letters, digits "
                                  u"and '-', with at least one letter and no \"--\""_s.arg(
                                      port.name.left(80)));
        else if (seen.portNames.contains(port.name))
            rules.error(namePath, u"port name \"%1\" is already used at %2; port names are "
                                  u"unique in the pod"_s.arg(port.name, seen.portNames[port.name]));
        else
            seen.portNames.insert(port.name, namePath);

        const QString portPath = joinPath(itemPath, u"containerPort"_s);
        if (port.containerPort == 0)
            rules.error(portPath, u"containerPort is required: the port the container listens "
                                  u"on, 1-65535"_s);
        else if (port.containerPort < 1 || port.containerPort > 65535)
            rules.range(portPath, port.containerPort, 1, 65535, u"containerPort"_s);
        else if (seen.containerPorts.contains(port.containerPort))
            rules.error(portPath,
                        u"port %1 is already declared at %2; containers of a pod share "
                        u"one network, so each port is declared once"_s.arg(port.containerPort)
                            .arg(seen.containerPorts[port.containerPort]));
        else
            seen.containerPorts.insert(port.containerPort, portPath);

        const QString hostsPath = joinPath(itemPath, u"hosts"_s);
        if (port.protocol == PortProtocol::Tcp && !port.hosts.isEmpty())
            rules.error(hostsPath, u"hosts apply to http ports; a tcp port is reached by its "
                                   u"public port number (remove hosts or use protocol: http)"_s);
        rules.count(hostsPath, port.hosts.size(), MaxHostsPerPort, u"hosts"_s);
        for (qsizetype h = 0; h < port.hosts.size(); ++h) {
            const QString host = port.hosts[h];
            const QString hostPath = joinPath(hostsPath, h);
            if (host.startsWith(u"*."))
                rules.error(hostPath, u"wildcard host \"%1\" is not supported: list each host "
                                      u"name"_s.arg(host));
            else if (host.size() > MaxHostNameLength || !HostName.match(host).hasMatch())
                rules.error(hostPath,
                            u"\"%1\" is not a host name: use a lower-case DNS name with at least "
                            u"one dot, such as shop.example.com"_s.arg(host.left(80)));
            else if (seen.hosts.contains(host))
                rules.error(hostPath, u"host \"%1\" is already routed at %2; a host name goes to "
                                      u"one port"_s.arg(host, seen.hosts[host]));
            else
                seen.hosts.insert(host, hostPath);
        }

        if (port.publicPort) {
            const QString publicPath = joinPath(itemPath, u"publicPort"_s);
            if (port.protocol == PortProtocol::Http)
                rules.error(publicPath, u"publicPort applies to tcp ports; an http port is "
                                        u"reached by host name (remove publicPort or use "
                                        u"protocol: tcp)"_s);
            else if (*port.publicPort < 1 || *port.publicPort > 65535)
                rules.range(publicPath, *port.publicPort, 1, 65535, u"publicPort"_s);
            else if (seen.publicPorts.contains(*port.publicPort))
                rules.error(publicPath,
                            u"public port %1 is already requested at %2"_s.arg(*port.publicPort)
                                .arg(seen.publicPorts[*port.publicPort]));
            else
                seen.publicPorts.insert(*port.publicPort, publicPath);
        }
    }
}

void checkMounts(Rules &rules, const QString &path, const QList<VolumeMount> &mounts,
                 const QStringList &volumeNames, QSet<QString> &mounted)
{
    rules.count(path, mounts.size(), MaxVolumes, u"volume mounts"_s);
    QSet<QString> paths;
    for (qsizetype i = 0; i < mounts.size(); ++i) {
        const auto &mount = mounts[i];
        const QString itemPath = joinPath(path, i);
        const QString namePath = joinPath(itemPath, u"name"_s);
        if (mount.name.isEmpty()) {
            rules.error(namePath, u"a volume mount needs the name of a volume"_s);
        } else if (!volumeNames.contains(mount.name)) {
            const QString suggestion = closestMatch(mount.name, volumeNames);
            rules.error(
                namePath,
                volumeNames.isEmpty()
                    ? u"volume \"%1\" does not exist: declare it under volumes"_s.arg(mount.name)
                : suggestion.isEmpty()
                    ? u"volume \"%1\" does not exist; the pod's volumes are: %2"_s.arg(
                          mount.name, volumeNames.join(u", "_s))
                    : u"volume \"%1\" does not exist; did you mean \"%2\"?"_s.arg(mount.name,
                                                                                  suggestion));
        }
        mounted.insert(mount.name);
        const QString mountPath = joinPath(itemPath, u"mountPath"_s);
        if (mount.mountPath.isEmpty()) {
            rules.error(mountPath, u"mountPath is required: where the volume appears in the "
                                   u"container, e.g. /data"_s);
            continue;
        }
        rules.absolutePath(mountPath, mount.mountPath, u"mountPath"_s);
        QString normalised = mount.mountPath;
        while (normalised.size() > 1 && normalised.endsWith(u'/'))
            normalised.chop(1);
        if (paths.contains(normalised))
            rules.error(mountPath,
                        u"two volumes are mounted at %1 in this container"_s.arg(normalised));
        paths.insert(normalised);
    }
}

} // namespace

QList<Diagnostic> validate(const Pod &pod)
{
    Rules rules;
    rules.metadata(pod.metadata);

    QStringList volumeNames;
    for (const auto &volume : pod.volumes)
        volumeNames.append(volume.name);
    rules.volumes(pod.volumes);

    if (pod.containers.isEmpty())
        rules.error(u"containers"_s, u"a pod needs at least one container"_s);
    rules.count(u"containers"_s, pod.containers.size(), MaxContainers, u"containers"_s);

    PodWideNames seen;
    QHash<QString, QString> containerNames;
    QSet<QString> mounted;
    bool hasHttpPort = false;
    for (qsizetype i = 0; i < pod.containers.size(); ++i) {
        const auto &c = pod.containers[i];
        const QString path = joinPath(u"containers"_s, i);
        const QString namePath = joinPath(path, u"name"_s);
        rules.dnsLabel(namePath, c.name, u"the container name"_s);
        if (!c.name.isEmpty() && containerNames.contains(c.name))
            rules.error(namePath, u"container name \"%1\" is already used at %2"_s.arg(
                                      c.name, containerNames[c.name]));
        containerNames.insert(c.name, namePath);
        rules.image(joinPath(path, u"image"_s), c.image);
        rules.arguments(path, c);
        rules.env(joinPath(path, u"env"_s), c.env);
        checkPorts(rules, joinPath(path, u"ports"_s), c.ports, seen);
        for (const auto &port : c.ports)
            hasHttpPort = hasHttpPort || port.protocol == PortProtocol::Http;
        rules.resources(joinPath(path, u"resources"_s), c.resources);
        checkMounts(rules, joinPath(path, u"volumeMounts"_s), c.volumeMounts, volumeNames, mounted);
        if (c.healthCheck)
            rules.healthCheck(joinPath(path, u"healthCheck"_s), *c.healthCheck);
    }

    for (qsizetype i = 0; i < pod.volumes.size(); ++i) {
        if (!pod.volumes[i].name.isEmpty() && !mounted.contains(pod.volumes[i].name))
            rules.warning(joinPath(joinPath(u"volumes"_s, i), u"name"_s),
                          u"volume \"%1\" is not mounted by any container: mount it or remove "
                          u"it"_s.arg(pod.volumes[i].name));
    }

    const Replicas &r = pod.replicas;
    rules.range(u"replicas.min"_s, r.min, 0, MaxReplicas, u"replicas.min"_s);
    rules.range(u"replicas.max"_s, r.max, 1, MaxReplicas, u"replicas.max"_s);
    if (r.min > r.max)
        rules.error(u"replicas.min"_s,
                    u"replicas.min (%1) is larger than replicas.max (%2)"_s.arg(r.min).arg(r.max));
    rules.range(u"replicas.targetPendingRequests"_s, r.targetPendingRequests, 1,
                MaxTargetPendingRequests, u"targetPendingRequests"_s);
    if (r.min == 0 && !hasHttpPort && !pod.containers.isEmpty())
        rules.error(u"replicas.min"_s, u"scaling to zero (min: 0) needs an http port: requests "
                                       u"to it are what wake the pod up"_s);

    rules.count(u"hostAliases"_s, pod.hostAliases.size(), MaxHostAliases, u"host aliases"_s);
    QSet<QString> aliases;
    for (qsizetype i = 0; i < pod.hostAliases.size(); ++i) {
        const QString &alias = pod.hostAliases[i];
        const QString path = joinPath(u"hostAliases"_s, i);
        if (alias.size() > MaxHostNameLength || !AliasName.match(alias).hasMatch())
            rules.error(path, u"\"%1\" is not a host name: use letters, digits, '-', '_' and "
                              u"dots"_s.arg(alias.left(80)));
        else if (containerNames.contains(alias))
            rules.error(path, u"\"%1\" is already a container name, which resolves in the pod "
                              u"by itself: remove the alias"_s.arg(alias));
        else if (aliases.contains(alias))
            rules.error(path, u"host alias \"%1\" is listed twice"_s.arg(alias));
        aliases.insert(alias);
    }
    return rules.diagnostics;
}

} // namespace berth::manifest
