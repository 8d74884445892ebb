// The publisher's images end to end (issue 6): a real private Podman exports
// the publisher's image, it is encrypted once into a blob and recorded, pushed
// again without a second encryption, uploaded to a real berthd in chunks
// (resuming after a broken connection, skipped when the provider holds it),
// and then runs in a pod whose page Caddy serves.
#include "crypto/blobcipher.h"
#include "folderserver.h"
#include "protocol/attestation.h"
#include "providerstack.h"
#include "publisher/blobrecords.h"
#include "publisher/imagepusher.h"
#include "publisher/recordskey.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace berth;
using namespace berth::test;
using protocol::RpcErrorCode;
using publisher::BlobRecord;
using publisher::BlobRecords;
using publisher::ImagePusher;
using publisher::UploadOutcome;

namespace {

const QString PublisherImage = u"localhost/publisher/app:1"_s;

} // namespace

class TestImagePush : public ProviderStack
{
    Q_OBJECT

    QByteArray m_x25519;
    QTemporaryDir m_publisherData;
    std::unique_ptr<BlobRecords> m_records;
    std::unique_ptr<ImagePusher> m_pusher;
    BlobRecord m_blob;

    // The podman CLI on the fixture's store.
    ImagePusher::Podman podman() const
    {
        ImagePusher::Podman settings;
        settings.program = PodmanFixture::podmanPath();
        settings.environment = podmanFixture().environment();
        if (podmanFixture().isolatedStore()) {
            const QDir dir(podmanFixture().workDir());
            settings.globalArgs = {u"--root"_s,    dir.filePath(u"root"_s),
                                   u"--runroot"_s, dir.filePath(u"run"_s),
                                   u"--tmpdir"_s,  dir.filePath(u"tmp"_s)};
        }
        return settings;
    }

    // Runs one upload to its end (or to the timeout).
    Result<UploadOutcome> uploadOver(protocol::ProtocolClient &client, const BlobRecord &record,
                                     const ImagePusher::Progress &progress = {})
    {
        std::optional<Result<UploadOutcome>> outcome;
        QEventLoop loop;
        m_pusher->upload(client, record, progress, [&](Result<UploadOutcome> r) {
            outcome.emplace(std::move(r));
            loop.quit();
        });
        QTimer::singleShot(180000, &loop, &QEventLoop::quit);
        if (!outcome)
            loop.exec();
        if (!outcome)
            return Error(ErrorCode::Timeout, u"the upload did not finish"_s);
        return *outcome;
    }

private slots:
    void initTestCase()
    {
        // Host ports of its own: integration tests run two at a time.
        setPortRanges({44000, 44100, 100});
        if (!PodmanFixture::available())
            QSKIP("podman is not installed: run scripts/test, which installs it");
        QString error;
        QVERIFY2(start(&error), qPrintable(error));
        QVERIFY(m_publisherData.isValid());

        auto client = connectAs(QString(), &error);
        QVERIFY2(client, qPrintable(error));
        const auto attest = call(*client, u"provider.attest"_s, {});
        QVERIFY(attest.ok());
        const auto verified = protocol::Attestation::verify(
            attest->toObject(), *crypto::Address::fromHex(providerAddress()), 31337,
            client->peerCertificateSha256(), QDateTime::currentSecsSinceEpoch());
        QVERIFY2(verified.ok(), qPrintable(verified ? QString() : verified.error().message));
        m_x25519 = verified->x25519PublicKey;

        // The publisher's own image (a name no provider holds).
        QCOMPARE(podmanFixture().podman({u"tag"_s, PodmanFixture::testImage(), PublisherImage}), 0);

        auto records = BlobRecords::open(m_publisherData.filePath(u"publisher.sqlite"_s),
                                         publisher::recordsKey(keyOf(u"publisher"_s)));
        QVERIFY2(records.ok(), qPrintable(records ? QString() : records.error().message));
        m_records = std::move(records).value();
        m_pusher = std::make_unique<ImagePusher>(m_publisherData.path(), *m_records, podman());
    }

    void cleanupTestCase()
    {
        m_pusher.reset();
        m_records.reset();
        if (PodmanFixture::available())
            QVERIFY(stop());
    }

