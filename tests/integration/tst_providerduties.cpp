// berthd's chain duties against a real devnet, driven in-process (no Podman):
// the Registry listing kept as berthd.yaml says (issue 5, point 5) and Staking
// liveness challenges answered by themselves, cross-checked with berthctl and cast.
#include "chain/chainprofile.h"
#include "chain/contractclient.h"
#include "chain/ethclient.h"
#include "chain/filenoncestore.h"
#include "chain/transactionmanager.h"
#include "crypto/privatekey.h"
#include "devnettest.h"
#include "provider/challengeresponder.h"
#include "provider/listingkeeper.h"
#include "provider/providerprices.h"
#include "provider/providersettings.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;
using namespace berth;
using berth::test::devAccounts;
using berth::test::Run;

namespace {

const QString providerAddress = devAccounts().at(u"provider"_s).address;
const QString publisherAddress = devAccounts().at(u"publisher"_s).address;
const QByteArray x25519PublicKey(32, '\x07');

const QByteArray listingYaml = "registry:\n"
                               "  register: true\n"
                               "  endpoint: wss://127.0.0.1:7443\n"
                               "  regions: eu-west, eu-central\n"
                               "  attributes: tier=gold, disk=nvme\n"
                               "  capacity: {cpu: \"8\", memory: 16Gi, storage: 100Gi, gpus: 1}\n"
                               "pricing:\n"
                               "  cpuCoreHour: \"0.02\"\n"
                               "  memoryGiBMonth: \"3\"\n";

} // namespace

class TestProviderDuties : public berth::test::DevnetTest
{
    Q_OBJECT

private:
    chain::ChainProfile m_profile;
    std::unique_ptr<chain::EthClient> m_eth;
    std::unique_ptr<chain::FileNonceStore> m_nonces;
    std::unique_ptr<chain::TransactionManager> m_transactions;
    QString m_channel;
    QString m_challenge;

    quint64 providerNonce() const
    {
        return cast({u"nonce"_s, providerAddress}).out.trimmed().toULongLong();
    }

    Result<provider::ListingOutcome> syncListing(const QByteArray &yaml)
    {
        auto settings = provider::ProviderSettings::parse(yaml, u"berthd.yaml"_s, {});
        if (!settings)
            return settings.error();
        auto prices = provider::providerPrices(*settings, m_profile.tokenDecimals);
        if (!prices)
            return prices.error();
        provider::ListingTarget target{
            provider::ListingTarget::profileFrom(*settings, x25519PublicKey), *prices,
            m_profile.token};
        return syncTarget(target);
    }

    Result<provider::ListingOutcome> syncTarget(const provider::ListingTarget &target)
    {
        auto registry =
            chain::ContractClient::fromArtifact(u"Registry"_s, m_profile.registry, m_eth.get());
        if (!registry)
            return registry.error();
        // A new keeper each time, as on every berthd start.
        provider::ListingKeeper keeper(*registry, m_transactions.get(), target);
        std::optional<Result<provider::ListingOutcome>> outcome;
        keeper.sync([&outcome](Result<provider::ListingOutcome> r) { outcome = std::move(r); });
        (void)QTest::qWaitFor([&] { return outcome.has_value(); }, 30000);
        if (!outcome)
            return Error(ErrorCode::Timeout, u"the listing sync did not finish"_s);
        return *outcome;
    }

    QJsonObject shownListing() const
    {
        const Run shown = reading(u"provider"_s, {u"provider"_s, u"show"_s, u"--json"_s});
        return shown.json().value(u"listing"_s).toObject();
    }

    std::unique_ptr<provider::ChallengeResponder> responder(const QString &stateFile)
    {
        auto staking =
            chain::ContractClient::fromArtifact(u"Staking"_s, m_profile.staking, m_eth.get());
        if (!staking)
            return nullptr;
        provider::ChallengeResponderConfig config;
        config.pollSeconds = 2;
        config.stateFile = stateFile;
        config.maxBlockRange = 7; // several eth_getLogs requests per pass
        return std::make_unique<provider::ChallengeResponder>(config, *staking, m_eth.get(),
                                                              m_transactions.get());
    }

