#include "provider/podmanruntime.h"

#include "manifest/kuberenderer.h"
#include "provider/imagearchive.h"
#include "provider/podmanlogstream.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

const auto DeploymentLabel = u"berth.deployment"_s;
const auto StopGraceLabel = u"berth.stop-grace"_s;
constexpr int ImageTimeoutMs = 10 * 60 * 1000;

// filters={"label":["berth.deployment[=<id>]"]}
QString labelFilter(const QString &deploymentId = {})
{
    const QString label =
        deploymentId.isEmpty() ? DeploymentLabel : DeploymentLabel + u'=' + deploymentId;
    const QJsonObject filters{{u"label"_s, QJsonArray{label}}};
    return u"filters="_s + PodmanApi::encoded(QString::fromUtf8(
                               QJsonDocument(filters).toJson(QJsonDocument::Compact)));
}

QString labelOf(const QJsonObject &object, const QString &key)
{
    return object.value(u"Labels"_s).toObject().value(key).toString();
}

QString stateOf(const QString &podmanState)
{
    const QString state = podmanState.toLower();
    if (state == u"running"_s || state == u"paused"_s)
        return state;
    if (state == u"created"_s || state == u"configured"_s || state == u"initialized"_s)
        return u"created"_s;
    if (state == u"exited"_s || state == u"stopped"_s || state == u"stopping"_s)
        return u"exited"_s;
    return u"unknown"_s;
}

QString imageNameOf(const manifest::Container &container)
{
    return container.image.isBlob() ? manifest::blobImageName(container.image.blobSha256)
                                    : container.image.reference;
}

} // namespace

Result<std::unique_ptr<PodmanRuntime>> PodmanRuntime::create(const Options &options)
{
    if (options.socketPath.isEmpty())
        return Error(ErrorCode::InvalidArgument, u"the Podman socket path is empty"_s);
    QString root =
        options.secretRoot.isEmpty() ? defaultSecretRoot(options.dataDir) : options.secretRoot;
    root = QDir::cleanPath(root);
    if (auto prepared = PodmanSecrets::prepareRoot(root); !prepared)
        return prepared.error();
    return std::unique_ptr<PodmanRuntime>(new PodmanRuntime(options, root));
}

QString PodmanRuntime::defaultSecretRoot(const QString &dataDir)
{
    const QString key = dataDir.isEmpty() ? u"default"_s : QDir(dataDir).absolutePath();
    const QString hash = QString::fromLatin1(
        QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha256).toHex().left(8));
    const QString runtimeDir = qEnvironmentVariable("XDG_RUNTIME_DIR");
    const QString base = runtimeDir.isEmpty() ? u"/dev/shm"_s : runtimeDir;
    return base + u"/berth-secrets-"_s + hash;
}

PodmanRuntime::PodmanRuntime(const Options &options, QString secretRoot)
    : m_api(options.socketPath)
    , m_secrets(m_api, std::move(secretRoot))
    , m_allowEnvironmentSecrets(options.allowEnvironmentSecrets)
{}

QString PodmanRuntime::secretDirFor(const QString &deploymentId) const
{
    return m_secrets.dirFor(deploymentId);
}

Result<void> PodmanRuntime::ping()
{
    return m_api.ping();
}