    void prepareEncryptsOnce()
    {
        qint64 reported = 0;
        auto first =
            m_pusher->prepare(PublisherImage, [&](qint64 done, qint64) { reported = done; });
        QVERIFY2(first.ok(), qPrintable(first ? QString() : first.error().message));
        QVERIFY(!m_pusher->lastPrepareReused());
        m_blob = *first;
        QCOMPARE(m_blob.imageRef, PublisherImage);
        QByteArray id;
        QCOMPARE(podmanFixture().podman(
                     {u"image"_s, u"inspect"_s, u"--format"_s, u"{{.Id}}"_s, PublisherImage}, &id),
                 0);
        QCOMPARE(m_blob.imageId, QString::fromLatin1(id.trimmed()));
        QCOMPARE(reported, m_blob.size);

        // <dataDir>/blobs/<sha256>.blob, owner-only, named by its content.
        const QFileInfo file(m_blob.path);
        QCOMPARE(file.absoluteFilePath(),
                 QDir(m_publisherData.filePath(u"blobs"_s)).filePath(m_blob.sha256 + u".blob"_s));
        QCOMPARE(file.size(), m_blob.size);
        QCOMPARE(file.permissions() & ~(QFile::ReadUser | QFile::WriteUser),
                 QFile::ReadOwner | QFile::WriteOwner);
        QCOMPARE(QFileInfo(file.absolutePath()).permissions() &
                     (QFile::ReadGroup | QFile::ReadOther | QFile::ExeOther),
                 QFile::Permissions());
        QFile blobFile(m_blob.path);
        QVERIFY(blobFile.open(QIODevice::ReadOnly));
        const QByteArray cipher = blobFile.readAll();
        QCOMPARE(QString::fromLatin1(
                     QCryptographicHash::hash(cipher, QCryptographicHash::Sha256).toHex()),
                 m_blob.sha256);
        QVERIFY(cipher.startsWith("BERTHBLOB\x01"));
        // It opens with the recorded key into Podman's archive of the image,
        // saved by id: the archive carries no image name.
        QBuffer in;
        in.setData(cipher);
        in.open(QIODevice::ReadOnly);
        QBuffer plain;
        plain.open(QIODevice::WriteOnly);
        QVERIFY(crypto::BlobCipher::decrypt(m_blob.key, in, plain).ok());
        QVERIFY(plain.data().contains("manifest.json"));
        QVERIFY(!plain.data().contains("localhost/publisher/app"));
        // And nothing is left over from writing it.
        QCOMPARE(QDir(file.absolutePath()).entryList(QDir::Files | QDir::Hidden),
                 QStringList{m_blob.sha256 + u".blob"_s});

        // Again, by reference or by id: the same blob, not encrypted again.
        const QDateTime modified = file.lastModified();
        QTest::qWait(1100);
        for (const QString &ref : {PublisherImage, m_blob.imageId}) {
            bool encrypted = false;
            auto again = m_pusher->prepare(ref, [&](qint64, qint64) { encrypted = true; });
            QVERIFY2(again.ok(), qPrintable(again ? QString() : again.error().message));
            QVERIFY(m_pusher->lastPrepareReused());
            QVERIFY(!encrypted);
            QCOMPARE(again->sha256, m_blob.sha256);
            QCOMPARE(again->path, m_blob.path);
            QCOMPARE(again->createdAt, m_blob.createdAt);
            QVERIFY(again->key == m_blob.key);
        }
        QCOMPARE(QFileInfo(m_blob.path).lastModified(), modified);
        QCOMPARE(m_records->list()->size(), 1);

        // The records survive a restart; their key is the account's.
        auto byRef = m_records->byReference(PublisherImage);
        QVERIFY(byRef.ok() && byRef->has_value());
        QCOMPARE((*byRef)->sha256, m_blob.sha256);
    }