    Result<provider::ChallengePass> poll(provider::ChallengeResponder &r)
    {
        std::optional<Result<provider::ChallengePass>> pass;
        r.pollOnce([&pass](Result<provider::ChallengePass> p) { pass = std::move(p); });
        (void)QTest::qWaitFor([&] { return pass.has_value(); }, 30000);
        if (!pass)
            return Error(ErrorCode::Timeout, u"the challenge pass did not finish"_s);
        return *pass;
    }

private slots:
    void initTestCase()
    {
        const QString failure = startDevnet({u"provider"_s, u"publisher"_s});
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        auto profile = chain::ChainProfile::fromJson(m_chain);
        QVERIFY2(profile.ok(), qPrintable(profile ? QString() : profile.error().message));
        m_profile = *profile;
        m_eth = std::make_unique<chain::EthClient>(m_profile.rpcUrl);
        m_nonces = std::make_unique<chain::FileNonceStore>(m_home.filePath(u"nonces.json"_s));
        auto key = crypto::PrivateKey::fromHex(devAccounts().at(u"provider"_s).key);
        QVERIFY(key.ok());
        m_transactions = std::make_unique<chain::TransactionManager>(
            m_eth.get(), *key, m_profile.chainId, m_nonces.get());
        QCOMPARE(m_transactions->address().toChecksumString(), providerAddress);
    }

    void cleanupTestCase()
    {
        m_transactions.reset();
        QVERIFY(stopDevnet());
    }

    void firstStartRegistersAndPrices()
    {
        const quint64 before = providerNonce();
        auto outcome = syncListing(listingYaml);
        QVERIFY2(outcome.ok(), qPrintable(outcome ? QString() : outcome.error().message));
        QVERIFY(outcome->registered);
        QVERIFY(!outcome->profileUpdated);
        QVERIFY(outcome->pricingSet);
        QCOMPARE(outcome->transactions.size(), 2);
        QCOMPARE(providerNonce(), before + 2);

        const QJsonObject listing = shownListing();
        QCOMPARE(listing.value(u"provider"_s).toString(), providerAddress);
        QCOMPARE(listing.value(u"endpoint"_s).toString(), u"wss://127.0.0.1:7443"_s);
        QCOMPARE(listing.value(u"regions"_s).toArray(),
                 (QJsonArray{u"eu-west"_s, u"eu-central"_s}));
        QCOMPARE(listing.value(u"attributes"_s).toObject(),
                 (QJsonObject{{u"tier"_s, u"gold"_s}, {u"disk"_s, u"nvme"_s}}));
        const QJsonObject capacity = listing.value(u"capacity"_s).toObject();
        QCOMPARE(capacity.value(u"cpuMillis"_s).toString(), u"8000"_s);
        QCOMPARE(capacity.value(u"memoryBytes"_s).toString(), u"17179869184"_s);
        QCOMPARE(capacity.value(u"storageBytes"_s).toString(), u"107374182400"_s);
        QCOMPARE(capacity.value(u"gpuCount"_s).toString(), u"1"_s);
        const QJsonObject prices = listing.value(u"prices"_s).toObject();
        QCOMPARE(prices.value(u"cpuPerCoreHour"_s).toString(), u"0.02"_s);
        QCOMPARE(prices.value(u"memoryPerGiBMonth"_s).toString(), u"3"_s);
        QCOMPARE(prices.value(u"gpuPerHour"_s).toString(), u"0"_s);

        // The listed key hash is keccak256 of the X25519 public key, as cast computes it.
        const Run keccak =
            run(QStringLiteral(BERTH_CAST_PATH),
                {u"keccak"_s, u"0x"_s + QString::fromLatin1(x25519PublicKey.toHex())});
        QCOMPARE(listing.value(u"encryptionKeyHash"_s).toString(), keccak.out.trimmed());
        // cast reads the same per-second CPU price: 0.02 tUSD/h = 20000/3600 base units/s × 1e18.
        const Run pricing =
            cast({u"call"_s, contract(u"registry"_s),
                  u"getPricing(address,address)(bool,(uint128,uint128,uint128,uint128,uint128))"_s,
                  providerAddress, tokenAddress()});
        QVERIFY2(pricing.out.startsWith(u"true"_s) &&
                     pricing.out.contains(u"5555555555555555556"_s),
                 qPrintable(pricing.out));
    }

    void sameSettingsSendNothing()
    {
        const quint64 before = providerNonce();
        auto outcome = syncListing(listingYaml);
        QVERIFY2(outcome.ok(), qPrintable(outcome ? QString() : outcome.error().message));
        QVERIFY(!outcome->changed());
        QCOMPARE(outcome->summary(), u"unchanged"_s);
        QCOMPARE(providerNonce(), before);
    }

