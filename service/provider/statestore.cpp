#include "provider/statestore.h"

#include "core/sqlitefile.h"

#include <QDir>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <utility>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

const QString FileName = u"state.sqlite"_s;

QString now()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

QDateTime timestamp(const QVariant &value)
{
    return QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
}

Error sqlError(const QString &what, const QSqlError &error)
{
    return sqliteError(u"state store"_s, what, error);
}

DeploymentRecord deploymentFrom(const QSqlQuery &q)
{
    return DeploymentRecord{q.value(0).toString(), q.value(1).toString(), q.value(2).toString(),
                            q.value(3).toString(), q.value(4).toString(), timestamp(q.value(5)),
                            timestamp(q.value(6)), q.value(7).toString(), q.value(8).toString()};
}

const QString DeploymentColumns =
    u"id, publisher, channel_id, manifest_json, state, created_at, updated_at, name, spec_json"_s;
const QString ClaimColumns =
    u"id, channel_id, state, tx_hash, amount, created_at, updated_at, claimed_before"_s;

Result<ClaimRecord> claimFrom(const QSqlQuery &q)
{
    const auto state = claimStateFromName(q.value(2).toString());
    if (!state)
        return Error(ErrorCode::Internal,
                     u"state store: claim %1 has an unknown state \"%2\""_s.arg(
                         q.value(0).toString(), q.value(2).toString()));
    return ClaimRecord{q.value(0).toLongLong(), q.value(1).toString(), *state,
                       q.value(3).toString(),   q.value(4).toString(), timestamp(q.value(5)),
                       timestamp(q.value(6)),   q.value(7).toString()};
}

} // namespace

const QList<StateStore::Migration> &StateStore::migrations()
{
    static const QList<Migration> all = {
        // Version 1: deployments, channels, claims, events.
        {
            u"CREATE TABLE deployments ("
            "id TEXT PRIMARY KEY NOT NULL, publisher TEXT NOT NULL, channel_id TEXT NOT NULL, "
            "manifest_json TEXT NOT NULL, state TEXT NOT NULL, "
            "created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"_s,
            u"CREATE TABLE channels ("
            "id TEXT PRIMARY KEY NOT NULL, publisher TEXT NOT NULL, provider TEXT NOT NULL, "
            "token TEXT NOT NULL, rate TEXT NOT NULL, deposit TEXT NOT NULL, opened_at TEXT, "
            "last_seen_block INTEGER NOT NULL DEFAULT 0)"_s,
            u"CREATE TABLE claims ("
            "id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "channel_id TEXT NOT NULL REFERENCES channels(id), "
            "state TEXT NOT NULL CHECK(state IN ('pending','sent','confirmed','failed')), "
            "tx_hash TEXT, amount TEXT NOT NULL, "
            "created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"_s,
            u"CREATE INDEX claims_by_state ON claims(state)"_s,
            u"CREATE TABLE events ("
            "id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE, "
            "at TEXT NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL)"_s,
            u"CREATE INDEX events_by_deployment ON events(deployment_id, id)"_s,
        },
        // 2: what the protocol server needs to run a deployment again after a
        // restart (its name, host ports and routes) and what a claim must
        // compare with the chain to be reconciled.
        {
            u"ALTER TABLE deployments ADD COLUMN name TEXT NOT NULL DEFAULT ''"_s,
            u"ALTER TABLE deployments ADD COLUMN spec_json TEXT NOT NULL DEFAULT '{}'"_s,
            u"ALTER TABLE claims ADD COLUMN claimed_before TEXT NOT NULL DEFAULT '0'"_s,
        },
    };
    return all;
}

int StateStore::latestSchemaVersion()
{
    return static_cast<int>(migrations().size());
}

Result<std::unique_ptr<StateStore>> StateStore::open(const QString &dataDir)
{
    return open(dataDir, migrations());
}

