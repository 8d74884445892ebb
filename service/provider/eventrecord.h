#pragma once

#include <QDateTime>
#include <QList>
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

// Whether a deployment's pod never ran since it was provisioned last (events
// oldest first): no "running" since its last "deleted", and the last event is a
// failure. Such a deployment's channel paid for nothing, so berthd gives the
// publisher its deposit back (Escrow's refund).
inline bool neverRanAndFailed(const QList<EventRecord> &events)
{
    if (events.isEmpty() || events.constLast().kind != u"failed")
        return false;
    for (auto it = events.crbegin(); it != events.crend(); ++it) {
        if (it->kind == u"running")
            return false;
        if (it->kind == u"deleted")
            return true;
    }
    return true;
}

} // namespace berth::provider
