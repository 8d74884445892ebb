#include "provider/blobstore.h"

#include "crypto/blobcipher.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QStorageInfo>
#include <QTemporaryFile>

#include <cstdio>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

Q_LOGGING_CATEGORY(lcBlobs, "berth.provider.blobs", QtInfoMsg)

constexpr QFile::Permissions ownerOnlyFile = QFile::ReadOwner | QFile::WriteOwner;
constexpr QFile::Permissions ownerOnlyFolder =
    QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;
constexpr qsizetype Sha256HexSize = 64;

Error ioError(const QString &path, const QString &what)
{
    return Error(ErrorCode::IoFailed, u"%1: %2"_s.arg(QDir::toNativeSeparators(path), what));
}

Error badSha256(const QString &sha256)
{
    return Error(ErrorCode::InvalidArgument,
                 u"\"%1\" is not a blob name: a blob is named by its SHA-256 as 64 lower-case "
                 u"hex digits"_s.arg(sha256.left(80)));
}

Result<void> ensureFolder(const QString &path)
{
    if (!QDir().mkpath(path))
        return ioError(path, u"cannot create the folder"_s);
    if (!QFile::setPermissions(path, ownerOnlyFolder))
        return ioError(path, u"cannot make the folder private (0700)"_s);
    return {};
}

// Feeds the first size bytes of file into hash; false when they cannot be read.
bool hashPrefix(QFile &file, qint64 size, QCryptographicHash &hash)
{
    QByteArray buffer(1024 * 1024, Qt::Uninitialized);
    qint64 left = size;
    while (left > 0) {
        const qint64 read = file.read(buffer.data(), qMin<qint64>(left, buffer.size()));
        if (read <= 0)
            return false;
        hash.addData(QByteArrayView(buffer.constData(), read));
        left -= read;
    }
    return true;
}

bool syncToDisk(QFile &file)
{
    return file.flush() && ::fsync(file.handle()) == 0;
}

} // namespace

bool BlobStore::isValidSha256(const QString &sha256)
{
    if (sha256.size() != Sha256HexSize)
        return false;
    for (const QChar c : sha256) {
        if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f')))
            return false;
    }
    return true;
}

Result<BlobStore> BlobStore::open(const QString &dataDir, const BlobStoreLimits &limits)
{
    if (dataDir.isEmpty())
        return Error(ErrorCode::InvalidArgument, u"the blob store needs a data folder"_s);
    if (limits.maxBlobBytes <= 0 || limits.quotaBytes <= 0 || limits.maxChunkBytes <= 0 ||
        limits.staleAfterSeconds <= 0)
        return Error(ErrorCode::InvalidArgument, u"blob store limits must be positive"_s);
    BlobStore store;
    store.m_limits = limits;
    store.m_dataDir = QDir::cleanPath(dataDir);
    store.m_folder = store.m_dataDir + u"/blobs"_s;
    store.m_uploads = store.m_folder + u"/uploads"_s;
    store.m_temp = store.m_dataDir + u"/tmp"_s;
    if (auto made = ensureFolder(store.m_dataDir); !made)
        return made.error();
    if (auto made = ensureFolder(store.m_folder); !made)
        return made.error();
    if (auto made = ensureFolder(store.m_uploads); !made)
        return made.error();
    return store;
}

QString BlobStore::partialPath(const QString &sha256, qint64 totalSize) const
{
    return u"%1/%2-%3.part"_s.arg(m_uploads, sha256).arg(totalSize);
}

BlobStore::Partial BlobStore::findPartial(const QString &sha256) const
{
    const QFileInfoList found =
        QDir(m_uploads).entryInfoList({sha256 + u"-*.part"_s}, QDir::Files | QDir::Hidden);
    for (const QFileInfo &info : found) {
        const QString name = info.fileName();
        bool ok = false;
        const qint64 total =
            name.mid(Sha256HexSize + 1, name.size() - Sha256HexSize - 1 - 5).toLongLong(&ok);
        if (ok && total >= 0)
            return {info.filePath(), total, info.size()};
    }
    return {};
}

