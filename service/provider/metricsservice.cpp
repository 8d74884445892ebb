#include "provider/metricsservice.h"

#include "protocol/rpcerror.h"
#include "provider/metricsstore.h"
#include "provider/runtime.h"
#include "provider/statestore.h"

#include <QDateTime>
#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

using protocol::makeRpcError;
using protocol::RpcErrorCode;

constexpr qint64 DefaultRangeSeconds = 3600;

Error badParam(const QString &message)
{
    return makeRpcError(RpcErrorCode::InvalidParams, message);
}

// Unix seconds (a number) or an ISO 8601 date-time string.
Result<qint64> timeParam(const QJsonObject &params, const QString &key, qint64 fallback)
{
    const QJsonValue value = params.value(key);
    if (value.isUndefined() || value.isNull())
        return fallback;
    if (value.isDouble())
        return qint64(value.toDouble());
    if (value.isString()) {
        const QDateTime time = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
        if (time.isValid())
            return time.toSecsSinceEpoch();
    }
    return badParam(u"params.%1 must be unix seconds or an ISO 8601 time such as "
                    "\"2026-11-26T01:00:00Z\""_s.arg(key));
}

QString unitOf(MetricSeries series)
{
    switch (series) {
    case MetricSeries::Cpu:
        return u"cores"_s;
    case MetricSeries::Memory:
        return u"bytes"_s;
    case MetricSeries::NetRx:
    case MetricSeries::NetTx:
    case MetricSeries::BlockRead:
    case MetricSeries::BlockWrite:
        return u"bytes/s"_s;
    case MetricSeries::Restarts:
    case MetricSeries::Pids:
        return u"count"_s;
    }
    return {};
}

} // namespace

MetricsService::MetricsService(const StateStore *state, const MetricsStore *metrics)
    : m_state(state)
    , m_metrics(metrics)
{}

Result<MetricsQuery> MetricsService::parse(const QJsonObject &params, qint64 now)
{
    MetricsQuery query;
    query.now = now;
    const QJsonValue deployment = params.value(u"deployment"_s);
    if (!deployment.isString())
        return badParam(u"params.deployment is required: the deployment id pod.provision "
                        "returned"_s);
    query.deployment = deployment.toString();
    if (!isValidDeploymentId(query.deployment))
        return badParam(u"params.deployment is not a deployment id (pod.provision returns one, "
                        "e.g. \"web-1a2b3c4d\")"_s);
    const QJsonValue series = params.value(u"series"_s);
    if (!series.isUndefined() && !series.isNull()) {
        if (!series.isArray())
            return badParam(u"params.series must be a list of series names"_s);
        for (const QJsonValue &name : series.toArray()) {
            const auto known = metricSeriesFromName(name.toString());
            if (!known) {
                QStringList names;
                for (MetricSeries s : allMetricSeries())
                    names.append(metricSeriesName(s));
                return badParam(u"params.series: unknown series \"%1\"; known: %2"_s.arg(
                    name.toString().left(40), names.join(u", "_s)));
            }
            if (!query.series.contains(*known))
                query.series.append(*known);
        }
    }
    auto to = timeParam(params, u"to"_s, now);
    if (!to)
        return to.error();
    auto from = timeParam(params, u"from"_s, *to - DefaultRangeSeconds);
    if (!from)
        return from.error();
    if (*to <= *from)
        return badParam(u"params.from must be before params.to"_s);
    query.from = *from;
    query.to = *to;
    const QJsonValue step = params.value(u"step"_s);
    if (!step.isUndefined() && !step.isNull()) {
        if (!step.isDouble() || step.toDouble() < 1 || step.toDouble() > 86400 * 365)
            return badParam(u"params.step must be a number of seconds (1 or more)"_s);
        query.step = qint64(step.toDouble());
    }
    return query;
}

QJsonObject MetricsService::toJson(const QString &deployment, const MetricsQueryResult &result)
{
    QJsonArray series;
    for (const MetricSeriesData &data : result.series) {
        QJsonArray points;
        for (const MetricPoint &point : data.points) {
            QJsonArray row{point.time, point.value};
            if (point.min && point.max) {
                row.append(*point.min);
                row.append(*point.max);
            }
            points.append(row);
        }
        series.append(QJsonObject{{u"container"_s, data.container},
                                  {u"series"_s, metricSeriesName(data.series)},
                                  {u"unit"_s, unitOf(data.series)},
                                  {u"points"_s, points}});
    }
    return QJsonObject{{u"deployment"_s, deployment},
                       {u"from"_s, result.from},
                       {u"to"_s, result.to},
                       {u"step"_s, result.step},
                       {u"source"_s, result.rollups ? u"rollups"_s : u"raw"_s},
                       {u"series"_s, series}};
}

void MetricsService::metrics(const Caller &caller, const QJsonObject &params, Reply reply) const
{
    answer(caller.publisher, params, std::move(reply));
}

void MetricsService::operatorMetrics(const QJsonObject &params, Reply reply) const
{
    const QJsonValue deployment = params.value(u"deployment"_s);
    if (!deployment.isUndefined() && !deployment.isNull() && deployment.toString() != Machine)
        return answer(std::nullopt, params, std::move(reply));
    // "machine" has a deployment id's form but no deployment has it (ids end
    // in 8 hex digits of their channel); the collector stores the machine's
    // samples under MachineDeployment.
    QJsonObject machineParams = params;
    machineParams.insert(u"deployment"_s, QString(Machine));
    auto query = parse(machineParams, QDateTime::currentSecsSinceEpoch());
    if (!query)
        return reply(query.error());
    query.value().deployment = MachineDeployment;
    auto result = m_metrics->query(*query);
    if (!result)
        return reply(result.error());
    for (MetricSeriesData &series : result.value().series)
        series.container = QString(Machine);
    reply(toJson(QString(Machine), *result));
}

void MetricsService::answer(const std::optional<crypto::Address> &publisher,
                            const QJsonObject &params, Reply reply) const
{
    auto query = parse(params, QDateTime::currentSecsSinceEpoch());
    if (!query)
        return reply(query.error());
    // A deleted deployment keeps its record (state "deleted"), so its
    // publisher still reads its history.
    auto record = m_state->deployment(query->deployment);
    if (!record)
        return reply(makeRpcError(RpcErrorCode::NotFound,
                                  u"no deployment %1 on this provider"_s.arg(query->deployment)));
    if (publisher && record->publisher != publisher->toChecksumString())
        return reply(
            makeRpcError(RpcErrorCode::Forbidden,
                         u"deployment %1 belongs to another publisher"_s.arg(query->deployment)));
    auto result = m_metrics->query(*query);
    if (!result)
        return reply(result.error());
    reply(toJson(query->deployment, *result));
}

} // namespace berth::provider
