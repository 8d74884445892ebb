#include "manifest/quantity.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth::manifest::quantity;

class TestQuantity : public QObject
{
    Q_OBJECT

private slots:
    void cpu_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("millis");
        QTest::newRow("millicores") << u"250m"_s << qint64(250);
        QTest::newRow("one millicore") << u"1m"_s << qint64(1);
        QTest::newRow("decimal cores") << u"1.5"_s << qint64(1500);
        QTest::newRow("whole cores") << u"2"_s << qint64(2000);
        QTest::newRow("three decimals") << u"0.125"_s << qint64(125);
        QTest::newRow("trailing zeros") << u"0.5000"_s << qint64(500);
        QTest::newRow("zero") << u"0"_s << qint64(0);
        QTest::newRow("large") << u"256"_s << qint64(256000);
    }
    void cpu()
    {
        QFETCH(QString, text);
        QFETCH(qint64, millis);
        const auto parsed = parseCpuMillis(text);
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().message));
        QCOMPARE(*parsed, millis);
        QCOMPARE(*parseCpuMillis(formatCpuMillis(millis)), millis);
    }

    void cpuErrors_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("empty") << QString() << u"CPU is empty"_s;
        QTest::newRow("too precise") << u"0.0005"_s << u"finer than 1m"_s;
        QTest::newRow("fractional millis") << u"1.5m"_s << u"finer than 1m"_s;
        QTest::newRow("unit") << u"2cores"_s << u"is not a CPU quantity"_s;
        QTest::newRow("negative") << u"-1"_s << u"is not a CPU quantity"_s;
        QTest::newRow("exponent") << u"1e3"_s << u"is not a CPU quantity"_s;
        QTest::newRow("two dots") << u"1.2.3"_s << u"is not a CPU quantity"_s;
        QTest::newRow("leading dot") << u".5"_s << u"is not a CPU quantity"_s;
        QTest::newRow("trailing dot") << u"5."_s << u"is not a CPU quantity"_s;
        QTest::newRow("overflow") << u"99999999999999999999"_s << u"too large"_s;
        QTest::newRow("space") << u" 1"_s << u"is not a CPU quantity"_s;
    }
    void cpuErrors()
    {
        QFETCH(QString, text);
        QFETCH(QString, fragment);
        const auto parsed = parseCpuMillis(text);
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.error().message.contains(fragment), qPrintable(parsed.error().message));
    }

    void bytes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("bytes");
        QTest::newRow("Mi") << u"512Mi"_s << qint64(512) * 1024 * 1024;
        QTest::newRow("Gi") << u"2Gi"_s << qint64(2) * 1024 * 1024 * 1024;
        QTest::newRow("decimal Gi") << u"1.5Gi"_s << qint64(1536) * 1024 * 1024;
        QTest::newRow("G") << u"1G"_s << qint64(1000000000);
        QTest::newRow("k") << u"100k"_s << qint64(100000);
        QTest::newRow("Ki") << u"4Ki"_s << qint64(4096);
        QTest::newRow("plain") << u"1048576"_s << qint64(1048576);
        QTest::newRow("Ei") << u"7Ei"_s << qint64(7) * (qint64(1) << 60);
        QTest::newRow("fractional Ei") << u"1.5Ei"_s << qint64(3) * (qint64(1) << 59);
        QTest::newRow("zero") << u"0"_s << qint64(0);
    }
    void bytes()
    {
        QFETCH(QString, text);
        QFETCH(qint64, bytes);
        const auto parsed = parseBytes(text);
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().message));
        QCOMPARE(*parsed, bytes);
        QCOMPARE(*parseBytes(formatBytes(bytes)), bytes);
    }

    void bytesErrors_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("empty") << QString() << u"size is empty"_s;
        QTest::newRow("unknown unit") << u"512MB"_s << u"is not a size"_s;
        QTest::newRow("lower-case m") << u"512m"_s << u"is not a size"_s;
        QTest::newRow("fraction of a byte") << u"1.5"_s << u"not a whole number of bytes"_s;
        QTest::newRow("overflow") << u"9Ei"_s << u"too large"_s;
        QTest::newRow("negative") << u"-1Gi"_s << u"is not a size"_s;
        QTest::newRow("unit only") << u"Gi"_s << u"is not a size"_s;
    }
    void bytesErrors()
    {
        QFETCH(QString, text);
        QFETCH(QString, fragment);
        const auto parsed = parseBytes(text);
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.error().message.contains(fragment), qPrintable(parsed.error().message));
    }

    void canonicalForms()
    {
        QCOMPARE(formatCpuMillis(250), u"250m"_s);
        QCOMPARE(formatCpuMillis(2000), u"2"_s);
        QCOMPARE(formatCpuMillis(1500), u"1500m"_s);
        QCOMPARE(formatBytes(536870912), u"512Mi"_s);
        QCOMPARE(formatBytes(1000000000), u"1G"_s);
        QCOMPARE(formatBytes(1023), u"1023"_s);
        QCOMPARE(formatBytes(1024), u"1Ki"_s);
        QCOMPARE(formatBytes(0), u"0"_s);
    }
};

QTEST_GUILESS_MAIN(TestQuantity)
#include "tst_quantity.moc"
