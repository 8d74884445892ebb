#include "chain/contractartifact.h"
#include "chain/escrowcontract.h"
#include "chain/registrycontract.h"

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
};

QTEST_GUILESS_MAIN(TestContractBindings)
#include "tst_contractbindings.moc"
