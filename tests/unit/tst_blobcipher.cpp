// Encrypted image blobs and sealed keys: a blob decrypts to exactly what went
// in, its content address is the SHA-256 of the bytes written, and every kind
// of damage (header, chunk, tag, order, truncation, wrong key) is refused
// without handing out the plaintext of the chunk that failed.
#include "crypto/blobcipher.h"
#include "crypto/sealedbox.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using berth::ErrorCode;
using berth::crypto::BlobCipher;
using berth::crypto::EncryptedBlob;
using berth::crypto::SealedBox;
using berth::crypto::SecretBytes;

namespace {

constexpr qsizetype Chunk = BlobCipher::ChunkSize;
constexpr qsizetype SealedChunk = BlobCipher::ChunkSize + BlobCipher::ChunkOverhead;

// RFC 7748 section 6.1, Alice's X25519 key pair.
const QByteArray alicePublic =
    QByteArray::fromHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
const QByteArray aliceSecret =
    QByteArray::fromHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
// Another key pair (public key computed with an independent X25519 implementation).
const QByteArray otherPublic =
    QByteArray::fromHex("b44206b74f1bd1c1a8608f07702e14ebd2883488dd67c67c6140f805c944bc51");
const QByteArray otherSecret =
    QByteArray::fromHex("5dab087e624a8a4b79e17f8b83800ee66f3b1349ebc46c2f3b1ab2d9bdb7ff0d");

// Deterministic, non-repeating-looking plaintext of any size.
QByteArray pattern(qsizetype size)
{
    QByteArray data(size, Qt::Uninitialized);
    quint32 x = 0x9e3779b9u;
    for (qsizetype i = 0; i < size; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = char(x & 0xff);
    }
    return data;
}

struct Encrypted
{
    EncryptedBlob blob;
    QByteArray cipher;
};

Encrypted encryptBytes(const QByteArray &plain)
{
    QBuffer in;
    in.setData(plain);
    in.open(QIODevice::ReadOnly);
    QBuffer out;
    out.open(QIODevice::WriteOnly);
    auto result = BlobCipher::encrypt(in, out);
    if (!result)
        qFatal("encrypt failed: %s", qPrintable(result.error().message));
    return {std::move(result).value(), out.data()};
}

struct Decrypted
{
    berth::Result<qint64> result;
    QByteArray plain;
};

Decrypted decryptBytes(const SecretBytes &key, const QByteArray &cipher)
{
    QBuffer in;
    in.setData(cipher);
    in.open(QIODevice::ReadOnly);
    QBuffer out;
    out.open(QIODevice::WriteOnly);
    auto result = BlobCipher::decrypt(key, in, out);
    return {std::move(result), out.data()};
}

QString sha256Hex(const QByteArray &data)
{
    return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

template<typename T> QString errorText(const berth::Result<T> &result)
{
    return result.ok() ? QString() : result.error().message;
}

} // namespace

class TestBlobCipher : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip_data()
    {
        QTest::addColumn<qsizetype>("size");
        QTest::addColumn<qsizetype>("chunks");
        QTest::newRow("empty") << qsizetype(0) << qsizetype(1);
        QTest::newRow("one byte") << qsizetype(1) << qsizetype(1);
        QTest::newRow("one chunk less one") << Chunk - 1 << qsizetype(1);
        QTest::newRow("exactly one chunk") << Chunk << qsizetype(1);
        QTest::newRow("exactly three chunks") << 3 * Chunk << qsizetype(3);
        QTest::newRow("1 MiB + 1") << qsizetype(1024 * 1024 + 1) << qsizetype(17);
    }
    void roundTrip()
    {
        QFETCH(qsizetype, size);
        QFETCH(qsizetype, chunks);
        const QByteArray plain = pattern(size);
        const Encrypted encrypted = encryptBytes(plain);

        QCOMPARE(encrypted.blob.key.size(), BlobCipher::KeySize);
        QCOMPARE(encrypted.blob.plainSize, size);
        QCOMPARE(encrypted.blob.size, encrypted.cipher.size());
        QCOMPARE(encrypted.cipher.size(),
                 BlobCipher::HeaderSize + chunks * BlobCipher::ChunkOverhead + size);
        QCOMPARE(BlobCipher::encryptedSize(size), encrypted.cipher.size());
        QVERIFY(encrypted.cipher.startsWith("BERTHBLOB\x01"));
        QCOMPARE(encrypted.blob.sha256, sha256Hex(encrypted.cipher));
        if (size >= 32)
            QVERIFY(!encrypted.cipher.contains(plain.first(32)));

        const Decrypted decrypted = decryptBytes(encrypted.blob.key, encrypted.cipher);
        QVERIFY2(decrypted.result.ok(), qPrintable(errorText(decrypted.result)));
        QCOMPARE(*decrypted.result, size);
        QCOMPARE(decrypted.plain.size(), plain.size());
        QVERIFY(decrypted.plain == plain);
    }