bool BlobStore::has(const QString &sha256) const
{
    return isValidSha256(sha256) && QFileInfo(path(sha256)).isFile();
}

QString BlobStore::path(const QString &sha256) const
{
    return isValidSha256(sha256) ? m_folder + u'/' + sha256 : QString();
}

qint64 BlobStore::usedBytes() const
{
    qint64 used = 0;
    const QFileInfoList blobs = QDir(m_folder).entryInfoList(QDir::Files | QDir::Hidden);
    for (const QFileInfo &info : blobs)
        used += info.size();
    const QFileInfoList partials =
        QDir(m_uploads).entryInfoList({u"*.part"_s}, QDir::Files | QDir::Hidden);
    for (const QFileInfo &info : partials) {
        const QString name = info.fileName();
        const qint64 total =
            name.mid(Sha256HexSize + 1, name.size() - Sha256HexSize - 1 - 5).toLongLong();
        used += qMax(total, info.size());
    }
    return used;
}

Result<UploadState> BlobStore::begin(const QString &sha256, qint64 totalSize)
{
    if (!isValidSha256(sha256))
        return badSha256(sha256);
    if (totalSize < 0)
        return Error(ErrorCode::InvalidArgument,
                     u"a blob's size cannot be negative (%1)"_s.arg(totalSize));
    if (const QFileInfo stored(path(sha256)); stored.isFile())
        return UploadState{sha256, stored.size(), stored.size(), true};

    const Partial partial = findPartial(sha256);
    if (!partial.path.isEmpty()) {
        if (partial.totalSize != totalSize)
            return Error(ErrorCode::Conflict,
                         u"an upload of blob %1 with %2 bytes is already in progress (at byte "
                         u"%3), not %4 bytes: resume it, or remove it to start over"_s.arg(sha256)
                             .arg(partial.totalSize)
                             .arg(partial.size)
                             .arg(totalSize));
        return UploadState{sha256, totalSize, partial.size, false};
    }

    if (totalSize > m_limits.maxBlobBytes)
        return Error(ErrorCode::TooLarge,
                     u"the blob is %1 bytes, over this provider's limit of %2 bytes per blob"_s
                         .arg(totalSize)
                         .arg(m_limits.maxBlobBytes));
    const qint64 used = usedBytes();
    if (totalSize > m_limits.quotaBytes - used)
        return Error(ErrorCode::TooLarge,
                     u"storing the blob's %1 bytes would exceed this provider's blob quota: "
                     u"%2 of %3 bytes are in use"_s.arg(totalSize)
                         .arg(used)
                         .arg(m_limits.quotaBytes));

    const Partial created{partialPath(sha256, totalSize), totalSize, 0};
    QFile file(created.path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly, ownerOnlyFile))
        return ioError(created.path, u"cannot create: %1"_s.arg(file.errorString()));
    file.close();
    m_progress.erase(sha256);
    qCDebug(lcBlobs) << "upload begun" << sha256 << totalSize << "bytes";
    if (totalSize == 0)
        return complete(sha256, created);
    return UploadState{sha256, totalSize, 0, false};
}

