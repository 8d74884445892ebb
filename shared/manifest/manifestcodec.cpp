#include "manifest/manifestcodec.h"

#include "manifest/limits.h"
#include "manifest/manifestreader.h"
#include "manifest/quantity.h"
#include "manifest/validator.h"
#include "manifest/yamlguard.h"
#include "manifest/yamlwriter.h"

#include <QJsonArray>
#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace berth::manifest {

namespace {

Diagnostic documentError(SourceLocation location, const QString &message)
{
    Diagnostic d;
    d.location = location;
    d.message = message;
    return d;
}

ParseResult readDocument(const QByteArray &text)
{
    ParseResult result;
    if (auto problem = checkYamlInput(text, 1)) {
        result.diagnostics.append(*problem);
        return result;
    }
    try {
        // checkYamlInput() has seen the whole stream end: Load cannot loop.
        const YAML::Node root = YAML::Load(text.toStdString());
        ManifestReader reader(result.diagnostics, result.sourceMap);
        result.pod = reader.read(root);
    } catch (const YAML::Exception &e) {
        result.diagnostics.append(
            documentError(sourceLocation(e.mark),
                          u"the file is not valid YAML: %1"_s.arg(QString::fromStdString(e.msg))));
    }
    return result;
}

ParseResult parseYaml(const QByteArray &text)
{
    return readDocument(text);
}

ParseResult parseJson(const QByteArray &text)
{
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError) {
        ParseResult result;
        result.diagnostics.append(documentError(sourceLocationAt(text, error.offset),
                                                u"not valid JSON: %1"_s.arg(error.errorString())));
        return result;
    }
    if (!document.isObject()) {
        ParseResult result;
        result.diagnostics.append(documentError(
            {1, 1}, u"a JSON manifest is one object ({\"apiVersion\": \"berth/v1\", ...})"_s));
        return result;
    }
    // JSON is YAML: read it with the YAML reader to keep line and column of every
    // field. Valid JSON has tabs only between tokens, where a space means the same.
    QByteArray spaced = text;
    spaced.replace('\t', ' ');
    return readDocument(spaced);
}

QJsonArray toArray(const QStringList &list)
{
    return QJsonArray::fromStringList(list);
}

QJsonObject toJson(const HealthCheck &check)
{
    QJsonObject object;
    switch (check.kind) {
    case HealthCheckKind::Http:
        object.insert(u"http"_s, QJsonObject{{u"path"_s, check.path}, {u"port"_s, check.port}});
        break;
    case HealthCheckKind::Tcp:
        object.insert(u"tcp"_s, QJsonObject{{u"port"_s, check.port}});
        break;
    case HealthCheckKind::Exec:
        object.insert(u"exec"_s, QJsonObject{{u"command"_s, toArray(check.command)}});
        break;
    }
    object.insert(u"initialDelaySeconds"_s, check.initialDelaySeconds);
    object.insert(u"periodSeconds"_s, check.periodSeconds);
    object.insert(u"timeoutSeconds"_s, check.timeoutSeconds);
    object.insert(u"failureThreshold"_s, check.failureThreshold);
    return object;
}

QJsonObject toJson(const Container &c)
{
    QJsonObject object{{u"name"_s, c.name}};
    if (c.image.isBlob()) {
        QJsonObject blob{{u"sha256"_s, c.image.blobSha256}};
        if (!c.image.blobUrl.isEmpty())
            blob.insert(u"url"_s, c.image.blobUrl);
        object.insert(u"image"_s, blob);
    } else if (!c.image.reference.isEmpty()) {
        object.insert(u"image"_s, c.image.reference);
    }
    if (!c.command.isEmpty())
        object.insert(u"command"_s, toArray(c.command));
    if (!c.args.isEmpty())
        object.insert(u"args"_s, toArray(c.args));
    if (!c.workingDir.isEmpty())
        object.insert(u"workingDir"_s, c.workingDir);
    if (!c.env.isEmpty()) {
        QJsonArray env;
        for (const auto &var : c.env) {
            QJsonObject item{{u"name"_s, var.name}};
            if (var.secret)
                item.insert(u"secret"_s, QJsonObject{{u"name"_s, var.secret->name},
                                                     {u"key"_s, var.secret->key}});
            else
                item.insert(u"value"_s, var.value);
            env.append(item);
        }
        object.insert(u"env"_s, env);
    }
    if (!c.ports.isEmpty()) {
        QJsonArray ports;
        for (const auto &port : c.ports) {
            QJsonObject item{{u"name"_s, port.name},
                             {u"containerPort"_s, port.containerPort},
                             {u"protocol"_s, toString(port.protocol)}};
            if (!port.hosts.isEmpty())
                item.insert(u"hosts"_s, toArray(port.hosts));
            if (port.publicPort)
                item.insert(u"publicPort"_s, *port.publicPort);
            ports.append(item);
        }
        object.insert(u"ports"_s, ports);
    }
    QJsonObject resources{{u"cpu"_s, quantity::formatCpuMillis(c.resources.cpuMillis)},
                          {u"memory"_s, quantity::formatBytes(c.resources.memoryBytes)}};
    if (c.resources.ephemeralStorageBytes > 0)
        resources.insert(u"ephemeralStorage"_s,
                         quantity::formatBytes(c.resources.ephemeralStorageBytes));
    if (c.resources.gpu) {
        QJsonObject gpu{{u"count"_s, c.resources.gpu->count}};
        if (!c.resources.gpu->model.isEmpty())
            gpu.insert(u"model"_s, c.resources.gpu->model);
        resources.insert(u"gpu"_s, gpu);
    }
    object.insert(u"resources"_s, resources);
    if (!c.volumeMounts.isEmpty()) {
        QJsonArray mounts;
        for (const auto &mount : c.volumeMounts) {
            QJsonObject item{{u"name"_s, mount.name}, {u"mountPath"_s, mount.mountPath}};
            if (mount.readOnly)
                item.insert(u"readOnly"_s, true);
            mounts.append(item);
        }
        object.insert(u"volumeMounts"_s, mounts);
    }
    if (c.healthCheck)
        object.insert(u"healthCheck"_s, toJson(*c.healthCheck));
    return object;
}

