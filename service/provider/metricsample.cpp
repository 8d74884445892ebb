#include "provider/metricsample.h"

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

constexpr std::array<QStringView, MetricSeriesCount> Names = {
    u"cpu", u"memory", u"netRx", u"netTx", u"blockRead", u"blockWrite", u"restarts", u"pids"};

} // namespace

QString metricSeriesName(MetricSeries series)
{
    return Names[size_t(series)].toString();
}

std::optional<MetricSeries> metricSeriesFromName(QStringView name)
{
    for (size_t i = 0; i < Names.size(); ++i)
        if (Names[i] == name)
            return MetricSeries(i);
    return std::nullopt;
}

QList<MetricSeries> allMetricSeries()
{
    QList<MetricSeries> all;
    for (int i = 0; i < MetricSeriesCount; ++i)
        all.append(MetricSeries(i));
    return all;
}

} // namespace berth::provider
