#include "provider/providermetrics.h"

#include "protocol/protocolserver.h"
#include "provider/metricscollector.h"
#include "provider/prometheustext.h"
#include "provider/statestore.h"

#include <QMap>
#include <QSet>

#include <cmath>

using namespace Qt::StringLiterals;

namespace berth::provider {

ProviderMetrics::ProviderMetrics(Token token, const StateStore *state)
    : m_token(std::move(token))
    , m_state(state)
{}

double ProviderMetrics::tokens(const QString &baseUnits) const
{
    return baseUnits.toDouble() / std::pow(10.0, m_token.decimals);
}

void ProviderMetrics::channelChecked(const QString &deploymentId, const ChannelSnapshot &snapshot)
{
    m_channels.insert(deploymentId, {toDecimalString(snapshot.runway).toDouble(),
                                     tokens(toDecimalString(snapshot.claimable))});
}

void ProviderMetrics::claimFinished(bool confirmed, const QString &amount)
{
    if (confirmed) {
        ++m_claimsConfirmed;
        m_claimedTokens += tokens(amount);
    } else {
        ++m_claimsFailed;
    }
}

void ProviderMetrics::reconciled(int failures)
{
    m_reconcileFailures += quint64(std::max(0, failures));
}

QByteArray ProviderMetrics::render() const
{
    using Type = PrometheusText::Type;
    PrometheusText out;
    if (m_collector)
        m_collector->writePrometheus(out);

    QMap<QString, int> byState;
    QSet<QString> live;
    if (auto deployments = m_state->deployments()) {
        for (const DeploymentRecord &record : std::as_const(*deployments)) {
            ++byState[record.state];
            if (record.state != u"deleted"_s)
                live.insert(record.id);
        }
    }
    for (const QString &state :
         {u"provisioning"_s, u"running"_s, u"stopped"_s, u"failed"_s, u"deleted"_s})
        byState.insert(state, byState.value(state));
    out.family("berth_deployments"_L1, Type::Gauge, u"Deployments on this provider by state.");
    for (auto it = byState.cbegin(); it != byState.cend(); ++it)
        out.sample("berth_deployments"_L1, {{"state"_L1, it.key()}}, it.value());

    const PrometheusLabels token{{"token"_L1, m_token.address.toChecksumString()},
                                 {"symbol"_L1, m_token.symbol}};
    out.family("berth_channel_runway_seconds"_L1, Type::Gauge,
               u"Seconds a live deployment's escrow deposit still pays, at billing's last check.");
    double unclaimed = 0;
    QStringList ids = m_channels.keys();
    ids.sort();
    for (const QString &id : std::as_const(ids)) {
        if (!live.contains(id))
            continue;
        const Channel &channel = m_channels.value(id);
        out.sample("berth_channel_runway_seconds"_L1, {{"deployment"_L1, id}},
                   channel.runwaySeconds);
        unclaimed += channel.claimableTokens;
    }
    out.family("berth_earnings_unclaimed_tokens"_L1, Type::Gauge,
               u"Earnings live channels would pay on a claim now, in tokens.");
    out.sample("berth_earnings_unclaimed_tokens"_L1, token, unclaimed);
    out.family("berth_earnings_claimed_tokens_total"_L1, Type::Counter,
               u"Earnings claimed since berthd started, in tokens.");
    out.sample("berth_earnings_claimed_tokens_total"_L1, token, m_claimedTokens);
    out.family("berth_claims_total"_L1, Type::Counter,
               u"Claim transactions finished since berthd started, by result.");
    out.sample("berth_claims_total"_L1, {{"result"_L1, u"confirmed"_s}}, double(m_claimsConfirmed));
    out.sample("berth_claims_total"_L1, {{"result"_L1, u"failed"_s}}, double(m_claimsFailed));
    out.family("berth_claim_failures_total"_L1, Type::Counter,
               u"Claim transactions that failed since berthd started.");
    out.sample("berth_claim_failures_total"_L1, {}, double(m_claimsFailed));
    out.family("berth_reconcile_failures_total"_L1, Type::Counter,
               u"Deployments berthd could not run again when it reconciled with Podman.");
    out.sample("berth_reconcile_failures_total"_L1, {}, double(m_reconcileFailures));

    if (m_server) {
        const auto &methods = m_server->stats().methods();
        QStringList names = methods.keys();
        names.sort();
        out.family("berth_protocol_sessions"_L1, Type::Gauge, u"Open protocol sessions.");
        out.sample("berth_protocol_sessions"_L1, {}, m_server->sessionCount());
        out.family("berth_protocol_requests_total"_L1, Type::Counter,
                   u"Protocol requests answered, by method.");
        for (const QString &name : std::as_const(names))
            out.sample("berth_protocol_requests_total"_L1, {{"method"_L1, name}},
                       double(methods.value(name).requests));
        out.family("berth_protocol_request_errors_total"_L1, Type::Counter,
                   u"Protocol requests answered with an error, by method.");
        for (const QString &name : std::as_const(names))
            out.sample("berth_protocol_request_errors_total"_L1, {{"method"_L1, name}},
                       double(methods.value(name).errors));
        out.family("berth_protocol_request_duration_seconds"_L1, Type::Histogram,
                   u"Time from a request's arrival to its answer, by method.");
        const auto &bounds = protocol::ProtocolStats::Bounds;
        const QList<double> upper(bounds.begin(), bounds.end());
        for (const QString &name : std::as_const(names)) {
            const auto &method = methods.value(name);
            QList<quint64> cumulative;
            quint64 sum = 0;
            for (quint64 count : method.buckets)
                cumulative.append(sum += count);
            out.histogram("berth_protocol_request_duration_seconds"_L1, {{"method"_L1, name}},
                          upper, cumulative, method.secondsSum, method.requests);
        }
    }
    return out.text();
}

} // namespace berth::provider