QJsonObject toJson(const Volume &volume)
{
    QJsonObject source;
    switch (volume.kind) {
    case VolumeKind::EmptyDir:
        if (volume.sizeBytes > 0)
            source.insert(u"sizeLimit"_s, quantity::formatBytes(volume.sizeBytes));
        break;
    case VolumeKind::Persistent:
        source.insert(u"size"_s, quantity::formatBytes(volume.sizeBytes));
        break;
    case VolumeKind::Secret: {
        source.insert(u"name"_s, volume.secretName);
        if (!volume.items.isEmpty()) {
            QJsonArray items;
            for (const auto &item : volume.items)
                items.append(QJsonObject{{u"key"_s, item.key}, {u"path"_s, item.path}});
            source.insert(u"items"_s, items);
        }
        break;
    }
    }
    return QJsonObject{{u"name"_s, volume.name}, {toString(volume.kind), source}};
}

} // namespace

ParseResult parseManifest(const QByteArray &text, ManifestFormat format)
{
    if (auto problem = checkTextInput(text)) {
        ParseResult result;
        result.diagnostics.append(*problem);
        return result;
    }
    return format == ManifestFormat::Json ? parseJson(text) : parseYaml(text);
}

ParseResult parseManifest(const QByteArray &text)
{
    const QByteArray start = text.left(4096).trimmed();
    return parseManifest(text, start.startsWith('{') ? ManifestFormat::Json : ManifestFormat::Yaml);
}

ParseResult loadManifest(const QByteArray &text)
{
    ParseResult result = parseManifest(text);
    // A field the reader already complained about is not judged again by the
    // rules (its value in the model is only a placeholder).
    QStringList unreadable;
    for (const auto &d : std::as_const(result.diagnostics)) {
        if (d.severity == Severity::Error)
            unreadable.append(d.path);
    }
    const auto isUnder = [&](const QString &path) {
        return std::any_of(unreadable.cbegin(), unreadable.cend(), [&](const QString &bad) {
            return bad.isEmpty() || path == bad || path.startsWith(bad + u'.') ||
                   path.startsWith(bad + u'[');
        });
    };
    const bool documentUnreadable =
        !result.ok() && result.sourceMap.isEmpty(); // syntax error: nothing to judge
    if (!documentUnreadable) {
        for (auto &d : validate(result.pod)) {
            if (!isUnder(d.path))
                result.diagnostics.append(std::move(d));
        }
    }
    locateAll(result.diagnostics, result.sourceMap);
    sortByLocation(result.diagnostics);
    return result;
}

QJsonObject toJsonObject(const Pod &pod)
{
    QJsonObject metadata{{u"name"_s, pod.metadata.name}};
    if (!pod.metadata.labels.isEmpty()) {
        QJsonObject labels;
        for (auto it = pod.metadata.labels.cbegin(); it != pod.metadata.labels.cend(); ++it)
            labels.insert(it.key(), it.value());
        metadata.insert(u"labels"_s, labels);
    }
    QJsonArray containers;
    for (const auto &container : pod.containers)
        containers.append(toJson(container));
    QJsonObject object{
        {u"apiVersion"_s, QLatin1StringView(ApiVersion)},
        {u"kind"_s, QLatin1StringView(Kind)},
        {u"metadata"_s, metadata},
        {u"containers"_s, containers},
        {u"replicas"_s,
         QJsonObject{{u"min"_s, pod.replicas.min},
                     {u"max"_s, pod.replicas.max},
                     {u"targetPendingRequests"_s, pod.replicas.targetPendingRequests}}},
        {u"restartPolicy"_s, toString(pod.restartPolicy)},
    };
    if (!pod.volumes.isEmpty()) {
        QJsonArray volumes;
        for (const auto &volume : pod.volumes)
            volumes.append(toJson(volume));
        object.insert(u"volumes"_s, volumes);
    }
    if (!pod.hostAliases.isEmpty())
        object.insert(u"hostAliases"_s, toArray(pod.hostAliases));
    return object;
}

QByteArray writeManifest(const Pod &pod, ManifestFormat format)
{
    const QJsonObject object = toJsonObject(pod);
    if (format == ManifestFormat::Json)
        return QJsonDocument(object).toJson(QJsonDocument::Indented);
    return toYaml(object);
}

} // namespace berth::manifest
