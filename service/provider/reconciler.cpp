#include "provider/reconciler.h"

#include "manifest/manifestcodec.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

QJsonArray specPorts(const QString &specJson)
{
    return QJsonDocument::fromJson(specJson.toUtf8()).object().value(u"ports"_s).toArray();
}

bool shouldRun(const DeploymentRecord &record)
{
    return record.state == "running"_L1 || record.state == "provisioning"_L1;
}

} // namespace

QJsonObject ReconcileReport::toJson() const
{
    QJsonObject why;
    for (auto it = errors.cbegin(); it != errors.cend(); ++it)
        why.insert(it.key(), it.value());
    return QJsonObject{{u"kept"_s, QJsonArray::fromStringList(kept)},
                       {u"restarted"_s, QJsonArray::fromStringList(restarted)},
                       {u"failed"_s, QJsonArray::fromStringList(failed)},
                       {u"removedPods"_s, QJsonArray::fromStringList(removedPods)},
                       {u"removedVolumes"_s, QJsonArray::fromStringList(removedVolumes)},
                       {u"removedRoutes"_s, QJsonArray::fromStringList(removedRoutes)},
                       {u"errors"_s, why}};
}

QList<PortBinding> bindingsFromSpec(const QString &specJson)
{
    QList<PortBinding> bindings;
    for (const QJsonValue &value : specPorts(specJson)) {
        const QJsonObject port = value.toObject();
        bindings.append({port.value(u"name"_s).toString(), port.value(u"containerPort"_s).toInt(),
                         port.value(u"hostAddress"_s).toString(),
                         port.value(u"hostPort"_s).toInt()});
    }
    return bindings;
}

QList<IngressRoute> routesFromSpec(const QString &specJson)
{
    QList<IngressRoute> routes;
    for (const QJsonValue &value : specPorts(specJson)) {
        const QJsonObject port = value.toObject();
        QStringList hosts;
        for (const QJsonValue &host : port.value(u"hosts"_s).toArray())
            hosts.append(host.toString());
        if (port.value(u"protocol"_s).toString() != "http"_L1 || hosts.isEmpty())
            continue;
        routes.append({port.value(u"name"_s).toString(), hosts,
                       u"%1:%2"_s.arg(port.value(u"hostAddress"_s).toString())
                           .arg(port.value(u"hostPort"_s).toInt())});
    }
    return routes;
}

ReconcileReport reconcile(const QList<DeploymentRecord> &records, Runtime &runtime,
                          Ingress &ingress, int stopGraceSeconds)
{
    ReconcileReport report;
    QSet<QString> live;
    QSet<QString> known;
    for (const DeploymentRecord &record : records) {
        if (record.state != "deleted"_L1)
            known.insert(record.id);
        if (shouldRun(record))
            live.insert(record.id);
    }
    const auto fail = [&report](const QString &id, const Error &error) {
        report.failed.append(id);
        report.errors.insert(id, error.message);
    };

    // 1. What should run, runs and is routed.
    for (const DeploymentRecord &record : records) {
        if (!shouldRun(record))
            continue;
        auto status = runtime.status(record.id);
        if (!status) {
            fail(record.id, status.error());
            continue;
        }
        if (status->state == "running"_L1 || status->state == "degraded"_L1) {
            report.kept.append(record.id);
        } else {
            manifest::ParseResult parsed = manifest::parseManifest(record.manifestJson.toUtf8(),
                                                                   manifest::ManifestFormat::Json);
            if (!parsed.ok()) {
                fail(record.id,
                     Error(ErrorCode::Internal, u"the stored manifest no longer reads: %1"_s.arg(
                                                    parsed.diagnostics.value(0).message)));
                continue;
            }
            RuntimeSpec spec;
            spec.deploymentId = record.id;
            spec.pod = parsed.pod;
            spec.ports = bindingsFromSpec(record.specJson);
            spec.keepSecrets = true; // the secret files on tmpfs are all berthd still has
            spec.stopGraceSeconds = stopGraceSeconds;
            if (auto applied = runtime.apply(spec); !applied) {
                fail(record.id, applied.error());
                continue;
            }
            report.restarted.append(record.id);
        }
        if (auto routed = ingress.setRoutes(record.id, routesFromSpec(record.specJson)); !routed)
            fail(record.id, routed.error());
    }

    // 2. Pods and volumes nobody pays for go; stopped deployments keep their volumes.
    if (auto pods = runtime.listPods(); pods) {
        for (const QString &id : std::as_const(*pods)) {
            if (live.contains(id))
                continue;
            if (runtime.remove(id, !known.contains(id)).ok())
                report.removedPods.append(id);
        }
    }
    if (auto owners = runtime.listVolumeOwners(); owners) {
        for (const QString &id : std::as_const(*owners)) {
            if (known.contains(id))
                continue;
            if (runtime.remove(id, true).ok())
                report.removedVolumes.append(id);
        }
    }
    // 3. Routes only for what runs.
    if (auto routes = ingress.routes(); routes) {
        for (auto it = routes->cbegin(); it != routes->cend(); ++it) {
            if (live.contains(it.key()))
                continue;
            if (ingress.removeRoutes(it.key()).ok())
                report.removedRoutes.append(it.key());
        }
    }
    return report;
}

} // namespace berth::provider
