// The provider's blob store: chunked uploads that resume (also after a
// restart), refuse the wrong offset, a wrong hash, oversize blobs and a full
// quota with the numbers, accept only SHA-256 names, and hand the runtime a
// decrypted image in a private temp folder.
#include "crypto/blobcipher.h"
#include "crypto/sealedbox.h"
#include "provider/blobstore.h"
#include "provider/provideridentity.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using berth::ErrorCode;
using berth::crypto::BlobCipher;
using berth::provider::BlobStore;
using berth::provider::BlobStoreLimits;
using berth::provider::UploadState;

namespace {

constexpr QFile::Permissions ownerRw = QFile::ReadOwner | QFile::WriteOwner;
constexpr QFile::Permissions ownerRwx = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;
constexpr QFile::Permissions everyone = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                        QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup |
                                        QFile::ReadOther | QFile::WriteOther | QFile::ExeOther;

QByteArray pattern(qsizetype size, quint32 seed = 1)
{
    QByteArray data(size, Qt::Uninitialized);
    quint32 x = 0x9e3779b9u ^ seed;
    for (qsizetype i = 0; i < size; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = char(x & 0xff);
    }
    return data;
}

QString sha256Hex(QByteArrayView data)
{
    return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

QStringList filesIn(const QString &folder)
{
    return QDir(folder).entryList(QDir::Files | QDir::Hidden);
}

template<typename T> QString errorText(const berth::Result<T> &result)
{
    return result.ok() ? QString() : result.error().message;
}

BlobStore openStore(const QString &dataDir, const BlobStoreLimits &limits = {})
{
    auto store = BlobStore::open(dataDir, limits);
    if (!store)
        qFatal("BlobStore::open failed: %s", qPrintable(store.error().message));
    return std::move(store).value();
}

// Uploads data in chunks of chunkSize; returns the last state.
berth::Result<UploadState> upload(BlobStore &store, const QByteArray &data, qsizetype chunkSize)
{
    const QString sha = sha256Hex(data);
    auto state = store.begin(sha, data.size());
    if (!state)
        return state;
    while (!state->complete) {
        const qint64 offset = state->offset;
        state = store.append(
            sha, offset,
            QByteArrayView(data).sliced(offset, qMin<qint64>(chunkSize, data.size() - offset)));
        if (!state)
            return state;
    }
    return state;
}

} // namespace

class TestBlobStore : public QObject
{
    Q_OBJECT

private slots:
    void foldersArePrivate()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        BlobStore store = openStore(dir.path());
        QCOMPARE(store.folder(), dir.path() + u"/blobs"_s);
        QCOMPARE(QFileInfo(dir.path() + u"/blobs"_s).permissions() & everyone, ownerRwx);
        QCOMPARE(QFileInfo(dir.path() + u"/blobs/uploads"_s).permissions() & everyone, ownerRwx);
        QCOMPARE(store.usedBytes(), 0);
    }

    void uploadInChunks()
    {
        QTemporaryDir dir;
        BlobStore store = openStore(dir.path());
        const QByteArray data = pattern(300 * 1024 + 7);
        const QString sha = sha256Hex(data);
        QVERIFY(!store.has(sha));

        auto begun = store.begin(sha, data.size());
        QVERIFY2(begun.ok(), qPrintable(errorText(begun)));
        QCOMPARE(begun->sha256, sha);
        QCOMPARE(begun->totalSize, data.size());
        QCOMPARE(begun->offset, 0);
        QVERIFY(!begun->complete);
        // An unfinished upload reserves its whole declared size.
        QCOMPARE(store.usedBytes(), data.size());

        auto first = store.append(sha, 0, QByteArrayView(data).first(100 * 1024));
        QVERIFY2(first.ok(), qPrintable(errorText(first)));
        QCOMPARE(first->offset, 100 * 1024);
        QVERIFY(!first->complete);
        QVERIFY(!store.has(sha));

        auto second = store.append(sha, first->offset, QByteArrayView(data).sliced(100 * 1024));
        QVERIFY2(second.ok(), qPrintable(errorText(second)));
        QVERIFY(second->complete);
        QCOMPARE(second->offset, data.size());
        QVERIFY(store.has(sha));
        QCOMPARE(store.path(sha), dir.path() + u"/blobs/"_s + sha);
        QVERIFY(readAll(store.path(sha)) == data);
        QCOMPARE(QFileInfo(store.path(sha)).permissions() & everyone, ownerRw);
        QVERIFY(filesIn(dir.path() + u"/blobs/uploads"_s).isEmpty());
        QCOMPARE(store.usedBytes(), data.size());

        // Uploading it again is nothing to do; a retried last chunk is answered complete.
        auto again = store.begin(sha, data.size());
        QVERIFY(again.ok());
        QVERIFY(again->complete);
        QCOMPARE(again->offset, data.size());
        auto retried = store.append(sha, 100 * 1024, QByteArrayView(data).sliced(100 * 1024));
        QVERIFY(retried.ok());
        QVERIFY(retried->complete);
    }