Result<QJsonObject> PodmanRuntime::podObject(const RuntimeSpec &spec) const
{
    manifest::RenderOptions options;
    options.workload = manifest::RenderOptions::Workload::Pod;
    options.objectName = podNameFor(spec.deploymentId);
    options.extraLabels.insert(DeploymentLabel, spec.deploymentId);
    options.secretHostRoot = secretDirFor(spec.deploymentId);
    options.emitPersistentVolumeClaims = false;
    options.emitServices = false;
    const QList<QJsonObject> objects = manifest::renderKubernetes(spec.pod, options);
    const auto it = std::find_if(objects.cbegin(), objects.cend(), [](const QJsonObject &object) {
        return object.value(u"kind"_s).toString() == u"Pod"_s;
    });
    if (it == objects.cend())
        return Error(ErrorCode::Internal, u"the renderer produced no Pod object"_s);
    QJsonObject pod = *it;

    const int grace = std::max(spec.stopGraceSeconds, 0);
    QJsonObject metadata = pod.value(u"metadata"_s).toObject();
    QJsonObject labels = metadata.value(u"labels"_s).toObject();
    labels.insert(StopGraceLabel, QString::number(grace));
    metadata.insert(u"labels"_s, labels);
    pod.insert(u"metadata"_s, metadata);

    QJsonObject podSpec = pod.value(u"spec"_s).toObject();
    podSpec.insert(u"terminationGracePeriodSeconds"_s, grace);
    QJsonArray containers = podSpec.value(u"containers"_s).toArray();
    QList<PortBinding> unbound = spec.ports;
    for (qsizetype i = 0; i < containers.size(); ++i) {
        QJsonObject container = containers.at(i).toObject();
        // apply() checked that the image is here; never reach for a registry.
        container.insert(u"imagePullPolicy"_s, u"Never"_s);
        QJsonArray ports = container.value(u"ports"_s).toArray();
        for (qsizetype p = 0; p < ports.size(); ++p) {
            QJsonObject port = ports.at(p).toObject();
            const int containerPort = port.value(u"containerPort"_s).toInt();
            const auto binding =
                std::find_if(unbound.begin(), unbound.end(), [&](const PortBinding &b) {
                    return b.containerPort == containerPort;
                });
            if (binding == unbound.end())
                continue;
            if (binding->hostPort < 1 || binding->hostPort > 65535)
                return Error(
                    ErrorCode::InvalidArgument,
                    u"host port %1 for container port %2 is out of range"_s.arg(
                        QString::number(binding->hostPort), QString::number(containerPort)));
            port.insert(u"hostPort"_s, binding->hostPort);
            if (!binding->hostAddress.isEmpty())
                port.insert(u"hostIP"_s, binding->hostAddress);
            ports.replace(p, port);
            unbound.erase(binding);
        }
        if (!ports.isEmpty())
            container.insert(u"ports"_s, ports);
        containers.replace(i, container);
    }
    if (!unbound.isEmpty())
        return Error(ErrorCode::InvalidArgument,
                     u"no container of the pod has port %1 (%2)"_s.arg(
                         QString::number(unbound.constFirst().containerPort),
                         unbound.constFirst().portName));
    podSpec.insert(u"containers"_s, containers);
    pod.insert(u"spec"_s, podSpec);
    return pod;
}

Result<QJsonObject> PodmanRuntime::inspectPod(const QString &podName)
{
    auto response = m_api.call("GET", u"/pods/"_s + PodmanApi::encoded(podName) + u"/json"_s);
    if (!response)
        return response.error();
    if (response->status == 404)
        return QJsonObject();
    if (!response->ok())
        return PodmanApi::error(*response, u"inspect pod %1"_s.arg(podName));
    auto json = PodmanApi::json(*response, u"pod inspect"_s);
    if (!json)
        return json.error();
    return json->object();
}

Result<void> PodmanRuntime::stopPod(const QString &podName, const QJsonObject &pod)
{
    // Podman 4.3 ignores terminationGracePeriodSeconds: stop with the pod's own
    // grace first, or a force removal waits Podman's default 10 s.
    bool hasGrace = false;
    const int grace = labelOf(pod, StopGraceLabel).toInt(&hasGrace);
    if (hasGrace && grace >= 0) {
        auto stopped = m_api.call(
            "POST",
            u"/pods/%1/stop?t=%2"_s.arg(PodmanApi::encoded(podName), QString::number(grace)), {},
            grace * 1000 + 30000);
        if (!stopped)
            return stopped.error();
        // A degraded pod (some container exited) answers 304 and stops nothing:
        // stop its running containers one by one.
        if (stopped->status == 304) {
            const QString infra = pod.value(u"InfraContainerID"_s).toString();
            for (const QJsonValue &entry : pod.value(u"Containers"_s).toArray()) {
                const QJsonObject container = entry.toObject();
                const QString id = container.value(u"Id"_s).toString();
                if (id == infra || container.value(u"State"_s).toString() != u"running"_s)
                    continue;
                auto one = m_api.call("POST",
                                      u"/containers/%1/stop?timeout=%2"_s.arg(
                                          PodmanApi::encoded(id), QString::number(grace)),
                                      {}, grace * 1000 + 30000);
                if (!one)
                    return one.error();
            }
        }
        // Other errors (already stopped, a container gone) are settled by the removal.
    }
    return {};
}

