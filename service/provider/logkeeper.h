#pragma once

#include "provider/logstore.h"
#include "provider/runtime.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <functional>
#include <utility>

namespace berth::provider {

class RuntimeWorker;
class StateStore;
struct DeploymentRecord;

struct LogKeeperConfig
{
    QString root; // <dataDir>/logs
    qint64 maxBytesPerDeployment =
        LogStore::DefaultBytesPerDeployment; // logs.maxBytesPerDeployment
    int retentionDays = 7; // logs.retentionDays: a deleted deployment's logs are kept this long
    int pollMs = 1000;     // one collection pass over the running deployments
    int pruneMs = 60 * 60 * 1000;
};

// What one collection reads of a deployment: its containers (as its manifest
// names them) and where the kept output of each stops.
struct LogCollection
{
    QString deploymentId;
    QStringList containers;
    QHash<QString, QDateTime> since; // container → last kept time
    QDateTime firstSince; // for a container without kept lines: when the deployment was made
};

// Lines read per deployment by one collection.
using CollectedLogs = QList<std::pair<QString, QList<LogLine>>>;

// Keeps the output of every running deployment's containers in a LogStore, so
// pod.logs still answers after a container exits, a pod is replaced or
// stopped, berthd restarts, or the deployment is deleted (docs/provider.md,
// "Logs"). Once a second (pollMs) one job on the runtime worker reads what
// each running container printed since its cursor (Podman's `since`, whole
// seconds, then deduplicated by the store); a pass starts only when the last one
// is done, so a slow Podman slows collection, never piles it up. Before a pod
// goes (update, stop, delete) PodService runs collector() in the same worker
// job, so the last lines are read before the containers vanish. Logs of a
// deleted deployment are pruned retentionDays after its deletion.
class LogKeeper : public QObject
{
    Q_OBJECT

public:
    LogKeeper(LogKeeperConfig config, StateStore *state, RuntimeWorker *worker,
              QObject *parent = nullptr);

    const LogKeeperConfig &config() const { return m_config; }
    LogStore &store() { return m_store; }
    const LogStore &store() const { return m_store; }

    // Collects every pollMs and prunes every pruneMs (and now).
    void start();

    // A step for a runtime worker job, made on this thread: it reads what the
    // deployment's containers printed since their cursors and hands it to this
    // keeper (queued, so it is stored before the job's own result arrives).
    // Empty for a deployment that never ran.
    std::function<void(Runtime &)> collector(const QString &deploymentId);

    // Reads the new output of each collection from the runtime. Blocking: on the
    // runtime worker. A deployment without a pod, or a container the pod does
    // not have (yet), reads as nothing.
    static CollectedLogs collect(Runtime &runtime, const QList<LogCollection> &collections);

    // Stores lines read from the runtime and announces those that are new.
    void keep(const QString &deploymentId, const QList<LogLine> &lines);

    // Removes the logs of deployments deleted more than retentionDays ago (and
    // of folders no deployment owns, that long after they were last written).
    void prune();

    // One collection pass now (it is skipped while one is running).
    void collectNow();

signals:
    // Lines just stored for a deployment, oldest first (pod.logs follow).
    void stored(const QString &deploymentId, const QList<LogLine> &lines);

private:
    LogCollection collectionFor(const DeploymentRecord &record);

    LogKeeperConfig m_config;
    LogStore m_store;
    StateStore *m_state;
    RuntimeWorker *m_worker;
    bool m_passing = false;
    QTimer m_pollTimer;
    QTimer m_pruneTimer;
};

} // namespace berth::provider
