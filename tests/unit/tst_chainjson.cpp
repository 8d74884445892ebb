// Strict parsing of what Ethereum nodes answer (receipts, logs, blocks), the
// requests sent to them, and the file that keeps nonces across restarts.
#include "chain/blockheader.h"
#include "chain/callrequest.h"
#include "chain/filenoncestore.h"
#include "chain/logfilter.h"
#include "chain/receipt.h"
#include "chain/rpcfields.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using berth::ErrorCode;
using berth::Result;
using berth::UInt256;
using namespace berth::chain;
namespace crypto = berth::crypto;

namespace {

const QString kHashA = u"0x"_s + u"ab"_s.repeated(32);
const QString kHashB = u"0x"_s + u"cd"_s.repeated(32);
const QString kAlice = u"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"_s;
const QString kToken = u"0x5fbdb2315678afecb367f032d93f642f64180aa3"_s;

QJsonObject sampleLog()
{
    return QJsonObject{
        {u"address"_s, kToken},
        {u"topics"_s, QJsonArray{kHashA, QString(u"0x"_s + u"00"_s.repeated(12) + kAlice.mid(2))}},
        {u"data"_s, QString(u"0x"_s + u"00"_s.repeated(31) + u"2a"_s)},
        {u"logIndex"_s, u"0x0"_s},
        {u"blockNumber"_s, u"0x1b4"_s},
        {u"blockHash"_s, kHashB},
        {u"transactionHash"_s, kHashA},
        {u"transactionIndex"_s, u"0x0"_s},
        {u"removed"_s, false},
    };
}

QJsonObject sampleReceipt()
{
    return QJsonObject{
        {u"transactionHash"_s, kHashA},
        {u"status"_s, u"0x1"_s},
        {u"blockNumber"_s, u"0x1b4"_s},
        {u"blockHash"_s, kHashB},
        {u"from"_s, kAlice},
        {u"to"_s, kToken},
        {u"gasUsed"_s, u"0x5208"_s},
        {u"cumulativeGasUsed"_s, u"0x5208"_s},
        {u"effectiveGasPrice"_s, u"0x3b9aca00"_s},
        {u"contractAddress"_s, QJsonValue::Null},
        {u"logs"_s, QJsonArray{sampleLog()}},
        {u"type"_s, u"0x2"_s},
    };
}

} // namespace

