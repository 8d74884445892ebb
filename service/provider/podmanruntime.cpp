#include "provider/podmanruntime.h"

#include "crypto/secretbytes.h"
#include "manifest/kuberenderer.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QUrl>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

const auto Api = u"http://d/v4.0.0/libpod"_s;
const auto DeploymentLabel = u"berth.deployment"_s;
const auto StopGraceLabel = u"berth.stop-grace"_s;
const auto PodmanSecretsDir = u"_podman"_s; // not a DNS label: never a secret's name
constexpr long TmpfsMagic = 0x01021994;
constexpr qint64 MaxLogFrame = 1024 * 1024;
constexpr int ImageTimeoutMs = 10 * 60 * 1000;

QString encoded(const QString &text)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(text));
}

// filters={"label":["berth.deployment[=<id>]"]}
QString labelFilter(const QString &deploymentId = {})
{
    const QString label =
        deploymentId.isEmpty() ? DeploymentLabel : DeploymentLabel + u'=' + deploymentId;
    const QJsonObject filters{{u"label"_s, QJsonArray{label}}};
    return u"filters="_s +
           encoded(QString::fromUtf8(QJsonDocument(filters).toJson(QJsonDocument::Compact)));
}

// An HTTP error status from Podman as an error value.
Error podmanError(const HttpResponse &response, const QString &what)
{
    ErrorCode code = ErrorCode::Unavailable;
    switch (response.status) {
    case 400:
    case 422:
        code = ErrorCode::InvalidArgument;
        break;
    case 404:
        code = ErrorCode::NotFound;
        break;
    case 409:
        code = ErrorCode::Conflict;
        break;
    default:
        break;
    }
    return Error(code, u"Podman could not %1: %2"_s.arg(what, httpErrorText(response)));
}