Result<void> PodmanRuntime::stop(const QString &deploymentId)
{
    if (!isValidDeploymentId(deploymentId))
        return Error(ErrorCode::InvalidArgument,
                     u"invalid deployment id \"%1\""_s.arg(deploymentId));
    const QString podName = podNameFor(deploymentId);
    auto pod = inspectPod(podName);
    if (!pod)
        return pod.error();
    if (pod->isEmpty())
        return {};
    return stopPod(podName, *pod);
}

Result<void> PodmanRuntime::removePod(const QString &podName,
                                      const std::function<void()> &whenStopped)
{
    auto pod = inspectPod(podName);
    if (!pod)
        return pod.error();
    if (pod->isEmpty())
        return {};
    if (auto stopped = stopPod(podName, *pod); !stopped)
        return stopped;
    if (whenStopped)
        whenStopped();
    auto removed =
        m_api.call("DELETE", u"/pods/%1?force=true"_s.arg(PodmanApi::encoded(podName)), {}, 60000);
    if (!removed)
        return removed.error();
    if (!removed->ok() && removed->status != 404)
        return PodmanApi::error(*removed, u"remove pod %1"_s.arg(podName));
    return {};
}

Result<void> PodmanRuntime::ensureVolumes(const RuntimeSpec &spec)
{
    const QString podName = podNameFor(spec.deploymentId);
    for (const auto &volume : spec.pod.volumes) {
        if (volume.kind != manifest::VolumeKind::Persistent)
            continue;
        const QString name = manifest::derivedObjectName(podName, volume.name);
        auto existing = m_api.call("GET", u"/volumes/%1/json"_s.arg(PodmanApi::encoded(name)));
        if (!existing)
            return existing.error();
        if (existing->ok()) {
            auto json = PodmanApi::json(*existing, u"volume inspect"_s);
            if (!json)
                return json.error();
            if (labelOf(json->object(), DeploymentLabel) != spec.deploymentId)
                return Error(
                    ErrorCode::Conflict,
                    u"the Podman volume %1 exists and does not belong to deployment %2"_s.arg(
                        name, spec.deploymentId));
            continue; // created once, kept with its data
        }
        if (existing->status != 404)
            return PodmanApi::error(*existing, u"inspect volume %1"_s.arg(name));
        const QJsonObject labels{{DeploymentLabel, spec.deploymentId},
                                 {u"app.kubernetes.io/managed-by"_s, u"berth"_s},
                                 {u"berth.volume"_s, volume.name}};
        const QJsonObject body{{u"Name"_s, name}, {u"Label"_s, labels}};
        auto created = m_api.call("POST", u"/volumes/create"_s,
                                  QJsonDocument(body).toJson(QJsonDocument::Compact));
        if (!created)
            return created.error();
        if (!created->ok())
            return PodmanApi::error(*created, u"create volume %1"_s.arg(name));
    }
    return {};
}

