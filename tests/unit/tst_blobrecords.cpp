// The publisher's records of pushed images: every field round-trips, lookups by
// SHA-256, image id and reference, the blob keys are encrypted at rest under
// the records key (a wrong one fails with AuthFailed and says why), and the
// uploads per provider are remembered.
#include "crypto/privatekey.h"
#include "crypto/secretbytes.h"
#include "publisher/blobrecords.h"
#include "publisher/recordskey.h"

#include <QFile>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using berth::ErrorCode;
using berth::crypto::Address;
using berth::crypto::SecretBytes;
using berth::publisher::BlobRecord;
using berth::publisher::BlobRecords;

namespace {

const QString ShaA = u"3f5e1c0f8f0b2c4d6e8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"_s;
const QString ShaB = u"9b1d5e6f7a8b9c0d1e3f5e1c0f8f0b2c4d6e8a0b1c2d3e4f5a6b7c8d9e0f1a2b"_s;
const QString IdA = u"a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"_s;
const QString IdB = u"0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"_s;

// A recognisable key: if it is anywhere in the file in clear, the test sees it.
SecretBytes blobKey(char seed)
{
    QByteArray bytes;
    for (int i = 0; i < 32; ++i)
        bytes.append(char(seed + i * 7));
    return SecretBytes(bytes);
}

BlobRecord record(const QString &sha, const QString &id, const QString &ref, char seed,
                  const QDateTime &created)
{
    BlobRecord r;
    r.sha256 = sha;
    r.size = 2400000;
    r.imageRef = ref;
    r.imageId = id;
    r.createdAt = created;
    r.path = u"/home/pub/.local/share/berth/blobs/"_s + sha + u".blob"_s;
    r.key = blobKey(seed);
    return r;
}

QByteArray fileBytes(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestBlobRecords : public QObject
{
    Q_OBJECT

    static SecretBytes recordsKeyA() { return SecretBytes(QByteArray(32, '\x11')); }
    static SecretBytes recordsKeyB() { return SecretBytes(QByteArray(32, '\x22')); }

private slots:
    void recordsRoundTripAndLookUp()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"sub/publisher.sqlite"_s);
        const QDateTime older = QDateTime::fromString(u"2026-11-25T17:03:12Z"_s, Qt::ISODate);
        const QDateTime newer = older.addSecs(3600);
        {
            auto records = BlobRecords::open(path, recordsKeyA());
            QVERIFY2(records.ok(), qPrintable(records ? QString() : records.error().message));
            QVERIFY((*records)->add(record(ShaA, IdA, u"localhost/shop/web:1"_s, 'a', older)).ok());
            QVERIFY((*records)->add(record(ShaB, IdB, u"localhost/shop/web:2"_s, 'b', newer)).ok());
        }
        // The database is private to its owner.
        QCOMPARE(QFileInfo(path).permissions() & ~(QFile::ReadUser | QFile::WriteUser),
                 QFile::ReadOwner | QFile::WriteOwner);
        QCOMPARE(QFileInfo(dir.filePath(u"sub"_s)).permissions() &
                     (QFile::ReadGroup | QFile::ReadOther | QFile::ExeOther),
                 QFile::Permissions());

        // Reopened: everything is still there, the key decrypted.
        auto records = BlobRecords::open(path, recordsKeyA());
        QVERIFY(records.ok());
        auto found = (*records)->bySha256(ShaA);
        QVERIFY2(found.ok(), qPrintable(found ? QString() : found.error().message));
        QVERIFY(found->has_value());
        const BlobRecord &a = **found;
        QCOMPARE(a.sha256, ShaA);
        QCOMPARE(a.size, qint64(2400000));
        QCOMPARE(a.imageRef, u"localhost/shop/web:1"_s);
        QCOMPARE(a.imageId, IdA);
        QCOMPARE(a.createdAt, older);
        QCOMPARE(a.createdAt.timeSpec(), Qt::UTC);
        QCOMPARE(a.path, u"/home/pub/.local/share/berth/blobs/"_s + ShaA + u".blob"_s);
        QCOMPARE(a.url, QString());
        QVERIFY(a.key == blobKey('a'));

        auto byId = (*records)->byImageId(IdB);
        QVERIFY(byId.ok() && byId->has_value());
        QCOMPARE((*byId)->sha256, ShaB);
        QVERIFY((*byId)->key == blobKey('b'));
        auto byRef = (*records)->byReference(u"localhost/shop/web:1"_s);
        QVERIFY(byRef.ok() && byRef->has_value());
        QCOMPARE((*byRef)->sha256, ShaA);
        auto none = (*records)->byImageId(u"ffff"_s);
        QVERIFY(none.ok());
        QVERIFY(!none->has_value());

        // The list: newest first, no keys.
        auto all = (*records)->list();
        QVERIFY(all.ok());
        QCOMPARE(all->size(), 2);
        QCOMPARE(all->at(0).sha256, ShaB);
        QCOMPARE(all->at(1).sha256, ShaA);
        QVERIFY(all->at(0).key.isEmpty());

        // Published: the URL is kept; an unknown blob is NotFound.
        QVERIFY((*records)->setUrl(ShaA, u"https://blobs.example.com/a.blob"_s).ok());
        QCOMPARE((*(*records)->bySha256(ShaA))->url, u"https://blobs.example.com/a.blob"_s);
        const auto unknown = (*records)->setUrl(u"00"_s, u"https://x.example/y"_s);
        QVERIFY(!unknown.ok());
        QCOMPARE(unknown.error().code, ErrorCode::NotFound);

        // The newest blob of an image wins the lookup by id.
        QVERIFY((*records)->add(record(ShaB, IdA, u"localhost/shop/web:1"_s, 'c', newer)).ok());
        QCOMPARE((*(*records)->byImageId(IdA))->sha256, ShaB);
        QVERIFY((*(*records)->bySha256(ShaB))->key == blobKey('c'));
    }

