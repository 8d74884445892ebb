#include "publisher/publisherstore.h"

#include "core/hex.h"
#include "core/sqlitefile.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QVariant>

#include <atomic>

using namespace Qt::StringLiterals;

namespace berth::publisher {

namespace {

constexpr int SchemaVersion = 1;

Error sqlError(const QString &what, const QSqlError &error)
{
    return sqliteError(u"publisher records"_s, what, error);
}

QString nowText()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
}

QString hexOrEmpty(const QByteArray &bytes)
{
    return bytes.isEmpty() ? QString() : hexString(bytes);
}

// A null QString binds as SQL NULL; the columns are NOT NULL.
QVariant text(const QString &value)
{
    return QVariant(value.isNull() ? QString(u""_s) : value);
}

QByteArray fromHexText(const QString &text)
{
    return QByteArray::fromHex(text.mid(text.startsWith(u"0x") ? 2 : 0).toLatin1());
}

crypto::Address addressOf(const QVariant &v)
{
    return crypto::Address::fromHex(v.toString()).value_or(crypto::Address());
}

} // namespace

QString PublisherStore::dataDir()
{
    const QString fromEnv = qEnvironmentVariable("BERTH_DATA_DIR");
    if (!fromEnv.isEmpty())
        return fromEnv;
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + u"/berth"_s;
}

QString PublisherStore::defaultPath()
{
    return dataDir() + u"/publisher.sqlite"_s;
}

Result<std::unique_ptr<PublisherStore>> PublisherStore::open(const QString &path)
{
    const QString connection = uniqueConnectionName(u"berth-publisher"_s);
    if (auto opened = openSqlite(connection, SqliteFile{path, u"publisher records"_s, {}, true});
        !opened)
        return opened.error();
    std::unique_ptr<PublisherStore> store(new PublisherStore(connection, path));
    if (auto migrated = store->migrate(); !migrated)
        return migrated.error();
    return store;
}

PublisherStore::PublisherStore(QString connection, QString path)
    : m_connection(std::move(connection))
    , m_path(std::move(path))
{}

PublisherStore::~PublisherStore()
{
    closeSqlite(m_connection);
}

Result<void> PublisherStore::migrate()
{
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery q(db);
    if (!q.exec(u"CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, "
                u"version INTEGER NOT NULL)"_s))
        return sqlError(u"creating schema_versions"_s, q.lastError());
    q.prepare(u"SELECT version FROM schema_versions WHERE component = 'publisher'"_s);
    if (!q.exec())
        return sqlError(u"reading the schema version"_s, q.lastError());
    const int current = q.next() ? q.value(0).toInt() : 0;
    q.finish();
    if (current > SchemaVersion)
        return Error(ErrorCode::Unsupported,
                     u"%1 was written by a newer berthctl (records version %2, this one knows "
                     u"%3): use that version"_s.arg(m_path)
                         .arg(current)
                         .arg(SchemaVersion));
    if (current == SchemaVersion)
        return {};
    const QStringList statements{
        u"CREATE TABLE providers (chain_id INTEGER NOT NULL, address TEXT NOT NULL, endpoint TEXT "
        u"NOT NULL, cert_sha256 TEXT NOT NULL, x25519_key TEXT NOT NULL, software TEXT NOT NULL, "
        u"seen_at TEXT NOT NULL, PRIMARY KEY (chain_id, address))"_s,
        u"CREATE TABLE deployments (chain_id INTEGER NOT NULL, publisher TEXT NOT NULL, name TEXT "
        u"NOT NULL, provider TEXT NOT NULL, endpoint TEXT NOT NULL, deployment_id TEXT NOT NULL, "
        u"channel_id TEXT NOT NULL, manifest BLOB NOT NULL, state TEXT NOT NULL, endpoints TEXT "
        u"NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (chain_id, "
        u"publisher, name))"_s,
        u"CREATE TABLE channels (chain_id INTEGER NOT NULL, channel_id TEXT NOT NULL, publisher "
        u"TEXT NOT NULL, provider TEXT NOT NULL, name TEXT NOT NULL, rate TEXT NOT NULL, deposit "
        u"TEXT NOT NULL, state TEXT NOT NULL, stop_at INTEGER NOT NULL, refund TEXT NOT NULL, "
        u"updated_at TEXT NOT NULL, PRIMARY KEY (chain_id, channel_id))"_s,
        u"INSERT OR REPLACE INTO schema_versions VALUES ('publisher', %1)"_s.arg(SchemaVersion)};
    if (!db.transaction())
        return sqlError(u"starting the schema"_s, db.lastError());
    for (const QString &statement : statements) {
        if (!q.exec(statement)) {
            const QSqlError error = q.lastError();
            q.finish();
            db.rollback();
            return sqlError(u"creating the schema"_s, error);
        }
    }
    if (!db.commit())
        return sqlError(u"committing the schema"_s, db.lastError());
    return {};
}

Result<void> PublisherStore::saveProvider(quint64 chainId, const ProviderEntry &p)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"INSERT OR REPLACE INTO providers VALUES (?, ?, ?, ?, ?, ?, ?)"_s);
    for (const QVariant &v :
         {QVariant(qint64(chainId)), QVariant(p.address.toChecksumString()), text(p.endpoint),
          QVariant(hexOrEmpty(p.certSha256)), QVariant(hexOrEmpty(p.x25519Key)), text(p.software),
          QVariant(nowText())})
        q.addBindValue(v);
    if (!q.exec())
        return sqlError(u"saving provider "_s + p.address.toChecksumString(), q.lastError());
    return {};
}

