#include "podimages.h"

#include "cliwait.h"
#include "manifest/pod.h"
#include "publisher/blobrecords.h"
#include "publisher/imagepusher.h"
#include "publisher/recordskey.h"
#include "publishersession.h"

#include <QLocale>

using namespace Qt::StringLiterals;

namespace berth::cli {

namespace {

QString humanSize(qint64 bytes)
{
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeIecFormat);
}

} // namespace

Result<QJsonObject> pushImages(PublisherSession &session, publisher::ProviderConnection &connection,
                               manifest::Pod &pod)
{
    bool private_ = false;
    for (const auto &container : pod.containers)
        private_ = private_ || container.image.isBlob() ||
                   container.image.reference.startsWith(u"localhost/"_s);
    if (!private_)
        return QJsonObject();
    const crypto::PrivateKey *key = session.chain().key();
    if (!key)
        return Error(ErrorCode::Internal, u"the account is not unlocked"_s);
    const QString dataDir = publisher::PublisherStore::dataDir();
    auto records =
        publisher::BlobRecords::open(session.store().path(), publisher::recordsKey(*key));
    if (!records)
        return records.error();
    publisher::ImagePusher pusher(dataDir, **records);
    QJsonObject images;
    for (auto &container : pod.containers) {
        publisher::BlobRecord record;
        if (container.image.isBlob()) {
            auto found = (*records)->bySha256(container.image.blobSha256);
            if (!found)
                return found.error();
            if (!*found)
                return Error(ErrorCode::NotFound,
                             u"container %1 runs blob %2, which is not in your records: push its "
                             u"image with `berthctl image push` and name that blob"_s.arg(
                                 container.name, container.image.blobSha256));
            record = **found;
        } else if (container.image.reference.startsWith(u"localhost/"_s)) {
            // A local image: pushed when this machine's Podman has it. One it
            // does not have is left to the provider (an operator may preload it).
            session.progress(u"Preparing image %1…"_s.arg(container.image.reference));
            auto prepared = pusher.prepare(container.image.reference);
            if (!prepared && prepared.error().code == ErrorCode::NotFound)
                continue;
            if (!prepared)
                return prepared.error();
            record = std::move(prepared).value();
            container.image = manifest::Image{{}, record.sha256, record.url};
        } else {
            continue;
        }
        if (images.contains(record.sha256))
            continue;
        if (record.url.isEmpty()) {
            // Uploaded to this provider unless it holds the blob already.
            auto sent = waitFor<publisher::UploadOutcome>(
                [&](QObject *, std::function<void(Result<publisher::UploadOutcome>)> done) {
                    pusher.upload(
                        connection.client(), record,
                        [&](qint64 bytes, qint64 total) {
                            session.progress(u"Pushing %1: %2 of %3"_s.arg(
                                record.sha256.left(12), humanSize(bytes), humanSize(total)));
                        },
                        std::move(done));
                });
            if (!sent)
                return Error(sent.error().code,
                             u"uploading the image of container %1: %2 (run the command again to "
                             u"resume)"_s.arg(container.name, sent.error().message));
            if (sent->skipped)
                session.progress(u"Provider holds blob %1 already."_s.arg(record.sha256.left(12)));
        }
        auto sealed =
            publisher::ImagePusher::sealKey(record, connection.attestation().x25519PublicKey);
        if (!sealed)
            return sealed.error();
        images.insert(record.sha256, *sealed);
    }
    return images;
}

} // namespace berth::cli
