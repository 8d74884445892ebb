#pragma once

#include "core/result.h"
#include "crypto/address.h"

#include <QJsonValue>
#include <QObject>
#include <QString>

namespace berth::provider {

class AdminServer;
class MetricsService;
class PodService;
class StateStore;

// What admin.status reports about this berthd besides its deployments.
struct AdminStatusInfo
{
    crypto::Address provider;
    quint64 chainId = 0;
    QString version;      // "berthd 0.1.0"
    int protocolPort = 0; // the publishers' wss:// port
    int metricsPort = 0;  // /metrics; 0 when not served
};

// The methods of berthd's admin API (docs/provider.md, "Admin API"), set on an
// AdminServer: admin.status, admin.deployments, and admin.metrics / admin.logs,
// which are pod.metrics / pod.logs without the publisher's ownership check.
class AdminService : public QObject
{
    Q_OBJECT

public:
    AdminService(AdminServer *server, const StateStore *store, PodService *pods,
                 const MetricsService *metrics, AdminStatusInfo info, QObject *parent = nullptr);

private:
    Result<QJsonValue> status() const;
    Result<QJsonValue> deployments() const;

    AdminServer *m_server;
    const StateStore *m_store;
    PodService *m_pods;
    const MetricsService *m_metrics;
    AdminStatusInfo m_info;
};

} // namespace berth::provider