    void keysAreEncryptedAtRest()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"publisher.sqlite"_s);
        {
            auto records = BlobRecords::open(path, recordsKeyA());
            QVERIFY(records.ok());
            QVERIFY((*records)
                        ->add(record(ShaA, IdA, u"localhost/shop/web:1"_s, 'a',
                                     QDateTime::currentDateTimeUtc()))
                        .ok());
        }
        // Neither the key nor its hex is in any of the database's files.
        const QByteArray key = blobKey('a').view().toByteArray();
        const QStringList files{path, path + u"-wal"_s, path + u"-journal"_s};
        for (const QString &file : files) {
            const QByteArray raw = fileBytes(file);
            QVERIFY2(!raw.contains(key), qPrintable(file));
            QVERIFY2(!raw.contains(key.toHex()), qPrintable(file));
        }
        QVERIFY(fileBytes(path).contains(ShaA.toLatin1()) ||
                fileBytes(path + u"-wal"_s).contains(ShaA.toLatin1()));

        // Another records key (another account) opens the records, lists them,
        // but cannot read the key.
        auto other = BlobRecords::open(path, recordsKeyB());
        QVERIFY(other.ok());
        QCOMPARE((*other)->list()->size(), 1);
        const auto wrong = (*other)->bySha256(ShaA);
        QVERIFY(!wrong.ok());
        QCOMPARE(wrong.error().code, ErrorCode::AuthFailed);
        QVERIFY2(wrong.error().message.contains(u"does not open with this account's records key"_s),
                 qPrintable(wrong.error().message));
        QVERIFY2(wrong.error().message.contains(ShaA), qPrintable(wrong.error().message));
        QCOMPARE((*other)->byImageId(IdA).error().code, ErrorCode::AuthFailed);

        // Both accounts push the same image: each finds its own blob.
        QVERIFY((*other)
                    ->add(record(ShaB, IdA, u"localhost/shop/web:1"_s, 'b',
                                 QDateTime::currentDateTimeUtc().addSecs(60)))
                    .ok());
        QCOMPARE((*(*other)->byImageId(IdA))->sha256, ShaB);
        auto mine = BlobRecords::open(path, recordsKeyA());
        QVERIFY(mine.ok());
        QCOMPARE((*(*mine)->byImageId(IdA))->sha256, ShaA);
        QCOMPARE((*(*mine)->byReference(u"localhost/shop/web:1"_s))->sha256, ShaA);
        QVERIFY((*(*mine)->byImageId(IdA))->key == blobKey('a'));
        QVERIFY((*other)->remove(ShaB).ok());

        // Without a records key: listing only.
        auto reader = BlobRecords::open(path, SecretBytes());
        QVERIFY(reader.ok());
        QCOMPARE((*reader)->list()->size(), 1);
        QCOMPARE((*reader)->bySha256(ShaA).error().code, ErrorCode::InvalidArgument);
        const auto added =
            (*reader)->add(record(ShaB, IdB, u"b"_s, 'b', QDateTime::currentDateTimeUtc()));
        QCOMPARE(added.error().code, ErrorCode::InvalidArgument);
        QVERIFY(added.error().message.contains(u"unlock the wallet"_s));
        // A records key of the wrong size is refused.
        QCOMPARE(BlobRecords::open(path, SecretBytes(QByteArray(16, 'x'))).error().code,
                 ErrorCode::InvalidArgument);
    }

    void aKeyIsBoundToItsBlob()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"publisher.sqlite"_s);
        auto records = BlobRecords::open(path, recordsKeyA());
        QVERIFY(records.ok());
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QVERIFY((*records)->add(record(ShaA, IdA, u"a"_s, 'a', now)).ok());
        QVERIFY((*records)->add(record(ShaB, IdB, u"b"_s, 'b', now)).ok());
        {
            // Someone copies blob A's sealed key onto blob B's row.
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"tamper"_s);
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(u"UPDATE blobs SET key_sealed = (SELECT key_sealed FROM blobs WHERE "
                           "sha256 = '%1') WHERE sha256 = '%2'"_s.arg(ShaA, ShaB)));
            db.close();
        }
        QSqlDatabase::removeDatabase(u"tamper"_s);
        QCOMPARE((*records)->bySha256(ShaB).error().code, ErrorCode::AuthFailed);
        QVERIFY((*records)->bySha256(ShaA).ok());
        // A key of the wrong size is never stored.
        BlobRecord bad = record(ShaA, IdA, u"a"_s, 'a', now);
        bad.key = SecretBytes(QByteArray(31, 'k'));
        QCOMPARE((*records)->add(bad).error().code, ErrorCode::InvalidArgument);
    }

    void uploadsPerProvider()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"publisher.sqlite"_s);
        auto records = BlobRecords::open(path, recordsKeyA());
        QVERIFY(records.ok());
        QVERIFY(
            (*records)->add(record(ShaA, IdA, u"a"_s, 'a', QDateTime::currentDateTimeUtc())).ok());
        const Address p1 = *Address::fromHex(u"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"_s);
        const Address p2 = *Address::fromHex(u"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"_s);
        const QDateTime t1 = QDateTime::fromString(u"2026-11-25T10:00:00Z"_s, Qt::ISODate);
        const QDateTime t2 = t1.addSecs(60);
        QVERIFY(!(*(*records)->upload(p1, ShaA)).has_value());
        QVERIFY((*records)->addUpload(p1, ShaA, t1).ok());
        QVERIFY((*records)->addUpload(p2, ShaA, t2).ok());
        QVERIFY((*records)->addUpload(p1, ShaA, t1).ok()); // again: still one row
        auto one = (*records)->upload(p1, ShaA);
        QVERIFY(one.ok() && one->has_value());
        QCOMPARE((*one)->provider, p1);
        QCOMPARE((*one)->completedAt, t1);
        QVERIFY(!(*(*records)->upload(p1, ShaB)).has_value());
        auto both = (*records)->uploadsOf(ShaA);
        QVERIFY(both.ok());
        QCOMPARE(both->size(), 2);
        QCOMPARE(both->at(0).provider, p1);
        QCOMPARE(both->at(1).provider, p2);
        QCOMPARE(both->at(1).completedAt, t2);

        // Forgetting the blob forgets its uploads.
        QVERIFY((*records)->remove(ShaA).ok());
        QVERIFY(!(*(*records)->bySha256(ShaA)).has_value());
        QCOMPARE((*records)->uploadsOf(ShaA)->size(), 0);
    }

    void sharesTheFileWithOtherComponents()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"publisher.sqlite"_s);
        {
            // Another component's tables and its PRAGMA user_version are left alone.
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"other"_s);
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(u"CREATE TABLE deployments (id TEXT PRIMARY KEY)"_s));
            QVERIFY(q.exec(u"PRAGMA user_version = 7"_s));
            db.close();
        }
        QSqlDatabase::removeDatabase(u"other"_s);
        {
            auto first = BlobRecords::open(path, recordsKeyA());
            QVERIFY(first.ok());
            // Two open at once (unique connection names), and opening twice is harmless.
            auto second = BlobRecords::open(path, recordsKeyA());
            QVERIFY(second.ok());
            QVERIFY((*first)
                        ->add(record(ShaA, IdA, u"a"_s, 'a', QDateTime::currentDateTimeUtc()))
                        .ok());
            QVERIFY((*(*second)->bySha256(ShaA)).has_value());
        }
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"check"_s);
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(u"PRAGMA user_version"_s) && q.next());
            QCOMPARE(q.value(0).toInt(), 7);
            QVERIFY(q.exec(u"SELECT version FROM schema_versions WHERE component = 'blobs'"_s) &&
                    q.next());
            QCOMPARE(q.value(0).toInt(), BlobRecords::SchemaVersion);
            q.finish();
            QVERIFY(q.exec(u"SELECT count(*) FROM deployments"_s) && q.next());
            // Records of a newer Berth are refused, not misread.
            q.finish();
            QVERIFY(q.exec(u"UPDATE schema_versions SET version = 99 WHERE component = 'blobs'"_s));
            db.close();
        }
        QSqlDatabase::removeDatabase(u"check"_s);
        const auto newer = BlobRecords::open(path, recordsKeyA());
        QVERIFY(!newer.ok());
        QCOMPARE(newer.error().code, ErrorCode::Unsupported);
        QVERIFY2(newer.error().message.contains(u"update Berth"_s),
                 qPrintable(newer.error().message));
    }

    void recordsKeyIsHkdfOfTheAccountKey()
    {
        // Anvil's development key 0; the expected value is from
        // `openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:<key>
        //  -kdfopt "info:berth publisher records v1" HKDF`.
        const auto key = berth::crypto::PrivateKey::fromHex(
            u"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"_s);
        QVERIFY(key.ok());
        const SecretBytes derived = berth::publisher::recordsKey(*key);
        QCOMPARE(derived.size(), 32);
        QCOMPARE(derived.view().toByteArray().toHex(),
                 QByteArray("b64d990c2bfab004f33d4e7e7072529f8de6ab7db42871acc6a3d431eeb4593d"));
        const auto other = berth::crypto::PrivateKey::fromHex(
            u"59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"_s);
        QVERIFY(!(berth::publisher::recordsKey(*other) == derived));
    }
};

QTEST_GUILESS_MAIN(TestBlobRecords)
#include "tst_blobrecords.moc"
