#include "publisher/blobrecords.h"

#include "core/sqlitefile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <atomic>
#include <sodium.h>

using namespace Qt::StringLiterals;

namespace berth::publisher {

namespace {

constexpr qsizetype KeySize = 32;
constexpr qsizetype NonceSize = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr qsizetype MacSize = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(KeySize == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

const QString Component = u"blobs"_s;

Error sqlError(const QString &what, const QSqlError &error)
{
    return sqliteError(u"publisher records"_s, what, error);
}

// The associated data that binds a sealed key to its blob: a key copied onto
// another row does not open there.
QByteArray associatedData(const QString &sha256)
{
    return "berth blob key v1 " + sha256.toLatin1();
}

QString isoTime(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODate);
}

QDateTime parseTime(const QString &text)
{
    QDateTime time = QDateTime::fromString(text, Qt::ISODate);
    time.setTimeSpec(Qt::UTC);
    return time;
}

const QString RecordColumns = u"sha256, size, image_ref, image_id, created_at, path, url"_s;

BlobRecord recordFrom(const QSqlQuery &q)
{
    BlobRecord r;
    r.sha256 = q.value(0).toString();
    r.size = q.value(1).toLongLong();
    r.imageRef = q.value(2).toString();
    r.imageId = q.value(3).toString();
    r.createdAt = parseTime(q.value(4).toString());
    r.path = q.value(5).toString();
    r.url = q.value(6).toString();
    return r;
}

} // namespace

Result<std::unique_ptr<BlobRecords>> BlobRecords::open(const QString &databasePath,
                                                       crypto::SecretBytes recordsKey)
{
    if (!recordsKey.isEmpty() && recordsKey.size() != KeySize)
        return Error(ErrorCode::InvalidArgument,
                     u"publisher records: the records key must be %1 bytes"_s.arg(KeySize));
    if (sodium_init() < 0)
        return Error(ErrorCode::Internal, u"publisher records: libsodium failed to start"_s);
    const QString path = QFileInfo(databasePath).absoluteFilePath();
    const QString connectionName = uniqueConnectionName(u"berth-publisher-blobs"_s);
    if (auto opened =
            openSqlite(connectionName, SqliteFile{path, u"publisher records"_s, {}, false});
        !opened)
        return opened.error();
    std::unique_ptr<BlobRecords> records(
        new BlobRecords(connectionName, path, std::move(recordsKey)));
    if (auto created = records->createSchema(); !created)
        return created.error();
    return records;
}

BlobRecords::BlobRecords(QString connectionName, QString path, crypto::SecretBytes recordsKey)
    : m_connectionName(std::move(connectionName))
    , m_path(std::move(path))
    , m_recordsKey(std::move(recordsKey))
{}

BlobRecords::~BlobRecords()
{
    closeSqlite(m_connectionName);
}

Result<void> BlobRecords::createSchema()
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    QSqlQuery q(db);
    const QStringList tables = {
        u"CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, "
        "version INTEGER NOT NULL)"_s,
        u"CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, "
        "image_ref TEXT NOT NULL, image_id TEXT NOT NULL, created_at TEXT NOT NULL, "
        "path TEXT NOT NULL, url TEXT NOT NULL DEFAULT '', key_sealed BLOB NOT NULL)"_s,
        u"CREATE INDEX IF NOT EXISTS blobs_image_id ON blobs (image_id)"_s,
        u"CREATE INDEX IF NOT EXISTS blobs_image_ref ON blobs (image_ref)"_s,
        u"CREATE TABLE IF NOT EXISTS blob_uploads (provider TEXT NOT NULL, "
        "sha256 TEXT NOT NULL, completed_at TEXT NOT NULL, PRIMARY KEY (provider, sha256))"_s,
    };
    if (!db.transaction())
        return sqlError(u"starting a transaction"_s, db.lastError());
    for (const QString &statement : tables) {
        if (!q.exec(statement)) {
            const Error error = sqlError(u"creating the blob tables"_s, q.lastError());
            db.rollback();
            return error;
        }
    }
    q.prepare(u"SELECT version FROM schema_versions WHERE component = ?"_s);
    q.addBindValue(Component);
    if (!q.exec()) {
        const Error error = sqlError(u"reading the schema version"_s, q.lastError());
        db.rollback();
        return error;
    }
    if (q.next()) {
        const int version = q.value(0).toInt();
        q.finish();
        if (version > SchemaVersion) {
            db.rollback();
            return Error(ErrorCode::Unsupported,
                         u"%1 holds image records of a newer Berth (version %2; this one reads "
                         "%3): update Berth"_s.arg(m_path)
                             .arg(version)
                             .arg(SchemaVersion));
        }
    } else {
        q.finish();
        q.prepare(u"INSERT INTO schema_versions (component, version) VALUES (?, ?)"_s);
        q.addBindValue(Component);
        q.addBindValue(SchemaVersion);
        if (!q.exec()) {
            const Error error = sqlError(u"writing the schema version"_s, q.lastError());
            db.rollback();
            return error;
        }
    }
    if (!db.commit())
        return sqlError(u"committing the blob tables"_s, db.lastError());
    return {};
}

