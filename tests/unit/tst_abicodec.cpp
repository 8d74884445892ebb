#include "chain/abicodec.h"
#include "crypto/keccak.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::chain;

namespace {

AbiType type(const QString &text)
{
    auto t = AbiType::parse(text);
    if (!t)
        qFatal("bad type in test: %s", qPrintable(t.error().message));
    return t.value();
}

QList<AbiType> types(const QStringList &texts)
{
    QList<AbiType> out;
    for (const QString &t : texts)
        out.append(type(t));
    return out;
}

AbiValue u(quint64 v)
{
    return AbiValue::fromUInt(v);
}

AbiValue list(QList<AbiValue> items)
{
    return AbiValue::fromList(std::move(items));
}

AbiValue str(const QString &s)
{
    return AbiValue::fromString(s);
}

AbiValue bytes(const char *s)
{
    return AbiValue::fromBytes(QByteArray(s));
}

// One 32-byte word per argument, written as in the spec; spaces are ignored.
QByteArray words(std::initializer_list<const char *> hexWords)
{
    QByteArray out;
    for (const char *w : hexWords) {
        QByteArray word = QByteArray::fromHex(w);
        Q_ASSERT(word.size() == 32);
        out.append(word);
    }
    return out;
}

QByteArray word(quint64 v)
{
    return toBigEndian32(v);
}

QByteArray selector(const char *signature)
{
    return crypto::keccak256(QByteArray(signature)).left(4);
}

// Decoding data that fails: the error must be BadResponse and contain 'what'.
void expectDecodeError(const QList<AbiType> &t, const QByteArray &data, const QString &what)
{
    auto decoded = abiDecode(t, data);
    QVERIFY2(!decoded.ok(), qPrintable(what));
    QCOMPARE(decoded.error().code, ErrorCode::BadResponse);
    QVERIFY2(decoded.error().message.contains(what), qPrintable(decoded.error().message));
}

} // namespace

class TestAbiCodec : public QObject
{
    Q_OBJECT

private slots:
    // The examples of the Solidity ABI specification, byte for byte, and back.
    void solidityAbiSpecExamples_data()
    {
        QTest::addColumn<QString>("signature");
        QTest::addColumn<QByteArray>("selectorHex");
        QTest::addColumn<QList<AbiValue>>("values");
        QTest::addColumn<QByteArray>("encoded");

        QTest::newRow("baz") << u"baz(uint32,bool)"_s << QByteArray("cdcd77c0")
                             << QList<AbiValue>{u(69), AbiValue::fromBool(true)}
                             << QByteArray(word(69)).append(word(1));
        QTest::newRow("bar")
            << u"bar(bytes3[2])"_s << QByteArray("fce353f6")
            << QList<AbiValue>{list({bytes("abc"), bytes("def")})}
            << words({"6162630000000000000000000000000000000000000000000000000000000000",
                      "6465660000000000000000000000000000000000000000000000000000000000"});
        QTest::newRow("sam") << u"sam(bytes,bool,uint256[])"_s << QByteArray("a5643bf2")
                             << QList<AbiValue>{bytes("dave"), AbiValue::fromBool(true),
                                                list({u(1), u(2), u(3)})}
                             << QByteArray(word(0x60))
                                    .append(word(1))
                                    .append(word(0xa0))
                                    .append(word(4))
                                    .append(words({"6461766500000000000000000000000000000000000000"
                                                   "000000000000000000"}))
                                    .append(word(3))
                                    .append(word(1))
                                    .append(word(2))
                                    .append(word(3));
        QTest::newRow("f") << u"f(uint256,uint32[],bytes10,bytes)"_s << QByteArray("8be65246")
                           << QList<AbiValue>{u(0x123), list({u(0x456), u(0x789)}),
                                              bytes("1234567890"), bytes("Hello, world!")}
                           << QByteArray(word(0x123))
                                  .append(word(0x80))
                                  .append(words({"31323334353637383930000000000000000000000000"
                                                 "00000000000000000000"}))
                                  .append(word(0xe0))
                                  .append(word(2))
                                  .append(word(0x456))
                                  .append(word(0x789))
                                  .append(word(13))
                                  .append(words({"48656c6c6f2c20776f726c6421000000000000000000"
                                                 "00000000000000000000"}));
        QTest::newRow("g") << u"g(uint256[][],string[])"_s << QByteArray("2289b18c")
                           << QList<AbiValue>{list({list({u(1), u(2)}), list({u(3)})}),
                                              list({str(u"one"_s), str(u"two"_s), str(u"three"_s)})}
                           << QByteArray(word(0x40))
                                  .append(word(0x140))
                                  .append(word(2))
                                  .append(word(0x40))
                                  .append(word(0xa0))
                                  .append(word(2))
                                  .append(word(1))
                                  .append(word(2))
                                  .append(word(1))
                                  .append(word(3))
                                  .append(word(3))
                                  .append(word(0x60))
                                  .append(word(0xa0))
                                  .append(word(0xe0))
                                  .append(word(3))
                                  .append(words({"6f6e650000000000000000000000000000000000000000"
                                                 "000000000000000000"}))
                                  .append(word(3))
                                  .append(words({"74776f0000000000000000000000000000000000000000"
                                                 "000000000000000000"}))
                                  .append(word(5))
                                  .append(words({"7468726565000000000000000000000000000000000000"
                                                 "000000000000000000"}));
    }

