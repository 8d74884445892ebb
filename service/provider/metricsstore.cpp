#include "provider/metricsstore.h"

#include "core/sqlitefile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMap>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

const QString FileName = u"metrics.sqlite"_s;
constexpr int SchemaVersion = 1;

// Column names, in MetricSeries order.
const std::array<QString, MetricSeriesCount> Columns = {
    u"cpu"_s,        u"memory"_s,      u"net_rx"_s,   u"net_tx"_s,
    u"block_read"_s, u"block_write"_s, u"restarts"_s, u"pids"_s};

Error sqlError(const QString &what, const QSqlError &error)
{
    return sqliteError(u"metrics store"_s, what, error);
}

QString schemaStatement(bool rollups)
{
    QStringList columns{u"cid INTEGER NOT NULL"_s, u"t INTEGER NOT NULL"_s};
    if (rollups)
        columns.append(u"n INTEGER NOT NULL"_s);
    for (const QString &column : Columns) {
        if (rollups) {
            columns.append(column + u"_min REAL"_s);
            columns.append(column + u"_avg REAL"_s);
            columns.append(column + u"_max REAL"_s);
        } else {
            columns.append(column + u" REAL"_s);
        }
    }
    columns.append(u"PRIMARY KEY (cid, t)"_s);
    return u"CREATE TABLE %1 (%2) WITHOUT ROWID"_s.arg(rollups ? u"rollups"_s : u"samples"_s,
                                                       columns.join(u", "_s));
}

qint64 floorTo(qint64 value, qint64 step)
{
    const qint64 q = value / step;
    return (value % step < 0 ? q - 1 : q) * step;
}

} // namespace

Result<std::unique_ptr<MetricsStore>> MetricsStore::open(const QString &dataDir,
                                                         Retention retention)
{
    const QString filePath = QDir(dataDir).filePath(FileName);
    const QString connectionName = uniqueConnectionName(u"berth-metrics"_s);
    if (auto opened =
            openSqlite(connectionName, SqliteFile{filePath, u"metrics store"_s, {}, false});
        !opened)
        return opened.error();
    std::unique_ptr<MetricsStore> store(new MetricsStore(connectionName, filePath, retention));
    QSqlDatabase db = QSqlDatabase::database(connectionName, false);
    QSqlQuery q(db);
    if (!q.exec(u"PRAGMA user_version"_s) || !q.next())
        return sqlError(u"reading the schema version"_s, q.lastError());
    const int version = q.value(0).toInt();
    q.finish();
    if (version > SchemaVersion)
        return Error(
            ErrorCode::Unsupported,
            u"metrics store: %1 has schema version %2, newer than this berthd knows (%3); "
            "run a newer berthd or move the file away (only history is lost)"_s.arg(filePath)
                .arg(version)
                .arg(SchemaVersion));
    if (version < SchemaVersion) {
        const QStringList statements = {
            u"CREATE TABLE containers (id INTEGER PRIMARY KEY, deployment TEXT NOT NULL, "
            "container TEXT NOT NULL, UNIQUE (deployment, container))"_s,
            schemaStatement(false),
            u"CREATE INDEX samples_by_time ON samples(t)"_s,
            schemaStatement(true),
            u"CREATE INDEX rollups_by_time ON rollups(t)"_s,
            u"CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL)"_s,
            u"PRAGMA user_version = %1"_s.arg(SchemaVersion),
        };
        if (!db.transaction())
            return sqlError(u"creating the schema"_s, db.lastError());
        for (const QString &statement : statements) {
            if (!q.exec(statement)) {
                const Error error = sqlError(u"creating the schema"_s, q.lastError());
                db.rollback();
                return error;
            }
        }
        if (!db.commit())
            return sqlError(u"creating the schema"_s, db.lastError());
    }
    return store;
}

MetricsStore::MetricsStore(QString connectionName, QString filePath, Retention retention)
    : m_connectionName(std::move(connectionName))
    , m_filePath(std::move(filePath))
    , m_retention(retention)
{}

MetricsStore::~MetricsStore()
{
    closeSqlite(m_connectionName);
}

