#include "provider/metricscollector.h"

#include "provider/metricsstore.h"
#include "provider/podmanapi.h"
#include "provider/prometheustext.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>
#include <QStorageInfo>

#include <ctime>
#include <functional>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace berth::provider {

Q_LOGGING_CATEGORY(lcMetrics, "berth.daemon.metrics")

namespace {

const auto DeploymentLabel = u"berth.deployment"_s;
constexpr qint64 PruneIntervalSeconds = 600;

double threadCpuSeconds()
{
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return double(now.tv_sec) + double(now.tv_nsec) / 1e9;
}

quint64 unsignedOf(const QJsonValue &value)
{
    const double number = value.toDouble();
    return number > 0 ? quint64(number) : 0;
}

MachineReading readMachine(const QString &dataDir)
{
    MachineReading machine;
    machine.cpus = int(::sysconf(_SC_NPROCESSORS_ONLN));
    const double tick = double(::sysconf(_SC_CLK_TCK));
    QFile stat(u"/proc/stat"_s);
    if (stat.open(QIODevice::ReadOnly)) {
        // cpu user nice system idle iowait irq softirq steal ...
        const QList<QByteArray> fields = stat.readLine().simplified().split(' ');
        double total = 0;
        double idle = 0;
        for (qsizetype i = 1; i < fields.size() && i <= 8; ++i) {
            const double value = fields.at(i).toDouble();
            total += value;
            if (i == 4 || i == 5)
                idle += value;
        }
        machine.cpuTotalSeconds = total / tick;
        machine.cpuBusySeconds = (total - idle) / tick;
    }
    QFile meminfo(u"/proc/meminfo"_s);
    // Files in /proc report size 0, so atEnd() cannot be trusted: read it whole.
    if (meminfo.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> lines = meminfo.readAll().split('\n');
        for (const QByteArray &line : lines) {
            const QList<QByteArray> fields = line.simplified().split(' ');
            if (fields.size() < 2)
                continue;
            const quint64 bytes = fields.at(1).toULongLong() * 1024;
            if (fields.first() == "MemTotal:")
                machine.memoryBytes = bytes;
            else if (fields.first() == "MemAvailable:")
                machine.memoryAvailableBytes = bytes;
        }
    }
    const QStorageInfo disk(dataDir);
    if (disk.isValid()) {
        machine.diskBytes = quint64(disk.bytesTotal());
        machine.diskAvailableBytes = quint64(disk.bytesAvailable());
    }
    return machine;
}

} // namespace

// Lives on the collector's thread: its own Podman connection and what it
// remembers of each container between passes.
struct MetricsCollector::Worker
{
    struct Known
    {
        qint64 startedAt = 0;
        int restarts = 0;
        bool hasHealthCheck = false;
    };

    explicit Worker(const MetricsCollectorConfig &config)
        : api(config.podmanSocket)
        , dataDir(config.dataDir)
    {}

    Result<CollectorPass> collect();
    Result<void> inspect(const QString &id, Known &known, std::optional<bool> &healthy);

    PodmanApi api;
    QString dataDir;
    QHash<QString, Known> known; // by container id
};

Result<void> MetricsCollector::Worker::inspect(const QString &id, Known &entry,
                                               std::optional<bool> &healthy)
{
    auto response = api.call("GET", u"/containers/%1/json"_s.arg(PodmanApi::encoded(id)));
    if (!response)
        return response.error();
    if (response->status == 404)
        return {}; // gone since it was listed
    if (!response->ok())
        return PodmanApi::error(*response, u"inspect container %1"_s.arg(id));
    auto json = PodmanApi::json(*response, u"container inspect"_s);
    if (!json)
        return json.error();
    const QJsonObject inspect = json->object();
    entry.restarts = inspect.value(u"RestartCount"_s).toInt();
    const QJsonArray test = inspect.value(u"Config"_s)
                                .toObject()
                                .value(u"Healthcheck"_s)
                                .toObject()
                                .value(u"Test"_s)
                                .toArray();
    entry.hasHealthCheck = !test.isEmpty() && test.first().toString() != u"NONE"_s;
    if (entry.hasHealthCheck) {
        const QString status = inspect.value(u"State"_s)
                                   .toObject()
                                   .value(u"Health"_s)
                                   .toObject()
                                   .value(u"Status"_s)
                                   .toString();
        if (status == u"healthy"_s)
            healthy = true;
        else if (status == u"unhealthy"_s)
            healthy = false;
    }
    return {};
}