Result<QByteArray> BlobRecords::sealKey(const QString &sha256, const crypto::SecretBytes &key) const
{
    if (m_recordsKey.isEmpty())
        return Error(ErrorCode::InvalidArgument,
                     u"publisher records: no records key given: unlock the wallet first"_s);
    if (key.size() != KeySize)
        return Error(
            ErrorCode::InvalidArgument,
            u"publisher records: the key of blob %1 must be %2 bytes"_s.arg(sha256).arg(KeySize));
    const QByteArray ad = associatedData(sha256);
    QByteArray sealed(NonceSize + KeySize + MacSize, Qt::Uninitialized);
    auto *out = reinterpret_cast<unsigned char *>(sealed.data());
    randombytes_buf(out, std::size_t(NonceSize));
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        out + NonceSize, &written, key.data(), std::size_t(key.size()),
        reinterpret_cast<const unsigned char *>(ad.constData()), std::size_t(ad.size()), nullptr,
        out, m_recordsKey.data());
    return sealed;
}

Result<crypto::SecretBytes> BlobRecords::openKey(const QString &sha256,
                                                 const QByteArray &sealed) const
{
    if (m_recordsKey.isEmpty())
        return Error(ErrorCode::InvalidArgument,
                     u"publisher records: no records key given: unlock the wallet first"_s);
    if (sealed.size() != NonceSize + KeySize + MacSize)
        return Error(
            ErrorCode::AuthFailed,
            u"the stored key of blob %1 is damaged (%2 bytes): push the image again"_s.arg(sha256)
                .arg(sealed.size()));
    const QByteArray ad = associatedData(sha256);
    const auto *in = reinterpret_cast<const unsigned char *>(sealed.constData());
    crypto::SecretBytes key(KeySize);
    unsigned long long opened = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            key.data(), &opened, nullptr, in + NonceSize, std::size_t(sealed.size() - NonceSize),
            reinterpret_cast<const unsigned char *>(ad.constData()), std::size_t(ad.size()), in,
            m_recordsKey.data()) != 0)
        return Error(ErrorCode::AuthFailed,
                     u"the stored key of blob %1 does not open with this account's records key: "
                     "it was pushed with another wallet account (use --account), or %2 was "
                     "changed"_s.arg(sha256, m_path));
    return key;
}

Result<void> BlobRecords::add(const BlobRecord &record)
{
    auto sealed = sealKey(record.sha256, record.key);
    if (!sealed)
        return sealed.error();
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(u"INSERT OR REPLACE INTO blobs (sha256, size, image_ref, image_id, created_at, path, "
              "url, key_sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"_s);
    q.addBindValue(record.sha256);
    q.addBindValue(record.size);
    q.addBindValue(record.imageRef);
    q.addBindValue(record.imageId);
    q.addBindValue(
        isoTime(record.createdAt.isValid() ? record.createdAt : QDateTime::currentDateTimeUtc()));
    q.addBindValue(record.path);
    q.addBindValue(record.url);
    q.addBindValue(*sealed);
    if (!q.exec())
        return sqlError(u"recording blob %1"_s.arg(record.sha256), q.lastError());
    return {};
}

Result<void> BlobRecords::setUrl(const QString &sha256, const QString &url)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(u"UPDATE blobs SET url = ? WHERE sha256 = ?"_s);
    q.addBindValue(url);
    q.addBindValue(sha256);
    if (!q.exec())
        return sqlError(u"recording the URL of blob %1"_s.arg(sha256), q.lastError());
    if (q.numRowsAffected() != 1)
        return Error(ErrorCode::NotFound, u"no blob %1 is recorded"_s.arg(sha256));
    return {};
}

