// The money commands end to end, as a user runs them: berthctl against a real
// Anvil that `berthctl chain devnet` starts, cross-checked with Foundry's cast
// as an independent client (issue "Ethereum client, wallet and the berthctl
// money commands", "Done when").
#include "devnettest.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

using berth::test::devAccounts;
using berth::test::Run;
const QString providerAddress = devAccounts().at(u"provider"_s).address;
const QString publisherAddress = devAccounts().at(u"publisher"_s).address;
const QString encryptionKey = QString(64, u'7');

} // namespace

class TestBerthctlMoney : public berth::test::DevnetTest
{
    Q_OBJECT

private:
    QString m_channel;

private slots:
    void initTestCase()
    {
        const QString failure = startDevnet({u"provider"_s, u"publisher"_s});
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QVERIFY(m_rpc.startsWith(u"http://127.0.0.1:"));
        QCOMPARE(m_chain.value(u"chainId"_s).toString(), u"31337"_s);
    }

    void cleanupTestCase() { QVERIFY(stopDevnet()); }

    void devnetDeployedEverything()
    {
        for (const auto &name : {u"registry"_s, u"escrow"_s, u"staking"_s, u"market"_s}) {
            const Run code = cast({u"code"_s, contract(name)});
            QVERIFY2(code.exitCode == 0 && code.out.trimmed().size() > 100, qPrintable(name));
        }
        // Escrow is wired to Staking and Market, as the profile says.
        QCOMPARE(cast({u"call"_s, contract(u"escrow"_s), u"staking()(address)"_s}).out.trimmed(),
                 contract(u"staking"_s));
        QCOMPARE(castTokenBalance(publisherAddress), u"1000000000000"_s); // 1,000,000 tUSD
        const Run balance = berthctl({u"wallet"_s, u"balance"_s, publisherAddress});
        QCOMPARE(balance.exitCode, 0);
        QVERIFY2(balance.out.contains(u"1000000 tUSD"_s), qPrintable(balance.out));
    }

    void walletKnowsItsAccounts()
    {
        const QString keys = m_home.filePath(u"provider-keys"_s);
        const Run address = berthctl({u"wallet"_s, u"address"_s, u"--keystore-dir"_s, keys});
        QCOMPARE(address.exitCode, 0);
        QCOMPARE(address.out.trimmed(), providerAddress);
        // A keystore berthctl wrote decrypts with cast (an independent implementation).
        const Run list = berthctl({u"wallet"_s, u"list"_s, u"--keystore-dir"_s, keys, u"--json"_s});
        const QString file = list.json()
                                 .value(u"accounts"_s)
                                 .toArray()
                                 .first()
                                 .toObject()
                                 .value(u"keystore"_s)
                                 .toString();
        const Run castAddress = run(QStringLiteral(BERTH_CAST_PATH),
                                    {u"wallet"_s, u"address"_s, u"--keystore"_s, file,
                                     u"--password"_s, u"correct horse battery staple"_s});
        QCOMPARE(castAddress.out.trimmed(), providerAddress);
    }

    void newAccountsExportToOtherTools()
    {
        const QString keys = m_home.filePath(u"fresh-keys"_s);
        const QString password = m_home.filePath(u"password"_s);
        const Run created = berthctl({u"wallet"_s, u"new"_s, u"--keystore-dir"_s, keys,
                                      u"--password-file"_s, password, u"--json"_s});
        QVERIFY2(created.exitCode == 0, qPrintable(created.err));
        const QString address = created.json().value(u"address"_s).toString();
        QVERIFY(address.startsWith(u"0x"));
        // The keystore holds ciphertext only: the folder and file are owner-only.
        const QString file = created.json().value(u"keystore"_s).toString();
        QCOMPARE(QFile::permissions(file) & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                 QFileDevice::Permissions());

        const QString exported = m_home.filePath(u"exported.json"_s);
        const Run out = berthctl({u"wallet"_s, u"export"_s, u"--keystore-dir"_s, keys,
                                  u"--password-file"_s, password, u"--out"_s, exported});
        QVERIFY2(out.exitCode == 0, qPrintable(out.err));
        const Run castAddress = run(QStringLiteral(BERTH_CAST_PATH),
                                    {u"wallet"_s, u"address"_s, u"--keystore"_s, exported,
                                     u"--password"_s, u"correct horse battery staple"_s});
        QCOMPARE(castAddress.out.trimmed(), address);

        // No password source and no terminal: an error that names the options.
        const Run noPassword = berthctl({u"wallet"_s, u"new"_s, u"--keystore-dir"_s, keys});
        QCOMPARE(noPassword.exitCode, 1);
        QVERIFY2(noPassword.err.contains(u"--password-file"_s), qPrintable(noPassword.err));
    }

