#include "provider/capacitycheck.h"

#include "chain/podprice.h"
#include "manifest/manifestcodec.h"
#include "protocol/rpcerror.h"

#include <QJsonObject>
#include <QLocale>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

QString cores(quint64 millis)
{
    return QLocale::c().toString(double(millis) / 1000.0, 'g', 6) +
           (millis == 1000 ? u" CPU core"_s : u" CPU cores"_s);
}

QString bytes(quint64 count)
{
    return QLocale::c().formattedDataSize(qint64(count), 2, QLocale::DataSizeIecFormat);
}

QString memory(quint64 count)
{
    return bytes(count) + u" of memory"_s;
}

QString storage(quint64 count)
{
    return bytes(count) + u" of storage"_s;
}

bool isHolding(const QString &state)
{
    return state == u"running" || state == u"provisioning";
}

} // namespace

chain::Resources machineResources()
{
    chain::Resources machine;
    const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long pageSize = ::sysconf(_SC_PAGESIZE);
    machine.cpuMillis = cpus > 0 ? quint64(cpus) * 1000 : 0;
    machine.memoryBytes = pages > 0 && pageSize > 0 ? quint64(pages) * quint64(pageSize) : 0;
    return machine;
}

chain::Resources admissionCapacity(const chain::Resources &listed, const chain::Resources &machine)
{
    chain::Resources capacity = listed;
    if (capacity.cpuMillis == 0)
        capacity.cpuMillis = machine.cpuMillis;
    if (capacity.memoryBytes == 0)
        capacity.memoryBytes = machine.memoryBytes;
    return capacity;
}

chain::Resources resourcesInUse(const QList<DeploymentRecord> &deployments,
                                const QString &replacing)
{
    chain::Resources used;
    for (const DeploymentRecord &record : deployments) {
        if (record.id == replacing || !isHolding(record.state))
            continue;
        const manifest::ParseResult parsed =
            manifest::parseManifest(record.manifestJson.toUtf8(), manifest::ManifestFormat::Json);
        if (!parsed.ok())
            continue;
        const chain::Resources held = chain::podResources(parsed.pod);
        used.cpuMillis += held.cpuMillis;
        used.memoryBytes += held.memoryBytes;
        used.storageBytes += held.storageBytes;
        used.gpuCount += held.gpuCount;
    }
    return used;
}

Result<void> checkFits(const chain::Resources &wanted, const chain::Resources &used,
                       const chain::Resources &capacity)
{
    struct Dimension
    {
        QString name;
        quint64 wanted, used, capacity;
        QString (*text)(quint64);
        bool checked;
    };
    const auto gpus = [](quint64 n) { return n == 1 ? u"1 GPU"_s : u"%1 GPUs"_s.arg(n); };
    const Dimension dimensions[] = {
        {u"cpu"_s, wanted.cpuMillis, used.cpuMillis, capacity.cpuMillis, cores, true},
        {u"memory"_s, wanted.memoryBytes, used.memoryBytes, capacity.memoryBytes, memory, true},
        {u"storage"_s, wanted.storageBytes, used.storageBytes, capacity.storageBytes, storage,
         capacity.storageBytes > 0},
        {u"gpus"_s, wanted.gpuCount, used.gpuCount, capacity.gpuCount, gpus, true},
    };
    for (const Dimension &d : dimensions) {
        if (!d.checked || d.wanted == 0)
            continue;
        const quint64 free = d.capacity > d.used ? d.capacity - d.used : 0;
        if (d.wanted <= free)
            continue;
        const QString message =
            d.capacity == 0
                ? u"this provider has no %1 to give, and the pod asks for %2: choose another "
                  u"provider"_s.arg(d.name == u"gpus" ? u"GPUs"_s : d.name, d.text(d.wanted))
                : u"this provider cannot take the pod: it asks for %1; free now: %2 of %3. "
                  u"Choose another provider, ask for less, or try again later"_s.arg(
                      d.text(d.wanted), d.text(free), d.text(d.capacity));
        return protocol::makeRpcError(protocol::RpcErrorCode::InsufficientCapacity, message,
                                      QJsonObject{{u"resource"_s, d.name},
                                                  {u"wanted"_s, QString::number(d.wanted)},
                                                  {u"free"_s, QString::number(free)},
                                                  {u"capacity"_s, QString::number(d.capacity)}});
    }
    return {};
}

} // namespace berth::provider