    void sameInputDiffersEveryTime()
    {
        const QByteArray plain = pattern(1000);
        const Encrypted a = encryptBytes(plain);
        const Encrypted b = encryptBytes(plain);
        QVERIFY(!(a.blob.key == b.blob.key));
        QVERIFY(a.blob.sha256 != b.blob.sha256);

        // Even with the same key: the stream header is random.
        QBuffer in;
        in.setData(plain);
        in.open(QIODevice::ReadOnly);
        QBuffer out;
        out.open(QIODevice::WriteOnly);
        auto again = BlobCipher::encrypt(in, out, a.blob.key);
        QVERIFY(again.ok());
        QVERIFY(out.data() != a.cipher);
        QCOMPARE(decryptBytes(a.blob.key, out.data()).plain, plain);
    }

    void hashIsWhatSha256sumSays()
    {
        const QString sha256sum = QStandardPaths::findExecutable(u"sha256sum"_s);
        if (sha256sum.isEmpty())
            QSKIP("sha256sum is not installed");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"image.blob"_s);
        const QByteArray plain = pattern(3 * Chunk + 5);
        EncryptedBlob blob;
        {
            QBuffer in;
            in.setData(plain);
            in.open(QIODevice::ReadOnly);
            QFile out(path);
            QVERIFY(out.open(QIODevice::WriteOnly));
            auto result = BlobCipher::encrypt(in, out);
            QVERIFY2(result.ok(), qPrintable(errorText(result)));
            blob = std::move(result).value();
        }
        QCOMPARE(QFileInfo(path).size(), blob.size);