    void corruptedKeystoreIsDetected()
    {
        const QString keys = m_home.filePath(u"corrupt-keys"_s);
        QVERIFY(QDir().mkpath(keys));
        const Run list = berthctl({u"wallet"_s, u"list"_s, u"--keystore-dir"_s,
                                   m_home.filePath(u"provider-keys"_s), u"--json"_s});
        QFile source(list.json()
                         .value(u"accounts"_s)
                         .toArray()
                         .first()
                         .toObject()
                         .value(u"keystore"_s)
                         .toString());
        QVERIFY(source.open(QIODevice::ReadOnly));
        QJsonObject doc = QJsonDocument::fromJson(source.readAll()).object();
        QJsonObject crypto = doc.value(u"crypto"_s).toObject();
        QString cipher = crypto.value(u"ciphertext"_s).toString();
        cipher[0] = cipher[0] == u'0' ? u'1' : u'0';
        crypto.insert(u"ciphertext"_s, cipher);
        doc.insert(u"crypto"_s, crypto);
        QFile broken(keys + u"/UTC--broken"_s);
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write(QJsonDocument(doc).toJson());
        broken.close();
        const Run r = berthctl({u"wallet"_s, u"export"_s, u"--keystore-dir"_s, keys,
                                u"--password-file"_s, m_home.filePath(u"password"_s), u"--out"_s,
                                m_home.filePath(u"never.json"_s)});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"corrupted"_s), qPrintable(r.err));
        QVERIFY(!QFile::exists(m_home.filePath(u"never.json"_s)));
    }

    void otherChainsAreSelected()
    {
        const QString copy = m_home.filePath(u"copy.json"_s);
        const Run byFile =
            berthctl({u"chain"_s, u"use"_s, m_home.filePath(u"config/berth/chain.json"_s),
                      u"--chain"_s, copy, u"--json"_s});
        QVERIFY2(byFile.exitCode == 0, qPrintable(byFile.err));
        const Run shown = berthctl({u"chain"_s, u"show"_s, u"--chain"_s, copy, u"--json"_s});
        QCOMPARE(shown.json().value(u"chain"_s).toObject().value(u"rpcUrl"_s).toString(), m_rpc);
        // chain devnet recorded the block of the first contract it deployed.
        const QString deployedIn =
            shown.json().value(u"chain"_s).toObject().value(u"deploymentBlock"_s).toString();
        QVERIFY2(deployedIn.toULongLong() > 0, qPrintable(deployedIn));

        // An RPC URL plus addresses: the chain id and the token come from the chain.
        const QString byUrlPath = m_home.filePath(u"by-url.json"_s);
        const Run byUrl =
            berthctl({u"chain"_s, u"use"_s, m_rpc, u"--registry"_s, contract(u"registry"_s),
                      u"--escrow"_s, contract(u"escrow"_s), u"--staking"_s, contract(u"staking"_s),
                      u"--market"_s, contract(u"market"_s), u"--token"_s,
                      m_chain.value(u"token"_s).toObject().value(u"address"_s).toString(),
                      u"--deployment-block"_s, deployedIn, u"--chain"_s, byUrlPath, u"--json"_s});
        QVERIFY2(byUrl.exitCode == 0, qPrintable(byUrl.err));
        const QJsonObject chain = byUrl.json().value(u"chain"_s).toObject();
        QCOMPARE(chain.value(u"deploymentBlock"_s).toString(), deployedIn);
        QCOMPARE(chain.value(u"chainId"_s).toString(), u"31337"_s);
        QCOMPARE(chain.value(u"token"_s).toObject().value(u"symbol"_s).toString(), u"tUSD"_s);
        QCOMPARE(chain.value(u"token"_s).toObject().value(u"decimals"_s).toInt(), 6);

        const Run missing =
            berthctl({u"chain"_s, u"show"_s, u"--chain"_s, m_home.filePath(u"nope.json"_s)});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY2(missing.err.contains(u"berthctl chain devnet"_s), qPrintable(missing.err));
    }

    void wrongPasswordIsRefused()
    {
        QVERIFY(writeSecretFile(u"wrong"_s, u"not the password"_s));
        const Run r = berthctl({u"escrow"_s, u"quote"_s, u"--publisher"_s, publisherAddress,
                                u"--deployment"_s, u"web"_s, u"--rate"_s, u"1"_s,
                                u"--keystore-dir"_s, m_home.filePath(u"provider-keys"_s),
                                u"--password-file"_s, m_home.filePath(u"wrong"_s)});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"wrong password"_s), qPrintable(r.err));
    }

    void providerRegisters()
    {
        const Run r =
            as(u"provider"_s,
               {u"provider"_s,    u"register"_s, u"--endpoint"_s,       u"wss://127.0.0.1:7443"_s,
                u"--region"_s,    u"eu-west"_s,  u"--attr"_s,           u"tier=gold"_s,
                u"--cpu"_s,       u"8"_s,        u"--memory"_s,         u"16Gi"_s,
                u"--storage"_s,   u"100Gi"_s,    u"--encryption-key"_s, encryptionKey,
                u"--cpu-price"_s, u"0.02"_s,     u"--memory-price"_s,   u"3"_s,
                u"--json"_s});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject listing = r.json().value(u"listing"_s).toObject();
        QCOMPARE(listing.value(u"provider"_s).toString(), providerAddress);
        QCOMPARE(listing.value(u"prices"_s).toObject().value(u"cpuPerCoreHour"_s).toString(),
                 u"0.02"_s);
        QCOMPARE(listing.value(u"prices"_s).toObject().value(u"memoryPerGiBMonth"_s).toString(),
                 u"3"_s);
        // cast sees the same listing and the per-second price berthctl computed.
        QCOMPARE(cast({u"call"_s, contract(u"registry"_s), u"isRegistered(address)(bool)"_s,
                       providerAddress})
                     .out.trimmed(),
                 u"true"_s);
        const Run pricing = cast(
            {u"call"_s, contract(u"registry"_s),
             u"getPricing(address,address)(bool,(uint128,uint128,uint128,uint128,uint128))"_s,
             providerAddress, m_chain.value(u"token"_s).toObject().value(u"address"_s).toString()});
        QVERIFY2(pricing.out.contains(u"5555555555555555556"_s), qPrintable(pricing.out));

        const Run list = berthctl({u"provider"_s, u"list"_s, u"--json"_s});
        QCOMPARE(list.json().value(u"total"_s).toString(), u"1"_s);

        // Registering again is refused by the contract, by name, with what to do.
        const Run again =
            as(u"provider"_s, {u"provider"_s, u"register"_s, u"--endpoint"_s, u"wss://x:1"_s,
                               u"--region"_s, u"eu-west"_s, u"--encryption-key"_s, encryptionKey});
        QCOMPARE(again.exitCode, 1);
        QVERIFY2(again.err.contains(u"Registry.register reverted: AlreadyRegistered"_s) &&
                     again.err.contains(u"berthctl provider update"_s),
                 qPrintable(again.err));
    }

    void publisherOpensWithTheSignedQuote()
    {
        // 3.6 tUSD per hour = 1000 base units per second, exactly.
        const Run quote =
            as(u"provider"_s, {u"escrow"_s, u"quote"_s, u"--publisher"_s, publisherAddress,
                               u"--deployment"_s, u"web"_s, u"--rate"_s, u"3.6"_s, u"--notice"_s,
                               u"60s"_s, u"--out"_s, m_home.filePath(u"quote.json"_s)});
        QVERIFY2(quote.exitCode == 0, qPrintable(quote.err));

        // A quote whose rate was edited no longer matches its signature.
        QFile original(m_home.filePath(u"quote.json"_s));
        QVERIFY(original.open(QIODevice::ReadOnly));
        QJsonObject doc = QJsonDocument::fromJson(original.readAll()).object();
        QJsonObject tampered = doc.value(u"quote"_s).toObject();
        tampered.insert(u"ratePerSecond"_s, u"1"_s);
        doc.insert(u"quote"_s, tampered);
        QFile forged(m_home.filePath(u"forged.json"_s));
        QVERIFY(forged.open(QIODevice::WriteOnly));
        forged.write(QJsonDocument(doc).toJson());
        forged.close();
        const Run refused =
            as(u"publisher"_s, {u"escrow"_s, u"open"_s, m_home.filePath(u"forged.json"_s),
                                u"--deposit"_s, u"100"_s});
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains(u"not by the provider"_s), qPrintable(refused.err));

        // More than the publisher holds: told how much is missing, nothing sent.
        const Run poor =
            as(u"publisher"_s, {u"escrow"_s, u"open"_s, m_home.filePath(u"quote.json"_s),
                                u"--deposit"_s, u"2000000"_s});
        QCOMPARE(poor.exitCode, 1);
        QVERIFY2(poor.err.contains(u"needs 2000000 tUSD"_s), qPrintable(poor.err));

        const Run opened =
            as(u"publisher"_s, {u"escrow"_s, u"open"_s, m_home.filePath(u"quote.json"_s),
                                u"--deposit"_s, u"100"_s, u"--json"_s});
        QVERIFY2(opened.exitCode == 0, qPrintable(opened.err));
        const QJsonObject channel = opened.json().value(u"channel"_s).toObject();
        m_channel = channel.value(u"channelId"_s).toString();
        QCOMPARE(channel.value(u"ratePerHour"_s).toString(), u"3.6"_s);
        QCOMPARE(channel.value(u"deposit"_s).toObject().value(u"amount"_s).toString(), u"100"_s);
        QCOMPARE(castTokenBalance(publisherAddress), u"999900000000"_s);
        // Escrow's own view agrees on who and what.
        const Run onChain = cast(
            {u"call"_s, contract(u"escrow"_s), u"channelIdOf(address,address,bytes32)(bytes32)"_s,
             publisherAddress, providerAddress, channel.value(u"deploymentId"_s).toString()});
        QCOMPARE(onChain.out.trimmed(), m_channel);

        // The same quote again: refused before anything is sent (no new approval).
        const Run replay =
            as(u"publisher"_s, {u"escrow"_s, u"open"_s, m_home.filePath(u"quote.json"_s),
                                u"--deposit"_s, u"100"_s});
        QCOMPARE(replay.exitCode, 1);
        QVERIFY2(replay.err.contains(u"used already"_s), qPrintable(replay.err));
        QCOMPARE(cast({u"call"_s, tokenAddress(), u"allowance(address,address)(uint256)"_s,
                       publisherAddress, contract(u"escrow"_s)})
                     .out.trimmed(),
                 u"0"_s);
    }

    void providerClaimsWhatAccrued()
    {
        QVERIFY(!m_channel.isEmpty());
        const QString before = castTokenBalance(providerAddress);
        QVERIFY(timePasses(3600));
        const Run claimed = as(u"provider"_s, {u"escrow"_s, u"claim"_s, m_channel, u"--json"_s});
        QVERIFY2(claimed.exitCode == 0, qPrintable(claimed.err));
        const qlonglong amount = claimed.json()
                                     .value(u"claimed"_s)
                                     .toObject()
                                     .value(u"baseUnits"_s)
                                     .toString()
                                     .toLongLong();
        // One hour at 1000 units/s, plus the few seconds the blocks themselves took.
        QVERIFY2(amount >= 3'600'000 && amount <= 3'630'000, qPrintable(QString::number(amount)));
        QCOMPARE(castTokenBalance(providerAddress).toLongLong(), before.toLongLong() + amount);
        QCOMPARE(berthTokenBalance(providerAddress), castTokenBalance(providerAddress));
    }

    void publisherClosesAndSettles()
    {
        QVERIFY(!m_channel.isEmpty());
        const Run closed = as(u"publisher"_s, {u"escrow"_s, u"close"_s, m_channel, u"--json"_s});
        QVERIFY2(closed.exitCode == 0, qPrintable(closed.err));
        QVERIFY(closed.json().value(u"channel"_s).toObject().value(u"stopAt"_s).toString() !=
                u"0"_s);
        QVERIFY(timePasses(120)); // past the 60 s notice
        const Run settled = as(u"publisher"_s, {u"escrow"_s, u"settle"_s, m_channel, u"--json"_s});
        QVERIFY2(settled.exitCode == 0, qPrintable(settled.err));
        const QJsonObject result = settled.json();
        const qlonglong paid = result.value(u"paidToProvider"_s)
                                   .toObject()
                                   .value(u"baseUnits"_s)
                                   .toString()
                                   .toLongLong();
        const qlonglong refund = result.value(u"refundedToPublisher"_s)
                                     .toObject()
                                     .value(u"baseUnits"_s)
                                     .toString()
                                     .toLongLong();
        QCOMPARE(result.value(u"channel"_s).toObject().value(u"status"_s).toString(), u"settled"_s);

        // Everything adds up, and cast reads the same balances berthctl reports.
        const qlonglong claimedTotal = result.value(u"channel"_s)
                                           .toObject()
                                           .value(u"claimed"_s)
                                           .toObject()
                                           .value(u"baseUnits"_s)
                                           .toString()
                                           .toLongLong();
        QCOMPARE(claimedTotal + refund, 100'000'000LL);
        QVERIFY(paid >= 0);
        for (const QString &who : {providerAddress, publisherAddress, contract(u"escrow"_s)})
            QCOMPARE(berthTokenBalance(who), castTokenBalance(who));
        QCOMPARE(castTokenBalance(publisherAddress).toLongLong(), 999'900'000'000LL + refund);
        QCOMPARE(castTokenBalance(contract(u"escrow"_s)), u"0"_s);
    }

    void chainDownIsExplained()
    {
        const Run r = berthctl(
            {u"wallet"_s, u"balance"_s, providerAddress, u"--rpc"_s, u"http://127.0.0.1:1"_s});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"cannot reach the chain"_s), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestBerthctlMoney)
#include "tst_berthctlmoney.moc"