Result<qint64> MetricsStore::containerId(const QString &deployment, const QString &container)
{
    const QString key = deployment + u'/' + container;
    if (const auto it = m_containerIds.constFind(key); it != m_containerIds.constEnd())
        return *it;
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(u"INSERT OR IGNORE INTO containers (deployment, container) VALUES (?, ?)"_s);
    q.addBindValue(deployment);
    q.addBindValue(container);
    if (!q.exec())
        return sqlError(u"naming a container"_s, q.lastError());
    q.prepare(u"SELECT id FROM containers WHERE deployment = ? AND container = ?"_s);
    q.addBindValue(deployment);
    q.addBindValue(container);
    if (!q.exec() || !q.next())
        return sqlError(u"naming a container"_s, q.lastError());
    const qint64 id = q.value(0).toLongLong();
    m_containerIds.insert(key, id);
    return id;
}

Result<void> MetricsStore::insert(const QList<MetricSample> &samples)
{
    if (samples.isEmpty())
        return {};
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    if (!db.transaction())
        return sqlError(u"storing samples"_s, db.lastError());
    QStringList placeholders(MetricSeriesCount + 2, u"?"_s);
    QSqlQuery q(db);
    q.prepare(u"INSERT OR REPLACE INTO samples (cid, t, %1) VALUES (%2)"_s.arg(
        QStringList(Columns.begin(), Columns.end()).join(u", "_s), placeholders.join(u", "_s)));
    for (const MetricSample &sample : samples) {
        auto id = containerId(sample.deployment, sample.container);
        if (!id) {
            db.rollback();
            return id.error();
        }
        q.addBindValue(*id);
        q.addBindValue(sample.time);
        for (const std::optional<double> &value : sample.values)
            q.addBindValue(value ? QVariant(*value) : QVariant(QMetaType::fromType<double>()));
        if (!q.exec()) {
            const Error error = sqlError(u"storing samples"_s, q.lastError());
            db.rollback();
            return error;
        }
    }
    if (!db.commit())
        return sqlError(u"storing samples"_s, db.lastError());
    return {};
}

Result<int> MetricsStore::rollUp(qint64 now)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    QSqlQuery q(db);
    qint64 from = 0;
    if (!q.exec(u"SELECT value FROM meta WHERE key = 'rolled_until'"_s))
        return sqlError(u"reading the rollup mark"_s, q.lastError());
    if (q.next()) {
        from = q.value(0).toLongLong();
    } else {
        if (!q.exec(u"SELECT MIN(t) FROM samples"_s) || !q.next())
            return sqlError(u"reading the oldest sample"_s, q.lastError());
        if (q.value(0).isNull())
            return 0;
        from = floorTo(q.value(0).toLongLong(), RollupSeconds);
    }
    q.finish();
    const qint64 to = floorTo(now, RollupSeconds);
    if (to <= from)
        return 0;
    QStringList aggregates;
    QStringList targets;
    for (const QString &column : Columns) {
        aggregates.append(u"MIN(%1), AVG(%1), MAX(%1)"_s.arg(column));
        targets.append(u"%1_min, %1_avg, %1_max"_s.arg(column));
    }
    if (!db.transaction())
        return sqlError(u"rolling up"_s, db.lastError());
    q.prepare(u"INSERT OR REPLACE INTO rollups (cid, t, n, %1) "
              "SELECT cid, (t / %2) * %2 AS bucket, COUNT(*), %3 FROM samples "
              "WHERE t >= ? AND t < ? GROUP BY cid, bucket"_s.arg(targets.join(u", "_s))
                  .arg(RollupSeconds)
                  .arg(aggregates.join(u", "_s)));
    q.addBindValue(from);
    q.addBindValue(to);
    if (!q.exec()) {
        const Error error = sqlError(u"rolling up"_s, q.lastError());
        db.rollback();
        return error;
    }
    const int rows = q.numRowsAffected();
    q.prepare(u"INSERT OR REPLACE INTO meta (key, value) VALUES ('rolled_until', ?)"_s);
    q.addBindValue(to);
    if (!q.exec()) {
        const Error error = sqlError(u"rolling up"_s, q.lastError());
        db.rollback();
        return error;
    }
    if (!db.commit())
        return sqlError(u"rolling up"_s, db.lastError());
    return rows;
}