Result<void> BlobRecords::remove(const QString &sha256)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    QSqlQuery q(db);
    for (const QString &statement : {u"DELETE FROM blob_uploads WHERE sha256 = ?"_s,
                                     u"DELETE FROM blobs WHERE sha256 = ?"_s}) {
        q.prepare(statement);
        q.addBindValue(sha256);
        if (!q.exec())
            return sqlError(u"forgetting blob %1"_s.arg(sha256), q.lastError());
    }
    return {};
}

Result<std::optional<BlobRecord>> BlobRecords::lookup(const QString &where,
                                                      const QString &value) const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(u"SELECT %1, key_sealed FROM blobs WHERE %2 = ? ORDER BY created_at DESC, rowid "
              "DESC"_s.arg(RecordColumns, where));
    q.addBindValue(value);
    if (!q.exec())
        return sqlError(u"looking up a blob"_s, q.lastError());
    // The newest record whose key this records key opens: two accounts that
    // pushed the same image each have their own blob.
    std::optional<Error> firstError;
    while (q.next()) {
        BlobRecord record = recordFrom(q);
        auto key = openKey(record.sha256, q.value(7).toByteArray());
        if (!key) {
            if (!firstError)
                firstError = key.error();
            continue;
        }
        record.key = std::move(key).value();
        return std::optional<BlobRecord>(std::move(record));
    }
    if (firstError)
        return *firstError;
    return std::optional<BlobRecord>();
}

Result<std::optional<BlobRecord>> BlobRecords::bySha256(const QString &sha256) const
{
    return lookup(u"sha256"_s, sha256);
}

Result<std::optional<BlobRecord>> BlobRecords::byImageId(const QString &imageId) const
{
    return lookup(u"image_id"_s, imageId);
}

Result<std::optional<BlobRecord>> BlobRecords::byReference(const QString &imageRef) const
{
    return lookup(u"image_ref"_s, imageRef);
}

Result<QList<BlobRecord>> BlobRecords::list() const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    if (!q.exec(u"SELECT %1 FROM blobs ORDER BY created_at DESC, rowid DESC"_s.arg(RecordColumns)))
        return sqlError(u"listing blobs"_s, q.lastError());
    QList<BlobRecord> out;
    while (q.next())
        out.append(recordFrom(q));
    return out;
}

Result<void> BlobRecords::addUpload(const crypto::Address &provider, const QString &sha256,
                                    const QDateTime &completedAt)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(u"INSERT OR REPLACE INTO blob_uploads (provider, sha256, completed_at) "
              "VALUES (?, ?, ?)"_s);
    q.addBindValue(provider.toChecksumString());
    q.addBindValue(sha256);
    q.addBindValue(isoTime(completedAt));
    if (!q.exec())
        return sqlError(u"recording the upload of blob %1"_s.arg(sha256), q.lastError());
    return {};
}

Result<std::optional<BlobUpload>> BlobRecords::upload(const crypto::Address &provider,
                                                      const QString &sha256) const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(u"SELECT completed_at FROM blob_uploads WHERE provider = ? AND sha256 = ?"_s);
    q.addBindValue(provider.toChecksumString());
    q.addBindValue(sha256);
    if (!q.exec())
        return sqlError(u"looking up an upload"_s, q.lastError());
    if (!q.next())
        return std::optional<BlobUpload>();
    return std::optional<BlobUpload>(
        BlobUpload{provider, sha256, parseTime(q.value(0).toString())});
}

Result<QList<BlobUpload>> BlobRecords::uploadsOf(const QString &sha256) const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(u"SELECT provider, completed_at FROM blob_uploads WHERE sha256 = ? "
              "ORDER BY completed_at, rowid"_s);
    q.addBindValue(sha256);
    if (!q.exec())
        return sqlError(u"listing the uploads of blob %1"_s.arg(sha256), q.lastError());
    QList<BlobUpload> out;
    while (q.next()) {
        auto provider = crypto::Address::fromHex(q.value(0).toString());
        if (!provider)
            continue; // not written by this code
        out.append(BlobUpload{*provider, sha256, parseTime(q.value(1).toString())});
    }
    return out;
}

} // namespace berth::publisher