    void prepareSaysWhatIsWrong()
    {
        const auto missing = m_pusher->prepare(u"localhost/publisher/nothing:9"_s);
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
        QVERIFY2(missing.error().message.startsWith(
                     u"Podman has no image localhost/publisher/nothing:9"_s),
                 qPrintable(missing.error().message));

        // BERTH_PODMAN names the podman binary when no program is given.
        qputenv("BERTH_PODMAN", "/nonexistent/podman");
        ImagePusher elsewhere(m_publisherData.path(), *m_records);
        QCOMPARE(elsewhere.podmanProgram(), u"/nonexistent/podman"_s);
        const auto notRun = elsewhere.prepare(PublisherImage);
        qunsetenv("BERTH_PODMAN");
        QVERIFY(!notRun.ok());
        QCOMPARE(notRun.error().code, ErrorCode::Unavailable);
        QVERIFY2(notRun.error().message.contains(u"cannot run /nonexistent/podman"_s),
                 qPrintable(notRun.error().message));

        // Another account cannot open this blob's key: it gets a blob of its
        // own, and each account goes on finding its own.
        auto other =
            BlobRecords::open(m_records->databasePath(), publisher::recordsKey(keyOf(u"keeper"_s)));
        QVERIFY(other.ok());
        QCOMPARE((*other)->bySha256(m_blob.sha256).error().code, ErrorCode::AuthFailed);
        ImagePusher stranger(m_publisherData.path(), **other, podman());
        const auto own = stranger.prepare(PublisherImage);
        QVERIFY2(own.ok(), qPrintable(own ? QString() : own.error().message));
        QVERIFY(!stranger.lastPrepareReused());
        QVERIFY(own->sha256 != m_blob.sha256);
        QCOMPARE(own->imageId, m_blob.imageId);
        const auto mine = m_pusher->prepare(PublisherImage);
        QVERIFY(mine.ok() && m_pusher->lastPrepareReused());
        QCOMPARE(mine->sha256, m_blob.sha256);
        QVERIFY(stranger.prepare(PublisherImage).ok() && stranger.lastPrepareReused());
        // Gone again, so that the listing below shows the publisher's blob only.
        QVERIFY((*other)->remove(own->sha256).ok());
        QVERIFY(QFile::remove(own->path));
    }

    void interruptedUploadResumesOnANewConnection()
    {
        QVERIFY(!m_blob.sha256.isEmpty());
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        // Small chunks; the connection breaks right after the first one.
        constexpr qint64 firstChunk = 16 * 1024;
        QVERIFY(m_blob.size > 4 * firstChunk);
        m_pusher->setMaxChunkBytes(firstChunk);
        QList<qint64> progress;
        const auto broken = uploadOver(*client, m_blob, [&](qint64 done, qint64 total) {
            QCOMPARE(total, m_blob.size);
            progress.append(done);
            if (done > 0)
                client->close();
        });
        QVERIFY(!broken.ok());
        QCOMPARE(broken.error().code, ErrorCode::Unavailable);
        QCOMPARE(progress, (QList<qint64>{0, firstChunk}));
        QCOMPARE(codeOf(call(*connectAs(u"publisher"_s, &error), u"blob.status"_s,
                             {{u"sha256"_s, m_blob.sha256}})),
                 RpcErrorCode::NotFound);
        QVERIFY(!(*m_records->upload(*crypto::Address::fromHex(providerAddress()), m_blob.sha256))
                     .has_value());

        // A new connection goes on from the provider's offset, in chunks of
        // the provider's maxChunkBytes (48,384 with berthd's 64 KiB frames).
        m_pusher->setMaxChunkBytes(0);
        client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        progress.clear();
        const auto resumed =
            uploadOver(*client, m_blob, [&](qint64 done, qint64) { progress.append(done); });
        QVERIFY2(resumed.ok(), qPrintable(resumed ? QString() : resumed.error().message));
        QCOMPARE(resumed->sha256, m_blob.sha256);
        QVERIFY(!resumed->skipped);
        QCOMPARE(resumed->resumedFrom, firstChunk);
        QCOMPARE(resumed->bytesSent, m_blob.size - firstChunk);
        constexpr qint64 providerChunk = (65536 - 1024) / 4 * 3;
        QCOMPARE(resumed->appendCalls,
                 int((m_blob.size - firstChunk + providerChunk - 1) / providerChunk));
        QCOMPARE(progress.first(), firstChunk);
        QCOMPARE(progress.at(1), firstChunk + providerChunk);
        QCOMPARE(progress.last(), m_blob.size);

        const auto stored = call(*client, u"blob.status"_s, {{u"sha256"_s, m_blob.sha256}});
        QVERIFY2(stored.ok(), qPrintable(stored ? QString() : stored.error().message));
        QCOMPARE(stored->toObject().value(u"complete"_s).toBool(), true);
        const auto recorded =
            m_records->upload(*crypto::Address::fromHex(providerAddress()), m_blob.sha256);
        QVERIFY(recorded.ok() && recorded->has_value());
        QVERIFY((*recorded)->completedAt.secsTo(QDateTime::currentDateTimeUtc()) < 120);
    }