Result<UploadState> BlobStore::append(const QString &sha256, qint64 offset, QByteArrayView chunk)
{
    if (!isValidSha256(sha256))
        return badSha256(sha256);
    if (const QFileInfo stored(path(sha256)); stored.isFile())
        return UploadState{sha256, stored.size(), stored.size(), true};
    const Partial partial = findPartial(sha256);
    if (partial.path.isEmpty())
        return Error(ErrorCode::NotFound,
                     u"no upload of blob %1 is in progress: begin it first (an upload left "
                     u"unfinished for %2 seconds is removed)"_s.arg(sha256)
                         .arg(m_limits.staleAfterSeconds));
    if (chunk.size() > m_limits.maxChunkBytes)
        return Error(ErrorCode::TooLarge,
                     u"the chunk is %1 bytes, over this provider's limit of %2 bytes per "
                     u"chunk: send smaller chunks"_s.arg(chunk.size())
                         .arg(m_limits.maxChunkBytes));
    if (offset != partial.size)
        return Error(
            ErrorCode::Conflict,
            u"the upload of blob %1 is at byte %2, not %3: resume from byte %2"_s.arg(sha256)
                .arg(partial.size)
                .arg(offset),
            QByteArray::number(partial.size));
    if (chunk.size() > partial.totalSize - offset)
        return Error(ErrorCode::InvalidArgument,
                     u"the chunk ends at byte %1, past the blob's declared size of %2 bytes"_s
                         .arg(offset + chunk.size())
                         .arg(partial.totalSize));

    QFile file(partial.path);
    if (!file.open(QIODevice::ReadWrite))
        return ioError(partial.path, u"cannot open: %1"_s.arg(file.errorString()));

    // Catch the running hash up with what is on disk (after a restart, or a
    // failed write) before adding the chunk.
    Progress &progress = m_progress[sha256];
    if (!progress.hash || progress.hashed != offset) {
        progress.hash = std::make_unique<QCryptographicHash>(QCryptographicHash::Sha256);
        progress.hashed = 0;
        if (!hashPrefix(file, offset, *progress.hash)) {
            m_progress.erase(sha256);
            return ioError(partial.path, u"cannot read: %1"_s.arg(file.errorString()));
        }
        progress.hashed = offset;
    }

    if (!file.seek(offset) || file.write(chunk.data(), chunk.size()) != chunk.size() ||
        !file.flush()) {
        const QString reason = file.errorString();
        file.resize(offset); // the next attempt resumes where this one started
        m_progress.erase(sha256);
        return ioError(partial.path, u"cannot write: %1"_s.arg(reason));
    }
    progress.hash->addData(chunk);
    progress.hashed = offset + chunk.size();
    const qint64 size = offset + chunk.size();
    if (size < partial.totalSize)
        return UploadState{sha256, partial.totalSize, size, false};

    if (!syncToDisk(file)) {
        m_progress.erase(sha256);
        return ioError(partial.path, u"cannot write: %1"_s.arg(file.errorString()));
    }
    file.close();
    return complete(sha256, Partial{partial.path, partial.totalSize, size});
}

Result<UploadState> BlobStore::complete(const QString &sha256, const Partial &partial)
{
    QString actual;
    if (auto found = m_progress.find(sha256);
        found != m_progress.end() && found->second.hash && found->second.hashed == partial.size) {
        actual = QString::fromLatin1(found->second.hash->result().toHex());
    } else {
        QFile file(partial.path);
        QCryptographicHash hash(QCryptographicHash::Sha256);
        if (!file.open(QIODevice::ReadOnly) || !hashPrefix(file, partial.size, hash))
            return ioError(partial.path, u"cannot read: %1"_s.arg(file.errorString()));
        actual = QString::fromLatin1(hash.result().toHex());
    }
    m_progress.erase(sha256);

    if (actual != sha256) {
        QFile::remove(partial.path);
        qCInfo(lcBlobs) << "upload of" << sha256 << "discarded: its bytes hash to" << actual;
        return Error(ErrorCode::InvalidArgument,
                     u"hash mismatch: the %1 bytes uploaded as blob %2 have SHA-256 %3; the "
                     u"upload was discarded, upload the blob again"_s.arg(partial.size)
                         .arg(sha256, actual));
    }

    // rename(2) replaces atomically: readers see no blob or the whole blob.
    const QString target = path(sha256);
    if (std::rename(QFile::encodeName(partial.path).constData(),
                    QFile::encodeName(target).constData()) != 0)
        return ioError(target, u"cannot move the finished upload into place"_s);
    qCInfo(lcBlobs) << "blob stored" << sha256 << partial.size << "bytes";
    return UploadState{sha256, partial.size, partial.size, true};
}