Result<QJsonDocument> parseJson(const HttpResponse &response, const QString &what)
{
    QJsonParseError parseError;
    const QJsonDocument json = QJsonDocument::fromJson(response.body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return Error(ErrorCode::BadResponse, u"Podman answered %1 with invalid JSON: %2"_s.arg(
                                                 what, parseError.errorString()));
    return json;
}

// RFC 3339 as Podman writes it (seconds, or up to nanoseconds), as UTC.
QDateTime parseTimestamp(QStringView text)
{
    static const QRegularExpression pattern(
        u"^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d)(?:\\.(\\d{1,9}))?(Z|[+-]\\d\\d:\\d\\d)$"_s);
    const auto match = pattern.match(text);
    if (!match.hasMatch())
        return {};
    QString normalized = match.captured(1);
    const QString fraction = match.captured(2);
    if (!fraction.isEmpty())
        normalized += u'.' + QString(fraction + u"00"_s).left(3);
    normalized += match.captured(3);
    return QDateTime::fromString(normalized, Qt::ISODateWithMs).toUTC();
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

// A relative file path inside a secret directory: no empty, "." or ".." part.
bool isSafeRelativePath(const QString &path)
{
    if (path.isEmpty() || path.startsWith(u'/'))
        return false;
    const QStringList parts = path.split(u'/');
    return std::none_of(parts.cbegin(), parts.cend(), [](const QString &part) {
        return part.isEmpty() || part == u"."_s || part == u".."_s;
    });
}

Result<void> makePrivateDir(const QString &path)
{
    const QByteArray name = QFile::encodeName(path);
    if (::mkdir(name.constData(), 0700) != 0 && errno != EEXIST)
        return Error(ErrorCode::IoFailed,
                     u"cannot create %1: %2"_s.arg(path, QString::fromLocal8Bit(strerror(errno))));
    struct stat info
    {};
    if (::lstat(name.constData(), &info) != 0 || !S_ISDIR(info.st_mode))
        return Error(ErrorCode::IoFailed, u"%1 is not a directory"_s.arg(path));
    if (info.st_uid != ::geteuid())
        return Error(
            ErrorCode::IoFailed,
            u"%1 belongs to another user: remove it or choose another secret root"_s.arg(path));
    if ((info.st_mode & 07777) != 0700 && ::chmod(name.constData(), 0700) != 0)
        return Error(ErrorCode::IoFailed, u"cannot make %1 private: %2"_s.arg(
                                              path, QString::fromLocal8Bit(strerror(errno))));
    return {};
}

// A new owner-read-only file with the secret value; never follows a link.
Result<void> writeSecretFile(const QString &path, const crypto::SecretBytes &value)
{
    const QByteArray name = QFile::encodeName(path);
    const int fd =
        ::open(name.constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
    if (fd < 0)
        return Error(ErrorCode::IoFailed,
                     u"cannot create %1: %2"_s.arg(path, QString::fromLocal8Bit(strerror(errno))));
    qsizetype written = 0;
    while (written < value.size()) {
        const ssize_t n = ::write(fd, value.data() + written, size_t(value.size() - written));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int saved = errno;
            ::close(fd);
            return Error(ErrorCode::IoFailed, u"cannot write %1: %2"_s.arg(
                                                  path, QString::fromLocal8Bit(strerror(saved))));
        }
        written += n;
    }
    ::close(fd);
    return {};
}

// The pod's secrets that environment variables read, with the keys they read.
QMap<QString, QStringList> envSecrets(const manifest::Pod &pod)
{
    QMap<QString, QStringList> secrets;
    for (const auto &container : pod.containers) {
        for (const auto &var : container.env) {
            if (var.secret)
                secrets[var.secret->name].append(var.secret->key);
        }
    }
    return secrets;
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
    if (!QDir::isAbsolutePath(root))
        return Error(ErrorCode::InvalidArgument,
                     u"the secret root %1 is not an absolute path"_s.arg(root));
    const QString parent = QFileInfo(root).path();
    if (!QDir().mkpath(parent))
        return Error(ErrorCode::IoFailed, u"cannot create %1"_s.arg(parent));
    if (auto made = makePrivateDir(root); !made)
        return made.error();
    struct statfs fs
    {};
    if (::statfs(QFile::encodeName(root).constData(), &fs) != 0)
        return Error(ErrorCode::IoFailed, u"cannot inspect the file system of %1: %2"_s.arg(
                                              root, QString::fromLocal8Bit(strerror(errno))));
    if (long(fs.f_type) != TmpfsMagic)
        return Error(
            ErrorCode::Unsupported,
            u"the secret root %1 is not on tmpfs: secrets must never reach a disk. "
            "Point it at a directory on tmpfs (under /dev/shm or $XDG_RUNTIME_DIR)"_s.arg(root));
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
    : m_http(u"Podman"_s, options.socketPath)
    , m_secretRoot(std::move(secretRoot))
{}

QString PodmanRuntime::secretDirFor(const QString &deploymentId) const
{
    return m_secretRoot + u'/' + deploymentId;
}

Result<HttpResponse> PodmanRuntime::call(const QByteArray &method, const QString &path,
                                         const QByteArray &body, int timeoutMs)
{
    HttpRequest request;
    request.method = method;
    request.url = Api + path;
    request.body = body;
    request.timeoutMs = timeoutMs;
    // Without it libcurl sends a form content type, and Podman then reads the
    // body as a form and loses it.
    request.headers.append(
        {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
    return m_http.send(request);
}

Result<void> PodmanRuntime::ping()
{
    HttpRequest request;
    request.url = u"http://d/_ping"_s;
    request.timeoutMs = 5000;
    auto response = m_http.send(request);
    if (!response)
        return response.error();
    if (!response->ok())
        return Error(ErrorCode::Unavailable, u"Podman at %1 is not healthy: %2"_s.arg(
                                                 m_http.unixSocket(), httpErrorText(*response)));
    return {};
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
    auto response = call("GET", u"/pods/"_s + encoded(podName) + u"/json"_s);
    if (!response)
        return response.error();
    if (response->status == 404)
        return QJsonObject();
    if (!response->ok())
        return podmanError(*response, u"inspect pod %1"_s.arg(podName));
    auto json = parseJson(*response, u"pod inspect"_s);
    if (!json)
        return json.error();
    return json->object();
}

Result<void> PodmanRuntime::removePod(const QString &podName)
{
    auto pod = inspectPod(podName);
    if (!pod)
        return pod.error();
    if (pod->isEmpty())
        return {};
    // Podman 4.3 ignores terminationGracePeriodSeconds: stop with the pod's own
    // grace first, or a force removal waits Podman's default 10 s.
    bool hasGrace = false;
    const int grace = labelOf(*pod, StopGraceLabel).toInt(&hasGrace);
    if (hasGrace && grace >= 0) {
        auto stopped =
            call("POST", u"/pods/%1/stop?t=%2"_s.arg(encoded(podName), QString::number(grace)), {},
                 grace * 1000 + 30000);
        if (!stopped)
            return stopped.error();
        // A degraded pod (some container exited) answers 304 and stops nothing:
        // stop its running containers one by one.
        if (stopped->status == 304) {
            const QString infra = pod->value(u"InfraContainerID"_s).toString();
            for (const QJsonValue &entry : pod->value(u"Containers"_s).toArray()) {
                const QJsonObject container = entry.toObject();
                const QString id = container.value(u"Id"_s).toString();
                if (id == infra || container.value(u"State"_s).toString() != u"running"_s)
                    continue;
                auto one = call(
                    "POST",
                    u"/containers/%1/stop?timeout=%2"_s.arg(encoded(id), QString::number(grace)),
                    {}, grace * 1000 + 30000);
                if (!one)
                    return one.error();
            }
        }
        // Other errors (already stopped, a container gone) are settled below.
    }
    auto removed = call("DELETE", u"/pods/%1?force=true"_s.arg(encoded(podName)), {}, 60000);
    if (!removed)
        return removed.error();
    if (!removed->ok() && removed->status != 404)
        return podmanError(*removed, u"remove pod %1"_s.arg(podName));
    return {};
}

Result<void> PodmanRuntime::ensureVolumes(const RuntimeSpec &spec)
{
    const QString podName = podNameFor(spec.deploymentId);
    for (const auto &volume : spec.pod.volumes) {
        if (volume.kind != manifest::VolumeKind::Persistent)
            continue;
        const QString name = manifest::derivedObjectName(podName, volume.name);
        auto existing = call("GET", u"/volumes/%1/json"_s.arg(encoded(name)));
        if (!existing)
            return existing.error();
        if (existing->ok()) {
            auto json = parseJson(*existing, u"volume inspect"_s);
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
            return podmanError(*existing, u"inspect volume %1"_s.arg(name));
        const QJsonObject labels{{DeploymentLabel, spec.deploymentId},
                                 {u"app.kubernetes.io/managed-by"_s, u"berth"_s},
                                 {u"berth.volume"_s, volume.name}};
        const QJsonObject body{{u"Name"_s, name}, {u"Label"_s, labels}};
        auto created =
            call("POST", u"/volumes/create"_s, QJsonDocument(body).toJson(QJsonDocument::Compact));
        if (!created)
            return created.error();
        if (!created->ok())
            return podmanError(*created, u"create volume %1"_s.arg(name));
    }
    return {};
}

Result<void> PodmanRuntime::removeSecrets(const QString &deploymentId)
{
    const QString driverPath = secretDirFor(deploymentId) + u'/' + PodmanSecretsDir;
    auto listed = call("GET", u"/secrets/json"_s);
    if (!listed)
        return listed.error();
    if (!listed->ok())
        return podmanError(*listed, u"list secrets"_s);
    auto json = parseJson(*listed, u"secret list"_s);
    if (!json)
        return json.error();
    QStringList ids;
    for (const QJsonValue &entry : json->array()) {
        const QJsonObject secret = entry.toObject();
        const QJsonObject driver = secret.value(u"Spec"_s).toObject().value(u"Driver"_s).toObject();
        if (driver.value(u"Options"_s).toObject().value(u"path"_s).toString() == driverPath)
            ids.append(secret.value(u"ID"_s).toString());
    }
    // After a reboot the tmpfs is empty but Podman still lists the secrets, and
    // refuses to delete one whose data is gone: give each a placeholder first.
    const QString dataFile = driverPath + u"/secretsdata.json"_s;
    if (!ids.isEmpty() && !QFileInfo::exists(dataFile)) {
        if (auto made = makePrivateDir(secretDirFor(deploymentId)); !made)
            return made;
        if (auto made = makePrivateDir(driverPath); !made)
            return made;
        QJsonObject placeholders;
        for (const QString &id : std::as_const(ids))
            placeholders.insert(id, u"AA=="_s);
        QFile file(dataFile);
        if (!file.open(QIODevice::WriteOnly) ||
            file.write(QJsonDocument(placeholders).toJson(QJsonDocument::Compact)) < 0)
            return Error(ErrorCode::IoFailed,
                         u"cannot write %1: %2"_s.arg(dataFile, file.errorString()));
        file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    }
    for (const QString &id : std::as_const(ids)) {
        auto removed = call("DELETE", u"/secrets/"_s + encoded(id));
        if (!removed)
            return removed.error();
        if (!removed->ok() && removed->status != 404)
            return podmanError(*removed, u"remove secret %1"_s.arg(id));
    }
    QDir dir(secretDirFor(deploymentId));
    if (dir.exists() && !dir.removeRecursively())
        return Error(ErrorCode::IoFailed, u"cannot remove %1"_s.arg(dir.path()));
    return {};
}

Result<void> PodmanRuntime::writeSecrets(const RuntimeSpec &spec)
{
    // Every secret the pod reads must have been provided, with every key it names.
    const auto valueOf = [&](const QString &secret,
                             const QString &key) -> Result<const crypto::SecretBytes *> {
        const auto found = spec.secrets.constFind(secret);
        if (found == spec.secrets.cend())
            return Error(
                ErrorCode::InvalidArgument,
                u"secret %1 was not provided for deployment %2"_s.arg(secret, spec.deploymentId));
        const auto value = found->constFind(key);
        if (value == found->cend())
            return Error(ErrorCode::InvalidArgument, u"secret %1 has no key %2"_s.arg(secret, key));
        return &*value;
    };

    if (auto removed = removeSecrets(spec.deploymentId); !removed)
        return removed;
    const QString dir = secretDirFor(spec.deploymentId);
    const QMap<QString, QStringList> fromEnv = envSecrets(spec.pod);
    bool anyVolume = false;
    for (const auto &volume : spec.pod.volumes)
        anyVolume = anyVolume || volume.kind == manifest::VolumeKind::Secret;
    if (!anyVolume && fromEnv.isEmpty())
        return {};
    if (auto made = makePrivateDir(dir); !made)
        return made;

    for (const auto &volume : spec.pod.volumes) {
        if (volume.kind != manifest::VolumeKind::Secret)
            continue;
        const QString secretDir = dir + u'/' + volume.secretName;
        if (auto made = makePrivateDir(secretDir); !made)
            return made;
        QList<manifest::SecretItem> items = volume.items;
        if (items.isEmpty()) {
            const auto found = spec.secrets.constFind(volume.secretName);
            if (found == spec.secrets.cend())
                return Error(ErrorCode::InvalidArgument,
                             u"secret %1 was not provided for deployment %2"_s.arg(
                                 volume.secretName, spec.deploymentId));
            for (const QString &key : found->keys())
                items.append({key, key});
        }
        for (const auto &item : items) {
            if (!isSafeRelativePath(item.path))
                return Error(ErrorCode::InvalidArgument,
                             u"secret file path %1 is not a plain relative path"_s.arg(item.path));
            auto value = valueOf(volume.secretName, item.key);
            if (!value)
                return value.error();
            const QString path = secretDir + u'/' + item.path;
            // Parents of a nested item path, each private.
            const QStringList parts = item.path.split(u'/');
            QString parent = secretDir;
            for (qsizetype i = 0; i + 1 < parts.size(); ++i) {
                parent += u'/' + parts.at(i);
                if (auto made = makePrivateDir(parent); !made)
                    return made;
            }
            QFile::remove(path); // the same file listed twice: the last one wins
            if (auto written = writeSecretFile(path, **value); !written)
                return written;
        }
    }

    if (fromEnv.isEmpty())
        return {};
    const QString driverPath = dir + u'/' + PodmanSecretsDir;
    if (auto made = makePrivateDir(driverPath); !made)
        return made;
    const QString podName = podNameFor(spec.deploymentId);
    for (auto it = fromEnv.cbegin(); it != fromEnv.cend(); ++it) {
        for (const QString &key : it.value()) {
            if (auto value = valueOf(it.key(), key); !value)
                return value.error();
        }
        // What kube play reads for secretKeyRef: a JSON object of key -> base64.
        // Built by hand so that every copy of a value can be wiped.
        QByteArray body = QByteArrayLiteral("{");
        const auto &values = *spec.secrets.constFind(it.key());
        for (auto value = values.cbegin(); value != values.cend(); ++value) {
            if (body.size() > 1)
                body += ',';
            // The key as a JSON string: a one-element array without its brackets.
            const QByteArray key =
                QJsonDocument(QJsonArray{value.key()}).toJson(QJsonDocument::Compact);
            body += QByteArrayView(key).sliced(1, key.size() - 2);
            QByteArray raw = value.value().view().toByteArray();
            QByteArray encodedValue = raw.toBase64();
            body += ":\"" + encodedValue + '"';
            crypto::secureZero(raw);
            crypto::secureZero(encodedValue);
        }
        body += '}';
        const QString name = manifest::derivedObjectName(podName, it.key());
        const QJsonObject driverOptions{{u"path"_s, driverPath}};
        const QString query = u"name=%1&driver=file&driveropts=%2"_s.arg(
            encoded(name), encoded(QString::fromUtf8(
                               QJsonDocument(driverOptions).toJson(QJsonDocument::Compact))));
        auto created = call("POST", u"/secrets/create?"_s + query, body);
        crypto::secureZero(body);
        if (!created)
            return created.error();
        // Ours were deleted above: a name still in use is someone else's secret.
        if (created->status == 409 || created->body.contains("secret name in use"))
            return Error(ErrorCode::Conflict,
                         u"the Podman secret %1 exists and does not belong to deployment %2"_s.arg(
                             name, spec.deploymentId));
        if (!created->ok())
            return podmanError(*created, u"create secret %1"_s.arg(name));
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
    if (auto removed = removePod(podName); !removed)
        return removed;
    if (auto secrets = writeSecrets(spec); !secrets)
        return secrets;

    auto played =
        call("POST", u"/play/kube"_s, QJsonDocument(*pod).toJson(QJsonDocument::Compact), 120000);
    if (!played)
        return played.error();
    if (!played->ok()) {
        const Error error = podmanError(*played, u"start pod %1"_s.arg(podName));
        (void)removePod(podName); // what kube play left half made
        return error;
    }
    auto report = parseJson(*played, u"kube play"_s);
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
    auto listed = call("GET", u"/volumes/json?"_s + labelFilter(deploymentId));
    if (!listed)
        return listed.error();
    if (!listed->ok())
        return podmanError(*listed, u"list volumes"_s);
    auto json = parseJson(*listed, u"volume list"_s);
    if (!json)
        return json.error();
    for (const QJsonValue &entry : json->array()) {
        const QString name = entry.toObject().value(u"Name"_s).toString();
        auto removed = call("DELETE", u"/volumes/%1?force=true"_s.arg(encoded(name)), {}, 60000);
        if (!removed)
            return removed.error();
        if (!removed->ok() && removed->status != 404)
            return podmanError(*removed, u"remove volume %1"_s.arg(name));
    }
    return removeSecrets(deploymentId);
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
        auto response = call("GET", u"/containers/%1/json"_s.arg(encoded(id)));
        if (!response)
            return response.error();
        if (response->status == 404)
            continue; // removed since the pod was inspected
        if (!response->ok())
            return podmanError(*response, u"inspect container %1"_s.arg(id));
        auto json = parseJson(*response, u"container inspect"_s);
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
        const QDateTime started = parseTimestamp(state.value(u"StartedAt"_s).toString());
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
                              : parseTimestamp(log.last().toObject().value(u"End"_s).toString());
            // Nanoseconds; a check is overdue after two intervals (no systemd timer).
            const qint64 intervalMs =
                std::max<qint64>(qint64(check.value(u"Interval"_s).toDouble() / 1e6), 1000);
            if (!last.isValid() || last.msecsTo(QDateTime::currentDateTimeUtc()) > 2 * intervalMs) {
                auto ran = call("GET", u"/containers/%1/healthcheck"_s.arg(encoded(id)));
                if (ran && ran->ok()) {
                    if (auto result = parseJson(*ran, u"health check"_s))
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

Result<QStringList> PodmanRuntime::listPods()
{
    auto response = call("GET", u"/pods/json?"_s + labelFilter());
    if (!response)
        return response.error();
    if (!response->ok())
        return podmanError(*response, u"list pods"_s);
    auto json = parseJson(*response, u"pod list"_s);
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

Result<QStringList> PodmanRuntime::listVolumeOwners()
{
    auto response = call("GET", u"/volumes/json?"_s + labelFilter());
    if (!response)
        return response.error();
    if (!response->ok())
        return podmanError(*response, u"list volumes"_s);
    auto json = parseJson(*response, u"volume list"_s);
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
        QString path = u"/containers/%1/logs?stdout=true&stderr=true&timestamps=true&tail=%2"_s.arg(
            encoded(id), QString::number(query.tail));
        if (query.since.isValid())
            path += u"&since="_s + QString::number(query.since.toSecsSinceEpoch());
        auto response = call("GET", path);
        if (!response)
            return response.error();
        if (!response->ok())
            return podmanError(*response, u"read the logs of %1"_s.arg(name));
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

Result<QList<LogLine>> decodePodmanLogStream(const QByteArray &body, const QString &container)
{
    QList<LogLine> lines;
    qsizetype pos = 0;
    const auto bad = [&](const QString &what) {
        return Error(ErrorCode::BadResponse,
                     u"Podman's log stream for %1 is malformed at byte %2: %3"_s.arg(
                         container, QString::number(pos), what));
    };
    while (pos < body.size()) {
        if (body.size() - pos < 8)
            return bad(u"truncated frame header"_s);
        const auto byte = [&](qsizetype i) { return quint8(body.at(pos + i)); };
        const quint8 stream = byte(0);
        if (stream != 1 && stream != 2)
            return bad(u"unknown stream %1"_s.arg(QString::number(stream)));
        if (byte(1) != 0 || byte(2) != 0 || byte(3) != 0)
            return bad(u"reserved header bytes are not zero"_s);
        const qint64 length = (qint64(byte(4)) << 24) | (qint64(byte(5)) << 16) |
                              (qint64(byte(6)) << 8) | qint64(byte(7));
        if (length > MaxLogFrame)
            return bad(u"frame of %1 bytes"_s.arg(QString::number(length)));
        if (body.size() - pos - 8 < length)
            return bad(u"truncated frame"_s);
        QByteArray payload = body.mid(pos + 8, length);
        if (payload.endsWith('\n'))
            payload.chop(1);
        const QList<QByteArray> rawLines = payload.split('\n');
        for (const QByteArray &rawLine : rawLines) {
            const qsizetype space = rawLine.indexOf(' ');
            const QByteArray stamp = space < 0 ? rawLine : rawLine.first(space);
            LogLine line;
            line.container = container;
            line.stream = stream == 1 ? u"stdout"_s : u"stderr"_s;
            line.time = parseTimestamp(QString::fromLatin1(stamp));
            if (!line.time.isValid())
                return bad(u"a line without a timestamp"_s);
            if (space >= 0)
                line.text = QString::fromUtf8(rawLine.sliced(space + 1));
            lines.append(line);
        }
        pos += 8 + length;
    }
    return lines;
}

Result<bool> PodmanRuntime::hasImage(const QString &reference)
{
    if (reference.isEmpty())
        return Error(ErrorCode::InvalidArgument, u"empty image reference"_s);
    auto response = call("GET", u"/images/%1/exists"_s.arg(encoded(reference)));
    if (!response)
        return response.error();
    if (response->status == 404)
        return false;
    if (!response->ok())
        return podmanError(*response, u"look up image %1"_s.arg(reference));
    return true;
}

Result<void> PodmanRuntime::loadImage(const QString &archivePath, const QString &name)
{
    if (name.isEmpty())
        return Error(ErrorCode::InvalidArgument, u"the image needs a name"_s);
    if (!QFileInfo(archivePath).isFile())
        return Error(ErrorCode::NotFound, u"no image archive at %1"_s.arg(archivePath));
    HttpRequest request;
    request.method = QByteArrayLiteral("POST");
    request.url = Api + u"/images/load"_s;
    request.bodyFile = archivePath;
    request.timeoutMs = ImageTimeoutMs;
    request.headers.append(
        {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/x-tar")});
    auto loaded = m_http.send(request);
    if (!loaded)
        return loaded.error();
    if (!loaded->ok())
        return podmanError(*loaded, u"load the image archive %1"_s.arg(archivePath));
    auto json = parseJson(*loaded, u"image load"_s);
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
    auto tagged = call("POST", u"/images/%1/tag?repo=%2&tag=%3"_s.arg(
                                   encoded(loadedName), encoded(repository), encoded(tag)));
    if (!tagged)
        return tagged.error();
    if (!tagged->ok())
        return podmanError(*tagged, u"name the loaded image %1"_s.arg(name));
    return {};
}

Result<void> PodmanRuntime::pullImage(const QString &reference)
{
    if (reference.isEmpty())
        return Error(ErrorCode::InvalidArgument, u"empty image reference"_s);
    auto response = call("POST", u"/images/pull?reference=%1&quiet=true"_s.arg(encoded(reference)),
                         {}, ImageTimeoutMs);
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
        return podmanError(*response, u"pull %1"_s.arg(reference));
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
