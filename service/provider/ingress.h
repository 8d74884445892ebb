#pragma once

#include "core/result.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

namespace berth::provider {

// One HTTP port of a deployment as the outside world reaches it.
struct IngressRoute
{
    QString portName;  // manifest port name
    QStringList hosts; // lower-case host names routed to it
    QString upstream;  // "127.0.0.1:<host port>" where the pod listens
    bool operator==(const IngressRoute &) const = default;
};

// Routes host names to pods (DESIGN.md "Provider internals"). Calls block:
// berthd calls the ingress from its worker thread. Everything created is
// marked as Berth's and keyed by deployment id.
class Ingress
{
public:
    virtual ~Ingress() = default;

    virtual Result<void> ping() = 0;

    // Replaces the routes of one deployment with these (none: removes them).
    // Conflict, changing nothing, when a host is routed to another deployment.
    virtual Result<void> setRoutes(const QString &deploymentId,
                                   const QList<IngressRoute> &routes) = 0;
    virtual Result<void> removeRoutes(const QString &deploymentId) = 0;

    // The routes this ingress holds, by deployment id.
    virtual Result<QMap<QString, QList<IngressRoute>>> routes() = 0;
};

} // namespace berth::provider
