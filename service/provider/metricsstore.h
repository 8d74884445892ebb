#pragma once

#include "core/result.h"
#include "provider/metricsample.h"

#include <QHash>
#include <QList>
#include <QString>

#include <memory>
#include <optional>

namespace berth::provider {

// One point of a series: a raw average, or a rollup's average with its minimum
// and maximum.
struct MetricPoint
{
    qint64 time = 0; // unix seconds, the start of the step
    double value = 0;
    std::optional<double> min;
    std::optional<double> max;
};

struct MetricSeriesData
{
    QString container;
    MetricSeries series = MetricSeries::Cpu;
    QList<MetricPoint> points;
};

struct MetricsQuery
{
    QString deployment;
    QList<MetricSeries> series; // empty: every series
    qint64 from = 0;            // unix seconds, inclusive
    qint64 to = 0;              // exclusive
    qint64 step = 0;            // seconds; 0: chosen from the range
    qint64 now = 0;             // the clock retention is judged by
};

struct MetricsQueryResult
{
    qint64 from = 0;
    qint64 to = 0;
    qint64 step = 0;      // the step used (raised to keep within MaxPoints)
    bool rollups = false; // points carry min and max
    QList<MetricSeriesData> series;
};

// berthd's time series in SQLite (<dataDir>/metrics.sqlite, away from the state
// database so the collector's writes never wait on it): raw samples for
// rawRetention seconds, 5-minute rollups (count, min, avg, max per series) for
// rollupRetention seconds. History is kept by deployment id and survives the
// deployment's deletion until retention ends. Every call takes its clock as an
// argument, so tests inject time. Use one store from one thread.
class MetricsStore
{
public:
    static constexpr qint64 RollupSeconds = 300;
    static constexpr int MaxPoints = 2000; // per series and query

    struct Retention
    {
        qint64 rawSeconds = 24 * 3600;
        qint64 rollupSeconds = 30 * 24 * 3600;
    };

    static Result<std::unique_ptr<MetricsStore>> open(const QString &dataDir, Retention retention);
    ~MetricsStore();
    MetricsStore(const MetricsStore &) = delete;
    MetricsStore &operator=(const MetricsStore &) = delete;

    QString filePath() const { return m_filePath; }
    const Retention &retention() const { return m_retention; }

    // Stores one collection pass in one transaction.
    Result<void> insert(const QList<MetricSample> &samples);
    // Aggregates every complete 5-minute bucket that ends at or before `now`
    // and is not rolled up yet (samples at or after `now` may still come);
    // returns the rollup rows written.
    Result<int> rollUp(qint64 now);
    // Drops raw samples and rollups older than their retention, and the names
    // of containers nothing refers to any more.
    Result<void> prune(qint64 now);

    // A deployment's series over [from, to): raw samples averaged per step when
    // the step is under 5 minutes and the range is still within raw retention,
    // else rollups merged per step (a multiple of 5 minutes). Only series with
    // points are returned, sorted by container then series.
    Result<MetricsQueryResult> query(const MetricsQuery &query) const;

    // Counts, for tests and the bench.
    Result<qint64> rawSampleCount() const;
    Result<qint64> rollupCount() const;

private:
    MetricsStore(QString connectionName, QString filePath, Retention retention);
    Result<qint64> containerId(const QString &deployment, const QString &container);

    QString m_connectionName;
    QString m_filePath;
    Retention m_retention;
    QHash<QString, qint64> m_containerIds; // "deployment/container" -> row id
};

} // namespace berth::provider
