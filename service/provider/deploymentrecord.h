#pragma once

#include <QDateTime>
#include <QString>

namespace berth::provider {

// One row of the deployments table: a pod this provider was asked to run.
struct DeploymentRecord
{
    QString id;           // the publisher's deployment id; provisioning is idempotent by it
    QString publisher;    // EIP-55 address of the logged-in publisher
    QString channelId;    // the Escrow channel that pays for it (0x…)
    QString manifestJson; // the validated manifest, as JSON
    QString state;        // e.g. "provisioning", "running", "stopped", "deleted"
    QDateTime createdAt;  // UTC
    QDateTime updatedAt;  // UTC
    QString name;         // the publisher's name for it (the Escrow deployment id hashes it)
    QString specJson;     // host ports and routes berthd chose (JSON), kept across restarts
};

} // namespace berth::provider