Result<void> MetricsStore::prune(qint64 now)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    QSqlQuery q(db);
    q.prepare(u"DELETE FROM samples WHERE t < ?"_s);
    q.addBindValue(now - m_retention.rawSeconds);
    if (!q.exec())
        return sqlError(u"pruning samples"_s, q.lastError());
    q.prepare(u"DELETE FROM rollups WHERE t < ?"_s);
    q.addBindValue(now - m_retention.rollupSeconds);
    if (!q.exec())
        return sqlError(u"pruning rollups"_s, q.lastError());
    if (!q.exec(u"DELETE FROM containers WHERE NOT EXISTS "
                "(SELECT 1 FROM samples WHERE samples.cid = containers.id) AND NOT EXISTS "
                "(SELECT 1 FROM rollups WHERE rollups.cid = containers.id)"_s))
        return sqlError(u"pruning container names"_s, q.lastError());
    if (q.numRowsAffected() > 0)
        m_containerIds.clear();
    return {};
}

Result<MetricsQueryResult> MetricsStore::query(const MetricsQuery &query) const
{
    MetricsQueryResult result;
    result.from = query.from;
    result.to = query.to;
    if (query.to <= query.from)
        return Error(ErrorCode::InvalidArgument,
                     u"the range is empty: \"to\" must be after \"from\""_s);
    const qint64 span = query.to - query.from;
    qint64 step = query.step > 0 ? query.step : 0;
    const qint64 smallest = (span + MaxPoints - 1) / MaxPoints;
    if (step < smallest)
        step = smallest;
    if (step == 0)
        step = 1;
    const bool rawCovers = query.from >= query.now - m_retention.rawSeconds;
    result.rollups = step >= RollupSeconds || !rawCovers;
    if (result.rollups)
        step = std::max<qint64>(RollupSeconds,
                                (step + RollupSeconds - 1) / RollupSeconds * RollupSeconds);
    result.step = step;
    const QList<MetricSeries> series = query.series.isEmpty() ? allMetricSeries() : query.series;

    QStringList selected;
    for (MetricSeries s : series) {
        const QString &column = Columns[size_t(s)];
        if (result.rollups)
            selected.append(
                u"SUM(%1_avg * n) / NULLIF(SUM(CASE WHEN %1_avg IS NULL THEN 0 ELSE n END), 0), "
                "MIN(%1_min), MAX(%1_max)"_s.arg(column));
        else
            selected.append(u"AVG(%1)"_s.arg(column));
    }
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.setForwardOnly(true);
    // Buckets are aligned to the step on the unix clock (floored for negatives
    // too, which never occur in practice).
    q.prepare(u"SELECT c.container, (r.t / %1) * %1 AS bucket, %2 FROM %3 r "
              "JOIN containers c ON c.id = r.cid WHERE c.deployment = ? AND r.t >= ? AND r.t < ? "
              "GROUP BY c.container, bucket ORDER BY c.container, bucket"_s.arg(step)
                  .arg(selected.join(u", "_s), result.rollups ? u"rollups"_s : u"samples"_s));
    q.addBindValue(query.deployment);
    q.addBindValue(result.rollups ? floorTo(query.from, RollupSeconds) : query.from);
    q.addBindValue(query.to);
    if (!q.exec())
        return sqlError(u"querying %1"_s.arg(query.deployment), q.lastError());
    QMap<std::pair<QString, int>, QList<MetricPoint>> points;
    while (q.next()) {
        const QString container = q.value(0).toString();
        const qint64 bucket = q.value(1).toLongLong();
        const int width = result.rollups ? 3 : 1;
        for (int i = 0; i < series.size(); ++i) {
            const QVariant value = q.value(2 + i * width);
            if (value.isNull())
                continue;
            MetricPoint point{bucket, value.toDouble(), std::nullopt, std::nullopt};
            if (result.rollups) {
                point.min = q.value(3 + i * width).toDouble();
                point.max = q.value(4 + i * width).toDouble();
            }
            points[{container, int(series.at(i))}].append(point);
        }
    }
    for (auto it = points.cbegin(); it != points.cend(); ++it)
        result.series.append({it.key().first, MetricSeries(it.key().second), it.value()});
    return result;
}

Result<qint64> MetricsStore::rawSampleCount() const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    if (!q.exec(u"SELECT COUNT(*) FROM samples"_s) || !q.next())
        return sqlError(u"counting samples"_s, q.lastError());
    return q.value(0).toLongLong();
}

Result<qint64> MetricsStore::rollupCount() const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    if (!q.exec(u"SELECT COUNT(*) FROM rollups"_s) || !q.next())
        return sqlError(u"counting rollups"_s, q.lastError());
    return q.value(0).toLongLong();
}

} // namespace berth::provider
