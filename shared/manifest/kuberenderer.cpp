#include "manifest/kuberenderer.h"

#include "manifest/limits.h"
#include "manifest/quantity.h"
#include "manifest/yamlwriter.h"

#include <QCryptographicHash>
#include <QJsonArray>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace berth::manifest {

namespace {

const auto NameLabel = u"app.kubernetes.io/name"_s;
const auto InstanceLabel = u"app.kubernetes.io/instance"_s;
const auto ManagedByLabel = u"app.kubernetes.io/managed-by"_s;
const auto GpuModelNodeLabel = u"berth.io/gpu-model"_s;
const auto GpuResource = u"nvidia.com/gpu"_s;
const auto HashLength = 8;

// Cuts a name to a DNS label's length, ending it in a hash of the whole name so
// that names sharing a long prefix stay distinct.
QString capLength(const QString &name)
{
    if (name.size() <= limits::MaxNameLength)
        return name;
    const auto hash = QCryptographicHash::hash(name.toUtf8(), QCryptographicHash::Sha256)
                          .toHex()
                          .left(HashLength);
    QString head = name.left(limits::MaxNameLength - HashLength - 1);
    while (head.endsWith(u'-'))
        head.chop(1);
    return head + u'-' + QString::fromLatin1(hash);
}

// Lower case, [a-z0-9-] only, alphanumeric at both ends; no length cap.
QString sanitize(const QString &text)
{
    QString name;
    name.reserve(text.size());
    for (const QChar c : text.toLower()) {
        const bool keep = (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'-';
        name.append(keep ? c : u'-');
    }
    qsizetype begin = 0;
    qsizetype end = name.size();
    while (begin < end && name.at(begin) == u'-')
        ++begin;
    while (end > begin && name.at(end - 1) == u'-')
        --end;
    return name.mid(begin, end - begin);
}

QJsonObject toJson(const QMap<QString, QString> &map)
{
    QJsonObject object;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        object.insert(it.key(), it.value());
    return object;
}

// Everything one rendering needs, computed once.
struct Context
{
    const Pod &pod;
    const RenderOptions &options;
    QString objectName;
    QMap<QString, QString> labels;   // on every object
    QMap<QString, QString> selector; // the stable subset of labels that picks the pods

    QString secretObjectName(const QString &secretName) const
    {
        return derivedObjectName(objectName, secretName);
    }
    bool nativeSecrets() const { return options.secretHostRoot.isEmpty(); }

    QJsonObject metadata(const QString &name) const
    {
        QJsonObject meta{{u"name"_s, name}, {u"labels"_s, toJson(labels)}};
        if (!options.namespaceName.isEmpty())
            meta.insert(u"namespace"_s, options.namespaceName);
        return meta;
    }
};

// The labels are the manifest's, then the runtime's, then Berth's own, each
// overriding the one before: the selector must not be redefinable by a label.
// The selector uses only name and instance, which never change for a
// deployment: a Deployment's selector is immutable, so selecting on labels a
// publisher may edit would make later updates fail.
Context makeContext(const Pod &pod, const RenderOptions &options)
{
    Context context{pod, options, renderedObjectName(pod, options), {}, {}};
    context.labels = pod.metadata.labels;
    context.labels.insert(options.extraLabels);
    context.selector.insert(NameLabel, pod.metadata.name);
    context.selector.insert(InstanceLabel, context.objectName);
    context.labels.insert(context.selector);
    context.labels.insert(ManagedByLabel, u"berth"_s);
    return context;
}

QJsonObject resourcesOf(const Resources &resources)
{
    // Requests equal limits: the pod is priced for what it reserves, and a
    // provider never overcommits what it sold.
    QJsonObject amounts{
        {u"cpu"_s, QString(QString::number(resources.cpuMillis) + u'm')},
        {u"memory"_s, quantity::formatBytes(resources.memoryBytes)},
    };
    if (resources.ephemeralStorageBytes > 0)
        amounts.insert(u"ephemeral-storage"_s,
                       quantity::formatBytes(resources.ephemeralStorageBytes));
    if (resources.gpu && resources.gpu->count > 0)
        amounts.insert(GpuResource, QString::number(resources.gpu->count));
    return {{u"limits"_s, amounts}, {u"requests"_s, amounts}};
}

QJsonObject probeOf(const HealthCheck &check)
{
    QJsonObject probe;
    switch (check.kind) {
    case HealthCheckKind::Http:
        probe.insert(u"httpGet"_s, QJsonObject{{u"path"_s, check.path}, {u"port"_s, check.port}});
        break;
    case HealthCheckKind::Tcp:
        probe.insert(u"tcpSocket"_s, QJsonObject{{u"port"_s, check.port}});
        break;
    case HealthCheckKind::Exec:
        probe.insert(u"exec"_s,
                     QJsonObject{{u"command"_s, QJsonArray::fromStringList(check.command)}});
        break;
    }
    probe.insert(u"initialDelaySeconds"_s, check.initialDelaySeconds);
    probe.insert(u"periodSeconds"_s, check.periodSeconds);
    probe.insert(u"timeoutSeconds"_s, check.timeoutSeconds);
    probe.insert(u"failureThreshold"_s, check.failureThreshold);
    return probe;
}

const Volume *findVolume(const Pod &pod, const QString &name)
{
    const auto it = std::find_if(pod.volumes.cbegin(), pod.volumes.cend(),
                                 [&](const Volume &volume) { return volume.name == name; });
    return it == pod.volumes.cend() ? nullptr : &*it;
}

QJsonObject containerOf(const Context &context, const Container &container)
{
    QJsonObject object{{u"name"_s, container.name}};
    if (container.image.isBlob()) {
        object.insert(u"image"_s, blobImageName(container.image.blobSha256));
        // The provider loaded the blob itself; there is no registry to pull it from.
        object.insert(u"imagePullPolicy"_s, u"Never"_s);
    } else {
        object.insert(u"image"_s, container.image.reference);
    }
    if (!container.command.isEmpty())
        object.insert(u"command"_s, QJsonArray::fromStringList(container.command));
    if (!container.args.isEmpty())
        object.insert(u"args"_s, QJsonArray::fromStringList(container.args));
    if (!container.workingDir.isEmpty())
        object.insert(u"workingDir"_s, container.workingDir);

    if (!container.env.isEmpty()) {
        QJsonArray env;
        for (const auto &var : container.env) {
            QJsonObject entry{{u"name"_s, var.name}};
            if (var.secret) {
                // Both secret modes: Kubernetes reads the Secret object, Podman
                // the Podman secret of the same name that its runtime creates.
                const QJsonObject ref{{u"name"_s, context.secretObjectName(var.secret->name)},
                                      {u"key"_s, var.secret->key}};
                entry.insert(u"valueFrom"_s, QJsonObject{{u"secretKeyRef"_s, ref}});
            } else {
                entry.insert(u"value"_s, var.value);
            }
            env.append(entry);
        }
        object.insert(u"env"_s, env);
    }

    if (!container.ports.isEmpty()) {
        QJsonArray ports;
        for (const auto &port : container.ports)
            ports.append(QJsonObject{{u"name"_s, port.name},
                                     {u"containerPort"_s, port.containerPort},
                                     {u"protocol"_s, u"TCP"_s}});
        object.insert(u"ports"_s, ports);
    }

    object.insert(u"resources"_s, resourcesOf(container.resources));

    if (!container.volumeMounts.isEmpty()) {
        QJsonArray mounts;
        for (const auto &mount : container.volumeMounts) {
            QJsonObject entry{{u"name"_s, mount.name}, {u"mountPath"_s, mount.mountPath}};
            const Volume *volume = findVolume(context.pod, mount.name);
            // A secret is never writable, whatever the mount says.
            if (mount.readOnly || (volume && volume->kind == VolumeKind::Secret))
                entry.insert(u"readOnly"_s, true);
            mounts.append(entry);
        }
        object.insert(u"volumeMounts"_s, mounts);
    }

    if (container.healthCheck) {
        const auto probe = probeOf(*container.healthCheck);
        object.insert(u"livenessProbe"_s, probe);
        object.insert(u"readinessProbe"_s, probe);
    }
    return object;
}

QJsonObject volumeOf(const Context &context, const Volume &volume)
{
    QJsonObject object{{u"name"_s, volume.name}};
    switch (volume.kind) {
    case VolumeKind::EmptyDir: {
        QJsonObject emptyDir;
        if (volume.sizeBytes > 0)
            emptyDir.insert(u"sizeLimit"_s, quantity::formatBytes(volume.sizeBytes));
        object.insert(u"emptyDir"_s, emptyDir);
        break;
    }
    case VolumeKind::Persistent:
        object.insert(
            u"persistentVolumeClaim"_s,
            QJsonObject{{u"claimName"_s, derivedObjectName(context.objectName, volume.name)}});
        break;
    case VolumeKind::Secret:
        if (context.nativeSecrets()) {
            QJsonObject secret{{u"secretName"_s, context.secretObjectName(volume.secretName)}};
            if (!volume.items.isEmpty()) {
                QJsonArray items;
                for (const auto &item : volume.items)
                    items.append(QJsonObject{{u"key"_s, item.key}, {u"path"_s, item.path}});
                secret.insert(u"items"_s, items);
            }
            object.insert(u"secret"_s, secret);
        } else {
            QString path = context.options.secretHostRoot;
            while (path.endsWith(u'/'))
                path.chop(1);
            path += u'/' + volume.secretName;
            object.insert(u"hostPath"_s,
                          QJsonObject{{u"path"_s, path}, {u"type"_s, u"Directory"_s}});
        }
        break;
    }
    return object;
}

QJsonObject podSpecOf(const Context &context, RestartPolicy restartPolicy)
{
    const Pod &pod = context.pod;
    QJsonObject spec{{u"restartPolicy"_s, toString(restartPolicy)}};

    // Containers of a pod share one network namespace: their names (and the
    // pod's aliases) resolve to localhost, which is how they find each other.
    QStringList hostnames;
    for (const auto &container : pod.containers)
        hostnames.append(container.name);
    hostnames.append(pod.hostAliases);
    hostnames.removeDuplicates();
    if (!hostnames.isEmpty())
        spec.insert(
            u"hostAliases"_s,
            QJsonArray{QJsonObject{{u"ip"_s, u"127.0.0.1"_s},
                                   {u"hostnames"_s, QJsonArray::fromStringList(hostnames)}}});

    QJsonArray containers;
    QString gpuModel;
    for (const auto &container : pod.containers) {
        containers.append(containerOf(context, container));
        // One node runs the whole pod, so the first model asked for decides.
        if (gpuModel.isEmpty() && container.resources.gpu)
            gpuModel = container.resources.gpu->model;
    }
    spec.insert(u"containers"_s, containers);

    if (!pod.volumes.isEmpty()) {
        QJsonArray volumes;
        for (const auto &volume : pod.volumes)
            volumes.append(volumeOf(context, volume));
        spec.insert(u"volumes"_s, volumes);
    }
    if (!gpuModel.isEmpty())
        spec.insert(u"nodeSelector"_s, QJsonObject{{GpuModelNodeLabel, gpuModel}});
    return spec;
}

// Every secret the pod uses, with the keys it references, sorted by name.
QMap<QString, QStringList> referencedSecrets(const Pod &pod)
{
    QMap<QString, QStringList> secrets;
    for (const auto &volume : pod.volumes) {
        if (volume.kind != VolumeKind::Secret)
            continue;
        auto &keys = secrets[volume.secretName];
        for (const auto &item : volume.items)
            keys.append(item.key);
    }
    for (const auto &container : pod.containers) {
        for (const auto &var : container.env) {
            if (var.secret)
                secrets[var.secret->name].append(var.secret->key);
        }
    }
    return secrets;
}

QList<QJsonObject> secretObjects(const Context &context)
{
    QList<QJsonObject> objects;
    const auto secrets = referencedSecrets(context.pod);
    for (auto it = secrets.cbegin(); it != secrets.cend(); ++it) {
        QMap<QString, QByteArray> values = context.options.secretValues.value(it.key());
        for (const auto &key : it.value()) {
            if (!values.contains(key))
                values.insert(key, QByteArray());
        }
        QJsonObject data;
        for (auto value = values.cbegin(); value != values.cend(); ++value)
            data.insert(value.key(), QString::fromLatin1(value.value().toBase64()));
        QJsonObject secret{{u"apiVersion"_s, u"v1"_s},
                           {u"kind"_s, u"Secret"_s},
                           {u"metadata"_s, context.metadata(context.secretObjectName(it.key()))},
                           {u"type"_s, u"Opaque"_s},
                           {u"data"_s, data}};
        objects.append(secret);
    }
    return objects;
}

QList<QJsonObject> claimObjects(const Context &context)
{
    QList<QJsonObject> objects;
    for (const auto &volume : context.pod.volumes) {
        if (volume.kind != VolumeKind::Persistent)
            continue;
        const QJsonObject requests{{u"storage"_s, quantity::formatBytes(volume.sizeBytes)}};
        const QJsonObject spec{{u"accessModes"_s, QJsonArray{u"ReadWriteOnce"_s}},
                               {u"resources"_s, QJsonObject{{u"requests"_s, requests}}}};
        objects.append(QJsonObject{
            {u"apiVersion"_s, u"v1"_s},
            {u"kind"_s, u"PersistentVolumeClaim"_s},
            {u"metadata"_s, context.metadata(derivedObjectName(context.objectName, volume.name))},
            {u"spec"_s, spec}});
    }
    return objects;
}

std::optional<QJsonObject> serviceObject(const Context &context)
{
    QJsonArray ports;
    for (const auto &container : context.pod.containers) {
        for (const auto &port : container.ports)
            ports.append(QJsonObject{{u"name"_s, port.name},
                                     {u"port"_s, port.containerPort},
                                     {u"targetPort"_s, port.containerPort},
                                     {u"protocol"_s, u"TCP"_s}});
    }
    if (ports.isEmpty())
        return std::nullopt;
    // Service names must start with a letter (RFC 1035); pod names need not.
    const QString &base = context.objectName;
    const bool startsWithLetter = !base.isEmpty() && base.front() >= u'a' && base.front() <= u'z';
    const QString name = startsWithLetter ? base : capLength(u"svc-"_s + base);
    const QJsonObject spec{{u"type"_s, u"ClusterIP"_s},
                           {u"selector"_s, toJson(context.selector)},
                           {u"ports"_s, ports}};
    return QJsonObject{{u"apiVersion"_s, u"v1"_s},
                       {u"kind"_s, u"Service"_s},
                       {u"metadata"_s, context.metadata(name)},
                       {u"spec"_s, spec}};
}

bool wantsDeployment(const Pod &pod, RenderOptions::Workload workload)
{
    switch (workload) {
    case RenderOptions::Workload::Pod:
        return false;
    case RenderOptions::Workload::Deployment:
        return true;
    case RenderOptions::Workload::Auto:
        break;
    }
    return pod.replicas.max > 1 && pod.restartPolicy == RestartPolicy::Always;
}

QJsonObject workloadObject(const Context &context)
{
    const Pod &pod = context.pod;
    if (!wantsDeployment(pod, context.options.workload)) {
        return QJsonObject{{u"apiVersion"_s, u"v1"_s},
                           {u"kind"_s, u"Pod"_s},
                           {u"metadata"_s, context.metadata(context.objectName)},
                           {u"spec"_s, podSpecOf(context, pod.restartPolicy)}};
    }

    // A Deployment's pods may only restart Always; the replicas are kept
    // running, which is what a pod worth several replicas wants anyway.
    const QJsonObject templ{{u"metadata"_s, QJsonObject{{u"labels"_s, toJson(context.labels)}}},
                            {u"spec"_s, podSpecOf(context, RestartPolicy::Always)}};
    const int replicas = context.options.replicaCount.value_or(std::max(pod.replicas.min, 1));
    QJsonObject spec{{u"replicas"_s, replicas},
                     {u"selector"_s, QJsonObject{{u"matchLabels"_s, toJson(context.selector)}}},
                     {u"template"_s, templ}};
    // A ReadWriteOnce claim cannot follow a rolling update onto another node,
    // and two versions should not write the same data at once.
    const bool persistent =
        std::any_of(pod.volumes.cbegin(), pod.volumes.cend(),
                    [](const auto &v) { return v.kind == VolumeKind::Persistent; });
    if (persistent)
        spec.insert(u"strategy"_s, QJsonObject{{u"type"_s, u"Recreate"_s}});

    QJsonObject metadata = context.metadata(context.objectName);
    // The scaling bounds travel with the object, for whoever scales it.
    metadata.insert(u"annotations"_s,
                    QJsonObject{
                        {u"berth.io/replicas-min"_s, QString::number(pod.replicas.min)},
                        {u"berth.io/replicas-max"_s, QString::number(pod.replicas.max)},
                        {u"berth.io/target-pending-requests"_s,
                         QString::number(pod.replicas.targetPendingRequests)},
                    });
    return QJsonObject{{u"apiVersion"_s, u"apps/v1"_s},
                       {u"kind"_s, u"Deployment"_s},
                       {u"metadata"_s, metadata},
                       {u"spec"_s, spec}};
}

} // namespace

QString blobImageName(const QString &sha256)
{
    return u"localhost/berth-blob:"_s + sha256.toLower();
}

QString renderedObjectName(const Pod &pod, const RenderOptions &options)
{
    QString name = sanitize(options.objectName.isEmpty() ? pod.metadata.name : options.objectName);
    if (name.isEmpty())
        name = u"pod"_s;
    return capLength(name);
}

QString derivedObjectName(const QString &base, const QString &suffix)
{
    const QString name = sanitize(base + u'-' + suffix);
    return capLength(name.isEmpty() ? u"pod"_s : name);
}

QList<QJsonObject> renderKubernetes(const Pod &pod, const RenderOptions &options)
{
    const Context context = makeContext(pod, options);
    QList<QJsonObject> objects;
    if (context.nativeSecrets())
        objects.append(secretObjects(context));
    if (options.emitPersistentVolumeClaims)
        objects.append(claimObjects(context));
    if (options.emitServices) {
        if (auto service = serviceObject(context))
            objects.append(*service);
    }
    objects.append(workloadObject(context));
    return objects;
}

QByteArray renderKubernetesYaml(const Pod &pod, const RenderOptions &options)
{
    return toYamlDocuments(renderKubernetes(pod, options));
}

} // namespace berth::manifest
