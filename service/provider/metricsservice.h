#pragma once

#include "provider/metricsstore.h"
#include "provider/podservice.h"

#include <QJsonObject>

namespace berth::provider {

class StateStore;

// pod.metrics (docs/protocol.md): a deployment's time series for a range and a
// step, for its publisher only (Forbidden for another's), also after the
// deployment was deleted, until the metrics retention ends.
class MetricsService
{
public:
    MetricsService(const StateStore *state, const MetricsStore *metrics);

    void metrics(const Caller &caller, const QJsonObject &params, Reply reply) const;

    // The query of pod.metrics params, judged at `now` (unix seconds): the
    // deployment id is checked for its form only. InvalidParams errors name the field.
    static Result<MetricsQuery> parse(const QJsonObject &params, qint64 now);
    // The answer's JSON: per container and series its points, [t, value] or
    // [t, avg, min, max] from rollups.
    static QJsonObject toJson(const QString &deployment, const MetricsQueryResult &result);

private:
    const StateStore *m_state;
    const MetricsStore *m_metrics;
};

} // namespace berth::provider