Result<CollectorPass> MetricsCollector::Worker::collect()
{
    const double cpuBefore = threadCpuSeconds();
    CollectorPass pass;
    pass.time = QDateTime::currentSecsSinceEpoch();

    // 1: Berth's containers, running or not (one call).
    const QJsonObject filters{{u"label"_s, QJsonArray{DeploymentLabel}}};
    auto list = api.getJson(u"/containers/json?all=true&filters="_s +
                                PodmanApi::encoded(QString::fromUtf8(
                                    QJsonDocument(filters).toJson(QJsonDocument::Compact))),
                            u"list containers"_s, u"container list"_s);
    if (!list)
        return list.error();

    QHash<QString, qsizetype> byId;
    QHash<QString, Known> seen;
    bool anyRunning = false;
    for (const QJsonValue &value : list->array()) {
        const QJsonObject entry = value.toObject();
        if (entry.value(u"IsInfra"_s).toBool())
            continue;
        ContainerReading reading;
        reading.id = entry.value(u"Id"_s).toString();
        reading.deployment = entry.value(u"Labels"_s).toObject().value(DeploymentLabel).toString();
        if (reading.id.isEmpty() || reading.deployment.isEmpty())
            continue;
        const QJsonArray names = entry.value(u"Names"_s).toArray();
        reading.container = names.isEmpty() ? reading.id.left(12) : names.first().toString();
        const QString prefix = u"berth-"_s + reading.deployment + u'-';
        if (reading.container.startsWith(prefix))
            reading.container = reading.container.mid(prefix.size());
        reading.state = entry.value(u"State"_s).toString();
        anyRunning = anyRunning || reading.state == u"running"_s;

        // Inspected when new, restarted (a new start time) or health-checked.
        Known memo = known.value(reading.id);
        const qint64 startedAt = entry.value(u"StartedAt"_s).toInteger();
        const bool fresh = !known.contains(reading.id) || memo.startedAt != startedAt;
        if (fresh || (memo.hasHealthCheck && reading.state == u"running"_s)) {
            if (auto inspected = inspect(reading.id, memo, reading.healthy); !inspected)
                qCDebug(lcMetrics).noquote() << inspected.error().message;
        }
        memo.startedAt = startedAt;
        reading.restarts = memo.restarts;
        seen.insert(reading.id, memo);
        byId.insert(reading.id, pass.containers.size());
        pass.containers.append(reading);
    }
    known = seen;

    // 2: the stats of Berth's running containers, named (one call), so Podman
    // reads no infra container nor anything else on the host. A container that
    // stopped since it was listed makes Podman refuse the list: then every
    // running container's stats are read instead (still one call).
    if (anyRunning) {
        QString named = u"/containers/stats?stream=false"_s;
        for (const ContainerReading &reading : std::as_const(pass.containers))
            if (reading.state == u"running"_s)
                named += u"&containers="_s + reading.id;
        // Podman answers a list naming a container that is gone with
        // {"Error": {}, "Stats": null} (HTTP 200).
        const auto refused = [](const Result<HttpResponse> &answer) {
            if (!answer || !answer->ok())
                return true;
            const QJsonValue error =
                QJsonDocument::fromJson(answer->body).object().value(u"Error"_s);
            return !error.isNull() && !error.isUndefined();
        };
        auto stats = api.call("GET", named);
        if (stats && refused(stats))
            stats = api.call("GET", u"/containers/stats?stream=false"_s);
        if (!stats)
            return stats.error();
        if (!stats->ok())
            return PodmanApi::error(*stats, u"read container stats"_s);
        auto json = PodmanApi::json(*stats, u"container stats"_s);
        if (!json)
            return json.error();
        if (const QJsonValue error = json->object().value(u"Error"_s);
            !error.isNull() && !error.isUndefined())
            return Error(
                ErrorCode::Unavailable,
                u"Podman could not read container stats: %1"_s.arg(
                    QString::fromUtf8(QJsonDocument(json->object()).toJson(QJsonDocument::Compact))
                        .left(200)));
        for (const QJsonValue &value : json->object().value(u"Stats"_s).toArray()) {
            const QJsonObject entry = value.toObject();
            const auto index = byId.constFind(entry.value(u"ContainerID"_s).toString());
            if (index == byId.constEnd())
                continue;
            ContainerReading &reading = pass.containers[*index];
            reading.hasStats = true;
            reading.cpuNanos = unsignedOf(entry.value(u"CPUNano"_s));
            reading.readAtNanos = qint64(entry.value(u"SystemNano"_s).toDouble());
            reading.memoryBytes = unsignedOf(entry.value(u"MemUsage"_s));
            reading.memoryLimitBytes = unsignedOf(entry.value(u"MemLimit"_s));
            reading.netRxBytes = unsignedOf(entry.value(u"NetInput"_s));
            reading.netTxBytes = unsignedOf(entry.value(u"NetOutput"_s));
            reading.blockReadBytes = unsignedOf(entry.value(u"BlockInput"_s));
            reading.blockWriteBytes = unsignedOf(entry.value(u"BlockOutput"_s));
            reading.pids = unsignedOf(entry.value(u"PIDs"_s));
        }
    }
    pass.machine = readMachine(dataDir);
    pass.cpuSeconds = threadCpuSeconds() - cpuBefore;
    return pass;
}