    void aChangeUpdatesOnlyWhatDiffers()
    {
        // A new region: the profile is updated, the prices are left alone.
        QByteArray moved = listingYaml;
        moved.replace("eu-west, eu-central", "us-east");
        quint64 before = providerNonce();
        auto outcome = syncListing(moved);
        QVERIFY2(outcome.ok(), qPrintable(outcome ? QString() : outcome.error().message));
        QVERIFY(outcome->profileUpdated);
        QVERIFY(!outcome->registered);
        QVERIFY(!outcome->pricingSet);
        QCOMPARE(providerNonce(), before + 1);
        QCOMPARE(shownListing().value(u"regions"_s).toArray(), (QJsonArray{u"us-east"_s}));

        // A new price: only setPricing.
        QByteArray dearer = moved;
        dearer.replace("cpuCoreHour: \"0.02\"", "cpuCoreHour: \"0.05\"");
        before = providerNonce();
        outcome = syncListing(dearer);
        QVERIFY2(outcome.ok(), qPrintable(outcome ? QString() : outcome.error().message));
        QVERIFY(!outcome->profileUpdated);
        QVERIFY(outcome->pricingSet);
        QCOMPARE(providerNonce(), before + 1);
        QCOMPARE(shownListing().value(u"prices"_s).toObject().value(u"cpuPerCoreHour"_s).toString(),
                 u"0.05"_s);

        // And the same again: nothing.
        before = providerNonce();
        outcome = syncListing(dearer);
        QVERIFY(outcome.ok() && !outcome->changed());
        QCOMPARE(providerNonce(), before);
    }

    void aRevertIsReportedAndNothingSent()
    {
        // Settings refuse an endpoint the Registry would refuse...
        QByteArray tooLong = listingYaml;
        tooLong.replace("wss://127.0.0.1:7443",
                        QByteArray("wss://127.0.0.1:7443/").append(250, 'x'));
        auto refused = syncListing(tooLong);
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().message.contains(
                     u"registry.endpoint: must be at most 256 bytes long"_s),
                 qPrintable(refused.error().message));

