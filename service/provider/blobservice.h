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
    // Where to fetch the blob from when it was not stored yet as the pod was
    // planned (the manifest's image url); empty when it was stored. The key is
    // checked against the blob only after fetchIfMissing().
    QString url;
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
    // not uploaded (complete) yet and its image names no url, InvalidParams when
    // its key is missing or does not open, or its url is not one fetchFromUrl()
    // fetches from. A blob that is not stored but has a
    // url comes back with BlobImage::url set and its key not checked yet: the
    // runtime worker calls fetchIfMissing() before loading it.
    Result<QList<BlobImage>> imagesFor(const manifest::Pod &pod,
                                       const QJsonValue &sealedKeys) const;

    // Downloads the blob at `url` into the store under `sha256`. Blocking (up
    // to 10 minutes): call it on the runtime worker thread, never on the event
    // loop. It touches no store state the main thread keeps: it downloads to a
    // temporary file under <dataDir>/tmp, checks its SHA-256 and renames it to
    // BlobStore::path(sha256). Only https:// URLs, and http:// to a loopback
    // host; redirects are not followed. At most the store's maxBlobBytes (and
    // what is left of its quota) is accepted. Errors name the URL's host only.
    // InvalidParams for a URL it does not fetch from and for content whose
    // SHA-256 is another (nothing is stored then); NotFound when the server
    // answers 404 or 410; Unavailable for another HTTP status or no server;
    // Timeout; TooLarge; IoFailed for the local disk.
    Result<void> fetchFromUrl(const QString &sha256, const QString &url) const;

    // For the runtime worker: fetches image.url when the blob is not stored,
    // then checks that image.key opens it (InvalidParams when it does not).
    Result<void> fetchIfMissing(const BlobImage &image) const;

    // Decrypts a blob into a temporary image archive (the caller removes it).
    // Safe to call from the runtime worker: it only reads the blob's file.
    Result<QString> decryptToTemp(const BlobImage &image) const;

    qint64 maxChunkBytes() const { return m_maxChunkBytes; }

    // Drops unfinished uploads nobody touched for the store's stale age.
    int pruneStale() { return m_store.pruneStale(QDateTime::currentDateTimeUtc()); }

private:
    QJsonObject stateJson(const UploadState &state) const;
    Result<void> checkKey(const QString &sha256, const crypto::SecretBytes &key) const;

    BlobStore m_store;
    SealOpener m_openSealed;
    qint64 m_maxChunkBytes;
};

} // namespace berth::provider