Result<void> BlobStore::remove(const QString &sha256)
{
    if (!isValidSha256(sha256))
        return badSha256(sha256);
    m_progress.erase(sha256);
    bool removedAny = false;
    const QString stored = path(sha256);
    if (QFileInfo::exists(stored)) {
        if (!QFile::remove(stored))
            return ioError(stored, u"cannot remove"_s);
        removedAny = true;
    }
    for (Partial partial = findPartial(sha256); !partial.path.isEmpty();
         partial = findPartial(sha256)) {
        if (!QFile::remove(partial.path))
            return ioError(partial.path, u"cannot remove"_s);
        removedAny = true;
    }
    if (!removedAny)
        return Error(ErrorCode::NotFound, u"no blob %1 is stored or being uploaded"_s.arg(sha256));
    return {};
}

int BlobStore::pruneStale(const QDateTime &now)
{
    const QDateTime cutoff = now.addSecs(-m_limits.staleAfterSeconds);
    int removed = 0;
    auto prune = [&](const QString &folder, const QString &pattern) {
        const QFileInfoList files =
            QDir(folder).entryInfoList({pattern}, QDir::Files | QDir::Hidden);
        for (const QFileInfo &info : files) {
            if (info.lastModified() >= cutoff)
                continue;
            if (QFile::remove(info.filePath())) {
                ++removed;
                m_progress.erase(info.fileName().left(Sha256HexSize));
                qCInfo(lcBlobs) << "removed stale" << info.fileName();
            } else {
                qCWarning(lcBlobs) << "cannot remove stale" << info.filePath();
            }
        }
    };
    prune(m_uploads, u"*.part"_s);
    prune(m_temp, u"image-*.tar"_s);
    prune(m_temp, u"fetch-*.part"_s); // downloads a crash interrupted
    return removed;
}

Result<QString> BlobStore::decryptToTemp(const QString &sha256,
                                         const crypto::SecretBytes &key) const
{
    if (!isValidSha256(sha256))
        return badSha256(sha256);
    const QString blobPath = path(sha256);
    QFile blob(blobPath);
    if (!blob.exists())
        return Error(ErrorCode::NotFound,
                     u"blob %1 is not stored on this provider: upload it first"_s.arg(sha256));
    if (!blob.open(QIODevice::ReadOnly))
        return ioError(blobPath, u"cannot open: %1"_s.arg(blob.errorString()));
    if (auto made = ensureFolder(m_temp); !made)
        return made.error();

    const qint64 needed = blob.size();
    const QStorageInfo storage(m_temp);
    if (storage.isValid() && storage.bytesAvailable() >= 0 && storage.bytesAvailable() < needed)
        return ioError(m_temp, u"not enough free disk space to decrypt blob %1 (%2 bytes needed, "
                               u"%3 free)"_s.arg(sha256)
                                   .arg(needed)
                                   .arg(storage.bytesAvailable()));

    QTemporaryFile out(m_temp + u"/image-XXXXXX.tar"_s);
    if (!out.open())
        return ioError(m_temp, u"cannot create a temporary file: %1"_s.arg(out.errorString()));
    out.setPermissions(ownerOnlyFile);
    auto decrypted = crypto::BlobCipher::decrypt(key, blob, out);
    if (decrypted && !out.flush())
        decrypted = ioError(out.fileName(), u"cannot write: %1"_s.arg(out.errorString()));
    if (!decrypted) {
        // QTemporaryFile removes the partial plaintext when it goes out of scope.
        const Error &error = decrypted.error();
        return Error(error.code, u"blob %1: %2"_s.arg(sha256, error.message), error.data);
    }
    out.setAutoRemove(false);
    return out.fileName();
}

} // namespace berth::provider