MetricsCollector::MetricsCollector(MetricsCollectorConfig config, MetricsStore *store,
                                   QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_store(store)
    , m_worker(std::make_shared<Worker>(m_config))
{
    m_thread.setObjectName(u"berth-metrics"_s);
    m_executor = new QObject;
    m_executor->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_executor, &QObject::deleteLater);
    m_thread.start();
    m_timer.setInterval(std::max(1, m_config.intervalSeconds) * 1000);
    connect(&m_timer, &QTimer::timeout, this, &MetricsCollector::collectNow);
}

MetricsCollector::~MetricsCollector()
{
    m_thread.quit();
    m_thread.wait();
}

void MetricsCollector::start()
{
    m_timer.start();
    collectNow();
}

void MetricsCollector::collectNow()
{
    if (m_busy)
        return;
    m_busy = true;
    QMetaObject::invokeMethod(m_executor, [worker = m_worker, self = QPointer(this)] {
        auto pass = std::make_shared<Result<CollectorPass>>(worker->collect());
        if (self)
            QMetaObject::invokeMethod(self.data(), [self, pass] {
                if (self)
                    self->finish(*pass);
            });
    });
}

void MetricsCollector::finish(Result<CollectorPass> pass)
{
    m_busy = false;
    ++m_passes;
    if (!pass) {
        ++m_failures;
        qCWarning(lcMetrics).noquote() << "metrics not collected:" << pass.error().message;
        emit passFinished(false);
        return;
    }
    const double cpuBefore = threadCpuSeconds();
    QList<MetricSample> samples;
    QList<Latest> latest;
    QHash<QString, ContainerReading> previous;
    for (const ContainerReading &reading : std::as_const(pass->containers)) {
        MetricSample sample;
        sample.deployment = reading.deployment;
        sample.container = reading.container;
        sample.time = pass->time;
        sample[MetricSeries::Restarts] = double(reading.restarts);
        if (reading.hasStats) {
            sample[MetricSeries::Memory] = double(reading.memoryBytes);
            sample[MetricSeries::Pids] = double(reading.pids);
            const auto before = m_previous.constFind(reading.id);
            if (before != m_previous.constEnd() && before->hasStats &&
                reading.readAtNanos > before->readAtNanos) {
                const double seconds = double(reading.readAtNanos - before->readAtNanos) / 1e9;
                // A counter that went back was reset (the container restarted): no rate.
                const auto rate = [seconds](quint64 now, quint64 then) -> std::optional<double> {
                    if (now < then)
                        return std::nullopt;
                    return double(now - then) / seconds;
                };
                sample[MetricSeries::Cpu] = rate(reading.cpuNanos, before->cpuNanos);
                if (sample[MetricSeries::Cpu])
                    *sample[MetricSeries::Cpu] /= 1e9;
                sample[MetricSeries::NetRx] = rate(reading.netRxBytes, before->netRxBytes);
                sample[MetricSeries::NetTx] = rate(reading.netTxBytes, before->netTxBytes);
                sample[MetricSeries::BlockRead] =
                    rate(reading.blockReadBytes, before->blockReadBytes);
                sample[MetricSeries::BlockWrite] =
                    rate(reading.blockWriteBytes, before->blockWriteBytes);
            }
        }
        previous.insert(reading.id, reading);
        samples.append(sample);
        latest.append({reading, sample});
    }

    // The machine: cores in use over the last interval, memory in use.
    MetricSample machine;
    machine.deployment = MachineDeployment;
    machine.container = MachineDeployment;
    machine.time = pass->time;
    machine[MetricSeries::Memory] =
        double(pass->machine.memoryBytes -
               std::min(pass->machine.memoryBytes, pass->machine.memoryAvailableBytes));
    if (m_previousMachine && pass->machine.cpuTotalSeconds > m_previousMachine->cpuTotalSeconds) {
        const double share = (pass->machine.cpuBusySeconds - m_previousMachine->cpuBusySeconds) /
                             (pass->machine.cpuTotalSeconds - m_previousMachine->cpuTotalSeconds);
        machine[MetricSeries::Cpu] = std::max(0.0, share) * pass->machine.cpus;
    }
    samples.append(machine);
    m_previousMachine = pass->machine;
    m_machine = pass->machine;
    m_previous = previous;
    m_latest = latest;

    bool ok = true;
    if (m_store) {
        if (auto stored = m_store->insert(samples); !stored) {
            ok = false;
            qCWarning(lcMetrics).noquote() << stored.error().message;
        }
        if (auto rolled = m_store->rollUp(pass->time); !rolled) {
            ok = false;
            qCWarning(lcMetrics).noquote() << rolled.error().message;
        }
        if (pass->time - m_lastPrune >= PruneIntervalSeconds) {
            m_lastPrune = pass->time;
            if (auto pruned = m_store->prune(pass->time); !pruned) {
                ok = false;
                qCWarning(lcMetrics).noquote() << pruned.error().message;
            }
        }
    }
    if (!ok)
        ++m_failures;
    m_lastPassSeconds = pass->cpuSeconds + (threadCpuSeconds() - cpuBefore);
    m_cpuSeconds += m_lastPassSeconds;
    emit passFinished(ok);
}

