#pragma once

#include <QDateTime>
#include <QString>

namespace berth::provider {

// One row of the events table: what pod.events reports for a deployment.
struct EventRecord
{
    qint64 id = 0;
    QString deploymentId;
    QDateTime at; // UTC
    QString kind; // e.g. "provisioned", "runway-low", "stopped"
    QString message;
};

} // namespace berth::provider
