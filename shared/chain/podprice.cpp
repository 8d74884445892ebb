#include "chain/podprice.h"

namespace berth::chain {

namespace {

constexpr quint64 MilliPerCore = 1000;
constexpr quint64 BytesPerGiB = quint64(1) << 30;

// ceil(amount × pricePerUnit / unit)
UInt256 scaledUp(quint64 amount, const UInt256 &pricePerUnit, quint64 unit)
{
    const UInt256 product = UInt256(amount) * pricePerUnit;
    return (product + unit - 1) / unit;
}

} // namespace

Resources podResources(const manifest::Pod &pod)
{
    Resources perReplica;
    for (const manifest::Container &container : pod.containers) {
        perReplica.cpuMillis += quint64(qMax<std::int64_t>(container.resources.cpuMillis, 0));
        perReplica.memoryBytes += quint64(qMax<std::int64_t>(container.resources.memoryBytes, 0));
        if (container.resources.gpu)
            perReplica.gpuCount += quint64(qMax(container.resources.gpu->count, 0));
    }
    const quint64 replicas = quint64(qMax(pod.replicas.max, 1));
    Resources total;
    total.cpuMillis = perReplica.cpuMillis * replicas;
    total.memoryBytes = perReplica.memoryBytes * replicas;
    total.gpuCount = perReplica.gpuCount * replicas;
    for (const manifest::Volume &volume : pod.volumes) {
        if (volume.kind == manifest::VolumeKind::Persistent)
            total.storageBytes += quint64(qMax<std::int64_t>(volume.sizeBytes, 0));
    }
    return total;
}

UInt256 podRate(const manifest::Pod &pod, const Prices &prices)
{
    return resourcesRate(podResources(pod), prices);
}

UInt256 resourcesRate(const Resources &resources, const Prices &prices)
{
    return scaledUp(resources.cpuMillis, prices.cpuCorePerSecond, MilliPerCore) +
           scaledUp(resources.memoryBytes, prices.memoryGiBPerSecond, BytesPerGiB) +
           scaledUp(resources.storageBytes, prices.storageGiBPerSecond, BytesPerGiB) +
           UInt256(resources.gpuCount) * prices.gpuUnitPerSecond;
}

} // namespace berth::chain
