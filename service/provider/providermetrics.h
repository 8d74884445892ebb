#pragma once

#include "crypto/address.h"
#include "provider/channelreader.h"

#include <QByteArray>
#include <QHash>
#include <QString>

namespace berth::protocol {
class ProtocolServer;
}

namespace berth::provider {

class MetricsCollector;
class StateStore;

// What berthd's /metrics says beyond the collector's figures: deployments by
// state, channel runway and unclaimed earnings (from billing's checks), claims
// and claimed earnings, reconcile failures, protocol requests and latencies.
// The daemon feeds it; render() is the whole scrape.
class ProviderMetrics
{
public:
    struct Token
    {
        crypto::Address address;
        QString symbol;
        int decimals = 0;
    };

    ProviderMetrics(Token token, const StateStore *state);

    void setCollector(const MetricsCollector *collector) { m_collector = collector; }
    void setServer(const protocol::ProtocolServer *server) { m_server = server; }

    void channelChecked(const QString &deploymentId, const ChannelSnapshot &snapshot);
    void claimFinished(bool confirmed, const QString &amount);
    void reconciled(int failures);

    QByteArray render() const;

private:
    struct Channel
    {
        double runwaySeconds = 0;
        double claimableTokens = 0;
    };

    double tokens(const QString &baseUnits) const;

    Token m_token;
    const StateStore *m_state;
    const MetricsCollector *m_collector = nullptr;
    const protocol::ProtocolServer *m_server = nullptr;
    QHash<QString, Channel> m_channels; // by deployment id
    double m_claimedTokens = 0;
    quint64 m_claimsConfirmed = 0;
    quint64 m_claimsFailed = 0;
    quint64 m_reconcileFailures = 0;
};

} // namespace berth::provider
