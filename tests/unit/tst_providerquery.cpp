// ProviderQuery::parse: the selection syntax of `berthctl deploy --select`.
#include "chain/priceunits.h"
#include "market/providerquery.h"

#include <QTest>

using namespace Qt::StringLiterals;
using berth::ErrorCode;
using berth::UInt256;
using berth::market::ProviderQuery;

class TestProviderQuery : public QObject
{
    Q_OBJECT

private slots:
    void parsesEveryKey()
    {
        const auto q = ProviderQuery::parse(
            u"region=eu|us, max-price=0.5/h,min-stake=100.25,attr.gpu=a100,attr.disk=nvme,"
            u"token=0x000000000000000000000000000000000000dEaD,limit=3"_s,
            6);
        QVERIFY2(q.ok(), qPrintable(q.ok() ? QString() : q.error().message));
        QCOMPARE(q->regions, (QStringList{u"eu"_s, u"us"_s}));
        // 0.5 tokens = 500000 base units per hour, × 10^18 / 3600, rounded down.
        QVERIFY(q->maxRate.has_value());
        QVERIFY(*q->maxRate == UInt256(500000) * berth::chain::rateScale() / 3600);
        QVERIFY(q->minStake == UInt256(100'250'000));
        QCOMPARE(q->attributes.size(), 2);
        QCOMPARE(q->attributes.at(0).first, u"gpu"_s);
        QCOMPARE(q->attributes.at(0).second, u"a100"_s);
        QCOMPARE(q->attributes.at(1).first, u"disk"_s);
        QVERIFY(q->token.has_value());
        QCOMPARE(q->token->toLowerHex(), u"0x000000000000000000000000000000000000dead"_s);
        QCOMPARE(q->limit, 3);
        QVERIFY(!q->pod.has_value());
    }

    void pricePeriods()
    {
        const UInt256 scale = berth::chain::rateScale();
        QVERIFY(*ProviderQuery::parse(u"max-price=30/month"_s, 6)->maxRate ==
                UInt256(30'000'000) * scale / (30 * 24 * 3600));
        QVERIFY(*ProviderQuery::parse(u"max-price=12/d"_s, 6)->maxRate ==
                UInt256(12'000'000) * scale / (24 * 3600));
        QVERIFY(*ProviderQuery::parse(u"max-price=0.000001/s"_s, 6)->maxRate == scale);
        QVERIFY(*ProviderQuery::parse(u"max-price=1/hour"_s, 18)->maxRate ==
                UInt256(1'000'000'000'000'000'000ULL) * scale / 3600);
        // A maximum is never exceeded: 0.204/h is exactly its rate rounded down.
        const UInt256 rate = *ProviderQuery::parse(u"max-price=0.204/h"_s, 6)->maxRate;
        QVERIFY(berth::chain::baseUnitsPerPeriod(rate, 3600) <= UInt256(204000));
    }

    void emptyExpressionMatchesEverything()
    {
        const auto q = ProviderQuery::parse(QString(), 6);
        QVERIFY(q.ok());
        QVERIFY(q->regions.isEmpty());
        QVERIFY(!q->maxRate);
        QVERIFY(q->minStake == 0);
        QCOMPARE(q->limit, 0);
    }

    void badInput_data()
    {
        QTest::addColumn<QString>("expression");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("unknown key") << u"colour=blue"_s
                                     << u"unknown key \"colour\"; known keys: region, max-price, "
                                        u"min-stake, attr.<key>, token, limit"_s;
        QTest::newRow("typo") << u"regoin=eu"_s << u"did you mean region?"_s;
        QTest::newRow("no period") << u"max-price=0.5"_s << u"e.g. max-price=0.5/h"_s;
        QTest::newRow("bad period") << u"max-price=0.5/week"_s << u"unknown period \"week\""_s;
        QTest::newRow("too precise") << u"min-stake=0.0000001"_s << u"min-stake=0.0000001: "_s;
        QTest::newRow("no value") << u"region="_s << u"name a region"_s;
        QTest::newRow("no equals") << u"eu"_s << u"write key=value"_s;
        QTest::newRow("bad token") << u"token=usd"_s << u"contract address"_s;
        QTest::newRow("bad limit") << u"limit=0"_s << u"at least 1"_s;
        QTest::newRow("empty attribute key") << u"attr.=x"_s << u"attr.=x: "_s;
    }

    void badInput()
    {
        QFETCH(QString, expression);
        QFETCH(QString, fragment);
        const auto q = ProviderQuery::parse(expression, 6);
        QVERIFY(!q.ok());
        QCOMPARE(q.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(q.error().message.contains(fragment), qPrintable(q.error().message));
    }

    void rateRoundsUpEachTermLikePodRate()
    {
        berth::chain::Prices prices;
        prices.cpuCorePerSecond = 1001; // per 1000 millicores
        prices.memoryGiBPerSecond = 3;  // per 2^30 bytes
        prices.gpuUnitPerSecond = 7;
        const berth::chain::Resources pod{1, 1, 0, 2};
        // ceil(1 × 1001 / 1000) + ceil(1 × 3 / 2^30) + 2 × 7
        QVERIFY(ProviderQuery::rateFor(pod, prices) == UInt256(2 + 1 + 14));
    }
};

QTEST_GUILESS_MAIN(TestProviderQuery)
#include "tst_providerquery.moc"