class TestChainJson : public QObject
{
    Q_OBJECT

private slots:
    void parsesAReceipt()
    {
        const Result<TransactionReceipt> receipt = TransactionReceipt::fromJson(sampleReceipt());
        QVERIFY(receipt.ok());
        QCOMPARE(receipt->transactionHash, QByteArray(32, '\xab'));
        QVERIFY(receipt->succeeded());
        QCOMPARE(receipt->blockNumber, quint64(436));
        QCOMPARE(receipt->gasUsed, quint64(21000));
        QCOMPARE(receipt->effectiveGasPrice, UInt256(1'000'000'000));
        QCOMPARE(receipt->from.toLowerHex(), kAlice);
        QCOMPARE(receipt->to->toLowerHex(), kToken);
        QVERIFY(!receipt->contractAddress.has_value());
        QCOMPARE(receipt->logs.size(), 1);
        const LogEntry &log = receipt->logs.first();
        QCOMPARE(log.address.toLowerHex(), kToken);
        QCOMPARE(log.topics.size(), 2);
        QCOMPARE(log.data.size(), 32);
        QCOMPARE(log.data.back(), '\x2a');
        QCOMPARE(log.blockNumber, quint64(436));
        QVERIFY(!log.removed);
    }

    void malformedFieldsAreNamed_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QJsonValue>("value");
        QTest::addColumn<QString>("named");

        QTest::newRow("decimal quantity")
            << u"gasUsed"_s << QJsonValue(u"21000"_s) << u"receipt.gasUsed"_s;
        QTest::newRow("number, not string")
            << u"blockNumber"_s << QJsonValue(436) << u"receipt.blockNumber"_s;
        QTest::newRow("empty quantity")
            << u"gasUsed"_s << QJsonValue(u"0x"_s) << u"receipt.gasUsed"_s;
        QTest::newRow("status 2") << u"status"_s << QJsonValue(u"0x2"_s) << u"receipt.status"_s;
        QTest::newRow("missing status")
            << u"status"_s << QJsonValue(QJsonValue::Undefined) << u"receipt.status"_s;
        QTest::newRow("short hash")
            << u"transactionHash"_s << QJsonValue(u"0xabcd"_s) << u"receipt.transactionHash"_s;
        QTest::newRow("odd hex") << u"blockHash"_s << QJsonValue(QString(kHashB + u"0"_s))
                                 << u"receipt.blockHash"_s;
        QTest::newRow("bad address") << u"from"_s << QJsonValue(u"0x1234"_s) << u"receipt.from"_s;
        QTest::newRow("price over 256 bits")
            << u"effectiveGasPrice"_s << QJsonValue(QString(u"0x1"_s + u"0"_s.repeated(64)))
            << u"receipt.effectiveGasPrice"_s;
        QTest::newRow("logs not a list") << u"logs"_s << QJsonValue(u"none"_s) << u"receipt.logs"_s;
    }

    void malformedFieldsAreNamed()
    {
        QFETCH(QString, field);
        QFETCH(QJsonValue, value);
        QFETCH(QString, named);
        QJsonObject json = sampleReceipt();
        if (value.isUndefined())
            json.remove(field);
        else
            json.insert(field, value);
        const Result<TransactionReceipt> receipt = TransactionReceipt::fromJson(json);
        QVERIFY(!receipt.ok());
        QCOMPARE(receipt.error().code, ErrorCode::BadResponse);
        QVERIFY2(receipt.error().message.contains(u"malformed "_s + named + u":"_s),
                 qPrintable(receipt.error().message));
    }

    void malformedLogTopicIsNamed()
    {
        QJsonObject log = sampleLog();
        log.insert(u"topics"_s, QJsonArray{kHashA, u"0x12"_s});
        QJsonObject json = sampleReceipt();
        json.insert(u"logs"_s, QJsonArray{log});
        const Result<TransactionReceipt> receipt = TransactionReceipt::fromJson(json);
        QVERIFY(!receipt.ok());
        QVERIFY2(receipt.error().message.contains(u"log.topics[1]"_s),
                 qPrintable(receipt.error().message));
    }

    void contractCreationReceipt()
    {
        QJsonObject json = sampleReceipt();
        json.insert(u"to"_s, QJsonValue::Null);
        json.insert(u"contractAddress"_s, kToken);
        json.remove(u"effectiveGasPrice"_s); // pre-London nodes leave it out
        const Result<TransactionReceipt> receipt = TransactionReceipt::fromJson(json);
        QVERIFY(receipt.ok());
        QVERIFY(!receipt->to.has_value());
        QCOMPARE(receipt->contractAddress->toLowerHex(), kToken);
        QCOMPARE(receipt->effectiveGasPrice, UInt256(0));
    }

    void parsesABlock()
    {
        QJsonObject json{{u"number"_s, u"0x10"_s},
                         {u"hash"_s, kHashA},
                         {u"timestamp"_s, u"0x6553f100"_s},
                         {u"gasLimit"_s, u"0x1c9c380"_s},
                         {u"baseFeePerGas"_s, u"0x7"_s}};
        Result<BlockHeader> block = BlockHeader::fromJson(json);
        QVERIFY(block.ok());
        QCOMPARE(block->number, quint64(16));
        QCOMPARE(block->timestamp, quint64(0x6553f100));
        QCOMPARE(block->baseFeePerGas, std::optional<UInt256>(7));

        json.remove(u"baseFeePerGas"_s);
        block = BlockHeader::fromJson(json);
        QVERIFY(block.ok());
        QVERIFY(!block->baseFeePerGas.has_value());

        json.insert(u"timestamp"_s, u"soon"_s);
        block = BlockHeader::fromJson(json);
        QVERIFY(!block.ok());
        QVERIFY(block.error().message.contains(u"block.timestamp"_s));
    }

    void quantitiesAreStrict()
    {
        QCOMPARE(rpcfields::quantity(u"0x0"_s, u"q"_s).value(), UInt256(0));
        QCOMPARE(rpcfields::quantity64(u"0xffffffffffffffff"_s, u"q"_s).value(),
                 std::numeric_limits<quint64>::max());
        QVERIFY(!rpcfields::quantity64(u"0x10000000000000000"_s, u"q"_s).ok());
        QVERIFY(!rpcfields::quantity(u"0x-1"_s, u"q"_s).ok());
        QVERIFY(!rpcfields::quantity(u" 0x1"_s, u"q"_s).ok());
        QVERIFY(!rpcfields::quantity(u"0xg"_s, u"q"_s).ok());
        QVERIFY(!rpcfields::data(u"0x123"_s, u"d"_s).ok());
        QCOMPARE(rpcfields::data(u"0x"_s, u"d"_s).value(), QByteArray());
    }

    void callRequestJson()
    {
        CallRequest call;
        call.from = crypto::Address::fromHex(kAlice).value();
        call.to = crypto::Address::fromHex(kToken).value();
        call.value = 255;
        call.data = QByteArray::fromHex("a9059cbb");
        call.gas = 100000;
        const QJsonObject json = call.toJson();
        QCOMPARE(json.value(u"from"_s).toString(), kAlice);
        QCOMPARE(json.value(u"to"_s).toString(), kToken);
        QCOMPARE(json.value(u"value"_s).toString(), u"0xff"_s);
        QCOMPARE(json.value(u"data"_s).toString(), u"0xa9059cbb"_s);
        QCOMPARE(json.value(u"gas"_s).toString(), u"0x186a0"_s);
        QVERIFY(!CallRequest{}.toJson().contains(u"to"_s)); // a creation has no "to"
    }

    void logFilterJson()
    {
        LogFilter filter;
        filter.addresses = {crypto::Address::fromHex(kToken).value()};
        filter.topics = {
            {QByteArray(32, '\xab')}, {}, {QByteArray(32, '\x01'), QByteArray(32, '\x02')}};
        filter.fromBlock = u"0x10"_s;
        const QJsonObject json = filter.toJson();
        QCOMPARE(json.value(u"address"_s).toString(), kToken);
        QCOMPARE(json.value(u"fromBlock"_s).toString(), u"0x10"_s);
        QCOMPARE(json.value(u"toBlock"_s).toString(), u"latest"_s);
        const QJsonArray topics = json.value(u"topics"_s).toArray();
        QCOMPARE(topics.size(), 3);
        QCOMPARE(topics.at(0).toString(), kHashA);
        QVERIFY(topics.at(1).isNull());
        QCOMPARE(topics.at(2).toArray().size(), 2);
    }

    void fileNonceStoreSurvivesARestart()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"state/nonces.json"_s);
        const crypto::Address alice = crypto::Address::fromHex(kAlice).value();
        const crypto::Address token = crypto::Address::fromHex(kToken).value();
        {
            FileNonceStore store(path);
            QVERIFY(!store.nextNonce(31337, alice).has_value());
            QVERIFY(store.record(31337, alice, 5).ok());
            QVERIFY(store.record(1, alice, 9).ok());
            QVERIFY(store.record(31337, token, 2).ok());
        }
        FileNonceStore reopened(path);
        QCOMPARE(reopened.nextNonce(31337, alice), std::optional<quint64>(5));
        QCOMPARE(reopened.nextNonce(1, alice), std::optional<quint64>(9));
        QCOMPARE(reopened.nextNonce(31337, token), std::optional<quint64>(2));
        QVERIFY(!reopened.nextNonce(5, token).has_value());

        const QFileDevice::Permissions permissions = QFile(path).permissions();
        QVERIFY(permissions.testFlag(QFileDevice::ReadOwner));
        QVERIFY(permissions.testFlag(QFileDevice::WriteOwner));
        QVERIFY(!(permissions & (QFileDevice::ReadGroup | QFileDevice::ReadOther |
                                 QFileDevice::WriteGroup | QFileDevice::WriteOther)));
    }

    void damagedNonceFileIsReplaced()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"nonces.json"_s);
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("{not json");
        }
        const crypto::Address alice = crypto::Address::fromHex(kAlice).value();
        FileNonceStore store(path);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"the nonce file .* is damaged"_s));
        QVERIFY(!store.nextNonce(31337, alice).has_value()); // the chain's count will do
        QVERIFY(store.record(31337, alice, 3).ok());
        QCOMPARE(store.nextNonce(31337, alice), std::optional<quint64>(3));
    }
};

QTEST_GUILESS_MAIN(TestChainJson)
#include "tst_chainjson.moc"
