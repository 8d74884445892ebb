#include "chain/abicodec.h"
#include "chain/contractartifact.h"
#include "chain/erc20contract.h"
#include "chain/escrowcontract.h"
#include "chain/marketcontract.h"
#include "chain/registrycontract.h"
#include "chain/stakingcontract.h"
#include "core/hex.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::chain;

class TestContractBindings : public QObject
{
    Q_OBJECT

private slots:
    void bindingsMatchTheArtifacts_data()
    {
        QTest::addColumn<QString>("contract");
        QTest::addColumn<QStringList>("signatures");
        QTest::newRow("Registry") << u"Registry"_s << RegistryContract::usedSignatures();
        QTest::newRow("Escrow") << u"Escrow"_s << EscrowContract::usedSignatures();
        QTest::newRow("Staking") << u"Staking"_s << StakingContract::usedSignatures();
        QTest::newRow("Market") << u"Market"_s << MarketContract::usedSignatures();
        QTest::newRow("TestToken") << u"TestToken"_s << Erc20Contract::usedSignatures();
    }

    // ABI drift between the Solidity sources and the C++ bindings fails here,
    // not on a live chain.
    void bindingsMatchTheArtifacts()
    {
        QFETCH(QString, contract);
        QFETCH(QStringList, signatures);
        auto artifact = ContractArtifact::load(contract);
        QVERIFY2(artifact.ok(), qPrintable(artifact.ok() ? QString() : artifact.error().message));
        QVERIFY(!artifact->bytecode.isEmpty());
        for (const QString &signature : signatures) {
            auto function = artifact->abi.function(signature);
            QVERIFY2(function.ok(), qPrintable(contract + u": "_s + signature));
            QCOMPARE(function->signature(), signature);
        }
    }

    void unknownArtifactIsNamed()
    {
        auto missing = ContractArtifact::load(u"Nope"_s);
        QVERIFY(!missing.ok());
        QVERIFY(missing.error().message.contains(u"Nope"_s));
    }

