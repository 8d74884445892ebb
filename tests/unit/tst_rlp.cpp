#include "chain/rlp.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::chain;

namespace {

RlpItem str(const char *s)
{
    return RlpItem::fromBytes(QByteArray(s));
}

const QByteArray Lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";

} // namespace

Q_DECLARE_METATYPE(berth::chain::RlpItem)

class TestRlp : public QObject
{
    Q_OBJECT

private slots:
    // The examples of the Ethereum wiki's RLP page (yellow paper, appendix B).
    void encodesTheSpecExamples_data()
    {
        QTest::addColumn<RlpItem>("item");
        QTest::addColumn<QByteArray>("hex");
        QTest::newRow("dog") << str("dog") << QByteArray("83646f67");
        QTest::newRow("[cat, dog]")
            << RlpItem::fromList({str("cat"), str("dog")}) << QByteArray("c88363617483646f67");
        QTest::newRow("empty string") << RlpItem::fromBytes({}) << QByteArray("80");
        QTest::newRow("empty list") << RlpItem::fromList({}) << QByteArray("c0");
        QTest::newRow("integer 0") << RlpItem::fromUInt(0) << QByteArray("80");
        QTest::newRow("byte 0x00") << RlpItem::fromBytes(QByteArray(1, '\0')) << QByteArray("00");
        QTest::newRow("byte 0x0f") << RlpItem::fromBytes(QByteArray(1, '\x0f')) << QByteArray("0f");
        QTest::newRow("integer 15") << RlpItem::fromUInt(15) << QByteArray("0f");
        QTest::newRow("integer 1024") << RlpItem::fromUInt(1024) << QByteArray("820400");
        const RlpItem empty = RlpItem::fromList({});
        const RlpItem one = RlpItem::fromList({empty});
        QTest::newRow("set-theoretic three")
            << RlpItem::fromList({empty, one, RlpItem::fromList({empty, one})})
            << QByteArray("c7c0c1c0c3c0c1c0");
        QTest::newRow("lorem (56 bytes)")
            << RlpItem::fromBytes(Lorem) << QByteArray("b838").append(Lorem.toHex());
        QTest::newRow("byte 0x80")
            << RlpItem::fromBytes(QByteArray(1, '\x80')) << QByteArray("8180");
        QTest::newRow("list of 56 bytes")
            << RlpItem::fromList({RlpItem::fromBytes(QByteArray(55, 'a'))})
            << QByteArray("f838b7").append(QByteArray(55, 'a').toHex());
        QTest::newRow("1024-byte string")
            << RlpItem::fromBytes(QByteArray(1024, 'x'))
            << QByteArray("b90400").append(QByteArray(1024, 'x').toHex());
    }

    void encodesTheSpecExamples()
    {
        QFETCH(RlpItem, item);
        QFETCH(QByteArray, hex);
        QCOMPARE(rlpEncode(item).toHex(), hex);
        auto decoded = rlpDecode(QByteArray::fromHex(hex));
        QVERIFY2(decoded.ok(), qPrintable(decoded.ok() ? QString() : decoded.error().message));
        QVERIFY(decoded.value() == item);
    }

    void integersRoundTrip()
    {
        QCOMPARE(RlpItem::fromUInt(0).toUInt().value(), UInt256(0));
        QCOMPARE(RlpItem::fromUInt(1024).toUInt().value(), UInt256(1024));
        const UInt256 max = std::numeric_limits<UInt256>::max();
        QCOMPARE(rlpEncode(RlpItem::fromUInt(max)).toHex(),
                 QByteArray("a0").append(QByteArray(64, 'f')));
        QCOMPARE(RlpItem::fromUInt(max).toUInt().value(), max);
    }

    void integersMustBeCanonical()
    {
        auto leadingZero = RlpItem::fromBytes(QByteArray::fromHex("0001")).toUInt();
        QVERIFY(!leadingZero.ok());
        QVERIFY(leadingZero.error().message.contains(u"zero byte"_s));
        QVERIFY(!RlpItem::fromBytes(QByteArray(1, '\0')).toUInt().ok());
        auto tooLong = RlpItem::fromBytes(QByteArray(33, '\x01')).toUInt();
        QVERIFY(!tooLong.ok());
        QVERIFY(tooLong.error().message.contains(u"32 bytes"_s));
        auto list = RlpItem::fromList({}).toUInt();
        QVERIFY(!list.ok());
        QVERIFY(list.error().message.contains(u"list"_s));
    }

    void rejectsNonCanonicalAndTruncatedInput_data()
    {
        QTest::addColumn<QByteArray>("hex");
        QTest::addColumn<QString>("why");
        QTest::newRow("empty input") << QByteArray("") << u"ends"_s;
        QTest::newRow("single byte wrapped") << QByteArray("8105") << u"encoded as itself"_s;
        QTest::newRow("long form for short string")
            << QByteArray("b805").append(QByteArray("abcde").toHex()) << u"short form"_s;
        QTest::newRow("long form for short list") << QByteArray("f801c0") << u"short form"_s;
        QTest::newRow("length with leading zero")
            << QByteArray("b90038").append(Lorem.toHex()) << u"leading zero"_s;
        QTest::newRow("string truncated") << QByteArray("83646f") << u"longer than"_s;
        QTest::newRow("list truncated") << QByteArray("c883636174") << u"longer than"_s;
        QTest::newRow("child overruns list") << QByteArray("c283646f67") << u"longer than"_s;
        QTest::newRow("length field truncated") << QByteArray("b9") << u"past the end"_s;
        QTest::newRow("huge length") << QByteArray("bfffffffffffffffff00") << u"larger"_s;
        QTest::newRow("huge list length") << QByteArray("f9ffff00") << u"longer than"_s;
        QTest::newRow("trailing bytes") << QByteArray("8000") << u"trailing"_s;
        QTest::newRow("two items") << QByteArray("c0c0") << u"trailing"_s;
    }

    void rejectsNonCanonicalAndTruncatedInput()
    {
        QFETCH(QByteArray, hex);
        QFETCH(QString, why);
        auto decoded = rlpDecode(QByteArray::fromHex(hex));
        QVERIFY(!decoded.ok());
        QCOMPARE(decoded.error().code, ErrorCode::ParseFailed);
        QVERIFY2(decoded.error().message.contains(why), qPrintable(decoded.error().message));
    }

    void nestingIsBounded()
    {
        auto nested = [](int depth) {
            RlpItem item = RlpItem::fromList({});
            for (int i = 0; i < depth; ++i)
                item = RlpItem::fromList({item});
            return rlpEncode(item);
        };
        QVERIFY(rlpDecode(nested(RlpMaxDepth)).ok());
        auto decoded = rlpDecode(nested(RlpMaxDepth + 1));
        QVERIFY(!decoded.ok());
        QVERIFY(decoded.error().message.contains(u"nested deeper"_s));
        // Hostile depth fails on the limit, not by exhausting the stack.
        auto deep = rlpDecode(nested(5000));
        QVERIFY(!deep.ok());
        QVERIFY(deep.error().message.contains(u"nested deeper"_s));
    }
};

QTEST_GUILESS_MAIN(TestRlp)
#include "tst_rlp.moc"
