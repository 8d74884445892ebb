// "Paid, or not run": which Escrow channels let berthd start a pod, what the
// publisher is told otherwise, and what a pod costs.
#include "chain/podprice.h"
#include "chain/priceunits.h"
#include "core/hex.h"
#include "devkeys.h"
#include "manifest/manifestcodec.h"
#include "protocol/rpcerror.h"
#include "provider/paymentcheck.h"

#include <QFile>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::provider;

namespace {

const crypto::Address kProvider = *crypto::Address::fromHex(kAnvilAddress0);
const crypto::Address kPublisher = *crypto::Address::fromHex(kAnvilAddress1);
const crypto::Address kToken =
    *crypto::Address::fromHex(u"0x5FbDB2315678afecb367f032d93F642f64180aa3"_s);
const crypto::Address kOther =
    *crypto::Address::fromHex(u"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"_s);

chain::EscrowChannel openChannel()
{
    chain::EscrowChannel c;
    c.id = QByteArray(32, '\x11');
    c.publisher = kPublisher;
    c.provider = kProvider;
    c.token = kToken;
    c.status = chain::EscrowChannel::Status::Open;
    c.rate = UInt256(1000) * chain::rateScale(); // 1000 base units per second
    c.deposit = UInt256(10'000'000);
    c.start = 1'000;
    return c;
}

PaymentRequirement need()
{
    return PaymentRequirement{kProvider, kPublisher, kToken,   UInt256(1000) * chain::rateScale(),
                              3600,      6,          u"tUSD"_s};
}

QString reasonOf(const Error &error)
{
    return protocol::toRpcError(error).data.toObject().value(u"reason"_s).toString();
}

} // namespace

