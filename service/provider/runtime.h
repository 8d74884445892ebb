#pragma once

#include "core/result.h"
#include "crypto/secretbytes.h"
#include "manifest/pod.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace berth::provider {

// Where one of the pod's ports is published on the host. berthd picks the host
// ports: HTTP ports on loopback for the ingress to reach, TCP ports on the
// public address from the configured range.
struct PortBinding
{
    QString portName; // manifest port name
    int containerPort = 0;
    QString hostAddress; // e.g. "127.0.0.1" or "0.0.0.0"
    int hostPort = 0;
    bool operator==(const PortBinding &) const = default;
};

// Everything a runtime needs to run one deployment.
class Runtime;

struct RuntimeSpec
{
    QString deploymentId; // [a-z0-9-], at most 40 characters; names the pod "berth-<id>"
    manifest::Pod pod;    // validated
    QList<PortBinding> ports;
    // Decrypted secret values, by secret name then key. A runtime writes them
    // only into the pod's secret mount (tmpfs), never to the database, logs or disk.
    QMap<QString, QMap<QString, crypto::SecretBytes>> secrets;
    // Reuse the secret files already in the pod's tmpfs mount instead of writing
    // `secrets` (a restart of berthd: it never keeps secrets anywhere else).
    bool keepSecrets = false;
    int stopGraceSeconds = 10; // SIGTERM → SIGKILL
    // Called by apply() on the runtime's thread once the pod it replaces has
    // stopped and before it is removed, so that its last output can be read.
    std::function<void(Runtime &)> whenReplacedStopped;
};

struct ContainerStatus
{
    QString name;  // manifest container name
    QString state; // "running", "created", "exited", "paused", "unknown"
    int restarts = 0;
    std::optional<int> exitCode;
    std::optional<bool> healthy; // empty without a health check
    QDateTime startedAt;         // UTC
};

struct RuntimeStatus
{
    bool exists = false;
    // "running" (every container running), "degraded" (some not), "stopped"
    // (none running), "missing" (no pod).
    QString state = QStringLiteral("missing");
    QList<ContainerStatus> containers;
    int restarts() const;
};

struct LogLine
{
    QString container;
    QDateTime time; // UTC
    QString stream; // "stdout" or "stderr"
    QString text;   // one line, without the newline
};

struct LogQuery
{
    QString container; // empty: every container of the pod
    QDateTime since;   // invalid: from the start
    int tail = 1000;   // at most this many lines per container (newest), 0..10000
};

// What a provider runs pods on (DESIGN.md "Provider internals"). Every call
// blocks: berthd calls a runtime from its worker thread only. Every call is
// idempotent by deployment id. What the runtime creates carries the labels
// berth.deployment=<id> and app.kubernetes.io/managed-by=berth, so that list()
// finds exactly Berth's objects and nothing else is ever touched.
class Runtime
{
public:
    virtual ~Runtime() = default;

    // Unavailable (with what to do) when the runtime cannot be reached.
    virtual Result<void> ping() = 0;

    // Runs the spec, replacing a running pod of the same deployment (an update):
    // persistent volumes are created once and kept, secrets rewritten.
    virtual Result<void> apply(const RuntimeSpec &spec) = 0;

    // Stops and removes the pod; with removeVolumes also its persistent volumes
    // and secret files (a deletion), else they are kept (a stop). Removing what
    // does not exist succeeds.
    virtual Result<void> remove(const QString &deploymentId, bool removeVolumes) = 0;

    // Stops the pod's containers (SIGTERM, SIGKILL after its grace) and leaves
    // them, so what they printed while stopping can be read before remove().
    // Stopping what does not run or does not exist succeeds.
    virtual Result<void> stop(const QString &deploymentId) = 0;

    virtual Result<RuntimeStatus> status(const QString &deploymentId) = 0;

    // Deployment ids of every pod and every volume this runtime holds for Berth.
    virtual Result<QStringList> listPods() = 0;
    virtual Result<QStringList> listVolumeOwners() = 0;

    virtual Result<QList<LogLine>> logs(const QString &deploymentId, const LogQuery &query) = 0;

    // Images: whether a reference is present, load a `podman save` archive and
    // name it `name` (blobImageName(sha) for an uploaded blob), pull a public one.
    virtual Result<bool> hasImage(const QString &reference) = 0;
    virtual Result<void> loadImage(const QString &archivePath, const QString &name) = 0;
    virtual Result<void> pullImage(const QString &reference) = 0;
};

// The pod name of a deployment: "berth-<id>".
QString podNameFor(const QString &deploymentId);

// Deployment ids as the protocol accepts them: 1–40 of [a-z0-9-], starting and
// ending alphanumeric (they become pod, volume and host names).
bool isValidDeploymentId(const QString &deploymentId);

} // namespace berth::provider