Result<std::unique_ptr<StateStore>> StateStore::open(const QString &dataDir,
                                                     const QList<Migration> &migrations)
{
    const QString filePath = QDir(dataDir).filePath(FileName);
    const QString connectionName = uniqueConnectionName(u"berth-state"_s);
    if (auto opened =
            openSqlite(connectionName,
                       SqliteFile{filePath, u"state store"_s, {u"PRAGMA foreign_keys=ON"_s}, true});
        !opened)
        return opened.error();
    // The store owns the connection from here: its destructor removes it.
    std::unique_ptr<StateStore> store(new StateStore(connectionName, filePath));
    if (auto migrated = store->migrate(migrations); !migrated)
        return migrated.error();
    return store;
}

StateStore::StateStore(QString connectionName, QString filePath)
    : m_connectionName(std::move(connectionName))
    , m_filePath(std::move(filePath))
{}

StateStore::~StateStore()
{
    closeSqlite(m_connectionName);
}

Result<int> StateStore::schemaVersion() const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    if (!q.exec(u"PRAGMA user_version"_s) || !q.next())
        return sqlError(u"reading the schema version"_s, q.lastError());
    return q.value(0).toInt();
}

Result<QString> StateStore::journalMode() const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    if (!q.exec(u"PRAGMA journal_mode"_s) || !q.next())
        return sqlError(u"reading the journal mode"_s, q.lastError());
    return q.value(0).toString();
}

Result<void> StateStore::migrate(const QList<Migration> &migrations)
{
    const auto current = schemaVersion();
    if (!current)
        return current.error();
    const int known = static_cast<int>(migrations.size());
    if (*current > known)
        return Error(ErrorCode::Unsupported,
                     u"state store: %1 has schema version %2, newer than this berthd knows "
                     "(%3); run the berthd version that wrote it, or a newer one"_s.arg(m_filePath)
                         .arg(*current)
                         .arg(known));
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    for (int version = *current + 1; version <= known; ++version) {
        if (!db.transaction())
            return sqlError(u"starting schema migration to version %1"_s.arg(version),
                            db.lastError());
        const auto statements =
            migrations.at(version - 1) + QStringList{u"PRAGMA user_version = %1"_s.arg(version)};
        for (const auto &statement : statements) {
            QSqlQuery q(db);
            if (!q.exec(statement)) {
                const QString reason = q.lastError().text();
                q.finish();
                db.rollback();
                return Error(
                    ErrorCode::IoFailed,
                    u"state store: schema migration to version %1 failed and was "
                    "rolled back (the database stays at version %2): %3 (in: %4)"_s.arg(version)
                        .arg(version - 1)
                        .arg(reason, statement));
            }
        }
        if (!db.commit())
            return sqlError(u"committing schema migration to version %1"_s.arg(version),
                            db.lastError());
    }
    return {};
}

Result<void> StateStore::insertDeployment(const DeploymentRecord &deployment)
{
    if (deployment.id.isEmpty())
        return Error(ErrorCode::InvalidArgument, u"a deployment needs an id"_s);
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(u"SELECT 1 FROM deployments WHERE id = ?"_s);
    q.addBindValue(deployment.id);
    if (!q.exec())
        return sqlError(u"looking up deployment %1"_s.arg(deployment.id), q.lastError());
    if (q.next())
        return Error(ErrorCode::Conflict, u"deployment %1 already exists"_s.arg(deployment.id));
    q.finish();
    const QString stamp = now();
    q.prepare(u"INSERT INTO deployments (%1) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"_s.arg(
        DeploymentColumns));
    for (const auto &value :
         {deployment.id, deployment.publisher, deployment.channelId, deployment.manifestJson,
          deployment.state, stamp, stamp, deployment.name.isNull() ? u""_s : deployment.name,
          deployment.specJson.isEmpty() ? u"{}"_s : deployment.specJson})
        q.addBindValue(value);
    if (!q.exec())
        return sqlError(u"saving deployment %1"_s.arg(deployment.id), q.lastError());
    return {};
}

Result<DeploymentRecord> StateStore::deployment(const QString &id) const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(u"SELECT %1 FROM deployments WHERE id = ?"_s.arg(DeploymentColumns));
    q.addBindValue(id);
    if (!q.exec())
        return sqlError(u"reading deployment %1"_s.arg(id), q.lastError());
    if (!q.next())
        return Error(ErrorCode::NotFound, u"no deployment %1"_s.arg(id));
    return deploymentFrom(q);
}

