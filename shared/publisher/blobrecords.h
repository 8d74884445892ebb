#pragma once

#include "core/result.h"
#include "crypto/address.h"
#include "crypto/secretbytes.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <memory>
#include <optional>

namespace berth::publisher {

// One pushed image: the encrypted blob made from it once, and where it lives.
struct BlobRecord
{
    QString sha256;      // the blob's content address: 64 lower-case hex digits
    qint64 size = 0;     // bytes of ciphertext
    QString imageRef;    // the reference it was pushed as ("localhost/shop/web:1")
    QString imageId;     // Podman's image id (64 hex digits)
    QDateTime createdAt; // UTC
    QString path;        // the local ciphertext file
    QString url;         // where the blob is published, or empty
    // The 32-byte key the blob opens with. Empty in records listed without
    // their keys (list()); never stored or logged in clear.
    crypto::SecretBytes key;
};

// One provider that holds a blob completely (it answered complete).
struct BlobUpload
{
    crypto::Address provider;
    QString sha256;
    QDateTime completedAt; // UTC
};

// The publisher's local records of pushed images, in SQLite (the file the
// caller names; the publisher's deployments and channels may share it). Tables
// `blobs` and `blob_uploads` plus a row ('blobs', version) in
// `schema_versions`, so other components of the same file keep their own
// schemes. Each blob's key is encrypted at rest with XChaCha20-Poly1305 under
// the caller's 32-byte records key (recordsKey(): derived from the wallet's
// private key), bound to the blob's SHA-256 as associated data.
class BlobRecords
{
public:
    static constexpr int SchemaVersion = 1;

    // Opens (creating when needed, with its folder 0700 and the file 0600) the
    // database at databasePath. recordsKey is 32 bytes, or empty for a reader
    // that lists records without their keys (then add() and the lookups that
    // return keys fail with InvalidArgument).
    static Result<std::unique_ptr<BlobRecords>> open(const QString &databasePath,
                                                     crypto::SecretBytes recordsKey);
    ~BlobRecords();
    BlobRecords(const BlobRecords &) = delete;
    BlobRecords &operator=(const BlobRecords &) = delete;

    QString databasePath() const { return m_path; }

    // Inserts the record, or replaces the one with the same sha256. The key
    // must be 32 bytes.
    Result<void> add(const BlobRecord &record);
    // Sets (or clears, with an empty url) where the blob is published.
    // NotFound when no blob has that sha256.
    Result<void> setUrl(const QString &sha256, const QString &url);
    // Forgets the blob and its uploads (its file is the caller's business).
    Result<void> remove(const QString &sha256);

    // Lookups with the key decrypted: the newest matching record whose key
    // opens with this records key; nullopt when there is no such record;
    // AuthFailed when records match but none opens (another account pushed
    // them, or the rows were changed).
    Result<std::optional<BlobRecord>> bySha256(const QString &sha256) const;
    // The newest blob made from the image with this id.
    Result<std::optional<BlobRecord>> byImageId(const QString &imageId) const;
    // The newest blob pushed under this reference.
    Result<std::optional<BlobRecord>> byReference(const QString &imageRef) const;
    // Every blob, newest first, without keys (no records key needed).
    Result<QList<BlobRecord>> list() const;

    // Notes that provider holds the blob completely (again: updates the time).
    Result<void> addUpload(const crypto::Address &provider, const QString &sha256,
                           const QDateTime &completedAt = QDateTime::currentDateTimeUtc());
    Result<std::optional<BlobUpload>> upload(const crypto::Address &provider,
                                             const QString &sha256) const;
    // The providers that hold a blob, oldest upload first.
    Result<QList<BlobUpload>> uploadsOf(const QString &sha256) const;

private:
    BlobRecords(QString connectionName, QString path, crypto::SecretBytes recordsKey);
    Result<void> createSchema();
    Result<std::optional<BlobRecord>> lookup(const QString &where, const QString &value) const;
    Result<QByteArray> sealKey(const QString &sha256, const crypto::SecretBytes &key) const;
    Result<crypto::SecretBytes> openKey(const QString &sha256, const QByteArray &sealed) const;

    QString m_connectionName;
    QString m_path;
    crypto::SecretBytes m_recordsKey;
};

} // namespace berth::publisher
