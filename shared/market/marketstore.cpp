#include "market/marketstore.h"

#include "chain/marketcontract.h"
#include "chain/registrycontract.h"
#include "core/hex.h"
#include "core/sqlitefile.h"
#include "core/uint256.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QVariant>

#include <algorithm>
#include <atomic>

using namespace Qt::StringLiterals;

namespace berth::market {

Q_LOGGING_CATEGORY(lcMarketStore, "berth.market.store")

namespace {

constexpr int SchemaVersion = 2;

const QStringList &dataTables()
{
    static const QStringList tables = {u"events"_s,
                                       u"checkpoints"_s,
                                       u"providers"_s,
                                       u"provider_regions"_s,
                                       u"provider_attributes"_s,
                                       u"prices"_s,
                                       u"stakes"_s,
                                       u"selection"_s,
                                       u"orders"_s,
                                       u"bids"_s};
    return tables;
}

const QStringList &schema()
{
    static const QStringList statements = {
        u"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)"_s,
        u"CREATE TABLE IF NOT EXISTS events (block INTEGER NOT NULL, log_index INTEGER NOT NULL, "
        "block_hash BLOB NOT NULL, emitter BLOB NOT NULL, topics BLOB NOT NULL, data BLOB NOT "
        "NULL, "
        "subject TEXT NOT NULL, PRIMARY KEY (block, log_index))"_s,
        u"CREATE INDEX IF NOT EXISTS events_by_subject ON events (subject, block, log_index)"_s,
        u"CREATE TABLE IF NOT EXISTS checkpoints (number INTEGER PRIMARY KEY NOT NULL, "
        "hash BLOB NOT NULL)"_s,
        u"CREATE TABLE IF NOT EXISTS providers (address TEXT PRIMARY KEY NOT NULL, "
        "endpoint TEXT NOT NULL, regions TEXT NOT NULL, attributes TEXT NOT NULL, "
        "cpu_millis TEXT NOT NULL, memory_bytes TEXT NOT NULL, storage_bytes TEXT NOT NULL, "
        "gpu_count TEXT NOT NULL, encryption_key_hash BLOB NOT NULL, attribute_terms TEXT NOT "
        "NULL, "
        "registered_block INTEGER NOT NULL, updated_block INTEGER NOT NULL)"_s,
        u"CREATE TABLE IF NOT EXISTS provider_regions (region TEXT NOT NULL, "
        "address TEXT NOT NULL, PRIMARY KEY (region, address)) WITHOUT ROWID"_s,
        u"CREATE INDEX IF NOT EXISTS provider_regions_by_address ON provider_regions (address)"_s,
        u"CREATE TABLE IF NOT EXISTS provider_attributes (key TEXT NOT NULL, value TEXT NOT NULL, "
        "address TEXT NOT NULL, PRIMARY KEY (key, value, address)) WITHOUT ROWID"_s,
        u"CREATE INDEX IF NOT EXISTS provider_attributes_by_address "
        "ON provider_attributes (address)"_s,
        // Prices are 32-byte big-endian (BLOBs compare as numbers).
        u"CREATE TABLE IF NOT EXISTS prices (token TEXT NOT NULL, address TEXT NOT NULL, "
        "cpu BLOB NOT NULL, memory BLOB NOT NULL, storage BLOB NOT NULL, gpu BLOB NOT NULL, "
        "egress BLOB NOT NULL, PRIMARY KEY (token, address)) WITHOUT ROWID"_s,
        u"CREATE INDEX IF NOT EXISTS prices_by_address ON prices (address)"_s,
        u"CREATE TABLE IF NOT EXISTS stakes (address TEXT PRIMARY KEY NOT NULL, "
        "active BLOB NOT NULL, unbonding BLOB NOT NULL, ready_at TEXT NOT NULL)"_s,
        // What a provider query scans: one row per (token, region, provider) with
        // the prices, the active stake and the attribute terms, so that a query is
        // one range scan (region '' for a listing without regions).
        u"CREATE TABLE IF NOT EXISTS selection (token TEXT NOT NULL, region TEXT NOT NULL, "
        "address TEXT NOT NULL, cpu BLOB NOT NULL, memory BLOB NOT NULL, storage BLOB NOT NULL, "
        "gpu BLOB NOT NULL, egress BLOB NOT NULL, stake BLOB NOT NULL, "
        "attribute_terms TEXT NOT NULL, PRIMARY KEY (token, region, address)) WITHOUT ROWID"_s,
        u"CREATE INDEX IF NOT EXISTS selection_by_address ON selection (address)"_s,
        u"CREATE TABLE IF NOT EXISTS orders (id BLOB PRIMARY KEY NOT NULL, "
        "publisher TEXT NOT NULL, token TEXT NOT NULL, region TEXT NOT NULL, "
        "max_rate BLOB NOT NULL, min_stake BLOB NOT NULL, deposit BLOB NOT NULL, "
        "expiry TEXT NOT NULL, max_notice_period TEXT NOT NULL, cpu_millis TEXT NOT NULL, "
        "memory_bytes TEXT NOT NULL, storage_bytes TEXT NOT NULL, gpu_count TEXT NOT NULL, "
        "manifest_hash BLOB NOT NULL, deployment_id BLOB NOT NULL, status TEXT NOT NULL, "
        "accepted_bid BLOB, channel_id BLOB, posted_block INTEGER NOT NULL, "
        "updated_block INTEGER NOT NULL)"_s,
        u"CREATE INDEX IF NOT EXISTS orders_by_status ON orders (status, token)"_s,
        u"CREATE TABLE IF NOT EXISTS bids (id BLOB PRIMARY KEY NOT NULL, order_id BLOB NOT NULL, "
        "provider TEXT NOT NULL, rate BLOB NOT NULL, notice_period TEXT NOT NULL, "
        "status TEXT NOT NULL, placed_block INTEGER NOT NULL, updated_block INTEGER NOT NULL)"_s,
        u"CREATE INDEX IF NOT EXISTS bids_by_order ON bids (order_id, status)"_s,
    };
    return statements;
}

Error sqlError(const QString &what, const QSqlError &error)
{
    return sqliteError(u"market index"_s, what, error);
}

QByteArray blob(const UInt256 &value)
{
    return toBigEndian32(value);
}

UInt256 fromBlob(const QVariant &value)
{
    return uint256FromBigEndian(value.toByteArray()).value_or(UInt256(0));
}

QString u64(quint64 value)
{
    return QString::number(value);
}

QByteArray joinTopics(const QList<QByteArray> &topics)
{
    QByteArray all;
    for (const QByteArray &topic : topics)
        all += topic;
    return all;
}

QList<QByteArray> splitTopics(const QByteArray &all)
{
    QList<QByteArray> topics;
    for (qsizetype at = 0; at + 32 <= all.size(); at += 32)
        topics << all.mid(at, 32);
    return topics;
}

QString regionsJson(const QStringList &regions)
{
    return QString::fromUtf8(
        QJsonDocument(QJsonArray::fromStringList(regions)).toJson(QJsonDocument::Compact));
}

QString attributesJson(const QList<std::pair<QString, QString>> &attributes)
{
    QJsonArray array;
    for (const auto &[key, value] : attributes)
        array.append(QJsonArray{key, value});
    return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

QString attributeTerms(const QList<std::pair<QString, QString>> &attributes)
{
    QString terms = u"\x1f"_s;
    for (const auto &[key, value] : attributes)
        terms += MarketStore::attributeTerm(key, value).mid(1);
    return terms;
}

QString addressText(const chain::AbiValue *value)
{
    return value ? value->toAddress().value_or(crypto::Address()).toLowerHex() : QString();
}

UInt256 uintArg(const chain::DecodedLog &log, const QString &name)
{
    const chain::AbiValue *value = log.arg(name);
    return value ? value->toUInt().value_or(UInt256(0)) : UInt256(0);
}

UInt256 saturatingSub(const UInt256 &a, const UInt256 &b)
{
    return a > b ? a - b : UInt256(0);
}

} // namespace

MarketStore::MarketStore(QString connectionName)
    : m_connectionName(std::move(connectionName))
{}

MarketStore::~MarketStore()
{
    m_statements.clear();
    closeSqlite(m_connectionName);
}

QSqlDatabase MarketStore::db() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

Result<std::unique_ptr<MarketStore>> MarketStore::open(const QString &path,
                                                       const Identity &identity, bool *reset)
{
    if (reset)
        *reset = false;
    const QString connectionName = uniqueConnectionName(u"berth-market"_s);
    if (auto opened =
            openSqlite(connectionName,
                       SqliteFile{path, u"market index"_s, {u"PRAGMA cache_size=-65536"_s}, false});
        !opened)
        return opened.error();
    std::unique_ptr<MarketStore> store(new MarketStore(connectionName));
    QSqlQuery q(store->db());
    if (auto created = store->createSchema(); !created)
        return created.error();

    const QList<std::pair<QString, QString>> wanted = {
        {u"schema"_s, QString::number(SchemaVersion)},
        {u"chain_id"_s, u64(identity.chainId)},
        {u"registry"_s, identity.registry.toLowerHex()},
        {u"staking"_s, identity.staking.toLowerHex()},
        {u"market"_s, identity.market.toLowerHex()},
    };
    bool same = true;
    for (const auto &[key, value] : wanted) {
        q.prepare(u"SELECT value FROM meta WHERE key = ?"_s);
        q.addBindValue(key);
        if (!q.exec())
            return sqlError(u"cannot read %1"_s.arg(path), q.lastError());
        if (!q.next() || q.value(0).toString() != value)
            same = false;
    }
    if (same)
        return store;

    // Another chain, other contracts or another schema: the file is a cache, start over.
    QSqlDatabase database = store->db();
    database.transaction();
    QSqlQuery count(database);
    const bool hadData =
        count.exec(u"SELECT COUNT(*) FROM meta"_s) && count.next() && count.value(0).toInt() > 0;
    count.finish();
    for (const QString &table : dataTables() + QStringList{u"meta"_s}) {
        if (!q.exec(u"DROP TABLE IF EXISTS "_s + table)) {
            database.rollback();
            return sqlError(u"cannot reset %1"_s.arg(path), q.lastError());
        }
    }
    if (auto created = store->createSchema(); !created) {
        database.rollback();
        return created.error();
    }
    for (const auto &[key, value] : wanted) {
        q.prepare(u"INSERT INTO meta (key, value) VALUES (?, ?)"_s);
        q.addBindValue(key);
        q.addBindValue(value);
        if (!q.exec()) {
            database.rollback();
            return sqlError(u"cannot write %1"_s.arg(path), q.lastError());
        }
    }
    if (!database.commit())
        return sqlError(u"cannot write %1"_s.arg(path), database.lastError());
    if (hadData) {
        qCInfo(lcMarketStore) << "market index" << path
                              << "was made for another chain or other contracts; rebuilding it";
        if (reset)
            *reset = true;
    }
    return store;
}

Result<void> MarketStore::createSchema()
{
    QSqlQuery q(db());
    for (const QString &statement : schema())
        if (!q.exec(statement))
            return sqlError(u"cannot create the tables"_s, q.lastError());
    return {};
}

std::optional<MarketStore::Block> MarketStore::head() const
{
    QSqlQuery q(db());
    if (!q.exec(u"SELECT (SELECT value FROM meta WHERE key = 'head_number'), "
                "(SELECT value FROM meta WHERE key = 'head_hash')"_s) ||
        !q.next() || q.value(0).isNull())
        return std::nullopt;
    return Block{q.value(0).toString().toULongLong(),
                 QByteArray::fromHex(q.value(1).toByteArray())};
}

QList<MarketStore::Block> MarketStore::checkpoints() const
{
    QList<Block> blocks;
    QSqlQuery q(db());
    q.setForwardOnly(true);
    if (q.exec(u"SELECT number, hash FROM checkpoints ORDER BY number DESC"_s))
        while (q.next())
            blocks.append({q.value(0).toULongLong(), q.value(1).toByteArray()});
    return blocks;
}

Result<void> MarketStore::clearData()
{
    QSqlQuery q(db());
    for (const QString &table : dataTables())
        if (!q.exec(u"DELETE FROM "_s + table))
            return sqlError(u"cannot clear the index"_s, q.lastError());
    if (!q.exec(u"DELETE FROM meta WHERE key IN ('head_number', 'head_hash')"_s))
        return sqlError(u"cannot clear the index"_s, q.lastError());
    return {};
}

Result<int> MarketStore::commit(const MarketEvents &events, const Batch &batch)
{
    QSqlDatabase database = db();
    if (!database.transaction())
        return sqlError(u"cannot start a transaction"_s, database.lastError());
    m_touched.clear();
    const auto fail = [&](const Error &error) -> Result<int> {
        m_touched.clear();
        database.rollback();
        return error;
    };
    QSqlQuery q(database);

    if (batch.clearAll) {
        if (auto cleared = clearData(); !cleared)
            return fail(cleared.error());
    } else if (batch.rewindTo) {
        QStringList subjects;
        q.prepare(u"SELECT DISTINCT subject FROM events WHERE block > ?"_s);
        q.addBindValue(qint64(*batch.rewindTo));
        if (!q.exec())
            return fail(sqlError(u"cannot read events"_s, q.lastError()));
        while (q.next())
            subjects << q.value(0).toString();
        for (const QString &table : {u"events"_s, u"checkpoints"_s}) {
            q.prepare(u"DELETE FROM %1 WHERE %2 > ?"_s.arg(
                table, table == u"events" ? u"block"_s : u"number"_s));
            q.addBindValue(qint64(*batch.rewindTo));
            if (!q.exec())
                return fail(sqlError(u"cannot undo events"_s, q.lastError()));
        }
        for (const QString &subject : std::as_const(subjects)) {
            if (auto cleared = clearSubject(subject); !cleared)
                return fail(cleared.error());
            if (auto replayed = replaySubject(events, subject); !replayed)
                return fail(replayed.error());
        }
    }

    int applied = 0;
    QSqlQuery insertEvent(database);
    insertEvent.prepare(u"INSERT OR REPLACE INTO events (block, log_index, block_hash, emitter, "
                        "topics, data, subject) VALUES (?, ?, ?, ?, ?, ?, ?)"_s);
    QSqlQuery insertCheckpoint(database);
    insertCheckpoint.prepare(u"INSERT OR REPLACE INTO checkpoints (number, hash) VALUES (?, ?)"_s);
    quint64 lastCheckpoint = 0;
    for (const chain::LogEntry &log : batch.logs) {
        if (log.removed)
            continue;
        auto decoded = events.decode(log.address, log.topics, log.data);
        if (!decoded) {
            if (decoded.error().code == ErrorCode::NotFound)
                continue;
            return fail(decoded.error());
        }
        insertEvent.addBindValue(qint64(log.blockNumber));
        insertEvent.addBindValue(qint64(log.logIndex));
        insertEvent.addBindValue(log.blockHash);
        insertEvent.addBindValue(log.address.bytes());
        insertEvent.addBindValue(joinTopics(log.topics));
        insertEvent.addBindValue(log.data);
        insertEvent.addBindValue(decoded->subject);
        if (!insertEvent.exec())
            return fail(sqlError(u"cannot store an event"_s, insertEvent.lastError()));
        if (log.blockNumber != lastCheckpoint) {
            insertCheckpoint.addBindValue(qint64(log.blockNumber));
            insertCheckpoint.addBindValue(log.blockHash);
            if (!insertCheckpoint.exec())
                return fail(sqlError(u"cannot store a block hash"_s, insertCheckpoint.lastError()));
            lastCheckpoint = log.blockNumber;
        }
        if (auto done = applyOne(*decoded, log.blockNumber); !done)
            return fail(done.error());
        ++applied;
    }

    for (const QString &provider : std::as_const(m_touched))
        if (auto refreshed = refreshSelection(provider); !refreshed)
            return fail(refreshed.error());
    m_touched.clear();

    insertCheckpoint.addBindValue(qint64(batch.head.number));
    insertCheckpoint.addBindValue(batch.head.hash);
    if (!insertCheckpoint.exec())
        return fail(sqlError(u"cannot store a block hash"_s, insertCheckpoint.lastError()));
    q.prepare(u"DELETE FROM checkpoints WHERE number NOT IN "
              "(SELECT number FROM checkpoints ORDER BY number DESC LIMIT ?)"_s);
    q.addBindValue(KeptCheckpoints);
    if (!q.exec())
        return fail(sqlError(u"cannot prune block hashes"_s, q.lastError()));
    for (const auto &[key, value] :
         {std::pair{u"head_number"_s, u64(batch.head.number)},
          std::pair{u"head_hash"_s, QString::fromLatin1(batch.head.hash.toHex())}}) {
        q.prepare(u"INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"_s);
        q.addBindValue(key);
        q.addBindValue(value);
        if (!q.exec())
            return fail(sqlError(u"cannot store the head"_s, q.lastError()));
    }
    if (!database.commit())
        return fail(sqlError(u"cannot commit"_s, database.lastError()));
    return applied;
}

Result<void> MarketStore::clearSubject(const QString &subject)
{
    QSqlQuery q(db());
    const bool order = subject.startsWith(u"o:");
    QVariant key = subject.mid(2);
    if (order)
        key = blob(parseUInt256(subject.mid(2)).value_or(UInt256(0)));
    const QStringList statements =
        order ? QStringList{u"DELETE FROM orders WHERE id = ?"_s,
                            u"DELETE FROM bids WHERE order_id = ?"_s}
              : QStringList{u"DELETE FROM providers WHERE address = ?"_s,
                            u"DELETE FROM provider_regions WHERE address = ?"_s,
                            u"DELETE FROM provider_attributes WHERE address = ?"_s,
                            u"DELETE FROM prices WHERE address = ?"_s,
                            u"DELETE FROM stakes WHERE address = ?"_s,
                            u"DELETE FROM selection WHERE address = ?"_s};
    if (!order)
        m_touched.insert(key.toString());
    for (const QString &statement : statements) {
        q.prepare(statement);
        q.addBindValue(key);
        if (!q.exec())
            return sqlError(u"cannot undo %1"_s.arg(subject), q.lastError());
    }
    return {};
}

Result<void> MarketStore::replaySubject(const MarketEvents &events, const QString &subject)
{
    QSqlQuery q(db());
    q.setForwardOnly(true);
    q.prepare(u"SELECT block, emitter, topics, data FROM events WHERE subject = ? "
              "ORDER BY block, log_index"_s);
    q.addBindValue(subject);
    if (!q.exec())
        return sqlError(u"cannot read the events of %1"_s.arg(subject), q.lastError());
    struct Stored
    {
        quint64 block;
        MarketEvents::Decoded event;
    };
    QList<Stored> stored;
    while (q.next()) {
        auto emitter = crypto::Address::fromBytes(q.value(1).toByteArray());
        if (!emitter)
            return emitter.error();
        auto decoded = events.decode(*emitter, splitTopics(q.value(2).toByteArray()),
                                     q.value(3).toByteArray());
        if (!decoded)
            return decoded.error();
        stored.append({q.value(0).toULongLong(), std::move(decoded).value()});
    }
    q.finish();
    for (const Stored &s : std::as_const(stored))
        if (auto done = applyOne(s.event, s.block); !done)
            return done;
    return {};
}

QString MarketStore::attributeTerm(const QString &key, const QString &value)
{
    return u"\x1f"_s + key + u"\x1e"_s + value + u"\x1f"_s;
}

Result<void> MarketStore::refreshSelection(const QString &provider)
{
    if (auto r = run(u"DELETE FROM selection WHERE address = ?"_s, {provider}); !r)
        return r;
    return run(u"INSERT INTO selection (token, region, address, cpu, memory, storage, gpu, "
               "egress, stake, attribute_terms) "
               "SELECT pr.token, COALESCE(r.region, ''), p.address, pr.cpu, pr.memory, "
               "pr.storage, pr.gpu, pr.egress, COALESCE(s.active, zeroblob(32)), "
               "p.attribute_terms FROM providers p "
               "JOIN prices pr ON pr.address = p.address "
               "LEFT JOIN provider_regions r ON r.address = p.address "
               "LEFT JOIN stakes s ON s.address = p.address WHERE p.address = ?"_s,
               {provider});
}

Result<void> MarketStore::run(const QString &sql, const QVariantList &values)
{
    auto found = m_statements.find(sql);
    if (found == m_statements.end()) {
        auto prepared = std::make_unique<QSqlQuery>(db());
        if (!prepared->prepare(sql))
            return sqlError(u"cannot prepare a statement"_s, prepared->lastError());
        found = m_statements.emplace(sql, std::move(prepared)).first;
    }
    QSqlQuery &q = *found->second;
    for (const QVariant &value : values)
        q.addBindValue(value);
    if (!q.exec())
        return sqlError(u"cannot update the index"_s, q.lastError());
    return {};
}

Result<UInt256> MarketStore::stakeField(const QString &address, const QString &column)
{
    QSqlQuery q(db());
    q.prepare(u"SELECT %1 FROM stakes WHERE address = ?"_s.arg(column));
    q.addBindValue(address);
    if (!q.exec())
        return sqlError(u"cannot read a stake"_s, q.lastError());
    return q.next() ? fromBlob(q.value(0)) : UInt256(0);
}

Result<void> MarketStore::applyOne(const MarketEvents::Decoded &event, quint64 block)
{
    const chain::DecodedLog &log = event.log;
    const QString &name = log.event;
    const qint64 at = qint64(block);
    const auto arg = [&](const QString &argName) -> chain::AbiValue {
        const chain::AbiValue *value = log.arg(argName);
        return value ? *value : chain::AbiValue();
    };

    if (event.contract == MarketEvents::Contract::Registry) {
        const QString provider = addressText(log.arg(u"provider"_s));
        m_touched.insert(provider);
        const auto touch = [&]() {
            return run(u"UPDATE providers SET updated_block = ? WHERE address = ?"_s,
                       {at, provider});
        };
        if (name == u"Registered" || name == u"Updated") {
            const chain::ProviderProfile profile =
                chain::ProviderProfile::fromAbi(arg(u"profile"_s));
            if (auto r = run(
                    u"INSERT INTO providers (address, endpoint, regions, attributes, cpu_millis, "
                    "memory_bytes, storage_bytes, gpu_count, encryption_key_hash, attribute_terms, "
                    "registered_block, updated_block) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (address) DO UPDATE SET endpoint = excluded.endpoint, "
                    "regions = excluded.regions, attributes = excluded.attributes, "
                    "cpu_millis = excluded.cpu_millis, memory_bytes = excluded.memory_bytes, "
                    "storage_bytes = excluded.storage_bytes, gpu_count = excluded.gpu_count, "
                    "encryption_key_hash = excluded.encryption_key_hash, "
                    "attribute_terms = excluded.attribute_terms, "
                    "updated_block = excluded.updated_block"_s,
                    {provider, profile.endpoint, regionsJson(profile.regions),
                     attributesJson(profile.attributes), u64(profile.capacity.cpuMillis),
                     u64(profile.capacity.memoryBytes), u64(profile.capacity.storageBytes),
                     u64(profile.capacity.gpuCount), profile.encryptionKeyHash,
                     attributeTerms(profile.attributes), at, at});
                !r)
                return r;
            if (auto r = run(u"DELETE FROM provider_regions WHERE address = ?"_s, {provider}); !r)
                return r;
            if (auto r = run(u"DELETE FROM provider_attributes WHERE address = ?"_s, {provider});
                !r)
                return r;
            for (const QString &region : profile.regions)
                if (auto r = run(u"INSERT OR IGNORE INTO provider_regions (region, address) "
                                 "VALUES (?, ?)"_s,
                                 {region, provider});
                    !r)
                    return r;
            for (const auto &[key, value] : profile.attributes)
                if (auto r = run(u"INSERT OR IGNORE INTO provider_attributes (key, value, address) "
                                 "VALUES (?, ?, ?)"_s,
                                 {key, value, provider});
                    !r)
                    return r;
            return {};
        }
        if (name == u"CapacitySet") {
            const chain::Resources capacity = chain::Resources::fromAbi(arg(u"capacity"_s));
            return run(u"UPDATE providers SET cpu_millis = ?, memory_bytes = ?, storage_bytes = ?, "
                       "gpu_count = ?, updated_block = ? WHERE address = ?"_s,
                       {u64(capacity.cpuMillis), u64(capacity.memoryBytes),
                        u64(capacity.storageBytes), u64(capacity.gpuCount), at, provider});
        }
        if (name == u"PricingSet") {
            const chain::Prices prices = chain::Prices::fromAbi(arg(u"prices"_s));
            if (auto r =
                    run(u"INSERT OR REPLACE INTO prices (token, address, cpu, memory, storage, "
                        "gpu, egress) VALUES (?, ?, ?, ?, ?, ?, ?)"_s,
                        {addressText(log.arg(u"token"_s)), provider, blob(prices.cpuCorePerSecond),
                         blob(prices.memoryGiBPerSecond), blob(prices.storageGiBPerSecond),
                         blob(prices.gpuUnitPerSecond), blob(prices.egressGiBPerSecond)});
                !r)
                return r;
            return touch();
        }
        if (name == u"PricingRemoved") {
            if (auto r = run(u"DELETE FROM prices WHERE token = ? AND address = ?"_s,
                             {addressText(log.arg(u"token"_s)), provider});
                !r)
                return r;
            return touch();
        }
        if (name == u"Deregistered") {
            for (const QString &table :
                 {u"providers"_s, u"provider_regions"_s, u"provider_attributes"_s, u"prices"_s})
                if (auto r = run(u"DELETE FROM %1 WHERE address = ?"_s.arg(table), {provider}); !r)
                    return r;
            return {};
        }
        return {};
    }

    if (event.contract == MarketEvents::Contract::Staking) {
        // Staking.sol: Staked reports the new active stake; requestUnstake moves
        // `amount` from active to unbonding (reported as the new total); withdraw
        // pays out all that unbonds; slash takes from active first, then unbonding.
        const QString provider = addressText(log.arg(u"provider"_s));
        m_touched.insert(provider);
        auto active = stakeField(provider, u"active"_s);
        auto unbonding = stakeField(provider, u"unbonding"_s);
        if (!active)
            return active.error();
        if (!unbonding)
            return unbonding.error();
        UInt256 newActive = *active;
        UInt256 newUnbonding = *unbonding;
        std::optional<quint64> readyAt;
        if (name == u"Staked") {
            newActive = uintArg(log, u"active"_s);
        } else if (name == u"UnstakeRequested") {
            newActive = saturatingSub(*active, uintArg(log, u"amount"_s));
            newUnbonding = uintArg(log, u"unbonding"_s);
            readyAt = arg(u"readyAt"_s).decodedUInt64();
        } else if (name == u"Withdrawn") {
            newUnbonding = saturatingSub(*unbonding, uintArg(log, u"amount"_s));
            readyAt = 0;
        } else if (name == u"Slashed") {
            const UInt256 compensation = uintArg(log, u"compensation"_s);
            const UInt256 fromActive = std::min(compensation, *active);
            newActive = *active - fromActive;
            newUnbonding = saturatingSub(*unbonding, compensation - fromActive);
            if (newUnbonding == 0)
                readyAt = 0;
        }
        if (auto r = run(u"INSERT INTO stakes (address, active, unbonding, ready_at) "
                         "VALUES (?, ?, ?, '0') ON CONFLICT (address) DO UPDATE SET "
                         "active = excluded.active, unbonding = excluded.unbonding"_s,
                         {provider, blob(newActive), blob(newUnbonding)});
            !r)
            return r;
        if (readyAt)
            return run(u"UPDATE stakes SET ready_at = ? WHERE address = ?"_s,
                       {u64(*readyAt), provider});
        return {};
    }

    // Market
    const QByteArray orderId = blob(uintArg(log, u"orderId"_s));
    if (name == u"OrderPosted") {
        const chain::OrderTerms terms = chain::OrderTerms::fromAbi(arg(u"terms"_s));
        return run(u"INSERT OR REPLACE INTO orders (id, publisher, token, region, max_rate, "
                   "min_stake, deposit, expiry, max_notice_period, cpu_millis, memory_bytes, "
                   "storage_bytes, gpu_count, manifest_hash, deployment_id, status, "
                   "posted_block, updated_block) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)"_s,
                   {orderId, addressText(log.arg(u"publisher"_s)), terms.token.toLowerHex(),
                    terms.region, blob(terms.maxRatePerSecond), blob(terms.minStake),
                    blob(terms.deposit), u64(terms.expiry), u64(terms.maxNoticePeriod),
                    u64(terms.resources.cpuMillis), u64(terms.resources.memoryBytes),
                    u64(terms.resources.storageBytes), u64(terms.resources.gpuCount),
                    terms.manifestHash, terms.deploymentId, at, at});
    }
    const QByteArray bidId = blob(uintArg(log, u"bidId"_s));
    if (name == u"BidPlaced") {
        if (auto r = run(u"INSERT OR REPLACE INTO bids (id, order_id, provider, rate, "
                         "notice_period, status, placed_block, updated_block) "
                         "VALUES (?, ?, ?, ?, ?, 'live', ?, ?)"_s,
                         {bidId, orderId, addressText(log.arg(u"provider"_s)),
                          blob(uintArg(log, u"ratePerSecond"_s)),
                          u64(arg(u"noticePeriod"_s).decodedUInt64()), at, at});
            !r)
            return r;
        const UInt256 replaced = uintArg(log, u"replacedBidId"_s);
        if (replaced != 0)
            return run(u"UPDATE bids SET status = 'replaced', updated_block = ? WHERE id = ?"_s,
                       {at, blob(replaced)});
        return {};
    }
    if (name == u"BidWithdrawn")
        return run(u"UPDATE bids SET status = 'withdrawn', updated_block = ? "
                   "WHERE id = ? AND status = 'live'"_s,
                   {at, bidId});
    if (name == u"OrderAccepted") {
        const chain::AbiValue *channel = log.arg(u"channelId"_s);
        const QByteArray channelId =
            channel ? channel->toBytes().value_or(QByteArray()) : QByteArray();
        if (auto r = run(u"UPDATE orders SET status = 'accepted', accepted_bid = ?, "
                         "channel_id = ?, updated_block = ? WHERE id = ?"_s,
                         {bidId, channelId, at, orderId});
            !r)
            return r;
        return run(u"UPDATE bids SET status = 'accepted', updated_block = ? WHERE id = ?"_s,
                   {at, bidId});
    }
    if (name == u"OrderCancelled")
        return run(u"UPDATE orders SET status = 'cancelled', updated_block = ? WHERE id = ?"_s,
                   {at, orderId});
    return {};
}

} // namespace berth::market