        // ...and what the contract refuses anyway is named, with nothing sent.
        auto settings = provider::ProviderSettings::parse(listingYaml, u"berthd.yaml"_s, {});
        QVERIFY(settings.ok());
        provider::ListingTarget target{
            provider::ListingTarget::profileFrom(*settings, x25519PublicKey),
            provider::providerPrices(*settings, m_profile.tokenDecimals).value(), m_profile.token};
        target.profile.endpoint.clear();
        const quint64 before = providerNonce();
        auto outcome = syncTarget(target);
        QVERIFY(!outcome.ok());
        QVERIFY2(outcome.error().message.contains(u"EmptyEndpoint"_s),
                 qPrintable(outcome.error().message));
        QCOMPARE(providerNonce(), before);
    }

    void publisherOpensAChannelAndChallenges()
    {
        const Run staked = as(u"provider"_s, {u"stake"_s, u"deposit"_s, u"100"_s, u"--json"_s});
        QVERIFY2(staked.exitCode == 0, qPrintable(staked.err));
        const Run quote =
            as(u"provider"_s, {u"escrow"_s, u"quote"_s, u"--publisher"_s, publisherAddress,
                               u"--deployment"_s, u"web"_s, u"--rate"_s, u"3.6"_s, u"--notice"_s,
                               u"60s"_s, u"--out"_s, m_home.filePath(u"quote.json"_s)});
        QVERIFY2(quote.exitCode == 0, qPrintable(quote.err));
        const Run opened =
            as(u"publisher"_s, {u"escrow"_s, u"open"_s, m_home.filePath(u"quote.json"_s),
                                u"--deposit"_s, u"100"_s, u"--json"_s});
        QVERIFY2(opened.exitCode == 0, qPrintable(opened.err));
        m_channel = opened.json().value(u"channel"_s).toObject().value(u"channelId"_s).toString();
        QVERIFY(m_channel.startsWith(u"0x"_s));

        const Run challenged =
            as(u"publisher"_s, {u"stake"_s, u"challenge"_s, m_channel, u"--json"_s});
        QVERIFY2(challenged.exitCode == 0, qPrintable(challenged.err));
        const QJsonObject challenge = challenged.json().value(u"challenge"_s).toObject();
        m_challenge = challenge.value(u"id"_s).toString();
        QCOMPARE(m_challenge, u"1"_s);
        QCOMPARE(challenge.value(u"status"_s).toString(), u"open"_s);
    }

    void responderAnswersOnceAcrossRestarts()
    {
        QVERIFY(!m_challenge.isEmpty());
        const QString stateFile = m_home.filePath(u"challenges.json"_s);
        const QString bond =
            cast({u"call"_s, contract(u"staking"_s), u"challengeBond()(uint256)"_s})
                .out.split(u' ')
                .value(0)
                .trimmed();
        QVERIFY(bond.toLongLong() > 0);
        const qlonglong balanceBefore = castTokenBalance(providerAddress).toLongLong();
        const quint64 nonceBefore = providerNonce();

        auto first = responder(stateFile);
        QVERIFY(first);
        QSignalSpy answered(first.get(), &provider::ChallengeResponder::challengeAnswered);
        auto pass = poll(*first);
        QVERIFY2(pass.ok(), qPrintable(pass ? QString() : pass.error().message));
        QCOMPARE(pass->answered, QStringList{m_challenge});
        QVERIFY(pass->failed.isEmpty());
        QCOMPARE(answered.size(), 1);
        QCOMPARE(providerNonce(), nonceBefore + 1);

        // On chain: answered, and the bond went to the provider.
        const Run shown =
            berthctl({u"stake"_s, u"show"_s, u"--challenge"_s, m_challenge, u"--json"_s});
        QCOMPARE(shown.json().value(u"challenge"_s).toObject().value(u"status"_s).toString(),
                 u"answered"_s);
        QCOMPARE(castTokenBalance(providerAddress).toLongLong(), balanceBefore + bond.toLongLong());
        const Run logs =
            cast({u"logs"_s, u"--from-block"_s, u"0"_s, u"--address"_s, contract(u"staking"_s),
                  u"ChallengeAnswered(uint256,bytes32,address,uint256)"_s});
        QVERIFY2(logs.exitCode == 0 && logs.out.contains(m_channel.toLower().mid(2)),
                 qPrintable(logs.out + logs.err));

        // The next pass of the same responder: nothing new, nothing sent.
        pass = poll(*first);
        QVERIFY(pass.ok());
        QVERIFY(pass->answered.isEmpty());
        QCOMPARE(providerNonce(), nonceBefore + 1);
        first.reset();

        // berthd restarts: it reads on from the saved block and sends nothing.
        QVERIFY(QFile::exists(stateFile));
        auto restarted = responder(stateFile);
        pass = poll(*restarted);
        QVERIFY2(pass.ok(), qPrintable(pass ? QString() : pass.error().message));
        QVERIFY(pass->answered.isEmpty());
        QVERIFY(pass->skipped.isEmpty());
        QVERIFY(pass->fromBlock > 1);
        QCOMPARE(providerNonce(), nonceBefore + 1);

        // Even with its state file lost, the challenge is seen again but not answered twice.
        auto forgetful = responder(m_home.filePath(u"lost.json"_s));
        pass = poll(*forgetful);
        QVERIFY2(pass.ok(), qPrintable(pass ? QString() : pass.error().message));
        QCOMPARE(pass->fromBlock, quint64(0));
        QCOMPARE(pass->skipped, QStringList{m_challenge});
        QVERIFY(pass->answered.isEmpty());
        QCOMPARE(providerNonce(), nonceBefore + 1);
    }

    void aChallengeWhoseWindowEndedIsNotAnswered()
    {
        QVERIFY(!m_channel.isEmpty());
        const QString stateFile = m_home.filePath(u"late.json"_s);
        auto responderBefore = responder(stateFile);
        QVERIFY(poll(*responderBefore).ok()); // reads up to now
        responderBefore.reset();

        // The next challenge may open an hour later; then berthd is away past its window.
        QVERIFY(timePasses(3601));
        const Run challenged =
            as(u"publisher"_s, {u"stake"_s, u"challenge"_s, m_channel, u"--json"_s});
        QVERIFY2(challenged.exitCode == 0, qPrintable(challenged.err));
        const QString id =
            challenged.json().value(u"challenge"_s).toObject().value(u"id"_s).toString();
        QVERIFY(timePasses(3601));

        const quint64 nonceBefore = providerNonce();
        auto late = responder(stateFile);
        auto pass = poll(*late);
        QVERIFY2(pass.ok(), qPrintable(pass ? QString() : pass.error().message));
        QCOMPARE(pass->skipped, QStringList{id});
        QVERIFY(pass->answered.isEmpty());
        QCOMPARE(providerNonce(), nonceBefore);
    }
};

QTEST_GUILESS_MAIN(TestProviderDuties)
#include "tst_providerduties.moc"
