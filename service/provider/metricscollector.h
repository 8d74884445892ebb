#pragma once

#include "core/result.h"
#include "provider/metricsample.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QThread>
#include <QTimer>

#include <memory>
#include <optional>

namespace berth::provider {

class MetricsStore;
class PrometheusText;

// What Podman said about one of Berth's containers in one pass.
struct ContainerReading
{
    QString id;
    QString deployment;     // its berth.deployment label
    QString container;      // the manifest's container name
    QString state;          // Podman's: running, exited, ...
    bool hasStats = false;  // running, with the figures below
    quint64 cpuNanos = 0;   // CPU time used since it started
    qint64 readAtNanos = 0; // when Podman read the figures (unix nanoseconds)
    quint64 memoryBytes = 0;
    quint64 memoryLimitBytes = 0;
    quint64 netRxBytes = 0; // the pod's network namespace: shared by its containers
    quint64 netTxBytes = 0;
    quint64 blockReadBytes = 0;
    quint64 blockWriteBytes = 0;
    quint64 pids = 0;
    int restarts = 0;
    std::optional<bool> healthy; // empty without a health check
};

// The machine berthd runs on, read from /proc and the data directory's file system.
struct MachineReading
{
    int cpus = 0;
    double cpuBusySeconds = 0;  // all cores, since boot
    double cpuTotalSeconds = 0; // all cores, since boot
    quint64 memoryBytes = 0;
    quint64 memoryAvailableBytes = 0;
    quint64 diskBytes = 0;
    quint64 diskAvailableBytes = 0;
};

struct CollectorPass
{
    qint64 time = 0; // unix seconds
    QList<ContainerReading> containers;
    MachineReading machine;
    double cpuSeconds = 0; // the collector thread's CPU time for this pass
};

struct MetricsCollectorConfig
{
    QString podmanSocket;
    QString dataDir; // whose file system is reported as the machine's disk
    int intervalSeconds = 10;
};

// Berthd's collector (docs/provider.md, "Monitoring"): every interval, one
// batched Podman call lists Berth's containers (by the berth.deployment label)
// and one reads the stats of those running, by id
// (GET /libpod/containers/stats?stream=false&containers=…); a container is inspected only
// when it is new or restarted, or has a health check. The calls run on the
// collector's own thread with its own connection, never on the event loop nor
// on the runtime worker. Results come back to the owner's thread, where rates
// are derived (CPU cores, bytes per second), samples stored and the latest
// values kept for /metrics.
class MetricsCollector : public QObject
{
    Q_OBJECT

public:
    MetricsCollector(MetricsCollectorConfig config, MetricsStore *store, QObject *parent = nullptr);
    ~MetricsCollector() override; // waits for a pass in flight

    void start();
    // One pass now (unless one is running); passFinished follows.
    void collectNow();

    // The latest figures as Prometheus families (berth_container_*, berth_machine_*,
    // berth_collector_*).
    void writePrometheus(PrometheusText &out) const;

    quint64 passes() const { return m_passes; }
    quint64 failures() const { return m_failures; }
    double cpuSeconds() const { return m_cpuSeconds; }

signals:
    void passFinished(bool ok);

private:
    struct Worker;
    struct Latest
    {
        ContainerReading reading;
        MetricSample sample;
    };

    void finish(Result<CollectorPass> pass);

    MetricsCollectorConfig m_config;
    MetricsStore *m_store;
    QThread m_thread;
    QObject *m_executor = nullptr; // lives in m_thread
    std::shared_ptr<Worker> m_worker;
    QTimer m_timer;
    bool m_busy = false;
    QHash<QString, ContainerReading> m_previous; // by container id
    QList<Latest> m_latest;
    MachineReading m_machine;
    std::optional<MachineReading> m_previousMachine;
    qint64 m_lastPrune = 0;
    quint64 m_passes = 0;
    quint64 m_failures = 0;
    double m_cpuSeconds = 0;
    double m_lastPassSeconds = 0;
};

} // namespace berth::provider