    void solidityAbiSpecExamples()
    {
        QFETCH(QString, signature);
        QFETCH(QByteArray, selectorHex);
        QFETCH(QList<AbiValue>, values);
        QFETCH(QByteArray, encoded);

        QCOMPARE(selector(signature.toLatin1().constData()).toHex(), selectorHex);
        const qsizetype open = signature.indexOf(u'(');
        auto tuple = AbiType::parse(signature.mid(open));
        QVERIFY(tuple.ok());
        const QList<AbiType> params = tuple->components();
        QCOMPARE(u"("_s + canonicalList(params) + u")"_s, signature.mid(open));

        auto out = abiEncode(params, values);
        QVERIFY2(out.ok(), qPrintable(out.ok() ? QString() : out.error().message));
        QCOMPARE(out->toHex(), encoded.toHex());

        auto back = abiDecode(params, encoded);
        QVERIFY2(back.ok(), qPrintable(back.ok() ? QString() : back.error().message));
        QVERIFY(back.value() == values);
    }

    void parsesCanonicalTypes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("canonical");
        QTest::addColumn<bool>("dynamic");
        QTest::addColumn<qint64>("headSize");
        QTest::newRow("uint256") << u"uint256"_s << u"uint256"_s << false << qint64(32);
        QTest::newRow("uint alias") << u"uint"_s << u"uint256"_s << false << qint64(32);
        QTest::newRow("int alias") << u"int[]"_s << u"int256[]"_s << true << qint64(32);
        QTest::newRow("int8") << u"int8"_s << u"int8"_s << false << qint64(32);
        QTest::newRow("bytes1") << u"bytes1"_s << u"bytes1"_s << false << qint64(32);
        QTest::newRow("bytes32[3]") << u"bytes32[3]"_s << u"bytes32[3]"_s << false << qint64(96);
        QTest::newRow("tuple array")
            << u"(address,bytes32)[]"_s << u"(address,bytes32)[]"_s << true << qint64(32);
        QTest::newRow("static tuple")
            << u"(address,uint64)"_s << u"(address,uint64)"_s << false << qint64(64);
        QTest::newRow("static tuple array")
            << u"(uint8,bool)[2][3]"_s << u"(uint8,bool)[2][3]"_s << false << qint64(384);
        QTest::newRow("dynamic fixed array")
            << u"string[2]"_s << u"string[2]"_s << true << qint64(32);
        QTest::newRow("nested") << u"((uint64,string)[],bool)[3][]"_s
                                << u"((uint64,string)[],bool)[3][]"_s << true << qint64(32);
    }

    void parsesCanonicalTypes()
    {
        QFETCH(QString, text);
        QFETCH(QString, canonical);
        QFETCH(bool, dynamic);
        QFETCH(qint64, headSize);
        auto t = AbiType::parse(text);
        QVERIFY2(t.ok(), qPrintable(t.ok() ? QString() : t.error().message));
        QCOMPARE(t->canonical(), canonical);
        QCOMPARE(t->isDynamic(), dynamic);
        QCOMPARE(t->headSize(), headSize);
    }

    void rejectsBadTypes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("why");
        QTest::newRow("uint7") << u"uint7"_s << u"multiples of 8 from 8 to 256"_s;
        QTest::newRow("uint0") << u"uint0"_s << u"multiples of 8 from 8 to 256"_s;
        QTest::newRow("int264") << u"int264"_s << u"multiples of 8 from 8 to 256"_s;
        QTest::newRow("uint08") << u"uint08"_s << u"multiples of 8"_s;
        QTest::newRow("bytes33") << u"bytes33"_s << u"from 1 to 32"_s;
        QTest::newRow("bytes0") << u"bytes0"_s << u"from 1 to 32"_s;
        QTest::newRow("bare tuple") << u"tuple"_s << u"(T1,T2,...)"_s;
        QTest::newRow("empty tuple") << u"()"_s << u"empty tuples"_s;
        QTest::newRow("zero-size array") << u"uint256[0]"_s << u"fixed array sizes"_s;
        QTest::newRow("unclosed bracket") << u"uint256[2"_s << u"not closed"_s;
        QTest::newRow("unclosed paren") << u"(uint256,bool"_s << u"not closed"_s;
        QTest::newRow("space") << u"uint256 x"_s << u"unexpected ' '"_s;
        QTest::newRow("unknown") << u"uint256,foo"_s << u"unexpected ','"_s;
        QTest::newRow("unknown name") << u"float"_s << u"unknown type name 'float'"_s;
        QTest::newRow("fixed point") << u"ufixed128x18"_s << u"not supported"_s;
        QTest::newRow("empty") << u""_s << u"missing"_s;
        QTest::newRow("too deep") << QString(40, u'(') + u"bool"_s + QString(40, u')')
                                  << u"nested more than 32"_s;
        QTest::newRow("too large") << u"uint256[1000000][1000000]"_s << u"larger than"_s;
    }

    void rejectsBadTypes()
    {
        QFETCH(QString, text);
        QFETCH(QString, why);
        auto t = AbiType::parse(text);
        QVERIFY(!t.ok());
        QCOMPARE(t.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(t.error().message.contains(why), qPrintable(t.error().message));
    }

    void parsesJsonParameters()
    {
        const QByteArray json = R"({"name": "bids", "type": "tuple[]", "components": [
            {"name": "id", "type": "uint256"},
            {"name": "provider", "type": "address"},
            {"name": "extra", "type": "tuple[2]", "components": [
                {"name": "flag", "type": "bool"}, {"name": "note", "type": "string"}]}
        ]})";
        auto t = AbiType::fromJson(QJsonDocument::fromJson(json).object());
        QVERIFY2(t.ok(), qPrintable(t.ok() ? QString() : t.error().message));
        QCOMPARE(t->canonical(), u"(uint256,address,(bool,string)[2])[]"_s);
        QCOMPARE(t->name(), u"bids"_s);
        QCOMPARE(t->kind(), AbiType::Kind::Array);
        QCOMPARE(t->element().components()[1].name(), u"provider"_s);
        QCOMPARE(t->element().components()[2].element().components()[1].name(), u"note"_s);

        auto indexed = AbiType::fromJson(
            QJsonDocument::fromJson(R"({"name":"from","type":"address","indexed":true})").object());
        QVERIFY(indexed.ok());
        QVERIFY(indexed->indexed());

        auto noComponents =
            AbiType::fromJson(QJsonDocument::fromJson(R"({"type":"tuple"})").object());
        QVERIFY(!noComponents.ok());
        QVERIFY(noComponents.error().message.contains(u"components"_s));
        auto noType = AbiType::fromJson(QJsonDocument::fromJson(R"({"name":"x"})").object());
        QVERIFY(!noType.ok());
        QVERIFY(noType.error().message.contains(u"'x'"_s));
    }

    void signedIntegersUseTwosComplement()
    {
        const QList<AbiType> t = types({u"int8"_s, u"int256"_s, u"int256"_s, u"int64"_s});
        const Int256 min256 = -Int256(UInt256(1) << 255);
        const QList<AbiValue> values{AbiValue::fromInt(-1), AbiValue::fromInt(min256),
                                     AbiValue::fromInt(Int256(UInt256(1) << 255) - 1),
                                     AbiValue::fromInt(-42)};
        auto out = abiEncode(t, values);
        QVERIFY(out.ok());
        QCOMPARE(out->mid(0, 32).toHex(), QByteArray(64, 'f'));
        QCOMPARE(out->mid(32, 32).toHex(), QByteArray("8").append(QByteArray(63, '0')));
        QCOMPARE(out->mid(64, 32).toHex(), QByteArray("7").append(QByteArray(63, 'f')));
        QCOMPARE(out->mid(96, 32).toHex(), QByteArray(62, 'f').append("d6"));
        auto back = abiDecode(t, *out);
        QVERIFY(back.ok());
        QVERIFY(back.value() == values);
        QCOMPARE(back->at(3).toJson().toString(), u"-42"_s);

        auto tooBig = abiEncode(types({u"int8"_s}), {AbiValue::fromInt(128)});
        QVERIFY(!tooBig.ok());
        QVERIFY(tooBig.error().message.contains(u"128 does not fit in int8"_s));
        QVERIFY(!abiEncode(types({u"int8"_s}), {AbiValue::fromInt(-129)}).ok());
        QVERIFY(abiEncode(types({u"int8"_s}), {AbiValue::fromInt(-128)}).ok());
        // A non-negative int passes as uint, a negative one does not.
        QVERIFY(abiEncode(types({u"uint8"_s}), {AbiValue::fromInt(5)}).ok());
        auto negative = abiEncode(types({u"uint8"_s}), {AbiValue::fromInt(-5)});
        QVERIFY(!negative.ok());
        QVERIFY(negative.error().message.contains(u"negative"_s));
    }

    void encodeErrorsNameTheParameter()
    {
        AbiType amount = type(u"uint8"_s);
        amount.setName(u"amount"_s);
        auto overflow =
            abiEncode({type(u"address"_s), amount}, {AbiValue::fromAddress({}), u(300)});
        QVERIFY(!overflow.ok());
        QCOMPARE(overflow.error().code, ErrorCode::InvalidArgument);
        QCOMPARE(overflow.error().message, u"parameter 2 (amount): 300 does not fit in uint8"_s);

        const QByteArray json = R"({"name": "order", "type": "tuple", "components": [
            {"name": "id", "type": "uint256"}, {"name": "tags", "type": "bytes4[]"}]})";
        const AbiType order = AbiType::fromJson(QJsonDocument::fromJson(json).object()).value();
        auto badTag = abiEncode({order}, {list({u(1), list({bytes("abcd"), bytes("abc")})})});
        QVERIFY(!badTag.ok());
        QCOMPARE(badTag.error().message,
                 u"parameter 1 (order).tags[1]: bytes4 takes exactly 4 bytes, got 3"_s);

        auto wrongKind = abiEncode({order}, {list({str(u"1"_s), list({})})});
        QVERIFY(!wrongKind.ok());
        QCOMPARE(wrongKind.error().message,
                 u"parameter 1 (order).id: expected an unsigned integer, got a string"_s);

        auto wrongCount = abiEncode({order}, {list({u(1)})});
        QVERIFY(!wrongCount.ok());
        QVERIFY(wrongCount.error().message.contains(u"takes 2 fields, got 1"_s));

        auto arity = abiEncode(types({u"uint256"_s, u"bool"_s}), {u(1)});
        QVERIFY(!arity.ok());
        QCOMPARE(arity.error().message, u"expected 2 arguments (uint256,bool), got 1"_s);

        auto fixedCount = abiEncode(types({u"uint8[2]"_s}), {list({u(1)})});
        QVERIFY(!fixedCount.ok());
        QVERIFY(fixedCount.error().message.contains(u"uint8[2] takes 2 elements, got 1"_s));
    }

    void decoderRejectsOutOfRangeWords()
    {
        expectDecodeError(types({u"uint8"_s}), word(256), u"256 is out of range for uint8"_s);
        expectDecodeError(types({u"bool"_s, u"bool"_s}), QByteArray(word(1)).append(word(2)),
                          u"parameter 2: a bool must be 0 or 1"_s);
        QByteArray dirtyAddress = word(1);
        dirtyAddress[11] = 1;
        expectDecodeError(types({u"address"_s}), dirtyAddress, u"non-zero high bytes"_s);
        QByteArray dirtyBytes3 = QByteArray("abc").append(QByteArray(29, '\0'));
        dirtyBytes3[31] = 1;
        expectDecodeError(types({u"bytes3"_s}), dirtyBytes3, u"bytes3 has non-zero padding"_s);
        // 0x80 in an int8 word must be sign-extended to ff..ff80.
        expectDecodeError(types({u"int8"_s}), word(0x80), u"out of range for int8"_s);
        QByteArray minusOne(32, '\xff');
        auto ok = abiDecode(types({u"int8"_s}), minusOne);
        QVERIFY(ok.ok());
        QCOMPARE(ok->at(0).toInt().value(), Int256(-1));
    }

    void decoderRejectsLyingOffsetsAndLengths()
    {
        AbiType names = type(u"string[]"_s);
        names.setName(u"names"_s);
        // Truncated head.
        expectDecodeError(types({u"uint256"_s, u"uint256"_s}), word(1),
                          u"parameter 2: the data ends"_s);
        expectDecodeError(types({u"uint256"_s}), {}, u"parameter 1: the data ends"_s);
        // An offset past the end.
        expectDecodeError({names}, word(0x1000), u"parameter 1 (names): offset 4096 points past"_s);
        expectDecodeError(
            {names}, words({"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"}),
            u"points past the end"_s);
        // An array length that cannot fit in the remaining bytes: no allocation.
        expectDecodeError({names}, QByteArray(word(0x20)).append(QByteArray(32, '\xff')),
                          u"does not fit in the remaining 0 bytes"_s);
        expectDecodeError(types({u"uint256[]"_s}),
                          QByteArray(word(0x20)).append(word(3)).append(word(1)),
                          u"array length 3 does not fit in the remaining 32 bytes"_s);
        // A string length past the end.
        expectDecodeError(types({u"string"_s}),
                          QByteArray(word(0x20)).append(word(100)).append(word(0)),
                          u"length 100 runs past the end"_s);
        // An element of a nested array names its path.
        const QByteArray badElement = QByteArray(word(0x20))   // offset of names
                                          .append(word(1))     // one element
                                          .append(word(0x20))  // its offset
                                          .append(word(5000)); // its length: too long
        expectDecodeError({names}, badElement, u"parameter 1 (names)[0]: length 5000"_s);
    }

    void decoderRefusesOverlappingOffsetBombs()
    {
        // uint256[][][]: every level holds n offsets that all point at the same
        // child, so a few kilobytes would expand to n^3 values.
        const int n = 100;
        QByteArray data = word(0x20);
        for (int level = 0; level < 2; ++level) {
            data.append(word(n));
            for (int i = 0; i < n; ++i)
                data.append(word(quint64(n) * 32)); // just past this list of offsets
        }
        data.append(word(n));
        for (int i = 0; i < n; ++i)
            data.append(word(i));
        expectDecodeError(types({u"uint256[][][]"_s}), data, u"overlapping offsets"_s);
    }

    void trailingBytesAreIgnored()
    {
        auto decoded = abiDecode(types({u"uint64"_s}), QByteArray(word(7)).append(word(9)));
        QVERIFY(decoded.ok());
        QCOMPARE(decoded->size(), 1);
        QVERIFY(decoded->at(0) == u(7));
        QVERIFY(abiDecode({}, {}).ok());
    }

    void nestedStructsRoundTrip()
    {
        // Registry.getListing's output shape.
        const AbiType listing =
            type(u"((string,string[],(string,string)[],(uint64,uint64,uint64,uint64),bytes32),"
                 u"uint64,uint64)"_s);
        const AbiValue value = list(
            {list({str(u"https://provider.example:8443"_s),
                   list({str(u"eu-west"_s), str(u"ünï"_s)}),
                   list({list({str(u"gpu"_s), str(u"none"_s)}), list({str(u""_s), str(u"x"_s)})}),
                   list({u(8), u(16384), u(100), u(0)}),
                   AbiValue::fromBytes(QByteArray(32, '\x5a'))}),
             u(1700000000), u(std::numeric_limits<quint64>::max())});
        auto encoded = abiEncode({listing}, {value});
        QVERIFY(encoded.ok());
        QCOMPARE(encoded->size() % 32, 0);
        auto decoded = abiDecode({listing}, *encoded);
        QVERIFY2(decoded.ok(), qPrintable(decoded.ok() ? QString() : decoded.error().message));
        QVERIFY(decoded->at(0) == value);
    }

    void valuesConvertToJson()
    {
        const auto address =
            crypto::Address::fromHex(u"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"_s).value();
        const AbiValue v =
            list({AbiValue::fromUInt(std::numeric_limits<UInt256>::max()),
                  AbiValue::fromAddress(address), AbiValue::fromBool(true),
                  AbiValue::fromBytes(QByteArray::fromHex("00ff")), str(u"hi"_s), list({})});
        const QJsonArray json = v.toJson().toArray();
        QCOMPARE(json.size(), 6);
        QCOMPARE(
            json[0].toString(),
            u"115792089237316195423570985008687907853269984665640564039457584007913129639935"_s);
        QCOMPARE(json[1].toString(), u"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"_s);
        QCOMPARE(json[2].toBool(), true);
        QCOMPARE(json[3].toString(), u"0x00ff"_s);
        QCOMPARE(json[4].toString(), u"hi"_s);
        QVERIFY(json[5].isArray());
        QCOMPARE(v.toDisplayString().left(5), u"[1157"_s);
        QVERIFY(v.toDisplayString().endsWith(u", true, 0x00ff, \"hi\", []]"_s));
    }

    void accessorsAreChecked()
    {
        auto notBool = u(1).toBool();
        QVERIFY(!notBool.ok());
        QCOMPARE(notBool.error().message, u"expected a boolean, got an unsigned integer"_s);
        QVERIFY(!str(u"x"_s).toBytes().ok());
        QVERIFY(!bytes("x").toString().ok());
        QVERIFY(!u(1).toList().ok());
        QCOMPARE(AbiValue::fromUInt(7).toInt().value(), Int256(7));
    }
};

QTEST_GUILESS_MAIN(TestAbiCodec)
#include "tst_abicodec.moc"