Result<void> PodmanRuntime::apply(const RuntimeSpec &spec)
{
    if (!isValidDeploymentId(spec.deploymentId))
        return Error(ErrorCode::InvalidArgument,
                     u"invalid deployment id \"%1\""_s.arg(spec.deploymentId));
    auto pod = podObject(spec);
    if (!pod)
        return pod.error();
    // Refuse a bad update before the running pod is touched.
    if (!m_allowEnvironmentSecrets && PodmanSecrets::usesEnvironmentSecrets(spec.pod))
        return Error(ErrorCode::Unsupported,
                     u"this provider does not pass secrets as environment variables (Podman "
                     "would keep their values on disk): mount the secret as a file with a "
                     "`secret` volume and read it from there"_s);
    if (spec.keepSecrets) {
        // A restart of berthd: the files on tmpfs are all there is.
        if (PodmanSecrets::usesSecrets(spec.pod) &&
            !QFileInfo::exists(m_secrets.dirFor(spec.deploymentId)))
            return Error(ErrorCode::NotFound,
                         u"the secrets of deployment %1 are gone from %2 (the machine restarted?): "
                         "the publisher must send them again with pod.update"_s.arg(
                             spec.deploymentId, m_secrets.root()));
    } else if (auto secrets = PodmanSecrets::check(spec); !secrets) {
        return secrets;
    }
    for (const auto &container : spec.pod.containers) {
        const QString image = imageNameOf(container);
        auto present = hasImage(image);
        if (!present)
            return present.error();
        if (!*present)
            return Error(ErrorCode::NotFound,
                         u"image %1 is not loaded; upload it or name a public image"_s.arg(image));
    }
    if (auto volumes = ensureVolumes(spec); !volumes)
        return volumes;

    const QString podName = podNameFor(spec.deploymentId);
    auto existing = inspectPod(podName);
    if (!existing)
        return existing.error();
    if (!existing->isEmpty() && labelOf(*existing, DeploymentLabel) != spec.deploymentId)
        return Error(
            ErrorCode::Conflict,
            u"a Podman pod named %1 exists that Berth did not create; remove it"_s.arg(podName));
    const std::function<void()> whenStopped = [&] {
        if (spec.whenReplacedStopped)
            spec.whenReplacedStopped(*this);
    };
    if (auto removed = removePod(podName, whenStopped); !removed)
        return removed;
    if (!spec.keepSecrets)
        if (auto secrets = m_secrets.write(spec); !secrets)
            return secrets;

    auto played = m_api.call("POST", u"/play/kube"_s,
                             QJsonDocument(*pod).toJson(QJsonDocument::Compact), 120000);
    if (!played)
        return played.error();
    if (!played->ok()) {
        const Error error = PodmanApi::error(*played, u"start pod %1"_s.arg(podName));
        (void)removePod(podName); // what kube play left half made
        return error;
    }
    auto report = PodmanApi::json(*played, u"kube play"_s);
    if (!report)
        return report.error();
    for (const QJsonValue &entry : report->object().value(u"Pods"_s).toArray()) {
        const QJsonArray errors = entry.toObject().value(u"ContainerErrors"_s).toArray();
        if (errors.isEmpty())
            continue;
        QStringList texts;
        for (const QJsonValue &text : errors)
            texts.append(text.toString());
        (void)removePod(podName);
        const bool portTaken = std::any_of(texts.cbegin(), texts.cend(), [](const QString &text) {
            return text.contains(u"address already in use"_s);
        });
        return Error(
            portTaken ? ErrorCode::Conflict : ErrorCode::Unavailable,
            u"Podman could not start the containers of %1: %2"_s.arg(podName, texts.join(u"; "_s)));
    }
    return {};
}

Result<void> PodmanRuntime::remove(const QString &deploymentId, bool removeVolumes)
{
    if (!isValidDeploymentId(deploymentId))
        return Error(ErrorCode::InvalidArgument,
                     u"invalid deployment id \"%1\""_s.arg(deploymentId));
    if (auto removed = removePod(podNameFor(deploymentId)); !removed)
        return removed;
    if (!removeVolumes)
        return {};
    auto json = m_api.getJson(u"/volumes/json?"_s + labelFilter(deploymentId), u"list volumes"_s,
                              u"volume list"_s);
    if (!json)
        return json.error();
    for (const QJsonValue &entry : json->array()) {
        const QString name = entry.toObject().value(u"Name"_s).toString();
        auto removed = m_api.call(
            "DELETE", u"/volumes/%1?force=true"_s.arg(PodmanApi::encoded(name)), {}, 60000);
        if (!removed)
            return removed.error();
        if (!removed->ok() && removed->status != 404)
            return PodmanApi::error(*removed, u"remove volume %1"_s.arg(name));
    }
    return m_secrets.remove(deploymentId);
}