        QProcess process;
        process.start(sha256sum, {path});
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitCode(), 0);
        const QString printed =
            QString::fromLatin1(process.readAllStandardOutput()).section(u' ', 0, 0);
        QCOMPARE(blob.sha256, printed);
        QCOMPARE(blob.sha256.size(), 64);

        // A file decrypts as well as a buffer does.
        QFile in(path);
        QVERIFY(in.open(QIODevice::ReadOnly));
        QBuffer out;
        out.open(QIODevice::WriteOnly);
        auto decrypted = BlobCipher::decrypt(blob.key, in, out);
        QVERIFY2(decrypted.ok(), qPrintable(errorText(decrypted)));
        QVERIFY(out.data() == plain);
    }

    void encryptsAPipe()
    {
        // How an image arrives: `podman save` writing into a pipe, here `cat`.
        const QString cat = QStandardPaths::findExecutable(u"cat"_s);
        if (cat.isEmpty())
            QSKIP("cat is not installed");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QByteArray plain = pattern(5 * Chunk + 321);
        QFile file(dir.filePath(u"image.tar"_s));
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(plain), plain.size());
        file.close();

        QProcess process;
        process.start(cat, {file.fileName()}, QIODevice::ReadOnly);
        QVERIFY(process.waitForStarted());
        QBuffer out;
        out.open(QIODevice::WriteOnly);
        auto encrypted = BlobCipher::encrypt(process, out);
        QVERIFY2(encrypted.ok(), qPrintable(errorText(encrypted)));
        // Reading to the end of the stream waited for the process to finish.
        QCOMPARE(process.state(), QProcess::NotRunning);
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);
        QCOMPARE(encrypted->plainSize, plain.size());
        QCOMPARE(encrypted->size, BlobCipher::encryptedSize(plain.size()));
        QCOMPARE(encrypted->sha256, sha256Hex(out.data()));

        const Decrypted decrypted = decryptBytes(encrypted->key, out.data());
        QVERIFY2(decrypted.result.ok(), qPrintable(errorText(decrypted.result)));
        QVERIFY(decrypted.plain == plain);
    }

    void tamperedIsRefused_data()
    {
        QTest::addColumn<qsizetype>("offset");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        QTest::addColumn<qsizetype>("plainBeforeFailure");
        // The blob has three chunks: 2 full ones and a short FINAL one.
        const qsizetype header = BlobCipher::HeaderSize;
        QTest::newRow("magic") << qsizetype(0) << int(ErrorCode::ParseFailed)
                               << u"not a Berth blob"_s << qsizetype(0);
        QTest::newRow("version") << qsizetype(9) << int(ErrorCode::ParseFailed)
                                 << u"format version 0"_s << qsizetype(0);
        QTest::newRow("stream header")
            << qsizetype(12) << int(ErrorCode::AuthFailed)
            << u"chunk 1 of the blob failed authentication"_s << qsizetype(0);
        QTest::newRow("encrypted tag of chunk 1")
            << header << int(ErrorCode::AuthFailed)
            << u"chunk 1 of the blob failed authentication"_s << qsizetype(0);
        QTest::newRow("data of chunk 2") << header + SealedChunk + 100 << int(ErrorCode::AuthFailed)
                                         << u"chunk 2 of the blob failed authentication"_s << Chunk;
        QTest::newRow("MAC of chunk 2")
            << header + 2 * SealedChunk - 1 << int(ErrorCode::AuthFailed)
            << u"chunk 2 of the blob failed authentication"_s << Chunk;
        QTest::newRow("MAC of the final chunk")
            << qsizetype(-1) << int(ErrorCode::AuthFailed)
            << u"chunk 3 of the blob failed authentication"_s << 2 * Chunk;
    }
    void tamperedIsRefused()
    {
        QFETCH(qsizetype, offset);
        QFETCH(int, code);
        QFETCH(QString, message);
        QFETCH(qsizetype, plainBeforeFailure);
        const QByteArray plain = pattern(2 * Chunk + 1000);
        const Encrypted encrypted = encryptBytes(plain);
        QByteArray cipher = encrypted.cipher;
        const qsizetype at = offset < 0 ? cipher.size() + offset : offset;
        cipher[at] = char(cipher.at(at) ^ 0x01);

        const Decrypted decrypted = decryptBytes(encrypted.blob.key, cipher);
        QVERIFY(!decrypted.result.ok());
        QCOMPARE(int(decrypted.result.error().code), code);
        QVERIFY2(decrypted.result.error().message.contains(message),
                 qPrintable(decrypted.result.error().message));
        // Only the chunks before the damaged one were written, never the damaged one.
        QCOMPARE(decrypted.plain.size(), plainBeforeFailure);
        QVERIFY(decrypted.plain == plain.first(plainBeforeFailure));
    }

    void truncatedIsRefused_data()
    {
        QTest::addColumn<qsizetype>("keep");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        const qsizetype header = BlobCipher::HeaderSize;
        QTest::newRow("empty file")
            << qsizetype(0) << int(ErrorCode::ParseFailed) << u"not a Berth blob"_s;
        QTest::newRow("half the header")
            << header / 2 << int(ErrorCode::ParseFailed) << u"less than its 34-byte header"_s;
        QTest::newRow("header only")
            << header << int(ErrorCode::AuthFailed) << u"ends before its final chunk"_s;
        QTest::newRow("last chunk dropped")
            << header + 2 * SealedChunk << int(ErrorCode::AuthFailed)
            << u"ends before its final chunk"_s;
        QTest::newRow("cut inside the last chunk")
            << header + 2 * SealedChunk + 500 << int(ErrorCode::AuthFailed)
            << u"chunk 3 of the blob failed authentication"_s;
    }
    void truncatedIsRefused()
    {
        QFETCH(qsizetype, keep);
        QFETCH(int, code);
        QFETCH(QString, message);
        const Encrypted encrypted = encryptBytes(pattern(2 * Chunk + 1000));
        const Decrypted decrypted = decryptBytes(encrypted.blob.key, encrypted.cipher.first(keep));
        QVERIFY(!decrypted.result.ok());
        QCOMPARE(int(decrypted.result.error().code), code);
        QVERIFY2(decrypted.result.error().message.contains(message),
                 qPrintable(decrypted.result.error().message));
    }

    void exactMultipleWithoutFinalChunkIsRefused()
    {
        // Two full chunks: the second one is FINAL; dropping it leaves a stream
        // whose last chunk is a plain MESSAGE.
        const Encrypted encrypted = encryptBytes(pattern(2 * Chunk));
        QCOMPARE(encrypted.cipher.size(), BlobCipher::HeaderSize + 2 * SealedChunk);
        const Decrypted decrypted = decryptBytes(
            encrypted.blob.key, encrypted.cipher.first(BlobCipher::HeaderSize + SealedChunk));
        QVERIFY(!decrypted.result.ok());
        QCOMPARE(decrypted.result.error().code, ErrorCode::AuthFailed);
        QVERIFY(decrypted.result.error().message.contains(u"ends before its final chunk"_s));
    }

    void reorderedChunksAreRefused()
    {
        const QByteArray plain = pattern(3 * Chunk + 10);
        const Encrypted encrypted = encryptBytes(plain);
        const qsizetype header = BlobCipher::HeaderSize;
        QByteArray swapped = encrypted.cipher.first(header);
        swapped += encrypted.cipher.mid(header + SealedChunk, SealedChunk);
        swapped += encrypted.cipher.mid(header, SealedChunk);
        swapped += encrypted.cipher.mid(header + 2 * SealedChunk);
        QCOMPARE(swapped.size(), encrypted.cipher.size());

        const Decrypted decrypted = decryptBytes(encrypted.blob.key, swapped);
        QVERIFY(!decrypted.result.ok());
        QCOMPARE(decrypted.result.error().code, ErrorCode::AuthFailed);
        QVERIFY(decrypted.result.error().message.contains(u"chunk 1 of the blob failed"_s));
        QVERIFY(decrypted.plain.isEmpty());
    }

    void trailingDataIsRefused()
    {
        // After a full final chunk, the extra byte is read on its own.
        const Encrypted full = encryptBytes(pattern(2 * Chunk));
        const Decrypted afterFull = decryptBytes(full.blob.key, full.cipher + "x");
        QVERIFY(!afterFull.result.ok());
        QCOMPARE(afterFull.result.error().code, ErrorCode::AuthFailed);
        QVERIFY2(afterFull.result.error().message.contains(u"data after its final chunk"_s),
                 qPrintable(afterFull.result.error().message));

        // After a short final chunk, it is read as part of that chunk, which then
        // fails to authenticate.
        const Encrypted small = encryptBytes(pattern(100));
        const Decrypted afterShort = decryptBytes(small.blob.key, small.cipher + "x");
        QVERIFY(!afterShort.result.ok());
        QCOMPARE(afterShort.result.error().code, ErrorCode::AuthFailed);
        QVERIFY(afterShort.plain.isEmpty());
    }

    void wrongKeyIsRefused()
    {
        const Encrypted encrypted = encryptBytes(pattern(5000));
        const Decrypted decrypted =
            decryptBytes(berth::crypto::randomSecret(BlobCipher::KeySize), encrypted.cipher);
        QVERIFY(!decrypted.result.ok());
        QCOMPARE(decrypted.result.error().code, ErrorCode::AuthFailed);
        QVERIFY(decrypted.result.error().message.contains(u"the key is wrong"_s));
        QVERIFY(decrypted.plain.isEmpty());

        const Decrypted shortKey =
            decryptBytes(SecretBytes(QByteArrayView("short")), encrypted.cipher);
        QVERIFY(!shortKey.result.ok());
        QCOMPARE(shortKey.result.error().code, ErrorCode::InvalidArgument);
    }

    void checkKeyReadsOnlyTheFirstChunk()
    {
        // Three chunks; the last one damaged: the key still checks out, since
        // only the header and the first chunk are read.
        Encrypted encrypted = encryptBytes(pattern(int(BlobCipher::ChunkSize) * 2 + 10));
        encrypted.cipher[encrypted.cipher.size() - 3] ^= 1;
        QBuffer in(&encrypted.cipher);
        QVERIFY(in.open(QIODevice::ReadOnly));
        QVERIFY2(BlobCipher::checkKey(encrypted.blob.key, in).ok(), "the right key");
        QCOMPARE(in.pos(), qint64(BlobCipher::HeaderSize + BlobCipher::ChunkSize +
                                  BlobCipher::ChunkOverhead));
        QBuffer again(&encrypted.cipher);
        QVERIFY(again.open(QIODevice::ReadOnly));
        const auto wrong =
            BlobCipher::checkKey(berth::crypto::randomSecret(BlobCipher::KeySize), again);
        QCOMPARE(wrong.error().code, ErrorCode::AuthFailed);
        QVERIFY(wrong.error().message.contains(u"the key is wrong"_s));
    }

    void unknownVersionIsNamed()
    {
        const Encrypted encrypted = encryptBytes(pattern(10));
        QByteArray cipher = encrypted.cipher;
        cipher[9] = char(2);
        const Decrypted decrypted = decryptBytes(encrypted.blob.key, cipher);
        QVERIFY(!decrypted.result.ok());
        QCOMPARE(decrypted.result.error().code, ErrorCode::ParseFailed);
        QCOMPARE(decrypted.result.error().message,
                 u"the blob is in format version 2, which this Berth does not read (it reads "
                 u"version 1): update Berth"_s);
    }

    void sealedBoxRoundTrip()
    {
        const Encrypted encrypted = encryptBytes(pattern(10));
        auto sealed = SealedBox::seal(encrypted.blob.key.view(), alicePublic);
        QVERIFY2(sealed.ok(), qPrintable(errorText(sealed)));
        QCOMPARE(sealed->size(), BlobCipher::KeySize + SealedBox::SealOverhead);
        QVERIFY(!sealed->contains(encrypted.blob.key.view()));

        auto opened = SealedBox::open(*sealed, alicePublic, SecretBytes(aliceSecret));
        QVERIFY2(opened.ok(), qPrintable(errorText(opened)));
        QVERIFY(*opened == encrypted.blob.key);

        // Sealing twice gives different boxes (a fresh ephemeral key each time).
        auto again = SealedBox::seal(encrypted.blob.key.view(), alicePublic);
        QVERIFY(again.ok());
        QVERIFY(*again != *sealed);

        // Empty plaintext seals and opens too.
        auto empty = SealedBox::seal({}, alicePublic);
        QVERIFY(empty.ok());
        QCOMPARE(empty->size(), SealedBox::SealOverhead);
        auto emptyOpened = SealedBox::open(*empty, alicePublic, SecretBytes(aliceSecret));
        QVERIFY2(emptyOpened.ok(), qPrintable(errorText(emptyOpened)));
        QVERIFY(emptyOpened->isEmpty());
    }

    void sealedBoxForAnotherKeyIsRefused()
    {
        auto sealed = SealedBox::seal("image key", otherPublic);
        QVERIFY(sealed.ok());
        auto opened = SealedBox::open(*sealed, alicePublic, SecretBytes(aliceSecret));
        QVERIFY(!opened.ok());
        QCOMPARE(opened.error().code, ErrorCode::AuthFailed);
        QVERIFY2(opened.error().message.contains(u"not sealed to this provider's key"_s),
                 qPrintable(opened.error().message));

        // The right pair opens it.
        auto right = SealedBox::open(*sealed, otherPublic, SecretBytes(otherSecret));
        QVERIFY2(right.ok(), qPrintable(errorText(right)));
        QCOMPARE(right->view(), QByteArrayView("image key"));
    }

    void tamperedSealedBoxIsRefused_data()
    {
        QTest::addColumn<qsizetype>("offset");
        QTest::newRow("ephemeral key") << qsizetype(0);
        QTest::newRow("MAC") << qsizetype(40);
        QTest::newRow("ciphertext") << qsizetype(50);
        QTest::newRow("last byte") << qsizetype(-1);
    }
    void tamperedSealedBoxIsRefused()
    {
        QFETCH(qsizetype, offset);
        auto sealed = SealedBox::seal("a secret value", alicePublic);
        QVERIFY(sealed.ok());
        QByteArray box = *sealed;
        const qsizetype at = offset < 0 ? box.size() + offset : offset;
        box[at] = char(box.at(at) ^ 0x80);
        auto opened = SealedBox::open(box, alicePublic, SecretBytes(aliceSecret));
        QVERIFY(!opened.ok());
        QCOMPARE(opened.error().code, ErrorCode::AuthFailed);
        QVERIFY(opened.error().message.contains(u"not sealed to this provider's key"_s));
    }

    void sealedBoxBadInput()
    {
        auto shortBox = SealedBox::open("too short", alicePublic, SecretBytes(aliceSecret));
        QVERIFY(!shortBox.ok());
        QCOMPARE(shortBox.error().code, ErrorCode::AuthFailed);
        QVERIFY(shortBox.error().message.contains(u"not sealed to this provider's key"_s));

        auto badKey = SealedBox::seal("x", alicePublic.first(31));
        QVERIFY(!badKey.ok());
        QCOMPARE(badKey.error().code, ErrorCode::InvalidArgument);

        // An all-zero public key is a low-order point: nothing can be sealed to it.
        auto zeroKey = SealedBox::seal("x", QByteArray(32, '\0'));
        QVERIFY(!zeroKey.ok());
        QCOMPARE(zeroKey.error().code, ErrorCode::InvalidArgument);

        auto badSecret =
            SealedBox::open(QByteArray(60, 'a'), alicePublic, SecretBytes(aliceSecret.first(16)));
        QVERIFY(!badSecret.ok());
        QCOMPARE(badSecret.error().code, ErrorCode::InvalidArgument);
    }
};

QTEST_GUILESS_MAIN(TestBlobCipher)
#include "tst_blobcipher.moc"