Result<QList<DeploymentRecord>> StateStore::deployments() const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    if (!q.exec(u"SELECT %1 FROM deployments ORDER BY created_at, id"_s.arg(DeploymentColumns)))
        return sqlError(u"listing deployments"_s, q.lastError());
    QList<DeploymentRecord> all;
    while (q.next())
        all.append(deploymentFrom(q));
    return all;
}

Result<void> StateStore::updateDeployment(const DeploymentRecord &deployment)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(u"UPDATE deployments SET manifest_json = ?, spec_json = ?, state = ?, "
              "updated_at = ? WHERE id = ? AND publisher = ? AND channel_id = ?"_s);
    for (const auto &value :
         {deployment.manifestJson, deployment.specJson.isEmpty() ? u"{}"_s : deployment.specJson,
          deployment.state, now(), deployment.id, deployment.publisher, deployment.channelId})
        q.addBindValue(value);
    if (!q.exec())
        return sqlError(u"updating deployment %1"_s.arg(deployment.id), q.lastError());
    if (q.numRowsAffected() != 1)
        return Error(ErrorCode::NotFound,
                     u"no deployment %1 of that publisher and channel"_s.arg(deployment.id));
    return {};
}

Result<void> StateStore::setDeploymentState(const QString &id, const QString &state)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(u"UPDATE deployments SET state = ?, updated_at = ? WHERE id = ?"_s);
    q.addBindValue(state);
    q.addBindValue(now());
    q.addBindValue(id);
    if (!q.exec())
        return sqlError(u"updating deployment %1"_s.arg(id), q.lastError());
    if (q.numRowsAffected() != 1)
        return Error(ErrorCode::NotFound, u"no deployment %1"_s.arg(id));
    return {};
}

Result<void> StateStore::saveChannel(const ChannelRecord &channel)
{
    if (channel.id.isEmpty())
        return Error(ErrorCode::InvalidArgument, u"a channel needs an id"_s);
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    // An upsert, not INSERT OR REPLACE: replacing would delete the row under its claims.
    q.prepare(u"INSERT INTO channels (id, publisher, provider, token, rate, deposit, opened_at, "
              "last_seen_block) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
              "publisher = excluded.publisher, provider = excluded.provider, "
              "token = excluded.token, rate = excluded.rate, deposit = excluded.deposit, "
              "opened_at = excluded.opened_at, last_seen_block = excluded.last_seen_block"_s);
    for (const auto &value :
         {channel.id, channel.publisher, channel.provider, channel.token, channel.rate,
          channel.deposit, channel.openedAt.toUTC().toString(Qt::ISODateWithMs)})
        q.addBindValue(value);
    q.addBindValue(channel.lastSeenBlock);
    if (!q.exec())
        return sqlError(u"saving channel %1"_s.arg(channel.id), q.lastError());
    return {};
}

Result<ChannelRecord> StateStore::channel(const QString &id) const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(u"SELECT id, publisher, provider, token, rate, deposit, opened_at, last_seen_block "
              "FROM channels WHERE id = ?"_s);
    q.addBindValue(id);
    if (!q.exec())
        return sqlError(u"reading channel %1"_s.arg(id), q.lastError());
    if (!q.next())
        return Error(ErrorCode::NotFound, u"no channel %1"_s.arg(id));
    return ChannelRecord{q.value(0).toString(), q.value(1).toString(),  q.value(2).toString(),
                         q.value(3).toString(), q.value(4).toString(),  q.value(5).toString(),
                         timestamp(q.value(6)), q.value(7).toLongLong()};
}

Result<qint64> StateStore::recordClaim(const QString &channelId, const QString &amount,
                                       const QString &claimedBefore)
{
    if (auto known = channel(channelId); !known)
        return known.error();
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    const QString stamp = now();
    q.prepare(u"INSERT INTO claims (channel_id, state, amount, created_at, updated_at, "
              "claimed_before) VALUES (?, 'pending', ?, ?, ?, ?)"_s);
    for (const auto &value : {channelId, amount, stamp, stamp, claimedBefore})
        q.addBindValue(value);
    if (!q.exec())
        return sqlError(u"recording a claim on channel %1"_s.arg(channelId), q.lastError());
    return q.lastInsertId().toLongLong();
}