Result<RuntimeStatus> PodmanRuntime::status(const QString &deploymentId)
{
    if (!isValidDeploymentId(deploymentId))
        return Error(ErrorCode::InvalidArgument,
                     u"invalid deployment id \"%1\""_s.arg(deploymentId));
    const QString podName = podNameFor(deploymentId);
    auto pod = inspectPod(podName);
    if (!pod)
        return pod.error();
    RuntimeStatus status;
    if (pod->isEmpty())
        return status;
    status.exists = true;
    const QString infra = pod->value(u"InfraContainerID"_s).toString();
    const QString prefix = podName + u'-';
    int running = 0;
    for (const QJsonValue &entry : pod->value(u"Containers"_s).toArray()) {
        const QString id = entry.toObject().value(u"Id"_s).toString();
        if (id == infra)
            continue;
        auto response = m_api.call("GET", u"/containers/%1/json"_s.arg(PodmanApi::encoded(id)));
        if (!response)
            return response.error();
        if (response->status == 404)
            continue; // removed since the pod was inspected
        if (!response->ok())
            return PodmanApi::error(*response, u"inspect container %1"_s.arg(id));
        auto json = PodmanApi::json(*response, u"container inspect"_s);
        if (!json)
            return json.error();
        const QJsonObject inspect = json->object();
        const QJsonObject state = inspect.value(u"State"_s).toObject();

        ContainerStatus container;
        container.name = inspect.value(u"Name"_s).toString();
        if (container.name.startsWith(prefix))
            container.name = container.name.mid(prefix.size());
        container.state = stateOf(state.value(u"Status"_s).toString());
        container.restarts = inspect.value(u"RestartCount"_s).toInt();
        if (container.state == u"exited"_s)
            container.exitCode = state.value(u"ExitCode"_s).toInt();
        const QDateTime started = parsePodmanTime(state.value(u"StartedAt"_s).toString());
        if (started.isValid() && started.date().year() > 1)
            container.startedAt = started;

        const QJsonObject check =
            inspect.value(u"Config"_s).toObject().value(u"Healthcheck"_s).toObject();
        const QJsonArray test = check.value(u"Test"_s).toArray();
        if (container.state == u"running"_s && !test.isEmpty() &&
            test.first().toString() != u"NONE"_s) {
            const QJsonObject health = state.value(u"Health"_s).toObject();
            QString healthStatus = health.value(u"Status"_s).toString();
            const QJsonArray log = health.value(u"Log"_s).toArray();
            const QDateTime last =
                log.isEmpty() ? QDateTime()
                              : parsePodmanTime(log.last().toObject().value(u"End"_s).toString());
            // Nanoseconds; a check is overdue after two intervals (no systemd timer).
            const qint64 intervalMs =
                std::max<qint64>(qint64(check.value(u"Interval"_s).toDouble() / 1e6), 1000);
            if (!last.isValid() || last.msecsTo(QDateTime::currentDateTimeUtc()) > 2 * intervalMs) {
                auto ran =
                    m_api.call("GET", u"/containers/%1/healthcheck"_s.arg(PodmanApi::encoded(id)));
                if (ran && ran->ok()) {
                    if (auto result = PodmanApi::json(*ran, u"health check"_s))
                        healthStatus = result->object().value(u"Status"_s).toString();
                }
            }
            if (healthStatus == u"healthy"_s)
                container.healthy = true;
            else if (healthStatus == u"unhealthy"_s)
                container.healthy = false;
        }
        if (container.state == u"running"_s)
            ++running;
        status.containers.append(container);
    }
    std::sort(status.containers.begin(), status.containers.end(),
              [](const ContainerStatus &a, const ContainerStatus &b) { return a.name < b.name; });
    if (status.containers.isEmpty() || running == 0)
        status.state = u"stopped"_s;
    else if (running == status.containers.size())
        status.state = u"running"_s;
    else
        status.state = u"degraded"_s;
    return status;
}

