// Admission against the provider's capacity (provider/capacitycheck.h).
#include "protocol/rpcerror.h"
#include "provider/capacitycheck.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace berth;
using namespace berth::provider;
using namespace Qt::StringLiterals;

namespace {

constexpr quint64 GiB = 1024ull * 1024 * 1024;

DeploymentRecord deployment(const QString &id, const QString &state, const QString &cpu,
                            const QString &memory)
{
    DeploymentRecord record;
    record.id = id;
    record.state = state;
    record.manifestJson = QString::fromUtf8(
        QJsonDocument(QJsonObject{{u"apiVersion"_s, u"berth/v1"_s},
                                  {u"kind"_s, u"Pod"_s},
                                  {u"metadata"_s, QJsonObject{{u"name"_s, id}}},
                                  {u"containers"_s,
                                   QJsonArray{QJsonObject{
                                       {u"name"_s, u"main"_s},
                                       {u"image"_s, u"localhost/x:1"_s},
                                       {u"resources"_s,
                                        QJsonObject{{u"cpu"_s, cpu}, {u"memory"_s, memory}}}}}}})
            .toJson(QJsonDocument::Compact));
    return record;
}

chain::Resources resources(quint64 cpuMillis, quint64 memoryBytes, quint64 storage = 0,
                           quint64 gpus = 0)
{
    chain::Resources r;
    r.cpuMillis = cpuMillis;
    r.memoryBytes = memoryBytes;
    r.storageBytes = storage;
    r.gpuCount = gpus;
    return r;
}

} // namespace

class TestCapacityCheck : public QObject
{
    Q_OBJECT

private slots:
    void machineFillsWhatTheListingLeavesOut()
    {
        const chain::Resources machine = machineResources();
        QVERIFY(machine.cpuMillis >= 1000);
        QVERIFY(machine.memoryBytes > 0);
        const auto listed = admissionCapacity(resources(4000, 0, 20 * GiB), resources(2000, GiB));
        QCOMPARE(listed.cpuMillis, 4000u); // listed wins
        QCOMPARE(listed.memoryBytes, GiB); // from the machine
        QCOMPARE(listed.storageBytes, 20 * GiB);
    }

    void onlyRunningAndProvisioningHoldResources()
    {
        const QList<DeploymentRecord> all{
            deployment(u"a"_s, u"running"_s, u"500m"_s, u"256Mi"_s),
            deployment(u"b"_s, u"provisioning"_s, u"1"_s, u"1Gi"_s),
            deployment(u"c"_s, u"stopped"_s, u"2"_s, u"1Gi"_s),
            deployment(u"d"_s, u"failed"_s, u"2"_s, u"1Gi"_s),
            deployment(u"e"_s, u"deleted"_s, u"2"_s, u"1Gi"_s),
        };
        const auto used = resourcesInUse(all);
        QCOMPARE(used.cpuMillis, 1500u);
        QCOMPARE(used.memoryBytes, GiB + 256ull * 1024 * 1024);
        // An update does not count the deployment it replaces.
        QCOMPARE(resourcesInUse(all, u"b"_s).cpuMillis, 500u);
    }

    void fitsOrSaysWhatIsShort()
    {
        const auto capacity = resources(4000, 8 * GiB);
        QVERIFY(checkFits(resources(1000, GiB), resources(3000, 7 * GiB), capacity).ok());

        const auto cpu = checkFits(resources(1500, GiB), resources(3000, 0), capacity);
        QVERIFY(!cpu.ok());
        const auto rpc = protocol::toRpcError(cpu.error());
        QCOMPARE(rpc.code, protocol::RpcErrorCode::InsufficientCapacity);
        QCOMPARE(rpc.data.toObject().value(u"resource"_s).toString(), u"cpu"_s);
        QCOMPARE(rpc.data.toObject().value(u"free"_s).toString(), u"1000"_s);
        QCOMPARE(rpc.message, u"this provider cannot take the pod: it asks for 1.5 CPU cores; "
                              u"free now: 1 CPU core of 4 CPU cores. Choose another provider, "
                              u"ask for less, or try again later"_s);

        const auto memory = checkFits(resources(100, 2 * GiB), resources(0, 7 * GiB), capacity);
        QVERIFY(!memory.ok());
        QVERIFY2(memory.error().message.contains(u"2.00 GiB of memory"_s),
                 qPrintable(memory.error().message));

        // Storage counts only when listed; GPUs always (none listed: none to give).
        QVERIFY(checkFits(resources(0, 0, 100 * GiB), {}, capacity).ok());
        const auto storage =
            checkFits(resources(0, 0, 100 * GiB), {}, resources(4000, 8 * GiB, 10 * GiB));
        QVERIFY(!storage.ok());
        const auto gpus = checkFits(resources(0, 0, 0, 1), {}, capacity);
        QVERIFY(!gpus.ok());
        QVERIFY2(gpus.error().message.startsWith(u"this provider has no GPUs to give"_s),
                 qPrintable(gpus.error().message));
    }
};

QTEST_GUILESS_MAIN(TestCapacityCheck)
#include "tst_capacitycheck.moc"