    void resumeAfterRestart()
    {
        QTemporaryDir dir;
        const QByteArray data = pattern(200 * 1024, 2);
        const QString sha = sha256Hex(data);
        {
            BlobStore store = openStore(dir.path());
            QVERIFY(store.begin(sha, data.size()).ok());
            auto first = store.append(sha, 0, QByteArrayView(data).first(70000));
            QVERIFY(first.ok());
            QCOMPARE(first->offset, 70000);
        }
        // A new store (berthd restarted) finds the upload where it stopped.
        BlobStore store = openStore(dir.path());
        auto resumed = store.begin(sha, data.size());
        QVERIFY2(resumed.ok(), qPrintable(errorText(resumed)));
        QVERIFY(!resumed->complete);
        QCOMPARE(resumed->offset, 70000);
        auto rest = store.append(sha, resumed->offset, QByteArrayView(data).sliced(70000));
        QVERIFY2(rest.ok(), qPrintable(errorText(rest)));
        QVERIFY(rest->complete);
        QVERIFY(readAll(store.path(sha)) == data);
    }

    void wrongOffsetIsConflict()
    {
        QTemporaryDir dir;
        BlobStore store = openStore(dir.path());
        const QByteArray data = pattern(1000, 3);
        const QString sha = sha256Hex(data);
        QVERIFY(store.begin(sha, data.size()).ok());
        QVERIFY(store.append(sha, 0, QByteArrayView(data).first(400)).ok());

        for (const qint64 offset : {qint64(0), qint64(399), qint64(401), qint64(800)}) {
            auto wrong = store.append(sha, offset, QByteArrayView(data).sliced(offset, 100));
            QVERIFY(!wrong.ok());
            QCOMPARE(wrong.error().code, ErrorCode::Conflict);
            QVERIFY2(wrong.error().message.contains(
                         u"is at byte 400, not %1: resume from byte 400"_s.arg(offset)),
                     qPrintable(wrong.error().message));
            QCOMPARE(wrong.error().data, QByteArray("400"));
        }
        // Nothing was written by the refused appends.
        auto resumed = store.begin(sha, data.size());
        QVERIFY(resumed.ok());
        QCOMPARE(resumed->offset, 400);
        auto rest = store.append(sha, 400, QByteArrayView(data).sliced(400));
        QVERIFY(rest.ok());
        QVERIFY(rest->complete);
    }