Result<QStringList> PodmanRuntime::deploymentIdsIn(const QString &collection, const QString &what)
{
    auto json = m_api.getJson(u"/%1/json?"_s.arg(collection) + labelFilter(), u"list "_s + what,
                              what + u" list"_s);
    if (!json)
        return json.error();
    QStringList ids;
    for (const QJsonValue &entry : json->array())
        ids.append(labelOf(entry.toObject(), DeploymentLabel));
    ids.removeAll(QString());
    ids.removeDuplicates();
    ids.sort();
    return ids;
}

Result<QStringList> PodmanRuntime::listPods()
{
    return deploymentIdsIn(u"pods"_s, u"pod"_s);
}

Result<QStringList> PodmanRuntime::listVolumeOwners()
{
    return deploymentIdsIn(u"volumes"_s, u"volume"_s);
}

Result<QList<LogLine>> PodmanRuntime::logs(const QString &deploymentId, const LogQuery &query)
{
    if (!isValidDeploymentId(deploymentId))
        return Error(ErrorCode::InvalidArgument,
                     u"invalid deployment id \"%1\""_s.arg(deploymentId));
    if (query.tail < 0 || query.tail > 10000)
        return Error(ErrorCode::InvalidArgument,
                     u"tail must be 0..10000, not %1"_s.arg(QString::number(query.tail)));
    const QString podName = podNameFor(deploymentId);
    auto pod = inspectPod(podName);
    if (!pod)
        return pod.error();
    if (pod->isEmpty())
        return Error(ErrorCode::NotFound, u"deployment %1 has no pod"_s.arg(deploymentId));

    const QString infra = pod->value(u"InfraContainerID"_s).toString();
    const QString prefix = podName + u'-';
    QList<QPair<QString, QString>> containers; // manifest name, container id
    for (const QJsonValue &entry : pod->value(u"Containers"_s).toArray()) {
        const QJsonObject object = entry.toObject();
        const QString id = object.value(u"Id"_s).toString();
        QString name = object.value(u"Name"_s).toString();
        if (id == infra || !name.startsWith(prefix))
            continue;
        name = name.mid(prefix.size());
        if (query.container.isEmpty() || query.container == name)
            containers.append({name, id});
    }
    if (!query.container.isEmpty() && containers.isEmpty())
        return Error(ErrorCode::NotFound,
                     u"deployment %1 has no container %2"_s.arg(deploymentId, query.container));
    std::sort(containers.begin(), containers.end());

    QList<LogLine> lines;
    for (const auto &[name, id] : std::as_const(containers)) {
        if (query.tail == 0)
            break;
        QString path = u"/containers/%1/logs?stdout=true&stderr=true&timestamps=true"_s.arg(
            PodmanApi::encoded(id));
        // Podman 4.3 reads a tail backwards and then glues a partial line to the
        // line before it: with `since`, read forwards and cut the tail here.
        if (query.since.isValid())
            path += u"&since="_s + QString::number(query.since.toSecsSinceEpoch());
        else
            path += u"&tail="_s + QString::number(query.tail);
        auto response = m_api.call("GET", path);
        if (!response)
            return response.error();
        if (!response->ok())
            return PodmanApi::error(*response, u"read the logs of %1"_s.arg(name));
        auto decoded = decodePodmanLogStream(response->body, name);
        if (!decoded)
            return decoded.error();
        QList<LogLine> own = std::move(decoded).value();
        if (query.since.isValid()) {
            const QDateTime since = query.since.toUTC();
            own.removeIf([&](const LogLine &line) { return line.time < since; });
        }
        if (own.size() > query.tail)
            own.remove(0, own.size() - query.tail);
        lines.append(own);
    }
    std::stable_sort(lines.begin(), lines.end(),
                     [](const LogLine &a, const LogLine &b) { return a.time < b.time; });
    return lines;
}

Result<bool> PodmanRuntime::hasImage(const QString &reference)
{
    if (reference.isEmpty())
        return Error(ErrorCode::InvalidArgument, u"empty image reference"_s);
    auto response = m_api.call("GET", u"/images/%1/exists"_s.arg(PodmanApi::encoded(reference)));
    if (!response)
        return response.error();
    if (response->status == 404)
        return false;
    if (!response->ok())
        return PodmanApi::error(*response, u"look up image %1"_s.arg(reference));
    return true;
}

