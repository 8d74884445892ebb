#pragma once

#include "core/result.h"
#include "provider/deploymentrecord.h"
#include "provider/ingress.h"
#include "provider/runtime.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace berth::provider {

// What one reconcile pass found and did.
struct ReconcileReport
{
    QStringList kept;               // should run and ran: routes checked
    QStringList restarted;          // should run but did not: played again
    QStringList failed;             // should run and could not be started (with events)
    QStringList removedPods;        // ran but nobody asked for them (deleted, unknown)
    QStringList removedVolumes;     // volumes of deleted or unknown deployments
    QStringList removedRoutes;      // routes of deployments that should not run
    QHash<QString, QString> errors; // deployment id → why it failed
    QJsonObject toJson() const;
};

// The host ports and routes a deployment was given (DeploymentRecord::specJson).
QList<PortBinding> bindingsFromSpec(const QString &specJson);
QList<IngressRoute> routesFromSpec(const QString &specJson);

// On start, makes Podman and Caddy match the state store (docs/provider.md,
// "Reconcile"): deployments that should run (provisioning, running) run and
// are routed — a pod that still runs is left alone (its secret mount on tmpfs is
// intact), a missing one is played again from the stored manifest with the
// secret files that remain; pods, volumes and routes labelled as Berth's that no
// live deployment owns are removed. Blocking: call it on the runtime worker.
ReconcileReport reconcile(const QList<DeploymentRecord> &records, Runtime &runtime,
                          Ingress &ingress, int stopGraceSeconds);

} // namespace berth::provider
