#pragma once

#include <QList>
#include <QString>
#include <QStringView>

#include <array>
#include <optional>

namespace berth::provider {

// The series berthd records per container (docs/provider.md, "Monitoring").
// Units: cpu in cores (1.0 = one core busy), memory in bytes, the network and
// block I/O series in bytes per second, restarts and pids as counts.
enum class MetricSeries
{
    Cpu,
    Memory,
    NetRx,
    NetTx,
    BlockRead,
    BlockWrite,
    Restarts,
    Pids,
};

inline constexpr int MetricSeriesCount = 8;

// "cpu", "memory", "netRx", "netTx", "blockRead", "blockWrite", "restarts", "pids".
QString metricSeriesName(MetricSeries series);
std::optional<MetricSeries> metricSeriesFromName(QStringView name);
QList<MetricSeries> allMetricSeries();

// One container's values at one time (unix seconds). A value is missing when it
// cannot be known yet (a rate needs two readings).
struct MetricSample
{
    QString deployment;
    QString container;
    qint64 time = 0;
    std::array<std::optional<double>, MetricSeriesCount> values;

    std::optional<double> &operator[](MetricSeries series) { return values[size_t(series)]; }
    const std::optional<double> &operator[](MetricSeries series) const
    {
        return values[size_t(series)];
    }
};

// The deployment name machine-wide usage is stored under (deployment ids
// cannot start with '_', so it never meets a publisher's).
inline const QString MachineDeployment = QStringLiteral("_machine");

} // namespace berth::provider