    void uploadAgainIsSkipped()
    {
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        // Every answer the provider sends is one frame: blob.begin's only.
        QSignalSpy frames(client.get(), &protocol::ProtocolClient::frameReceived);
        const auto again = uploadOver(*client, m_blob);
        QVERIFY2(again.ok(), qPrintable(again ? QString() : again.error().message));
        QVERIFY(again->skipped);
        QCOMPARE(again->appendCalls, 0);
        QCOMPARE(again->bytesSent, qint64(0));
        QCOMPARE(frames.size(), 1);
        QVERIFY(frames.at(0).at(0).toByteArray().contains("\"complete\":true"));
    }

    void uploadRefusesWithoutLoginOrFile()
    {
        QString error;
        auto anonymous = connectAs(QString(), &error);
        QVERIFY2(anonymous, qPrintable(error));
        const auto refused = uploadOver(*anonymous, m_blob);
        QCOMPARE(refused.error().code, ErrorCode::InvalidArgument);
        QVERIFY(refused.error().message.contains(u"log in to the provider first"_s));

        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        BlobRecord gone = m_blob;
        gone.path = m_publisherData.filePath(u"no-such.blob"_s);
        const auto missing = uploadOver(*client, gone);
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
        QVERIFY(missing.error().message.contains(u"push the image again"_s));
    }

    void theBlobRunsInAPod()
    {
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        const QByteArray manifest = QStringLiteral(R"yaml(apiVersion: berth/v1
kind: Pod
metadata: {name: pushed}
containers:
  - name: web
    image: {sha256: %1}
    command: ["/bin/sh", "-c", "mkdir -p /www && echo from-a-pushed-image > /www/index.html && exec httpd -f -p 8080 -h /www"]
    ports: [{name: http, containerPort: 8080, protocol: http}]
    resources: {cpu: 50m, memory: 16Mi}
)yaml")
                                        .arg(m_blob.sha256)
                                        .toUtf8();
        const auto paid = quoteAndPay(*client, u"pushed"_s, manifest, u"20"_s);
        QVERIFY2(paid.ok(), qPrintable(paid ? QString() : paid.error().message));
        // The key as the records give it back, sealed to the attested X25519 key.
        auto record = m_records->bySha256(m_blob.sha256);
        QVERIFY(record.ok() && record->has_value());
        const auto sealed = ImagePusher::sealKey(**record, m_x25519);
        QVERIFY2(sealed.ok(), qPrintable(sealed ? QString() : sealed.error().message));
        QCOMPARE(QByteArray::fromBase64(sealed->toLatin1()).size(),
                 crypto::BlobCipher::KeySize + 48);
        const auto provisioned = call(*client, u"pod.provision"_s,
                                      {{u"name"_s, u"pushed"_s},
                                       {u"manifest"_s, QString::fromUtf8(manifest)},
                                       {u"images"_s, QJsonObject{{m_blob.sha256, *sealed}}}});
        QVERIFY2(provisioned.ok(),
                 qPrintable(provisioned ? QString() : provisioned.error().message));
        const QString host =
            provisioned->toObject().value(u"endpoints"_s)[0][u"hosts"_s][0].toString();
        QString page;
        QVERIFY2(pageShows(host, u"from-a-pushed-image"_s, &page), qPrintable(page));
        QVERIFY(call(*client, u"pod.delete"_s,
                     {{u"deployment"_s, provisioned->toObject().value(u"deployment"_s)}})
                    .ok());

        // A record without its key seals nothing.
        BlobRecord listed = m_records->list()->first();
        QCOMPARE(ImagePusher::sealKey(listed, m_x25519).error().code, ErrorCode::InvalidArgument);
    }

