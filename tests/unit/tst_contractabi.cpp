#include "chain/abicodec.h"
#include "chain/contractabi.h"

#include <QFile>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::chain;

namespace {

const QStringList ArtifactNames{u"Escrow"_s, u"Market"_s, u"Registry"_s, u"Staking"_s,
                                u"TestToken"_s};

ContractAbi loadArtifact(const QString &name)
{
    QFile file(QStringLiteral(BERTH_CONTRACTS_DIR) + u"/artifacts/"_s + name + u".json"_s);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open artifact %s", qPrintable(name));
    auto abi = ContractAbi::fromJsonDocument(file.readAll());
    if (!abi)
        qFatal("artifact %s: %s", qPrintable(name), qPrintable(abi.error().message));
    return abi.value();
}

crypto::Address addr(const QString &hex)
{
    return crypto::Address::fromHex(hex).value();
}

QByteArray word(quint64 v)
{
    return toBigEndian32(v);
}

QByteArray topicOf(const crypto::Address &a)
{
    return QByteArray(12, '\0').append(a.bytes());
}

const auto Provider = u"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"_s;

} // namespace

class TestContractAbi : public QObject
{
    Q_OBJECT

private slots:
    void erc20SelectorsAreTheWellKnownOnes()
    {
        const ContractAbi token = loadArtifact(u"TestToken"_s);
        auto selectorOf = [&](const QString &name) {
            return token.function(name).value().selector().toHex();
        };
        QCOMPARE(selectorOf(u"transfer"_s), "a9059cbb");
        QCOMPARE(selectorOf(u"balanceOf"_s), "70a08231");
        QCOMPARE(selectorOf(u"approve"_s), "095ea7b3");
        QCOMPARE(selectorOf(u"transferFrom"_s), "23b872dd");
        QCOMPARE(selectorOf(u"allowance"_s), "dd62ed3e");
        QCOMPARE(selectorOf(u"totalSupply"_s), "18160ddd");
        QCOMPARE(token.event(u"Transfer"_s).value().topic0().toHex(),
                 "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
        QCOMPARE(token.event(u"Approval"_s).value().topic0().toHex(),
                 "8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925");
        QVERIFY(token.function(u"balanceOf"_s)->isReadOnly());
        QVERIFY(!token.function(u"transfer"_s)->isReadOnly());
        QCOMPARE(token.constructor().signature(), u"(string,string)"_s);
    }

    // Every entry of all five artifacts, against signatures and hashes computed
    // independently (tests/data/chain/artifact-signatures.tsv).
    void everyArtifactEntryHasSoliditysSignature()
    {
        QFile file(QStringLiteral(BERTH_TEST_DATA_DIR) + u"/chain/artifact-signatures.tsv"_s);
        QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
        QHash<QString, ContractAbi> contracts;
        for (const QString &name : ArtifactNames)
            contracts.insert(name, loadArtifact(name));

        QSet<QString> expected;
        int checked = 0;
        while (!file.atEnd()) {
            const QString line = QString::fromUtf8(file.readLine()).trimmed();
            if (line.isEmpty() || line.startsWith(u'#'))
                continue;
            const QStringList f = line.split(u'\t');
            QCOMPARE(f.size(), 4);
            const ContractAbi &abi = contracts[f[0]];
            expected.insert(f[0] + u' ' + f[1] + u' ' + f[2]);
            QString hash;
            if (f[1] == u"function") {
                auto fn = abi.function(f[2]);
                QVERIFY2(fn.ok(), qPrintable(line));
                hash = QString::fromLatin1(fn->selector().toHex());
            } else if (f[1] == u"event") {
                auto ev = abi.event(f[2]);
                QVERIFY2(ev.ok(), qPrintable(line));
                hash = QString::fromLatin1(ev->topic0().toHex());
            } else {
                QCOMPARE(f[1], u"error"_s);
                bool found = false;
                for (const AbiError &e : abi.errors()) {
                    if (e.signature() == f[2]) {
                        hash = QString::fromLatin1(e.selector().toHex());
                        found = true;
                    }
                }
                QVERIFY2(found, qPrintable(line));
            }
            QCOMPARE(u"0x"_s + hash, f[3]);
            ++checked;
        }
        QVERIFY(checked > 200);

        // And nothing loaded that the list does not know.
        QSet<QString> loaded;
        for (auto it = contracts.cbegin(); it != contracts.cend(); ++it) {
            for (const AbiFunction &fn : it->functions())
                loaded.insert(it.key() + u" function "_s + fn.signature());
            for (const AbiEvent &ev : it->events())
                loaded.insert(it.key() + u" event "_s + ev.signature());
            for (const AbiError &e : it->errors())
                loaded.insert(it.key() + u" error "_s + e.signature());
        }
        QCOMPARE(loaded, expected);
    }

    void structSignaturesUseTuples()
    {
        const ContractAbi market = loadArtifact(u"Market"_s);
        QCOMPARE(market.function(u"postOrder"_s)->signature(),
                 u"postOrder((bytes32,bytes32,(uint64,uint64,uint64,uint64),address,uint256,"
                 u"uint64,uint64,uint256,uint256,string))"_s);
        const ContractAbi registry = loadArtifact(u"Registry"_s);
        QCOMPARE(canonicalList(registry.function(u"getListing"_s)->outputs),
                 u"((string,string[],(string,string)[],(uint64,uint64,uint64,uint64),bytes32),"
                 u"uint64,uint64)"_s);
    }

    void encodesCallsLikeCast()
    {
        const ContractAbi token = loadArtifact(u"TestToken"_s);
        // cast calldata "transfer(address,uint256)" 0x3C44...93BC 1000000000000000000
        auto call = token.encodeCall(
            u"transfer"_s,
            {AbiValue::fromAddress(addr(u"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"_s)),
             AbiValue::fromUInt(UInt256(1'000'000'000'000'000'000ULL))});
        QVERIFY(call.ok());
        QCOMPARE(call->toHex(),
                 "a9059cbb0000000000000000000000003c44cdddb6a900fa2b585dd299e03d12fa4293bc"
                 "0000000000000000000000000000000000000000000000000de0b6b3a7640000");
        auto bySignature =
            token.encodeCall(u"balanceOf(address)"_s, {AbiValue::fromAddress(addr(Provider))});
        QVERIFY(bySignature.ok());
        QCOMPARE(bySignature->left(4).toHex(), "70a08231");

        // cast abi-encode "f(string,string)" "Berth Test Token" "BTT"
        auto constructorArgs = token.encodeConstructor(
            {AbiValue::fromString(u"Berth Test Token"_s), AbiValue::fromString(u"BTT"_s)});
        QVERIFY(constructorArgs.ok());
        QCOMPARE(constructorArgs->toHex(),
                 "0000000000000000000000000000000000000000000000000000000000000040"
                 "0000000000000000000000000000000000000000000000000000000000000080"
                 "0000000000000000000000000000000000000000000000000000000000000010"
                 "4265727468205465737420546f6b656e00000000000000000000000000000000"
                 "0000000000000000000000000000000000000000000000000000000000000003"
                 "4254540000000000000000000000000000000000000000000000000000000000");

        auto wrongArgs = token.encodeCall(u"transfer"_s, {AbiValue::fromBool(true)});
        QVERIFY(!wrongArgs.ok());
        QVERIFY(wrongArgs.error().message.startsWith(u"transfer(address,uint256): expected 2"_s));
    }

    void unknownFunctionsSuggestAName()
    {
        const ContractAbi token = loadArtifact(u"TestToken"_s);
        auto typo = token.function(u"tranfer"_s);
        QVERIFY(!typo.ok());
        QCOMPARE(typo.error().code, ErrorCode::NotFound);
        QCOMPARE(typo.error().message,
                 u"this contract has no function 'tranfer'; did you mean 'transfer'?"_s);
        auto wrongSignature = token.function(u"transfer(address)"_s);
        QVERIFY(!wrongSignature.ok());
        QVERIFY(wrongSignature.error().message.contains(u"transfer(address)"_s));
        // Signatures are canonicalized before matching.
        QVERIFY(token.function(u"transfer(address, uint)"_s).ok());
        QVERIFY(token.function(u"totalSupply()"_s).ok());
    }

    void overloadsNeedASignature()
    {
        const QByteArray json = R"([
            {"type":"function","name":"f","inputs":[{"name":"a","type":"uint256"}],"outputs":[]},
            {"type":"function","name":"f","inputs":[{"name":"a","type":"bytes"}],"outputs":[]}])";
        auto abi = ContractAbi::fromJsonDocument(json);
        QVERIFY(abi.ok());
        auto ambiguous = abi->function(u"f"_s);
        QVERIFY(!ambiguous.ok());
        QCOMPARE(ambiguous.error().message,
                 u"function 'f' is overloaded: name one of f(uint256), f(bytes)"_s);
        QCOMPARE(abi->function(u"f(bytes)"_s)->inputs.first().kind(), AbiType::Kind::Bytes);
    }

    void decodesOutputs()
    {
        const ContractAbi token = loadArtifact(u"TestToken"_s);
        auto balance = token.decodeOutput(u"balanceOf"_s, word(12345));
        QVERIFY(balance.ok());
        QCOMPARE(balance->first().toUInt().value(), UInt256(12345));

        auto empty = token.decodeOutput(u"balanceOf"_s, {});
        QVERIFY(!empty.ok());
        QCOMPARE(empty.error().code, ErrorCode::BadResponse);
        QVERIFY(empty.error().message.contains(u"returned no data"_s));

        auto decimals = token.decodeOutput(u"decimals"_s, word(300));
        QVERIFY(!decimals.ok());
        QVERIFY(decimals.error().message.contains(u"300 is out of range for uint8"_s));

        // Market.bidsOfOrder: (uint256[], Bid[], uint256).
        const ContractAbi market = loadArtifact(u"Market"_s);
        const AbiFunction bidsOfOrder = market.function(u"bidsOfOrder"_s).value();
        const AbiValue bid = AbiValue::fromList(
            {AbiValue::fromUInt(7), AbiValue::fromAddress(addr(Provider)), AbiValue::fromUInt(1),
             AbiValue::fromUInt(3600), AbiValue::fromUInt(0), AbiValue::fromUInt(99)});
        const QList<AbiValue> values{AbiValue::fromList({AbiValue::fromUInt(7)}),
                                     AbiValue::fromList({bid}), AbiValue::fromUInt(8)};
        const QByteArray data = abiEncode(bidsOfOrder.outputs, values).value();
        auto decoded = market.decodeOutput(u"bidsOfOrder"_s, data);
        QVERIFY(decoded.ok());
        QVERIFY(decoded.value() == values);
        QCOMPARE(bidsOfOrder.outputs[1].element().components()[1].name(), u"provider"_s);
    }

    void decodesLogs()
    {
        const ContractAbi token = loadArtifact(u"TestToken"_s);
        const auto from = addr(Provider);
        const auto to = addr(u"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"_s);
        const QByteArray topic0 = token.event(u"Transfer"_s)->topic0();
        auto log = token.decodeLog({topic0, topicOf(from), topicOf(to)}, word(500));
        QVERIFY2(log.ok(), qPrintable(log.ok() ? QString() : log.error().message));
        QCOMPARE(log->event, u"Transfer"_s);
        QCOMPARE(log->signature, u"Transfer(address,address,uint256)"_s);
        QCOMPARE(log->args.size(), 3);
        QCOMPARE(log->args[0].first, u"from"_s);
        QCOMPARE(log->arg(u"from"_s)->toAddress().value(), from);
        QCOMPARE(log->arg(u"to"_s)->toAddress().value(), to);
        QCOMPARE(log->arg(u"value"_s)->toUInt().value(), UInt256(500));
        QVERIFY(log->arg(u"nope"_s) == nullptr);

        auto missingTopic = token.decodeLog({topic0, topicOf(from)}, word(500));
        QVERIFY(!missingTopic.ok());
        QVERIFY(missingTopic.error().message.contains(u"has 2 topics, expected 3"_s));
        auto foreign = token.decodeLog({QByteArray(32, '\x01')}, {});
        QVERIFY(!foreign.ok());
        QCOMPARE(foreign.error().code, ErrorCode::NotFound);
        QVERIFY(!token.decodeLog({}, {}).ok());
        QByteArray dirty = topicOf(from);
        dirty[0] = 1;
        QVERIFY(!token.decodeLog({topic0, dirty, topicOf(to)}, word(1)).ok());

        // Indexed strings come back as their topic hash; data fields decode in order.
        const QByteArray json = R"([{"type":"event","name":"Named","anonymous":false,"inputs":[
            {"name":"label","type":"string","indexed":true},
            {"name":"id","type":"uint256","indexed":false},
            {"name":"who","type":"address","indexed":true},
            {"name":"note","type":"string","indexed":false}]}])";
        const ContractAbi custom = ContractAbi::fromJsonDocument(json).value();
        const QByteArray labelHash(32, '\x42');
        const QByteArray data = abiEncode({AbiType::unsignedInt(), AbiType::string()},
                                          {AbiValue::fromUInt(9), AbiValue::fromString(u"hello"_s)})
                                    .value();
        auto named =
            custom.decodeLog({custom.events().first().topic0(), labelHash, topicOf(from)}, data);
        QVERIFY(named.ok());
        QCOMPARE(named->args[0].second.toBytes().value(), labelHash);
        QCOMPARE(named->args[1].second.toUInt().value(), UInt256(9));
        QCOMPARE(named->args[2].second.toAddress().value(), from);
        QCOMPARE(named->args[3].second.toString().value(), u"hello"_s);
    }

    void describesReverts()
    {
        const ContractAbi escrow = loadArtifact(u"Escrow"_s);
        // Revert data below produced with `cast calldata`.
        QCOMPARE(escrow.describeRevert(QByteArray::fromHex(
                     "1bd2224f00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8")),
                 u"NotProvider(caller: 0x70997970C51812dc3A010C7d01b50e0d17dc79C8)"_s);
        QCOMPARE(escrow.describeRevert(QByteArray::fromHex(
                     "08c379a0000000000000000000000000000000000000000000000000000000000000002000"
                     "00000000000000000000000000000000000000000000000000000000000012696e7375666669"
                     "6369656e74207374616b650000000000000000000000000000")),
                 u"insufficient stake"_s);
        QCOMPARE(escrow.describeRevert(QByteArray::fromHex(
                     "4e487b710000000000000000000000000000000000000000000000000000000000000011")),
                 u"panic 0x11 (arithmetic overflow or underflow)"_s);
        QCOMPARE(escrow.describeRevert(QByteArray::fromHex("4e487b71").append(word(0x32))),
                 u"panic 0x32 (array index out of bounds)"_s);
        QCOMPARE(escrow.describeRevert(QByteArray::fromHex("4e487b71").append(word(1))),
                 u"panic 0x01 (assertion failed)"_s);
        QCOMPARE(escrow.describeRevert({}), u"no reason given"_s);
        QCOMPARE(escrow.describeRevert(QByteArray::fromHex("12345678")),
                 u"unknown error 0x12345678"_s);
        QCOMPARE(escrow.describeRevert(QByteArray::fromHex("1234")), u"unknown error 0x1234"_s);
        // A custom error with several arguments (Market).
        const ContractAbi market = loadArtifact(u"Market"_s);
        QCOMPARE(
            market.describeRevert(QByteArray::fromHex(
                "bf4fdfa200000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8000000"
                "000000000000000000000000000000000000000000000000000000000500000000000000000000"
                "00000000000000000000000000000000000000000064")),
            u"StakeTooLow(provider: 0x70997970C51812dc3A010C7d01b50e0d17dc79C8, stake: 5, "
            u"minStake: 100)"_s);
        // Errors without arguments, and a known error with truncated arguments.
        const AbiError alreadyStopped = escrow.errors().constFirst();
        QCOMPARE(alreadyStopped.name, u"AlreadyStopped"_s);
        QCOMPARE(escrow.describeRevert(alreadyStopped.selector()),
                 u"AlreadyStopped(bytes32,uint64) (with undecodable arguments 0x)"_s);
        bool sawZeroAddress = false;
        for (const AbiError &e : escrow.errors()) {
            if (e.name == u"ZeroAddress") {
                QCOMPARE(escrow.describeRevert(e.selector()), u"ZeroAddress()"_s);
                sawZeroAddress = true;
            }
        }
        QVERIFY(sawZeroAddress);
    }

    void rejectsMalformedAbis()
    {
        QVERIFY(!ContractAbi::fromJsonDocument("not json").ok());
        auto noAbi = ContractAbi::fromJsonDocument(R"({"contractName":"X"})");
        QVERIFY(!noAbi.ok());
        QVERIFY(noAbi.error().message.contains(u"\"abi\""_s));
        auto badParam = ContractAbi::fromJsonDocument(
            R"([{"type":"function","name":"f","inputs":[{"name":"x","type":"uint7"}]}])");
        QVERIFY(!badParam.ok());
        QCOMPARE(badParam.error().message,
                 u"ABI function 'f', parameter 1: 'uint7' is not a valid ABI type: integer sizes "
                 u"are multiples of 8 from 8 to 256"_s);
        // Fallback and receive entries carry nothing to call by name.
        auto withFallback = ContractAbi::fromJsonDocument(
            R"([{"type":"fallback","stateMutability":"payable"},{"type":"receive","stateMutability":"payable"}])");
        QVERIFY(withFallback.ok());
        QVERIFY(withFallback->functions().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestContractAbi)
#include "tst_contractabi.moc"