    void chunkPastTheEndAndOversizeChunk()
    {
        QTemporaryDir dir;
        BlobStoreLimits limits;
        limits.maxChunkBytes = 100;
        BlobStore store = openStore(dir.path(), limits);
        const QByteArray data = pattern(150, 4);
        const QString sha = sha256Hex(data);
        QVERIFY(store.begin(sha, data.size()).ok());

        auto oversize = store.append(sha, 0, QByteArrayView(data).first(101));
        QVERIFY(!oversize.ok());
        QCOMPARE(oversize.error().code, ErrorCode::TooLarge);
        QVERIFY2(
            oversize.error().message.contains(
                u"the chunk is 101 bytes, over this provider's limit of 100 bytes per chunk"_s),
            qPrintable(oversize.error().message));

        QVERIFY(store.append(sha, 0, QByteArrayView(data).first(100)).ok());
        const QByteArray tooMuch = data.sliced(100) + "xyz";
        auto past = store.append(sha, 100, tooMuch);
        QVERIFY(!past.ok());
        QCOMPARE(past.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(past.error().message.contains(
                     u"ends at byte 153, past the blob's declared size of 150 bytes"_s),
                 qPrintable(past.error().message));
    }

    void appendWithoutBeginIsNotFound()
    {
        QTemporaryDir dir;
        BlobStore store = openStore(dir.path());
        const QString sha = sha256Hex("never begun");
        auto appended = store.append(sha, 0, "never begun");
        QVERIFY(!appended.ok());
        QCOMPARE(appended.error().code, ErrorCode::NotFound);
        QVERIFY(appended.error().message.contains(u"begin it first"_s));
        QVERIFY(!store.has(sha));
    }

    void hashMismatchDeletesTheUpload()
    {
        QTemporaryDir dir;
        BlobStore store = openStore(dir.path());
        const QByteArray data = pattern(5000, 5);
        QByteArray other = data;
        other[4000] = char(other.at(4000) ^ 1);
        const QString sha = sha256Hex(data);

        QVERIFY(store.begin(sha, other.size()).ok());
        QVERIFY(store.append(sha, 0, QByteArrayView(other).first(3000)).ok());
        auto last = store.append(sha, 3000, QByteArrayView(other).sliced(3000));
        QVERIFY(!last.ok());
        QCOMPARE(last.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(last.error().message.startsWith(u"hash mismatch"_s),
                 qPrintable(last.error().message));
        QVERIFY(last.error().message.contains(sha256Hex(other)));
        QVERIFY(!store.has(sha));
        QVERIFY(filesIn(dir.path() + u"/blobs/uploads"_s).isEmpty());
        QVERIFY(filesIn(dir.path() + u"/blobs"_s).isEmpty());
        QCOMPARE(store.usedBytes(), 0);

        // The upload starts over from byte 0, and the right bytes are accepted.
        auto restarted = store.begin(sha, data.size());
        QVERIFY(restarted.ok());
        QCOMPARE(restarted->offset, 0);
        auto done = store.append(sha, 0, data);
        QVERIFY2(done.ok(), qPrintable(errorText(done)));
        QVERIFY(done->complete);
    }

    void hashMismatchAfterRestartDeletesTheUpload()
    {
        // The hash is recomputed from the file when the running hash is gone.
        QTemporaryDir dir;
        const QByteArray data = pattern(5000, 6);
        const QString sha = sha256Hex(pattern(5000, 7));
        {
            BlobStore store = openStore(dir.path());
            QVERIFY(store.begin(sha, data.size()).ok());
            QVERIFY(store.append(sha, 0, QByteArrayView(data).first(2000)).ok());
        }
        BlobStore store = openStore(dir.path());
        auto last = store.append(sha, 2000, QByteArrayView(data).sliced(2000));
        QVERIFY(!last.ok());
        QVERIFY(last.error().message.startsWith(u"hash mismatch"_s));
        QVERIFY(filesIn(dir.path() + u"/blobs/uploads"_s).isEmpty());
    }

    void maxBlobSize()
    {
        QTemporaryDir dir;
        BlobStoreLimits limits;
        limits.maxBlobBytes = 1000;
        BlobStore store = openStore(dir.path(), limits);
        auto tooBig = store.begin(sha256Hex("big"), 1001);
        QVERIFY(!tooBig.ok());
        QCOMPARE(tooBig.error().code, ErrorCode::TooLarge);
        QCOMPARE(tooBig.error().message,
                 u"the blob is 1001 bytes, over this provider's limit of 1000 bytes per blob"_s);
        QVERIFY(filesIn(dir.path() + u"/blobs/uploads"_s).isEmpty());
        QVERIFY(store.begin(sha256Hex("fits"), 1000).ok());

        auto negative = store.begin(sha256Hex("negative"), -1);
        QVERIFY(!negative.ok());
        QCOMPARE(negative.error().code, ErrorCode::InvalidArgument);
    }

    void diskQuota()
    {
        QTemporaryDir dir;
        BlobStoreLimits limits;
        limits.quotaBytes = 1000;
        BlobStore store = openStore(dir.path(), limits);
        const QByteArray stored = pattern(600, 8);
        auto done = upload(store, stored, 256);
        QVERIFY2(done.ok(), qPrintable(errorText(done)));
        QCOMPARE(store.usedBytes(), 600);

        auto over = store.begin(sha256Hex("second"), 401);
        QVERIFY(!over.ok());
        QCOMPARE(over.error().code, ErrorCode::TooLarge);
        QCOMPARE(over.error().message,
                 u"storing the blob's 401 bytes would exceed this provider's blob quota: 600 of "
                 u"1000 bytes are in use"_s);

        // An unfinished upload holds its declared size against the quota.
        const QByteArray partial = pattern(400, 9);
        QVERIFY(store.begin(sha256Hex(partial), partial.size()).ok());
        QVERIFY(store.append(sha256Hex(partial), 0, QByteArrayView(partial).first(10)).ok());
        QCOMPARE(store.usedBytes(), 1000);
        auto full = store.begin(sha256Hex("third"), 1);
        QVERIFY(!full.ok());
        QCOMPARE(full.error().code, ErrorCode::TooLarge);
        QVERIFY(full.error().message.contains(u"1000 of 1000 bytes are in use"_s));

        // Removing a blob frees its space.
        QVERIFY(store.remove(sha256Hex(stored)).ok());
        QCOMPARE(store.usedBytes(), 400);
        QVERIFY(store.begin(sha256Hex("third"), 600).ok());
    }

    void otherDeclaredSizeIsConflict()
    {
        QTemporaryDir dir;
        BlobStore store = openStore(dir.path());
        const QString sha = sha256Hex("x");
        QVERIFY(store.begin(sha, 100).ok());
        auto other = store.begin(sha, 200);
        QVERIFY(!other.ok());
        QCOMPARE(other.error().code, ErrorCode::Conflict);
        QVERIFY(other.error().message.contains(u"with 100 bytes is already in progress"_s));
        QVERIFY(store.remove(sha).ok());
        QVERIFY(store.begin(sha, 200).ok());
    }

    void emptyBlob()
    {
        QTemporaryDir dir;
        BlobStore store = openStore(dir.path());
        auto empty = store.begin(sha256Hex(""), 0);
        QVERIFY2(empty.ok(), qPrintable(errorText(empty)));
        QVERIFY(empty->complete);
        QVERIFY(store.has(sha256Hex("")));

        QTemporaryDir other;
        BlobStore otherStore = openStore(other.path());
        auto wrong = otherStore.begin(sha256Hex("not empty"), 0);
        QVERIFY(!wrong.ok());
        QVERIFY(wrong.error().message.startsWith(u"hash mismatch"_s));
    }

    void badNamesAreRefused_data()
    {
        QTest::addColumn<QString>("name");
        const QString good = sha256Hex("x");
        QTest::newRow("parent folder") << u"../../../../etc/passwd"_s;
        QTest::newRow("traversal of the right length") << (u"../"_s + good.left(61));
        QTest::newRow("slash inside") << (good.left(32) + u'/' + good.mid(33));
        QTest::newRow("upper case") << good.toUpper();
        QTest::newRow("one upper-case digit") << (u"A"_s + good.mid(1));
        QTest::newRow("short") << good.left(63);
        QTest::newRow("long") << (good + u'0');
        QTest::newRow("0x prefix") << (u"0x"_s + good.left(62));
        QTest::newRow("empty") << QString();
        QTest::newRow("not hex") << QString(64, u'g');
        QTest::newRow("wildcard") << (good.left(63) + u'*');
    }
    void badNamesAreRefused()
    {
        QFETCH(QString, name);
        QTemporaryDir dir;
        BlobStore store = openStore(dir.path());
        // A real upload whose name a wildcard could match must stay out of reach.
        const QByteArray data = pattern(10, 10);
        QVERIFY(upload(store, data, 10).ok());

        QVERIFY(!BlobStore::isValidSha256(name));
        auto begun = store.begin(name, 10);
        QVERIFY(!begun.ok());
        QCOMPARE(begun.error().code, ErrorCode::InvalidArgument);
        QVERIFY(begun.error().message.contains(u"64 lower-case hex digits"_s));
        auto appended = store.append(name, 0, "0123456789");
        QVERIFY(!appended.ok());
        QCOMPARE(appended.error().code, ErrorCode::InvalidArgument);
        QVERIFY(!store.has(name));
        QVERIFY(store.path(name).isEmpty());
        auto removed = store.remove(name);
        QVERIFY(!removed.ok());
        QCOMPARE(removed.error().code, ErrorCode::InvalidArgument);
        auto decrypted = store.decryptToTemp(name, berth::crypto::randomSecret(32));
        QVERIFY(!decrypted.ok());
        QCOMPARE(decrypted.error().code, ErrorCode::InvalidArgument);
        QVERIFY(store.has(sha256Hex(data)));
        QCOMPARE(filesIn(dir.path() + u"/blobs"_s), QStringList{sha256Hex(data)});
    }

    void removeBlobAndUpload()
    {
        QTemporaryDir dir;
        BlobStore store = openStore(dir.path());
        const QByteArray data = pattern(100, 11);
        QVERIFY(upload(store, data, 30).ok());
        QVERIFY(store.remove(sha256Hex(data)).ok());
        QVERIFY(!store.has(sha256Hex(data)));

        const QString partial = sha256Hex("partial");
        QVERIFY(store.begin(partial, 50).ok());
        QVERIFY(store.remove(partial).ok());
        QVERIFY(filesIn(dir.path() + u"/blobs/uploads"_s).isEmpty());

        auto missing = store.remove(partial);
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
    }

    void decryptToTemp()
    {
        QTemporaryDir dir;
        BlobStore store = openStore(dir.path());
        const QByteArray image = pattern(3 * BlobCipher::ChunkSize + 123, 12);
        QBuffer in;
        in.setData(image);
        in.open(QIODevice::ReadOnly);
        QBuffer out;
        out.open(QIODevice::WriteOnly);
        auto encrypted = BlobCipher::encrypt(in, out);
        QVERIFY2(encrypted.ok(), qPrintable(errorText(encrypted)));
        const QByteArray blob = out.data();
        QCOMPARE(sha256Hex(blob), encrypted->sha256);
        QVERIFY(upload(store, blob, 64 * 1024).ok());
        QVERIFY(store.has(encrypted->sha256));

        auto decrypted = store.decryptToTemp(encrypted->sha256, encrypted->key);
        QVERIFY2(decrypted.ok(), qPrintable(errorText(decrypted)));
        const QFileInfo file(*decrypted);
        QCOMPARE(file.absolutePath(), dir.path() + u"/tmp"_s);
        QVERIFY(file.fileName().startsWith(u"image-"_s));
        QVERIFY(file.fileName().endsWith(u".tar"_s));
        QCOMPARE(file.permissions() & everyone, ownerRw);
        QCOMPARE(QFileInfo(dir.path() + u"/tmp"_s).permissions() & everyone, ownerRwx);
        QVERIFY(readAll(*decrypted) == image);
        // The blob itself stays for the next deployment.
        QVERIFY(store.has(encrypted->sha256));
        QVERIFY(QFile::remove(*decrypted));

        // A wrong key leaves no plaintext behind.
        auto wrongKey = store.decryptToTemp(encrypted->sha256, berth::crypto::randomSecret(32));
        QVERIFY(!wrongKey.ok());
        QCOMPARE(wrongKey.error().code, ErrorCode::AuthFailed);
        QVERIFY2(
            wrongKey.error().message.startsWith(
                u"blob %1: chunk 1 of the blob failed authentication"_s.arg(encrypted->sha256)),
            qPrintable(wrongKey.error().message));
        QVERIFY(filesIn(dir.path() + u"/tmp"_s).isEmpty());

        // So does a blob that is not a Berth blob at all.
        const QByteArray notABlob = pattern(5000, 13);
        QVERIFY(upload(store, notABlob, 5000).ok());
        auto notBlob = store.decryptToTemp(sha256Hex(notABlob), encrypted->key);
        QVERIFY(!notBlob.ok());
        QCOMPARE(notBlob.error().code, ErrorCode::ParseFailed);
        QVERIFY(filesIn(dir.path() + u"/tmp"_s).isEmpty());

        auto missing = store.decryptToTemp(sha256Hex("missing"), encrypted->key);
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
    }

    void imageKeySealedToTheProviderIdentity()
    {
        // The whole path of an image: the publisher encrypts it, uploads the blob
        // and seals its key to the provider's attested X25519 key; the provider
        // opens the key with its identity and decrypts the blob.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto identity = berth::provider::ProviderIdentity::loadOrCreate(dir.path());
        QVERIFY2(identity.ok(), qPrintable(errorText(identity)));
        BlobStore store = openStore(dir.path());

        const QByteArray image = pattern(BlobCipher::ChunkSize + 1, 16);
        QBuffer in;
        in.setData(image);
        in.open(QIODevice::ReadOnly);
        QBuffer out;
        out.open(QIODevice::WriteOnly);
        auto encrypted = BlobCipher::encrypt(in, out);
        QVERIFY(encrypted.ok());
        auto sealedKey =
            berth::crypto::SealedBox::seal(encrypted->key.view(), identity->x25519PublicKey());
        QVERIFY2(sealedKey.ok(), qPrintable(errorText(sealedKey)));
        QVERIFY(upload(store, out.data(), 1000).ok());

        auto key = berth::crypto::SealedBox::open(*sealedKey, identity->x25519PublicKey(),
                                                  identity->x25519SecretKey());
        QVERIFY2(key.ok(), qPrintable(errorText(key)));
        auto decrypted = store.decryptToTemp(encrypted->sha256, *key);
        QVERIFY2(decrypted.ok(), qPrintable(errorText(decrypted)));
        QVERIFY(readAll(*decrypted) == image);
        QVERIFY(QFile::remove(*decrypted));

        // A key sealed to another provider does not open here.
        QTemporaryDir otherDir;
        auto other = berth::provider::ProviderIdentity::loadOrCreate(otherDir.path());
        QVERIFY(other.ok());
        auto foreign =
            berth::crypto::SealedBox::seal(encrypted->key.view(), other->x25519PublicKey());
        QVERIFY(foreign.ok());
        auto refused = berth::crypto::SealedBox::open(*foreign, identity->x25519PublicKey(),
                                                      identity->x25519SecretKey());
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, ErrorCode::AuthFailed);
        QVERIFY(refused.error().message.contains(u"not sealed to this provider's key"_s));
    }

    void pruneStale()
    {
        QTemporaryDir dir;
        BlobStoreLimits limits;
        limits.staleAfterSeconds = 3600;
        BlobStore store = openStore(dir.path(), limits);
        const QByteArray complete = pattern(100, 14);
        QVERIFY(upload(store, complete, 100).ok());
        const QByteArray unfinished = pattern(100, 15);
        const QString unfinishedSha = sha256Hex(unfinished);
        QVERIFY(store.begin(unfinishedSha, 100).ok());
        QVERIFY(store.append(unfinishedSha, 0, QByteArrayView(unfinished).first(40)).ok());
        QVERIFY(store.begin(sha256Hex("untouched"), 50).ok());
        // A decrypted image the runtime never removed (berthd crashed).
        QFile leftover(dir.path() + u"/tmp/image-abcdef.tar"_s);
        QVERIFY(QDir().mkpath(dir.path() + u"/tmp"_s));
        QVERIFY(leftover.open(QIODevice::WriteOnly));
        leftover.close();

        const QDateTime now = QDateTime::currentDateTimeUtc();
        QCOMPARE(store.pruneStale(now), 0);
        QCOMPARE(store.pruneStale(now.addSecs(3000)), 0);
        QCOMPARE(store.pruneStale(now.addSecs(3700)), 3);
        QVERIFY(filesIn(dir.path() + u"/blobs/uploads"_s).isEmpty());
        QVERIFY(filesIn(dir.path() + u"/tmp"_s).isEmpty());
        QVERIFY(store.has(sha256Hex(complete)));
        QCOMPARE(store.usedBytes(), 100);

        auto gone = store.append(unfinishedSha, 40, QByteArrayView(unfinished).sliced(40));
        QVERIFY(!gone.ok());
        QCOMPARE(gone.error().code, ErrorCode::NotFound);
        // Begun again, it starts from byte 0 and completes.
        auto again = store.begin(unfinishedSha, 100);
        QVERIFY(again.ok());
        QCOMPARE(again->offset, 0);
        auto done = store.append(unfinishedSha, 0, unfinished);
        QVERIFY2(done.ok(), qPrintable(errorText(done)));
        QVERIFY(done->complete);
    }
};

QTEST_GUILESS_MAIN(TestBlobStore)
#include "tst_blobstore.moc"