    void publishCopiesTheBlobAndRecordsItsUrl()
    {
        QTemporaryDir site;
        const auto bad = m_pusher->publish(m_blob, site.path(), u"ftp://blobs.example/"_s);
        QCOMPARE(bad.error().code, ErrorCode::InvalidArgument);
        const auto published =
            m_pusher->publish(m_blob, site.filePath(u"www"_s), u"https://blobs.example.com/b/"_s);
        QVERIFY2(published.ok(), qPrintable(published ? QString() : published.error().message));
        const QString url = u"https://blobs.example.com/b/"_s + m_blob.sha256 + u".blob"_s;
        QCOMPARE(published->url, url);
        QFile copy(site.filePath(u"www/"_s + m_blob.sha256 + u".blob"_s));
        QVERIFY(copy.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromLatin1(
                     QCryptographicHash::hash(copy.readAll(), QCryptographicHash::Sha256).toHex()),
                 m_blob.sha256);
        QCOMPARE((*m_records->bySha256(m_blob.sha256))->url, url);
    }

    void aPublishedBlobIsFetchedByTheProvider()
    {
        // Another image of the publisher's (the fixture's rootfs, with its own config).
        const QString rootfs = QDir(podmanFixture().workDir()).filePath(u"rootfs.tar"_s);
        if (!QFile::exists(rootfs))
            QSKIP("the fixture's rootfs is not here (the test image was built before)");
        const QString image = u"localhost/publisher/app:2"_s;
        QCOMPARE(podmanFixture().podman({u"import"_s, u"--change"_s, u"ENV PATH=/bin"_s,
                                         u"--change"_s, u"ENV SERVED=by-url"_s, rootfs, image}),
                 0);
        auto blob = m_pusher->prepare(image);
        QVERIFY2(blob.ok(), qPrintable(blob ? QString() : blob.error().message));
        QVERIFY(blob->sha256 != m_blob.sha256);

        // Published on the publisher's own web server; never uploaded.
        QTemporaryDir site;
        FolderServer server(site.path());
        QVERIFY(server.listen());
        const auto published = m_pusher->publish(*blob, site.path(), server.base());
        QVERIFY2(published.ok(), qPrintable(published ? QString() : published.error().message));
        QCOMPARE(published->url, server.base() + blob->sha256 + u".blob"_s);

        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        QCOMPARE(codeOf(call(*client, u"blob.status"_s, {{u"sha256"_s, blob->sha256}})),
                 RpcErrorCode::NotFound);
        const QByteArray manifest = QStringLiteral(R"yaml(apiVersion: berth/v1
kind: Pod
metadata: {name: fetched}
containers:
  - name: web
    image: {sha256: %1, url: "%2"}
    command: ["/bin/sh", "-c", "mkdir -p /www && echo served-$SERVED > /www/index.html && exec httpd -f -p 8080 -h /www"]
    ports: [{name: http, containerPort: 8080, protocol: http}]
    resources: {cpu: 50m, memory: 16Mi}
)yaml")
                                        .arg(blob->sha256, published->url)
                                        .toUtf8();
        const auto paid = quoteAndPay(*client, u"fetched"_s, manifest, u"20"_s);
        QVERIFY2(paid.ok(), qPrintable(paid ? QString() : paid.error().message));
        const auto provisioned = call(
            *client, u"pod.provision"_s,
            {{u"name"_s, u"fetched"_s},
             {u"manifest"_s, QString::fromUtf8(manifest)},
             {u"images"_s,
              QJsonObject{{blob->sha256, ImagePusher::sealKey(*published, m_x25519).value()}}}});
        QVERIFY2(provisioned.ok(),
                 qPrintable(provisioned ? QString() : provisioned.error().message));
        QCOMPARE(server.requests(),
                 QList<QByteArray>{QByteArray("/" + blob->sha256.toLatin1() + ".blob")});
        const QString host =
            provisioned->toObject().value(u"endpoints"_s)[0][u"hosts"_s][0].toString();
        QString page;
        QVERIFY2(pageShows(host, u"served-by-url"_s, &page), qPrintable(page));
        QVERIFY(call(*client, u"pod.delete"_s,
                     {{u"deployment"_s, provisioned->toObject().value(u"deployment"_s)}})
                    .ok());
    }

