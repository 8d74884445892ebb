// ImagePusher without a real Podman: a stand-in `podman` script (named through
// BERTH_PODMAN) answers `image inspect` and streams a `save`, so the blob's
// content, the reuse of a blob, a failed save, the key sealed to a provider and
// publishing can be checked exactly. tst_imagepush runs the real thing.
#include "crypto/blobcipher.h"
#include "crypto/sealedbox.h"
#include "publisher/blobrecords.h"
#include "publisher/imagepusher.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <sodium.h>

using namespace Qt::StringLiterals;
using berth::ErrorCode;
using berth::crypto::BlobCipher;
using berth::crypto::SecretBytes;
using berth::publisher::BlobRecord;
using berth::publisher::BlobRecords;
using berth::publisher::ImagePusher;

namespace {

const QString ImageId = u"0dcced4935f4bcc7f00d9c694636e06f2277629bea18c958cef976966a98679f"_s;

// The stand-in: logs every call, knows one image, and its save prints 300,000
// bytes of a pattern (more than four cipher chunks), then fails if told to.
const char FakePodman[] = R"(#!/bin/sh
echo "$*" >> "$FAKE_PODMAN_LOG"
for last; do :; done
case "$*" in
*"image inspect --format {{.Id}} "*)
    if [ "$last" = localhost/fake/app:1 ] || [ "$last" = "$FAKE_IMAGE_ID" ]; then
        echo "$FAKE_IMAGE_ID"; exit 0
    fi
    echo "Error: inspecting object: $last: image not known" >&2; exit 125 ;;
*"save --quiet --format docker-archive $FAKE_IMAGE_ID")
    i=0
    while [ $i -lt 3000 ]; do
        printf '%099d\n' $i
        i=$((i + 1))
    done
    if [ -n "$FAKE_SAVE_FAILS" ]; then echo "Error: writing the archive: no space left" >&2; exit 125; fi
    exit 0 ;;
esac
echo "unexpected: $*" >&2
exit 2
)";

QByteArray expectedArchive()
{
    QByteArray out;
    for (int i = 0; i < 3000; ++i)
        out += QByteArray::number(i).rightJustified(99, '0') + '\n';
    return out;
}

} // namespace

