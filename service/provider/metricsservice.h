#pragma once

#include "provider/metricsstore.h"
#include "provider/podservice.h"

#include <QJsonObject>
#include <QLatin1StringView>

#include <optional>

namespace berth::provider {

class StateStore;

// pod.metrics (docs/protocol.md): a deployment's time series for a range and a
// step, for its publisher only (Forbidden for another's), also after the
// deployment was deleted, until the metrics retention ends. admin.metrics
// (docs/provider.md) is the same query for the operator: any deployment, and
// the machine's own series.
class MetricsService
{
public:
    // The name admin.metrics takes (and answers with) for the machine's series.
    static constexpr QLatin1StringView Machine{"machine"};

    MetricsService(const StateStore *state, const MetricsStore *metrics);

    void metrics(const Caller &caller, const QJsonObject &params, Reply reply) const;
    // Any deployment's series; the machine's when params.deployment is absent
    // or "machine".
    void operatorMetrics(const QJsonObject &params, Reply reply) const;

    // The query of pod.metrics params, judged at `now` (unix seconds): the
    // deployment id is checked for its form only. InvalidParams errors name the field.
    static Result<MetricsQuery> parse(const QJsonObject &params, qint64 now);
    // The answer's JSON: per container and series its points, [t, value] or
    // [t, avg, min, max] from rollups.
    static QJsonObject toJson(const QString &deployment, const MetricsQueryResult &result);

private:
    // The deployment's series for `publisher` (any deployment when empty).
    void answer(const std::optional<crypto::Address> &publisher, const QJsonObject &params,
                Reply reply) const;

    const StateStore *m_state;
    const MetricsStore *m_metrics;
};

} // namespace berth::provider