    void quoteDigestMatchesViem()
    {
        // The quote of tst_typeddata's escrowQuoteMatchesViem, built through the binding.
        EscrowQuote quote;
        quote.publisher = *crypto::Address::fromHex(u"0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
        quote.deploymentId =
            QByteArray::fromHex("1111111111111111111111111111111122222222222222222222222222222222");
        quote.token = *crypto::Address::fromHex(u"0x5FbDB2315678afecb367f032d93F642f64180aa3");
        quote.ratePerSecond = 3858024691358ull;
        quote.noticePeriod = 3600;
        quote.validUntil = 1764000000;
        quote.nonce = 7;
        const auto escrow =
            *crypto::Address::fromHex(u"0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");
        QCOMPARE(quote.digest(31337, escrow)->toHex(),
                 "ef981560903157a9f31a80e496dcc586e2b6d646fb8e9ae2ee63309800a8bf69");
        auto roundTrip = EscrowQuote::fromJson(quote.toJson());
        QVERIFY(roundTrip.ok());
        QCOMPARE(roundTrip->digest(31337, escrow)->toHex(),
                 "ef981560903157a9f31a80e496dcc586e2b6d646fb8e9ae2ee63309800a8bf69");
    }

    void quoteFileErrorsNameTheField()
    {
        QJsonObject json = EscrowQuote().toJson();
        json.insert(u"deploymentId"_s, u"0x1234"_s);
        auto bad = EscrowQuote::fromJson(json);
        QVERIFY(!bad.ok());
        QVERIFY(bad.error().message.startsWith(u"quote.deploymentId"_s));
    }

    void deploymentIdsFromNames()
    {
        const QByteArray id = EscrowQuote::deploymentIdFrom(u"web");
        QCOMPARE(id.size(), 32);
        QCOMPARE(EscrowQuote::deploymentIdFrom(QString(u"0x"_s + QString::fromLatin1(id.toHex()))),
                 id);
    }

    void profileRoundTripsThroughAbi()
    {
        ProviderProfile p;
        p.endpoint = u"wss://provider.example:7443"_s;
        p.regions = {u"eu-west"_s, u"eu-central"_s};
        p.attributes = {{u"tier"_s, u"gold"_s}};
        p.capacity = {8000, 16ull << 30, 100ull << 30, 1};
        p.encryptionKeyHash = QByteArray(32, '\x07');
        auto artifact = ContractArtifact::load(u"Registry"_s);
        auto encoded = artifact->abi.encodeCall(u"register"_s, {p.toAbi()});
        QVERIFY(encoded.ok());
        const ProviderProfile back = ProviderProfile::fromAbi(p.toAbi());
        QCOMPARE(back.endpoint, p.endpoint);
        QCOMPARE(back.regions, p.regions);
        QCOMPARE(back.capacity.memoryBytes, p.capacity.memoryBytes);
        QCOMPARE(back.encryptionKeyHash, p.encryptionKeyHash);
    }

    // What order(id) answers decodes to the fields posted, through the ABI codec
    // (encode as the contract's output, decode, read back).
    void orderRoundTripsThroughAbi()
    {
        MarketOrder o;
        o.publisher = *crypto::Address::fromHex(u"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
        o.postedAt = 1764000000;
        o.status = MarketOrder::Status::Accepted;
        o.acceptedBidId = 7;
        o.channelId = QByteArray(32, '\x0c');
        o.terms.manifestHash = QByteArray(32, '\x01');
        o.terms.deploymentId = EscrowQuote::deploymentIdFrom(u"web");
        o.terms.resources = {1000, 512ull << 20, 0, 0};
        o.terms.token = *crypto::Address::fromHex(u"0x5FbDB2315678afecb367f032d93F642f64180aa3");
        o.terms.maxRatePerSecond = UInt256(1388888888888888889ull);
        o.terms.maxNoticePeriod = 3600;
        o.terms.expiry = 1764003600;
        o.terms.minStake = 500'000'000;
        o.terms.deposit = 50'000'000;
        o.terms.region = u"eu-west"_s;

        auto artifact = ContractArtifact::load(u"Market"_s);
        QVERIFY(artifact.ok());
        auto order = artifact->abi.function(u"order(uint256)"_s);
        QVERIFY(order.ok());
        auto encoded = abiEncode(order->outputs, {o.toAbi()});
        QVERIFY2(encoded.ok(), qPrintable(encoded.ok() ? QString() : encoded.error().message));
        auto decoded = abiDecode(order->outputs, *encoded);
        QVERIFY2(decoded.ok(), qPrintable(decoded.ok() ? QString() : decoded.error().message));
        const MarketOrder back = MarketOrder::fromAbi(3, decoded->constFirst());
        QCOMPARE(back.id, UInt256(3));
        QCOMPARE(back.publisher, o.publisher);
        QCOMPARE(back.postedAt, o.postedAt);
        QCOMPARE(back.status, MarketOrder::Status::Accepted);
        QCOMPARE(MarketOrder::statusName(back.status), u"accepted"_s);
        QCOMPARE(back.acceptedBidId, UInt256(7));
        QCOMPARE(back.channelId, o.channelId);
        QCOMPARE(back.terms.manifestHash, o.terms.manifestHash);
        QCOMPARE(back.terms.deploymentId, o.terms.deploymentId);
        QCOMPARE(back.terms.resources.cpuMillis, 1000ull);
        QCOMPARE(back.terms.resources.memoryBytes, 512ull << 20);
        QCOMPARE(back.terms.token, o.terms.token);
        QCOMPARE(back.terms.maxRatePerSecond, o.terms.maxRatePerSecond);
        QCOMPARE(back.terms.maxNoticePeriod, 3600ull);
        QCOMPARE(back.terms.expiry, o.terms.expiry);
        QCOMPARE(back.terms.minStake, o.terms.minStake);
        QCOMPARE(back.terms.deposit, o.terms.deposit);
        QCOMPARE(back.terms.region, u"eu-west"_s);

        // The terms alone are what postOrder takes.
        QVERIFY(artifact->abi.encodeCall(u"postOrder"_s, {o.terms.toAbi()}).ok());
    }

    void bidsRoundTripThroughAbi()
    {
        MarketBid b;
        b.orderId = 3;
        b.provider = *crypto::Address::fromHex(u"0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
        b.noticePeriod = 600;
        b.placedAt = 1764000100;
        b.status = MarketBid::Status::Replaced;
        b.ratePerSecond = UInt256(1111111111111111111ull);
        auto artifact = ContractArtifact::load(u"Market"_s);
        auto page = artifact->abi.function(u"bidsOfOrder(uint256,uint256,uint256)"_s);
        QVERIFY(page.ok());
        const QList<AbiValue> output{AbiValue::fromList({AbiValue::fromUInt(9)}),
                                     AbiValue::fromList({b.toAbi()}), AbiValue::fromUInt(1)};
        auto encoded = abiEncode(page->outputs, output);
        QVERIFY(encoded.ok());
        auto decoded = abiDecode(page->outputs, *encoded);
        QVERIFY(decoded.ok());
        const QList<MarketBid> bids = MarketContract::bidsFromAbi(*decoded);
        QCOMPARE(bids.size(), 1);
        QCOMPARE(bids[0].id, UInt256(9));
        QCOMPARE(bids[0].orderId, UInt256(3));
        QCOMPARE(bids[0].provider, b.provider);
        QCOMPARE(bids[0].noticePeriod, 600ull);
        QCOMPARE(bids[0].placedAt, b.placedAt);
        QCOMPARE(MarketBid::statusName(bids[0].status), u"replaced"_s);
        QCOMPARE(bids[0].ratePerSecond, b.ratePerSecond);
        QVERIFY(MarketContract::bidsFromAbi({}).isEmpty());
    }

    void stakeAndChallengeRoundTripThroughAbi()
    {
        auto artifact = ContractArtifact::load(u"Staking"_s);
        QVERIFY(artifact.ok());
        const StakeInfo stake{500'000'000, 100'000'000, 1764086400};
        auto stakeOf = artifact->abi.function(u"stakeOf(address)"_s);
        QVERIFY(stakeOf.ok());
        auto decodedStake =
            abiDecode(stakeOf->outputs, *abiEncode(stakeOf->outputs, {stake.toAbi()}));
        QVERIFY(decodedStake.ok());
        const StakeInfo stakeBack = StakeInfo::fromAbi(decodedStake->constFirst());
        QCOMPARE(stakeBack.active, stake.active);
        QCOMPARE(stakeBack.unbonding, stake.unbonding);
        QCOMPARE(stakeBack.readyAt, stake.readyAt);

        LivenessChallenge c;
        c.channelId = QByteArray(32, '\x0a');
        c.publisher = *crypto::Address::fromHex(u"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
        c.openedAt = 1764000000;
        c.provider = *crypto::Address::fromHex(u"0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
        c.deadline = 1764003600;
        c.status = LivenessChallenge::Status::Answered;
        c.bond = 10'000'000;
        c.accruedAtOpen = 123;
        auto challengeOf = artifact->abi.function(u"challengeOf(uint256)"_s);
        QVERIFY(challengeOf.ok());
        auto encoded = abiEncode(challengeOf->outputs, {c.toAbi()});
        QVERIFY(encoded.ok());
        auto decoded = abiDecode(challengeOf->outputs, *encoded);
        QVERIFY(decoded.ok());
        const LivenessChallenge back = LivenessChallenge::fromAbi(4, decoded->constFirst());
        QCOMPARE(back.id, UInt256(4));
        QCOMPARE(back.channelId, c.channelId);
        QCOMPARE(back.publisher, c.publisher);
        QCOMPARE(back.openedAt, c.openedAt);
        QCOMPARE(back.provider, c.provider);
        QCOMPARE(back.deadline, c.deadline);
        QCOMPARE(LivenessChallenge::statusName(back.status), u"answered"_s);
        QCOMPARE(back.bond, c.bond);
        QCOMPARE(back.accruedAtOpen, c.accruedAtOpen);
        QCOMPARE(LivenessChallenge::statusName(LivenessChallenge::Status::Slashed), u"slashed"_s);
    }

    void hexStringIsLowercaseWithPrefix()
    {
        QCOMPARE(hexString(QByteArray::fromHex("00ABff")), u"0x00abff"_s);
        QCOMPARE(hexString(QByteArray()), u"0x"_s);
    }
};

QTEST_GUILESS_MAIN(TestContractBindings)
#include "tst_contractbindings.moc"