Result<std::optional<ProviderEntry>> PublisherStore::provider(quint64 chainId,
                                                              const crypto::Address &address) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"SELECT endpoint, cert_sha256, x25519_key, software, seen_at FROM providers "
              u"WHERE chain_id = ? AND address = ?"_s);
    q.addBindValue(qint64(chainId));
    q.addBindValue(address.toChecksumString());
    if (!q.exec())
        return sqlError(u"reading provider "_s + address.toChecksumString(), q.lastError());
    if (!q.next())
        return std::optional<ProviderEntry>();
    return std::optional<ProviderEntry>(ProviderEntry{
        address, q.value(0).toString(), fromHexText(q.value(1).toString()),
        fromHexText(q.value(2).toString()), q.value(3).toString(), q.value(4).toString()});
}

Result<void> PublisherStore::saveDeployment(const DeploymentEntry &d)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"INSERT INTO deployments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
              u"ON CONFLICT (chain_id, publisher, name) DO UPDATE SET provider = "
              u"excluded.provider, endpoint = excluded.endpoint, deployment_id = "
              u"excluded.deployment_id, channel_id = excluded.channel_id, manifest = "
              u"excluded.manifest, state = excluded.state, endpoints = excluded.endpoints, "
              u"updated_at = excluded.updated_at"_s);
    const QString now = nowText();
    for (const QVariant &v :
         {QVariant(qint64(d.chainId)), QVariant(d.publisher.toChecksumString()), text(d.name),
          QVariant(d.provider.toChecksumString()), text(d.endpoint), text(d.deploymentId),
          QVariant(hexOrEmpty(d.channelId)), QVariant(d.manifest), text(d.state),
          QVariant(QString::fromUtf8(QJsonDocument(d.endpoints).toJson(QJsonDocument::Compact))),
          QVariant(d.createdAt.isEmpty() ? now : d.createdAt), QVariant(now)})
        q.addBindValue(v);
    if (!q.exec())
        return sqlError(u"saving deployment "_s + d.name, q.lastError());
    return {};
}

namespace {

DeploymentEntry deploymentFrom(const QSqlQuery &q)
{
    DeploymentEntry d;
    d.chainId = quint64(q.value(0).toLongLong());
    d.publisher = addressOf(q.value(1));
    d.name = q.value(2).toString();
    d.provider = addressOf(q.value(3));
    d.endpoint = q.value(4).toString();
    d.deploymentId = q.value(5).toString();
    d.channelId = fromHexText(q.value(6).toString());
    d.manifest = q.value(7).toByteArray();
    d.state = q.value(8).toString();
    d.endpoints = QJsonDocument::fromJson(q.value(9).toString().toUtf8()).array();
    d.createdAt = q.value(10).toString();
    d.updatedAt = q.value(11).toString();
    return d;
}

} // namespace

Result<std::optional<DeploymentEntry>> PublisherStore::deployment(quint64 chainId,
                                                                  const crypto::Address &publisher,
                                                                  const QString &name) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"SELECT * FROM deployments WHERE chain_id = ? AND publisher = ? AND name = ?"_s);
    q.addBindValue(qint64(chainId));
    q.addBindValue(publisher.toChecksumString());
    q.addBindValue(name);
    if (!q.exec())
        return sqlError(u"reading deployment "_s + name, q.lastError());
    if (!q.next())
        return std::optional<DeploymentEntry>();
    return std::optional<DeploymentEntry>(deploymentFrom(q));
}

Result<QList<DeploymentEntry>> PublisherStore::deployments(quint64 chainId,
                                                           const crypto::Address &publisher) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"SELECT * FROM deployments WHERE chain_id = ? AND publisher = ? "
              u"ORDER BY created_at, name"_s);
    q.addBindValue(qint64(chainId));
    q.addBindValue(publisher.toChecksumString());
    if (!q.exec())
        return sqlError(u"listing deployments"_s, q.lastError());
    QList<DeploymentEntry> out;
    while (q.next())
        out.append(deploymentFrom(q));
    return out;
}

Result<void> PublisherStore::saveChannel(const ChannelEntry &c)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"INSERT OR REPLACE INTO channels VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s);
    for (const QVariant &v :
         {QVariant(qint64(c.chainId)), QVariant(hexString(c.channelId)),
          QVariant(c.publisher.toChecksumString()), QVariant(c.provider.toChecksumString()),
          text(c.name), text(c.ratePerSecond), text(c.deposit), text(c.state),
          QVariant(qint64(c.stopAt)), text(c.refund), QVariant(nowText())})
        q.addBindValue(v);
    if (!q.exec())
        return sqlError(u"saving channel "_s + hexString(c.channelId), q.lastError());
    return {};
}

Result<std::optional<ChannelEntry>> PublisherStore::channel(quint64 chainId,
                                                            const QByteArray &channelId) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"SELECT publisher, provider, name, rate, deposit, state, stop_at, refund, "
              u"updated_at FROM channels WHERE chain_id = ? AND channel_id = ?"_s);
    q.addBindValue(qint64(chainId));
    q.addBindValue(hexString(channelId));
    if (!q.exec())
        return sqlError(u"reading channel "_s + hexString(channelId), q.lastError());
    if (!q.next())
        return std::optional<ChannelEntry>();
    ChannelEntry c;
    c.chainId = chainId;
    c.channelId = channelId;
    c.publisher = addressOf(q.value(0));
    c.provider = addressOf(q.value(1));
    c.name = q.value(2).toString();
    c.ratePerSecond = q.value(3).toString();
    c.deposit = q.value(4).toString();
    c.state = q.value(5).toString();
    c.stopAt = quint64(q.value(6).toLongLong());
    c.refund = q.value(7).toString();
    c.updatedAt = q.value(8).toString();
    return std::optional<ChannelEntry>(c);
}

} // namespace berth::publisher
