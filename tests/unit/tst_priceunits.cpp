#include "chain/priceunits.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::chain;

class TestPriceUnits : public QObject
{
    Q_OBJECT

private slots:
    void humanPriceRoundsUpToPerSecond()
    {
        // docs/contracts.md, "Pricing units": 0.02 tokens per core-hour, 6 decimals.
        auto rate = scaledRateFromTokens(u"0.02", 6, PricePeriod::Hour);
        QVERIFY(rate.ok());
        QCOMPARE(toDecimalString(*rate), u"5555555555555555556"_s);
        QCOMPARE(toDecimalString(baseUnitsPerPeriod(*rate, PricePeriod::Hour)), u"20000"_s);
        QCOMPARE(tokensPerPeriod(*rate, 6, PricePeriod::Hour), u"0.02"_s);
    }

    void monthlyPricesSurviveTheRoundTrip()
    {
        for (const auto &price : {u"3"_s, u"0.1"_s, u"1234.567891"_s, u"0.000001"_s}) {
            auto rate = scaledRateFromTokens(price, 6, PricePeriod::Month);
            QVERIFY(rate.ok());
            QCOMPARE(tokensPerPeriod(*rate, 6, PricePeriod::Month), price);
        }
    }

    void badPricesAreExplained()
    {
        auto tooPrecise = scaledRateFromTokens(u"0.0000001", 6, PricePeriod::Hour);
        QVERIFY(!tooPrecise.ok());
        QVERIFY(tooPrecise.error().message.contains(u"6 decimals"_s));
        auto huge =
            scaledRateFromTokens(QString(u"1"_s + QString(40, u'0')), 6, PricePeriod::Second);
        QVERIFY(!huge.ok());
        QVERIFY(huge.error().message.contains(u"2^128"_s));
    }

    void durations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qulonglong>("seconds");
        QTest::newRow("plain") << u"90"_s << 90ull;
        QTest::newRow("seconds") << u"45s"_s << 45ull;
        QTest::newRow("minutes") << u"15m"_s << 900ull;
        QTest::newRow("combined") << u"1h30m"_s << 5400ull;
        QTest::newRow("week") << u"2w"_s << 1209600ull;
        QTest::newRow("days") << u"7d"_s << 604800ull;
    }

    void durations()
    {
        QFETCH(QString, text);
        QFETCH(qulonglong, seconds);
        auto parsed = parseDuration(text);
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().message));
        QCOMPARE(*parsed, seconds);
    }

    void badDurationsSayWhichUnitsExist()
    {
        for (const auto &text : {u"7y"_s, u""_s, u"h"_s, u"1h30"_s, u"99999999999d"_s}) {
            auto parsed = parseDuration(text);
            QVERIFY2(!parsed.ok(), qPrintable(text));
        }
        QVERIFY(parseDuration(u"7y").error().message.contains(u"s, m, h, d or w"_s));
        QCOMPARE(formatDuration(604800), u"7d"_s);
        QCOMPARE(formatDuration(5400), u"1h 30m"_s);
    }
};

QTEST_GUILESS_MAIN(TestPriceUnits)
#include "tst_priceunits.moc"