    // berthctl image push | ls, once main.cpp dispatches `image`.
    void berthctlPushesAndLists()
    {
        if (berthctl({u"image"_s, u"--help"_s}).exitCode != 0)
            QSKIP("this berthctl does not dispatch `image` yet (service/berthctl/main.cpp)");
        // berthctl's podman: the fixture's, through a wrapper named by BERTH_PODMAN.
        const QString wrapper = m_publisherData.filePath(u"podman-wrapper"_s);
        QVERIFY(writePodmanWrapper(podmanFixture(), wrapper));
        qputenv("BERTH_PODMAN", QFile::encodeName(wrapper));

        const Run pushed = as(u"publisher"_s, {u"image"_s, u"push"_s, PublisherImage, u"--json"_s});
        QVERIFY2(pushed.exitCode == 0, qPrintable(pushed.err));
        const QJsonObject first = pushed.json();
        const QString sha = first.value(u"sha256"_s).toString();
        QCOMPARE(sha.size(), 64);
        QCOMPARE(first.value(u"reused"_s).toBool(), false);
        QCOMPARE(first.value(u"image"_s).toString(), PublisherImage);
        QCOMPARE(first.value(u"imageId"_s).toString(), m_blob.imageId);
        QCOMPARE(first.value(u"file"_s).toString(),
                 m_home.filePath(u"data/berth/blobs/"_s + sha + u".blob"_s));
        QVERIFY(QFileInfo::exists(first.value(u"file"_s).toString()));
        QVERIFY(pushed.err.isEmpty());

        const Run again = as(u"publisher"_s, {u"image"_s, u"push"_s, PublisherImage});
        QVERIFY2(again.exitCode == 0, qPrintable(again.err));
        QVERIFY2(again.out.startsWith(u"Reused %1 (image %2) as blob %3\n"_s.arg(
                     PublisherImage, m_blob.imageId.left(12), sha)),
                 qPrintable(again.out));
        QVERIFY(again.out.contains(u"In a manifest: image: {sha256: %1}"_s.arg(sha)));

        QTemporaryDir site;
        const Run published =
            as(u"publisher"_s, {u"image"_s, u"push"_s, PublisherImage, u"--publish"_s, site.path(),
                                u"--url"_s, u"https://blobs.example.com/b/"_s, u"--json"_s});
        QVERIFY2(published.exitCode == 0, qPrintable(published.err));
        const QString url = u"https://blobs.example.com/b/"_s + sha + u".blob"_s;
        QCOMPARE(published.json().value(u"url"_s).toString(), url);
        QVERIFY(QFileInfo::exists(site.filePath(sha + u".blob"_s)));

        const Run listed = berthctl({u"image"_s, u"ls"_s, u"--json"_s});
        QVERIFY2(listed.exitCode == 0, qPrintable(listed.err));
        const QJsonArray blobs = listed.json().value(u"blobs"_s).toArray();
        QCOMPARE(blobs.size(), 1);
        QCOMPARE(blobs[0][u"sha256"_s].toString(), sha);
        QCOMPARE(blobs[0][u"url"_s].toString(), url);
        QCOMPARE(blobs[0][u"fileExists"_s].toBool(), true);
        QCOMPARE(blobs[0][u"providers"_s].toArray().size(), 0);
        const Run text = berthctl({u"image"_s, u"ls"_s});
        QVERIFY2(text.out.startsWith(sha + u"  "_s), qPrintable(text.out));
        QVERIFY(text.out.contains(u"    url: "_s + url));

        const Run missing = as(u"publisher"_s, {u"image"_s, u"push"_s, u"localhost/no/such:1"_s});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY2(missing.err.startsWith(u"berthctl: Podman has no image localhost/no/such:1"_s),
                 qPrintable(missing.err));
        const Run usage = as(u"publisher"_s,
                             {u"image"_s, u"push"_s, PublisherImage, u"--publish"_s, site.path()});
        QCOMPARE(usage.exitCode, 2);
        QVERIFY(usage.err.contains(u"--publish DIR and --url URL go together"_s));
        qunsetenv("BERTH_PODMAN");
    }
};

QTEST_GUILESS_MAIN(TestImagePush)
#include "tst_imagepush.moc"