class TestPaymentCheck : public QObject
{
    Q_OBJECT

private slots:
    void anOpenFundedChannelPays()
    {
        QVERIFY(checkChannelPays(openChannel(), UInt256(7200), need(), 2'000).ok());
        // Exactly the minimum runway and exactly the pod's rate are enough.
        QVERIFY(checkChannelPays(openChannel(), UInt256(3600), need(), 2'000).ok());
    }

    void refusals_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("missing") << 0 << u"missing"_s << u"open it with the provider's quote"_s;
        QTest::newRow("settled") << 1 << u"settled"_s << u"is settled"_s;
        QTest::newRow("another publisher") << 2 << u"foreign"_s << u"not this provider"_s;
        QTest::newRow("another provider") << 3 << u"foreign"_s << u"not this provider"_s;
        QTest::newRow("another token") << 4 << u"token"_s << u"this provider is paid in tUSD"_s;
        QTest::newRow("closing") << 5 << u"closing"_s << u"is closing"_s;
        QTest::newRow("rate too low")
            << 6 << u"rate"_s << u"pays 3.599899 tUSD/h but this pod costs 3.6 tUSD/h"_s;
        QTest::newRow("runway too short") << 7 << u"runway"_s
                                          << u"is paid for 59m 59s more; this provider needs at "
                                             "least 1h"_s;
    }

    void refusals()
    {
        QFETCH(int, which);
        QFETCH(QString, reason);
        QFETCH(QString, fragment);
        chain::EscrowChannel c = openChannel();
        UInt256 runway = 7200;
        switch (which) {
        case 0:
            c.status = chain::EscrowChannel::Status::None;
            break;
        case 1:
            c.status = chain::EscrowChannel::Status::Settled;
            break;
        case 2:
            c.publisher = kOther;
            break;
        case 3:
            c.provider = kOther;
            break;
        case 4:
            c.token = kOther;
            break;
        case 5:
            c.stopAt = 2'000 + 600;
            break; // stops before the minimum runway
        case 6:
            c.rate = UInt256(999'972) * chain::rateScale() / 1000;
            break;
        case 7:
            runway = 3599;
            break;
        }
        const auto result = checkChannelPays(c, runway, need(), 2'000);
        QVERIFY(!result.ok());
        const auto wire = protocol::toRpcError(result.error());
        QCOMPARE(wire.code, protocol::RpcErrorCode::PaymentRequired);
        QCOMPARE(reasonOf(result.error()), reason);
        QCOMPARE(wire.data.toObject().value(u"channel"_s).toString(), hexString(c.id));
        QVERIFY2(wire.message.contains(fragment), qPrintable(wire.message));
    }

    void paidUntilIsWhenTheDepositRunsOutOrTheStop()
    {
        chain::EscrowChannel c = openChannel(); // 10 000 000 units at 1000/s from t = 1000
        QCOMPARE(paidUntil(c), 1'000 + 10'000);
        // Also once it has passed (runway 0 then): the grace period counts from here.
        c.accruedBefore = UInt256(4'000'000);
        QCOMPARE(paidUntil(c), 1'000 + 6'000);
        // A partial last second is paid for as a whole one (Escrow rounds up).
        c.rate = UInt256(3) * chain::rateScale();
        c.accruedBefore = 0;
        c.deposit = UInt256(10);
        QCOMPARE(paidUntil(c), 1'000 + 4);
        c.stopAt = 1'002;
        QCOMPARE(paidUntil(c), 1'002);
        c.stopAt = 0;
        c.rate = 0; // free: never runs out, and does not overflow
        QVERIFY(paidUntil(c) > qint64(1) << 60);
        c.rate = 1;
        c.deposit = ~UInt256(0) / chain::rateScale();
        QVERIFY(paidUntil(c) > qint64(1) << 60);
    }

    void podRateAddsEveryReservedResourceRoundingUp()
    {
        QFile file(QStringLiteral(BERTH_EXAMPLES_DIR "/static-site.yaml"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        manifest::ParseResult parsed = manifest::loadManifest(file.readAll());
        QVERIFY(parsed.ok());
        // 50m CPU and 32 MiB: 1 core-second costs 1000 × 10^18 scaled units, a
        // GiB-second 2^30 × 10^18 / 2^30 = 10^18 … per unit prices below.
        chain::Prices prices;
        prices.cpuCorePerSecond = UInt256(1000);   // scaled units
        prices.memoryGiBPerSecond = UInt256(1024); // scaled units
        prices.storageGiBPerSecond = UInt256(7);
        const chain::Resources reserved = chain::podResources(parsed.pod);
        QCOMPARE(reserved.cpuMillis, quint64(50));
        QCOMPARE(reserved.memoryBytes, quint64(32) << 20);
        QCOMPARE(reserved.storageBytes, quint64(0));
        // ceil(50 × 1000 / 1000) + ceil(32 MiB × 1024 / 1 GiB) = 50 + 32.
        QCOMPARE(chain::podRate(parsed.pod, prices), UInt256(82));

        // Three replicas reserve three times the containers; a persistent volume once.
        parsed.pod.replicas.max = 3;
        manifest::Volume data;
        data.name = u"data"_s;
        data.kind = manifest::VolumeKind::Persistent;
        data.sizeBytes = std::int64_t(3) << 30;
        parsed.pod.volumes.append(data);
        QCOMPARE(chain::podRate(parsed.pod, prices), UInt256(150 + 96 + 21));
        // A fraction of a scaled unit is charged as a whole one.
        parsed.pod.replicas.max = 1;
        parsed.pod.volumes.clear();
        parsed.pod.containers[0].resources.cpuMillis = 1;
        QCOMPARE(chain::podRate(parsed.pod, prices), UInt256(1 + 32));
        prices.cpuCorePerSecond = UInt256(1);
        QCOMPARE(chain::podRate(parsed.pod, prices), UInt256(1 + 32)); // ceil(1/1000) = 1
    }
};

QTEST_GUILESS_MAIN(TestPaymentCheck)
#include "tst_paymentcheck.moc"
