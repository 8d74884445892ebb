#pragma once

#include "crypto/secretbytes.h"
#include "manifest/pod.h"
#include "provider/blobstore.h"
#include "provider/podservice.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>

namespace berth::provider {

// An uploaded image a pod runs: its blob, the key that decrypts it (opened from
// the sealed key the publisher sent) and the name berthd loads it under.
struct BlobImage
{
    QString sha256;
    crypto::SecretBytes key;
    QString imageName; // manifest::blobImageName(sha256)
};

// The blob.* methods (docs/protocol.md, "Blobs"): a publisher uploads an
// encrypted image once, in chunks, resumable after a broken connection, to the
// provider's content-addressed store; pod.provision then names it by SHA-256
// with its key sealed to this provider. Blobs are not per publisher: they are
// ciphertext, useless without a key, and content-addressed, so two publishers
// uploading the same bytes share them.
class BlobService
{
public:
    // maxChunkBytes: the largest decoded chunk one frame may carry.
    BlobService(BlobStore store, SealOpener openSealed, qint64 maxChunkBytes);

    void begin(const Caller &caller, const QJsonObject &params, Reply reply);
    void append(const Caller &caller, const QJsonObject &params, Reply reply);
    void status(const Caller &caller, const QJsonObject &params, Reply reply);

    // The uploaded images `pod` runs, with their keys opened from
    // `sealedKeys` ({sha256: base64 sealed key}). Errors: NotFound when a blob is
    // not uploaded (complete) yet, InvalidParams when its key is missing or does
    // not open.
    Result<QList<BlobImage>> imagesFor(const manifest::Pod &pod,
                                       const QJsonValue &sealedKeys) const;

    // Decrypts a blob into a temporary image archive (the caller removes it).
    // Safe to call from the runtime worker: it only reads the blob's file.
    Result<QString> decryptToTemp(const BlobImage &image) const;

    qint64 maxChunkBytes() const { return m_maxChunkBytes; }

    // Drops unfinished uploads nobody touched for the store's stale age.
    int pruneStale() { return m_store.pruneStale(QDateTime::currentDateTimeUtc()); }

private:
    QJsonObject stateJson(const UploadState &state) const;

    BlobStore m_store;
    SealOpener m_openSealed;
    qint64 m_maxChunkBytes;
};

} // namespace berth::provider