void MetricsCollector::writePrometheus(PrometheusText &out) const
{
    using Type = PrometheusText::Type;
    struct Family
    {
        QLatin1StringView name;
        Type type;
        QStringView help;
        std::function<std::optional<double>(const ContainerReading &)> value;
    };
    const Family families[] = {
        {"berth_container_cpu_seconds_total"_L1, Type::Counter,
         u"CPU time the container used since it started.",
         [](const ContainerReading &r) -> std::optional<double> {
             return r.hasStats ? std::optional(double(r.cpuNanos) / 1e9) : std::nullopt;
         }},
        {"berth_container_memory_bytes"_L1, Type::Gauge,
         u"Memory the container uses (its cgroup's usage, page cache and tmpfs included).",
         [](const ContainerReading &r) -> std::optional<double> {
             return r.hasStats ? std::optional(double(r.memoryBytes)) : std::nullopt;
         }},
        {"berth_container_memory_limit_bytes"_L1, Type::Gauge,
         u"The container's memory limit (the machine's memory without one).",
         [](const ContainerReading &r) -> std::optional<double> {
             return r.hasStats ? std::optional(double(r.memoryLimitBytes)) : std::nullopt;
         }},
        {"berth_container_network_receive_bytes_total"_L1, Type::Counter,
         u"Bytes received by the pod's network namespace (shared by its containers).",
         [](const ContainerReading &r) -> std::optional<double> {
             return r.hasStats ? std::optional(double(r.netRxBytes)) : std::nullopt;
         }},
        {"berth_container_network_transmit_bytes_total"_L1, Type::Counter,
         u"Bytes sent by the pod's network namespace (shared by its containers).",
         [](const ContainerReading &r) -> std::optional<double> {
             return r.hasStats ? std::optional(double(r.netTxBytes)) : std::nullopt;
         }},
        {"berth_container_block_read_bytes_total"_L1, Type::Counter,
         u"Bytes the container read from block devices.",
         [](const ContainerReading &r) -> std::optional<double> {
             return r.hasStats ? std::optional(double(r.blockReadBytes)) : std::nullopt;
         }},
        {"berth_container_block_write_bytes_total"_L1, Type::Counter,
         u"Bytes the container wrote to block devices.",
         [](const ContainerReading &r) -> std::optional<double> {
             return r.hasStats ? std::optional(double(r.blockWriteBytes)) : std::nullopt;
         }},
        {"berth_container_pids"_L1, Type::Gauge, u"Processes in the container.",
         [](const ContainerReading &r) -> std::optional<double> {
             return r.hasStats ? std::optional(double(r.pids)) : std::nullopt;
         }},
        {"berth_container_restarts_total"_L1, Type::Counter,
         u"Times Podman restarted the container (counts again from 0 when the pod is replayed).",
         [](const ContainerReading &r) -> std::optional<double> { return double(r.restarts); }},
        {"berth_container_running"_L1, Type::Gauge, u"1 while the container runs, else 0.",
         [](const ContainerReading &r) -> std::optional<double> {
             return r.state == u"running"_s ? 1.0 : 0.0;
         }},
        {"berth_container_healthy"_L1, Type::Gauge,
         u"1 when the container's health check passes, 0 when it fails (only with a check).",
         [](const ContainerReading &r) -> std::optional<double> {
             if (!r.healthy)
                 return std::nullopt;
             return *r.healthy ? 1.0 : 0.0;
         }},
    };
    for (const Family &family : families) {
        out.family(family.name, family.type, family.help);
        for (const Latest &latest : m_latest) {
            if (const auto value = family.value(latest.reading))
                out.sample(family.name,
                           {{"deployment"_L1, latest.reading.deployment},
                            {"container"_L1, latest.reading.container}},
                           *value);
        }
    }
    out.family("berth_container_cpu_cores"_L1, Type::Gauge,
               u"CPU cores the container used over the last collection interval.");
    for (const Latest &latest : m_latest)
        if (const auto &cores = latest.sample[MetricSeries::Cpu])
            out.sample("berth_container_cpu_cores"_L1,
                       {{"deployment"_L1, latest.reading.deployment},
                        {"container"_L1, latest.reading.container}},
                       *cores);

    const auto machineGauge = [&out](QLatin1StringView name, QStringView help, double value,
                                     Type type = Type::Gauge) {
        out.family(name, type, help);
        out.sample(name, {}, value);
    };
    machineGauge("berth_machine_cpu_cores"_L1, u"CPU cores of the machine.",
                 double(m_machine.cpus));
    machineGauge("berth_machine_cpu_busy_seconds_total"_L1,
                 u"CPU time the machine spent busy (all cores, not idle or waiting for I/O).",
                 m_machine.cpuBusySeconds, Type::Counter);
    machineGauge("berth_machine_memory_bytes"_L1, u"Memory of the machine.",
                 double(m_machine.memoryBytes));
    machineGauge("berth_machine_memory_available_bytes"_L1,
                 u"Memory available for new work (MemAvailable).",
                 double(m_machine.memoryAvailableBytes));
    machineGauge("berth_machine_disk_bytes"_L1, u"Size of the file system of berthd's dataDir.",
                 double(m_machine.diskBytes));
    machineGauge("berth_machine_disk_available_bytes"_L1,
                 u"Free space on the file system of berthd's dataDir.",
                 double(m_machine.diskAvailableBytes));
    machineGauge("berth_collector_passes_total"_L1, u"Collection passes run.", double(m_passes),
                 Type::Counter);
    machineGauge("berth_collector_failures_total"_L1,
                 u"Collection passes that failed (Podman or the metrics store).",
                 double(m_failures), Type::Counter);
    machineGauge("berth_collector_cpu_seconds_total"_L1,
                 u"CPU time the collector used (its Podman calls and storing the samples).",
                 m_cpuSeconds, Type::Counter);
}

} // namespace berth::provider
