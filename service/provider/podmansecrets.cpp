#include "provider/podmansecrets.h"

#include "crypto/secretbytes.h"
#include "manifest/kuberenderer.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

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

const auto PodmanSecretsDir = u"_podman"_s; // not a DNS label: never a secret's name
constexpr long TmpfsMagic = 0x01021994;

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

} // namespace

Result<void> PodmanSecrets::prepareRoot(const QString &root)
{
    if (!QDir::isAbsolutePath(root))
        return Error(ErrorCode::InvalidArgument,
                     u"the secret root %1 is not an absolute path"_s.arg(root));
    const QString parent = QFileInfo(root).path();
    if (!QDir().mkpath(parent))
        return Error(ErrorCode::IoFailed, u"cannot create %1"_s.arg(parent));
    if (auto made = makePrivateDir(root); !made)
        return made;
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
    return {};
}

PodmanSecrets::PodmanSecrets(PodmanApi &api, QString root)
    : m_api(api)
    , m_root(std::move(root))
{}

QString PodmanSecrets::dirFor(const QString &deploymentId) const
{
    return m_root + u'/' + deploymentId;
}

Result<void> PodmanSecrets::remove(const QString &deploymentId)
{
    const QString driverPath = dirFor(deploymentId) + u'/' + PodmanSecretsDir;
    auto json = m_api.getJson(u"/secrets/json"_s, u"list secrets"_s, u"secret list"_s);
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
        if (auto made = makePrivateDir(dirFor(deploymentId)); !made)
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
        auto removed = m_api.call("DELETE", u"/secrets/"_s + PodmanApi::encoded(id));
        if (!removed)
            return removed.error();
        if (!removed->ok() && removed->status != 404)
            return PodmanApi::error(*removed, u"remove secret %1"_s.arg(id));
    }
    QDir dir(dirFor(deploymentId));
    if (dir.exists() && !dir.removeRecursively())
        return Error(ErrorCode::IoFailed, u"cannot remove %1"_s.arg(dir.path()));
    return {};
}

bool PodmanSecrets::usesEnvironmentSecrets(const manifest::Pod &pod)
{
    return !envSecrets(pod).isEmpty();
}

bool PodmanSecrets::usesSecrets(const manifest::Pod &pod)
{
    return usesEnvironmentSecrets(pod) ||
           std::any_of(pod.volumes.cbegin(), pod.volumes.cend(), [](const manifest::Volume &v) {
               return v.kind == manifest::VolumeKind::Secret;
           });
}

Result<void> PodmanSecrets::check(const RuntimeSpec &spec)
{
    const auto missing = [&](const QString &secret, const QString &key) {
        const auto found = spec.secrets.constFind(secret);
        if (found == spec.secrets.cend())
            return u"secret %1 was not provided for deployment %2"_s.arg(secret, spec.deploymentId);
        if (!key.isEmpty() && !found->contains(key))
            return u"secret %1 has no key %2"_s.arg(secret, key);
        return QString();
    };
    QStringList problems;
    for (const auto &volume : spec.pod.volumes) {
        if (volume.kind != manifest::VolumeKind::Secret)
            continue;
        if (volume.items.isEmpty())
            problems.append(missing(volume.secretName, {}));
        for (const auto &item : volume.items) {
            if (!isSafeRelativePath(item.path))
                problems.append(
                    u"secret file path %1 is not a plain relative path"_s.arg(item.path));
            problems.append(missing(volume.secretName, item.key));
        }
    }
    for (const auto &[secret, keys] : envSecrets(spec.pod).asKeyValueRange()) {
        for (const QString &key : keys)
            problems.append(missing(secret, key));
    }
    problems.removeAll(QString());
    problems.removeDuplicates();
    if (!problems.isEmpty())
        return Error(ErrorCode::InvalidArgument, problems.join(u"; "_s));
    return {};
}

Result<void> PodmanSecrets::write(const RuntimeSpec &spec)
{
    if (auto checked = check(spec); !checked)
        return checked;
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

    if (auto removed = remove(spec.deploymentId); !removed)
        return removed;
    const QString dir = dirFor(spec.deploymentId);
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
            PodmanApi::encoded(name),
            PodmanApi::encoded(
                QString::fromUtf8(QJsonDocument(driverOptions).toJson(QJsonDocument::Compact))));
        auto created = m_api.call("POST", u"/secrets/create?"_s + query, body);
        crypto::secureZero(body);
        if (!created)
            return created.error();
        // Ours were deleted above: a name still in use is someone else's secret.
        if (created->status == 409 || created->body.contains("secret name in use"))
            return Error(ErrorCode::Conflict,
                         u"the Podman secret %1 exists and does not belong to deployment %2"_s.arg(
                             name, spec.deploymentId));
        if (!created->ok())
            return PodmanApi::error(*created, u"create secret %1"_s.arg(name));
    }
    return {};
}

} // namespace berth::provider