class TestImagePusher : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_log;

    ImagePusher::Podman podman(bool saveFails = false) const
    {
        ImagePusher::Podman settings;
        settings.globalArgs = {u"--root"_s, u"/srv/store"_s};
        settings.environment.insert(u"FAKE_PODMAN_LOG"_s, m_log);
        settings.environment.insert(u"FAKE_IMAGE_ID"_s, ImageId);
        if (saveFails)
            settings.environment.insert(u"FAKE_SAVE_FAILS"_s, u"1"_s);
        return settings;
    }

    QStringList calls() const
    {
        QFile log(m_log);
        if (!log.open(QIODevice::ReadOnly))
            return {};
        return QString::fromUtf8(log.readAll()).split(u'\n', Qt::SkipEmptyParts);
    }

    static SecretBytes recordsKey() { return SecretBytes(QByteArray(32, '\x5a')); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString script = m_dir.filePath(u"podman"_s);
        QFile file(script);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(FakePodman);
        file.close();
        QVERIFY(file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        qputenv("BERTH_PODMAN", QFile::encodeName(script));
        m_log = m_dir.filePath(u"calls.log"_s);
    }

    void init() { QFile::remove(m_log); }

    void prepareEncryptsThePodmanArchiveOnce()
    {
        QTemporaryDir data;
        auto records = BlobRecords::open(data.filePath(u"publisher.sqlite"_s), recordsKey());
        QVERIFY(records.ok());
        ImagePusher pusher(data.path(), **records, podman());
        QCOMPARE(pusher.podmanProgram(), m_dir.filePath(u"podman"_s));
        QList<qint64> progress;
        auto blob = pusher.prepare(u"localhost/fake/app:1"_s, [&](qint64 done, qint64 total) {
            progress.append(done);
            QVERIFY(total == 0 || total == done);
        });
        QVERIFY2(blob.ok(), qPrintable(blob ? QString() : blob.error().message));
        QVERIFY(!pusher.lastPrepareReused());
        // The calls: inspect by reference, then save by id, with the global args.
        QCOMPARE(
            calls(),
            (QStringList{u"--root /srv/store image inspect --format {{.Id}} "
                         "localhost/fake/app:1"_s,
                         u"--root /srv/store save --quiet --format docker-archive "_s + ImageId}));
        const QByteArray archive = expectedArchive();
        QCOMPARE(blob->size, BlobCipher::encryptedSize(archive.size()));
        QCOMPARE(progress.last(), blob->size);
        QCOMPARE(blob->imageId, ImageId);
        QCOMPARE(blob->imageRef, u"localhost/fake/app:1"_s);
        QCOMPARE(blob->path, data.filePath(u"blobs/"_s + blob->sha256 + u".blob"_s));

        // The file decrypts with the key to exactly what podman printed.
        QFile file(blob->path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QBuffer plain;
        plain.open(QIODevice::WriteOnly);
        QCOMPARE(BlobCipher::decrypt(blob->key, file, plain).value_or(-1), qint64(archive.size()));
        QVERIFY(plain.data() == archive);

        // Recorded with the key; pushed again, by reference or by id: reused.
        QVERIFY((*(*records)->bySha256(blob->sha256))->key == blob->key);
        for (const QString &ref : {u"localhost/fake/app:1"_s, ImageId}) {
            auto again = pusher.prepare(ref);
            QVERIFY(again.ok());
            QVERIFY(pusher.lastPrepareReused());
            QCOMPARE(again->sha256, blob->sha256);
        }
        QCOMPARE(calls().filter(u" save "_s).size(), 1);

        // The blob's file is gone: made again (a new key, so a new SHA-256).
        QVERIFY(QFile::remove(blob->path));
        auto remade = pusher.prepare(u"localhost/fake/app:1"_s);
        QVERIFY(remade.ok());
        QVERIFY(!pusher.lastPrepareReused());
        QVERIFY(remade->sha256 != blob->sha256);
        QVERIFY(QFileInfo::exists(remade->path));
        QCOMPARE(calls().filter(u" save "_s).size(), 2);
    }

    void aFailedSaveLeavesNothing()
    {
        QTemporaryDir data;
        auto records = BlobRecords::open(data.filePath(u"publisher.sqlite"_s), recordsKey());
        QVERIFY(records.ok());
        ImagePusher pusher(data.path(), **records, podman(true));
        const auto failed = pusher.prepare(u"localhost/fake/app:1"_s);
        QVERIFY(!failed.ok());
        QCOMPARE(failed.error().code, ErrorCode::Unavailable);
        QCOMPARE(failed.error().message,
                 u"podman save 0dcced4935f4 (image localhost/fake/app:1) failed: Error: writing "
                 "the archive: no space left"_s);
        QCOMPARE(QDir(data.filePath(u"blobs"_s)).entryList(QDir::Files | QDir::Hidden),
                 QStringList());
        QCOMPARE((*records)->list()->size(), 0);

        const auto missing = pusher.prepare(u"localhost/fake/other:1"_s);
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
        QCOMPARE(missing.error().message,
                 u"Podman has no image localhost/fake/other:1 (Error: inspecting object: "
                 "localhost/fake/other:1: image not known): build or pull it first"_s);
    }

    void theKeyIsSealedToTheProvider()
    {
        QVERIFY(sodium_init() >= 0);
        unsigned char publicKey[crypto_box_PUBLICKEYBYTES];
        SecretBytes secretKey(crypto_box_SECRETKEYBYTES);
        crypto_box_keypair(publicKey, secretKey.data());
        const QByteArrayView provider(publicKey, sizeof publicKey);

        BlobRecord record;
        record.sha256 = u"ab"_s.repeated(32);
        record.key = SecretBytes(QByteArray(32, '\x42'));
        const auto sealed = ImagePusher::sealKey(record, provider);
        QVERIFY2(sealed.ok(), qPrintable(sealed ? QString() : sealed.error().message));
        const QByteArray box = QByteArray::fromBase64(sealed->toLatin1());
        QCOMPARE(box.size(), 32 + berth::crypto::SealedBox::SealOverhead);
        const auto opened = berth::crypto::SealedBox::open(box, provider, secretKey);
        QVERIFY(opened.ok());
        QVERIFY(*opened == record.key);

        record.key = SecretBytes();
        const auto keyless = ImagePusher::sealKey(record, provider);
        QCOMPARE(keyless.error().code, ErrorCode::InvalidArgument);
        QVERIFY(keyless.error().message.contains(u"has no key here"_s));
    }

    void publishCopiesAndRecordsTheUrl()
    {
        QTemporaryDir data;
        auto records = BlobRecords::open(data.filePath(u"publisher.sqlite"_s), recordsKey());
        QVERIFY(records.ok());
        ImagePusher pusher(data.path(), **records, podman());
        auto blob = pusher.prepare(u"localhost/fake/app:1"_s);
        QVERIFY(blob.ok());
        const QString site = data.filePath(u"site/blobs"_s);
        const QString name = blob->sha256 + u".blob"_s;

        // A folder URL gets the file name; a full URL is taken as it is.
        auto published = pusher.publish(*blob, site, u"https://cdn.example.com/b/"_s);
        QVERIFY2(published.ok(), qPrintable(published ? QString() : published.error().message));
        QCOMPARE(published->url, u"https://cdn.example.com/b/"_s + name);
        const QFileInfo copy(site + u'/' + name);
        QCOMPARE(copy.size(), blob->size);
        QVERIFY(copy.permissions() & QFile::ReadOther);
        QCOMPARE((*(*records)->bySha256(blob->sha256))->url, published->url);
        published = pusher.publish(*blob, site, u"http://127.0.0.1:8080/app.img"_s);
        QVERIFY(published.ok());
        QCOMPARE((*(*records)->list()).first().url, u"http://127.0.0.1:8080/app.img"_s);

        for (const QString &bad :
             {u"ftp://cdn.example.com/b/"_s, u"cdn.example.com/b/"_s,
              QString(u"https://cdn.example.com/"_s + u"a"_s.repeated(2048))}) {
            const auto refused = pusher.publish(*blob, site, bad);
            QVERIFY2(!refused.ok(), qPrintable(bad));
            QCOMPARE(refused.error().code, ErrorCode::InvalidArgument);
        }
        QCOMPARE((*(*records)->list()).first().url, u"http://127.0.0.1:8080/app.img"_s);
    }
};

QTEST_GUILESS_MAIN(TestImagePusher)
#include "tst_imagepusher.moc"