Result<void> PodmanRuntime::loadImage(const QString &archivePath, const QString &name)
{
    if (name.isEmpty())
        return Error(ErrorCode::InvalidArgument, u"the image needs a name"_s);
    if (!QFileInfo(archivePath).isFile())
        return Error(ErrorCode::NotFound, u"no image archive at %1"_s.arg(archivePath));
    // The names inside the archive would be given to this image: none may take
    // over a name another image holds, and none is kept.
    auto carried = imageArchiveNames(archivePath);
    if (!carried)
        return carried.error();
    for (const QString &carriedName : std::as_const(*carried)) {
        if (carriedName == name)
            continue;
        auto taken = hasImage(carriedName);
        if (!taken)
            return taken.error();
        if (*taken)
            return Error(ErrorCode::Conflict,
                         u"the image archive is named %1, a name this provider already holds: "
                         "save the image by its id (podman save IMAGE-ID) or under a name of "
                         "your own"_s.arg(carriedName));
    }
    auto loaded = m_api.upload(u"/images/load"_s, archivePath,
                               QByteArrayLiteral("application/x-tar"), ImageTimeoutMs);
    if (!loaded)
        return loaded.error();
    if (!loaded->ok())
        return PodmanApi::error(*loaded, u"load the image archive %1"_s.arg(archivePath));
    auto json = PodmanApi::json(*loaded, u"image load"_s);
    if (!json)
        return json.error();
    const QJsonArray names = json->object().value(u"Names"_s).toArray();
    if (names.isEmpty())
        return Error(ErrorCode::BadResponse,
                     u"Podman loaded %1 but named no image in it"_s.arg(archivePath));
    const QString loadedName = names.first().toString();

    // name = repository[:tag]; a ':' before the last '/' belongs to a host:port.
    QString repository = name;
    QString tag = u"latest"_s;
    const qsizetype colon = name.lastIndexOf(u':');
    if (colon > name.lastIndexOf(u'/')) {
        repository = name.left(colon);
        tag = name.mid(colon + 1);
    }
    auto tagged = m_api.call("POST", u"/images/%1/tag?repo=%2&tag=%3"_s.arg(
                                         PodmanApi::encoded(loadedName),
                                         PodmanApi::encoded(repository), PodmanApi::encoded(tag)));
    if (!tagged)
        return tagged.error();
    if (!tagged->ok())
        return PodmanApi::error(*tagged, u"name the loaded image %1"_s.arg(name));
    for (const QString &carriedName : std::as_const(*carried)) {
        if (carriedName == name)
            continue;
        auto untagged = m_api.call("DELETE", u"/images/%1"_s.arg(PodmanApi::encoded(carriedName)));
        if (!untagged)
            return untagged.error();
    }
    return {};
}

Result<void> PodmanRuntime::pullImage(const QString &reference)
{
    if (reference.isEmpty())
        return Error(ErrorCode::InvalidArgument, u"empty image reference"_s);
    auto response = m_api.call(
        "POST", u"/images/pull?reference=%1&quiet=true"_s.arg(PodmanApi::encoded(reference)), {},
        ImageTimeoutMs);
    if (!response)
        return response.error();
    // The answer is a stream of JSON objects; a failed pull still answers 200
    // with an object whose "error" says why.
    QString failure;
    for (const QByteArray &line : response->body.split('\n')) {
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        const QString error = object.value(u"error"_s).toString();
        if (!error.isEmpty())
            failure = error;
    }
    if (!response->ok() && failure.isEmpty())
        return PodmanApi::error(*response, u"pull %1"_s.arg(reference));
    if (!failure.isEmpty())
        return Error(ErrorCode::Unavailable,
                     u"Podman could not pull %1: %2. Check the name and that the registry is "
                     "reachable, or upload the image instead"_s.arg(reference, failure.left(400)));
    auto present = hasImage(reference);
    if (!present)
        return present.error();
    if (!*present)
        return Error(ErrorCode::BadResponse,
                     u"Podman reported pulling %1 but does not have it"_s.arg(reference));
    return {};
}

} // namespace berth::provider
