#pragma once

#include "core/result.h"
#include "publisher/blobrecords.h"

#include <QByteArrayView>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <functional>

namespace berth::protocol {
class ProtocolClient;
}

namespace berth::publisher {

// What upload() did.
struct UploadOutcome
{
    QString sha256;
    qint64 size = 0;
    bool skipped = false;   // the provider held the blob already: nothing sent
    qint64 resumedFrom = 0; // the offset blob.begin answered (0 for a fresh upload)
    qint64 bytesSent = 0;   // bytes sent by this call
    int appendCalls = 0;    // chunks the provider accepted (blob.append answered)
};

// The publisher's side of images (issue 6): an image is exported once with
// `podman save`, encrypted once (BlobCipher, a fresh random key), kept as
// <dataDir>/blobs/<sha256>.blob and recorded in BlobRecords; the same blob is
// then uploaded to (or fetched by) every provider, and per deployment only its
// key is sealed to the provider.
class ImagePusher
{
public:
    // How to run the podman CLI.
    struct Podman
    {
        QString program;        // empty: $BERTH_PODMAN, else `podman` on PATH
        QStringList globalArgs; // before the subcommand, e.g. --root DIR
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    };
    // Bytes done of a total (encrypted, or sent).
    using Progress = std::function<void(qint64 done, qint64 total)>;
    using UploadDone = std::function<void(Result<UploadOutcome>)>;

    static constexpr qint64 DefaultChunkBytes = 1024 * 1024;

    // records must outlive the pusher (and its uploads). Without podman
    // settings: $BERTH_PODMAN or `podman` on PATH, this process's environment.
    ImagePusher(QString dataDir, BlobRecords &records);
    ImagePusher(QString dataDir, BlobRecords &records, Podman podman);

    QString dataDir() const { return m_dataDir; }
    QString blobsDir() const;
    // The podman binary prepare() runs.
    QString podmanProgram() const;

    // Caps the chunks upload() sends below the provider's maxChunkBytes and
    // 1 MiB (tests of resuming).
    void setMaxChunkBytes(qint64 bytes) { m_chunkCap = bytes; }

    // The image's blob, made once: resolves imageRef to Podman's image id; a
    // blob recorded for that id whose file still exists is returned as it is
    // (no export, no encryption); a blob only another wallet account can open
    // does not count. Otherwise `podman save --format
    // docker-archive IMAGE-ID` (by id, so the archive carries no name) is
    // streamed through BlobCipher::encrypt into <dataDir>/blobs/<sha256>.blob
    // (0600, the folder 0700) and recorded. progress gets the ciphertext bytes
    // written so far (total 0: unknown), and (size, size) at the end.
    //
    // It blocks while podman and the encryption run: call it at the top level
    // of a command or on a worker thread, never from an event loop callback.
    Result<BlobRecord> prepare(const QString &imageRef, const Progress &progress = {});
    // Whether prepare() reused the blob instead of making one (last call).
    bool lastPrepareReused() const { return m_reused; }

    // Uploads the blob to the provider client is logged in to, asynchronously:
    // blob.begin; when complete, done at once (skipped). Else blob.append of
    // chunks of min(maxChunkBytes, 1 MiB) from the offset the provider answered;
    // a Conflict naming data.offset resumes from there, and RateLimited waits
    // the retryAfterMs the provider names. progress(bytes the
    // provider holds, size) after every chunk. On completion the provider's
    // upload is recorded. A connection that drops fails done with Unavailable:
    // a later upload() on a new connection resumes from the provider's offset.
    // The client must outlive the upload (its callbacks are dropped with it);
    // done runs from the client's event loop.
    void upload(protocol::ProtocolClient &client, const BlobRecord &record,
                const Progress &progress, const UploadDone &done);

    // The blob's key sealed to the provider's X25519 key (crypto_box_seal),
    // base64: the value for the blob's SHA-256 in pod.provision's `images`.
    static Result<QString> sealKey(const BlobRecord &record, QByteArrayView x25519PublicKey);

    // Copies the blob's ciphertext into directory (as <sha256>.blob, 0644:
    // it is useless without its key) for any static web server to serve, and
    // records url as where providers fetch it (manifest: image: {sha256,
    // url}). A url ending in '/' gets the file name appended. Only https://,
    // or http:// (providers fetch plain http from loopback only). The record
    // with its url.
    Result<BlobRecord> publish(const BlobRecord &record, const QString &directory,
                               const QString &url);

private:
    Result<QString> imageId(const QString &imageRef) const;
    Result<BlobRecord> exportAndEncrypt(const QString &imageRef, const QString &id,
                                        const Progress &progress);

    QString m_dataDir;
    BlobRecords &m_records;
    Podman m_podman;
    qint64 m_chunkCap = 0;
    bool m_reused = false;
};

} // namespace berth::publisher
