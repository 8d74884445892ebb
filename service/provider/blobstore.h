#pragma once

#include "core/result.h"
#include "crypto/secretbytes.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QString>

#include <map>
#include <memory>

namespace berth::provider {

// The limits a provider puts on uploaded blobs (berthd.yaml will carry them).
struct BlobStoreLimits
{
    qint64 maxBlobBytes = qint64(16) * 1024 * 1024 * 1024; // one blob
    qint64 quotaBytes = qint64(64) * 1024 * 1024 * 1024;   // all blobs and unfinished uploads
    qint64 maxChunkBytes = 4 * 1024 * 1024;                // one append
    qint64 staleAfterSeconds = 24 * 3600; // an upload untouched this long is pruned
};

// Where one upload stands.
struct UploadState
{
    QString sha256;
    qint64 totalSize = 0;
    qint64 offset = 0; // bytes received; the next append starts here (totalSize when complete)
    bool complete = false;
};

// Content-addressed encrypted blobs (image archives made by crypto::BlobCipher),
// named by the SHA-256 of their bytes, under <dataDir>/blobs (0700, files 0600):
//   blobs/<sha256>                      complete, verified blobs
//   blobs/uploads/<sha256>-<size>.part  unfinished uploads, <size> as declared
// Uploads are chunked and resumable (also across a berthd restart): begin, then
// append at the offset begin returned until the declared size is reached; the
// SHA-256 is then verified and the blob moved into place atomically.
//
// The quota counts complete blobs plus the declared size of each unfinished
// upload, so concurrent uploads cannot overrun it between begin and the end.
// A SHA-256 must be 64 lower-case hex digits (InvalidArgument otherwise), so no
// name reaches outside the folder. Not thread-safe: use it from one thread.
class BlobStore
{
public:
    // Creates <dataDir>/blobs (and its uploads folder) owner-only if needed.
    static Result<BlobStore> open(const QString &dataDir, const BlobStoreLimits &limits = {});

    // Starts or resumes an upload. A complete blob answers complete (nothing to
    // send); an unfinished one answers its offset (resume there). TooLarge when
    // totalSize is over maxBlobBytes or the quota would be exceeded (the message
    // has the numbers); Conflict when an unfinished upload of this blob declared
    // another size (remove() it to start over).
    Result<UploadState> begin(const QString &sha256, qint64 totalSize);
    // Appends chunk at offset, which must be the upload's current offset
    // (Conflict otherwise, with the expected offset in the message and, as
    // decimal digits, in Error::data). NotFound when no upload was begun;
    // TooLarge for a chunk over maxChunkBytes; InvalidArgument for a chunk past
    // the declared size. The last chunk completes the upload: on a SHA-256
    // mismatch the upload is deleted and the error is InvalidArgument
    // "hash mismatch". Appending to a complete blob answers complete.
    Result<UploadState> append(const QString &sha256, qint64 offset, QByteArrayView chunk);

    // Whether a complete blob with this SHA-256 is stored.
    bool has(const QString &sha256) const;
    // The file of a complete blob (which may not exist); empty for a malformed SHA-256.
    QString path(const QString &sha256) const;
    // Removes the blob and any unfinished upload of it; NotFound when there is neither.
    Result<void> remove(const QString &sha256);
    // Bytes counted against the quota: complete blobs plus the declared size of
    // every unfinished upload.
    qint64 usedBytes() const;
    // Removes unfinished uploads (and decrypted images left in the temp folder)
    // not written to for staleAfterSeconds before now; returns how many.
    int pruneStale(const QDateTime &now);

    // Decrypts a complete blob into a new file <dataDir>/tmp/image-XXXXXX.tar
    // (folder 0700, file 0600) and returns its path; the caller removes it. The
    // file is removed again when decryption fails (BlobCipher's errors:
    // AuthFailed for a wrong key or damage, ParseFailed for a non-blob).
    // NotFound when the blob is not stored; IoFailed when the disk is too full.
    Result<QString> decryptToTemp(const QString &sha256, const crypto::SecretBytes &key) const;

    const BlobStoreLimits &limits() const { return m_limits; }
    QString folder() const { return m_folder; }

    // Exactly 64 lower-case hex digits.
    static bool isValidSha256(const QString &sha256);

private:
    // The running hash of an upload this process has seen, so completing it does
    // not read the whole file again.
    struct Progress
    {
        qint64 hashed = 0;
        std::unique_ptr<QCryptographicHash> hash;
    };
    struct Partial
    {
        QString path;
        qint64 totalSize = 0;
        qint64 size = 0;
    };

    BlobStore() = default;
    Partial findPartial(const QString &sha256) const;
    QString partialPath(const QString &sha256, qint64 totalSize) const;
    Result<UploadState> complete(const QString &sha256, const Partial &partial);

    BlobStoreLimits m_limits;
    QString m_dataDir;
    QString m_folder;
    QString m_uploads;
    QString m_temp;
    std::map<QString, Progress> m_progress;
};

} // namespace berth::provider