Result<void> StateStore::advanceClaim(qint64 id, ClaimState to, const QString &txHash,
                                      const QString &amount)
{
    if (to == ClaimState::Sent && txHash.isEmpty())
        return Error(ErrorCode::InvalidArgument,
                     u"claim %1: a sent claim needs its transaction hash"_s.arg(id));
    const auto current = claim(id);
    if (!current)
        return current.error();
    if (!isClaimTransitionAllowed(current->state, to))
        return Error(ErrorCode::Conflict, u"claim %1 cannot go from %2 to %3"_s.arg(id).arg(
                                              claimStateName(current->state), claimStateName(to)));
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    // The state in the WHERE clause makes the check and the update one step.
    q.prepare(u"UPDATE claims SET state = ?, tx_hash = COALESCE(?, tx_hash), updated_at = ?, "
              "amount = COALESCE(?, amount) WHERE id = ? AND state = ?"_s);
    q.addBindValue(claimStateName(to));
    q.addBindValue(txHash.isEmpty() ? QVariant() : QVariant(txHash));
    q.addBindValue(now());
    q.addBindValue(amount.isEmpty() ? QVariant() : QVariant(amount));
    q.addBindValue(id);
    q.addBindValue(claimStateName(current->state));
    if (!q.exec())
        return sqlError(u"updating claim %1"_s.arg(id), q.lastError());
    if (q.numRowsAffected() != 1)
        return Error(ErrorCode::Conflict, u"claim %1 changed while being updated"_s.arg(id));
    return {};
}

Result<ClaimRecord> StateStore::claim(qint64 id) const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(u"SELECT %1 FROM claims WHERE id = ?"_s.arg(ClaimColumns));
    q.addBindValue(id);
    if (!q.exec())
        return sqlError(u"reading claim %1"_s.arg(id), q.lastError());
    if (!q.next())
        return Error(ErrorCode::NotFound, u"no claim %1"_s.arg(id));
    return claimFrom(q);
}

Result<QList<ClaimRecord>> StateStore::unfinishedClaims() const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    if (!q.exec(u"SELECT %1 FROM claims WHERE state IN ('pending', 'sent') ORDER BY id"_s.arg(
            ClaimColumns)))
        return sqlError(u"listing unfinished claims"_s, q.lastError());
    QList<ClaimRecord> all;
    while (q.next()) {
        auto record = claimFrom(q);
        if (!record)
            return record.error();
        all.append(std::move(record).value());
    }
    return all;
}

Result<QSet<QString>> StateStore::confirmedClaimHashes() const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    if (!q.exec(u"SELECT tx_hash FROM claims WHERE state = 'confirmed' AND tx_hash IS NOT NULL"_s))
        return sqlError(u"listing confirmed claims"_s, q.lastError());
    QSet<QString> hashes;
    while (q.next())
        hashes.insert(q.value(0).toString().toLower());
    return hashes;
}

Result<qint64> StateStore::appendEvent(const QString &deploymentId, const QString &kind,
                                       const QString &message)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(u"INSERT INTO events (deployment_id, at, kind, message) VALUES (?, ?, ?, ?)"_s);
    for (const auto &value : {deploymentId, now(), kind, message})
        q.addBindValue(value);
    if (!q.exec()) {
        if (auto known = deployment(deploymentId); !known)
            return known.error();
        return sqlError(u"recording an event for %1"_s.arg(deploymentId), q.lastError());
    }
    return q.lastInsertId().toLongLong();
}

Result<QList<EventRecord>> StateStore::events(const QString &deploymentId) const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(u"SELECT id, deployment_id, at, kind, message FROM events "
              "WHERE deployment_id = ? ORDER BY id"_s);
    q.addBindValue(deploymentId);
    if (!q.exec())
        return sqlError(u"reading the events of %1"_s.arg(deploymentId), q.lastError());
    QList<EventRecord> all;
    while (q.next())
        all.append(EventRecord{q.value(0).toLongLong(), q.value(1).toString(),
                               timestamp(q.value(2)), q.value(3).toString(),
                               q.value(4).toString()});
    return all;
}

} // namespace berth::provider
