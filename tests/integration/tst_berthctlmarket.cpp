// berthctl's stake and market commands end to end: a provider stakes,
// unbonds and withdraws; a publisher challenges a channel's provider, which
// answers or is slashed; orders are posted, bid on, accepted and cancelled.
// Everything goes through the berthctl binary against `berthctl chain devnet`,
// and the numbers that matter are read back with Foundry's cast.
#include "devnettest.h"

#include <QDateTime>
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
const QString keeperAddress = devAccounts().at(u"keeper"_s).address;
const QString encryptionKey = QString(64, u'7');

} // namespace

class TestBerthctlMarket : public berth::test::DevnetTest
{
    Q_OBJECT

private:
    QString m_channel;
    QString m_order;
    QString m_bid;

    qlonglong balanceOf(const QString &address) const
    {
        return castTokenBalance(address).toLongLong();
    }

    static QString baseUnits(const QJsonValue &tokens)
    {
        return tokens.toObject().value(u"baseUnits"_s).toString();
    }

private slots:
    void initTestCase()
    {
        const QString failure = startDevnet({u"provider"_s, u"publisher"_s, u"keeper"_s});
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QVERIFY(m_rpc.startsWith(u"http://127.0.0.1:"));
        const Run registered =
            as(u"provider"_s,
               {u"provider"_s, u"register"_s, u"--endpoint"_s, u"wss://127.0.0.1:7443"_s,
                u"--region"_s, u"eu-west"_s, u"--cpu"_s, u"8"_s, u"--memory"_s, u"16Gi"_s,
                u"--encryption-key"_s, encryptionKey, u"--json"_s});
        QVERIFY2(registered.exitCode == 0, qPrintable(registered.err));
    }

    void cleanupTestCase() { QVERIFY(stopDevnet()); }

    void providerStakes()
    {
        const Run deposited = as(u"provider"_s, {u"stake"_s, u"deposit"_s, u"500"_s, u"--json"_s});
        QVERIFY2(deposited.exitCode == 0, qPrintable(deposited.err));
        const Run shown = reading(u"provider"_s, {u"stake"_s, u"show"_s, u"--json"_s});
        QVERIFY2(shown.exitCode == 0, qPrintable(shown.err));
        const QJsonObject stake = shown.json().value(u"stake"_s).toObject();
        QCOMPARE(stake.value(u"provider"_s).toString(), providerAddress);
        QCOMPARE(stake.value(u"active"_s).toObject().value(u"amount"_s).toString(), u"500"_s);
        QCOMPARE(stake.value(u"active"_s).toObject().value(u"symbol"_s).toString(), u"tUSD"_s);
        QCOMPARE(baseUnits(stake.value(u"unbonding"_s)), u"0"_s);
        QCOMPARE(stake.value(u"openChallenges"_s).toString(), u"0"_s);
        // Anyone can read it, and cast reads the same stake.
        const Run other = berthctl({u"stake"_s, u"show"_s, providerAddress, u"--json"_s});
        QCOMPARE(other.json().value(u"stake"_s), shown.json().value(u"stake"_s));
        const Run onChain =
            cast({u"call"_s, contract(u"staking"_s),
                  u"stakeOf(address)((uint256,uint256,uint64))"_s, providerAddress});
        QVERIFY2(onChain.out.startsWith(u"(500000000 "_s), qPrintable(onChain.out));
        QCOMPARE(castTokenBalance(contract(u"staking"_s)), u"500000000"_s);
    }

    void unstakeUnbondsThenWithdraws()
    {
        const Run unstaked = as(u"provider"_s, {u"stake"_s, u"unstake"_s, u"100"_s, u"--json"_s});
        QVERIFY2(unstaked.exitCode == 0, qPrintable(unstaked.err));
        const QJsonObject stake = unstaked.json().value(u"stake"_s).toObject();
        QCOMPARE(baseUnits(stake.value(u"active"_s)), u"400000000"_s);
        QCOMPARE(baseUnits(stake.value(u"unbonding"_s)), u"100000000"_s);
        const qlonglong readyAt = stake.value(u"readyAt"_s).toString().toLongLong();
        QVERIFY(readyAt > 0);

        // Too early: the contract's StillUnbonding, with the date it ends.
        const Run early = as(u"provider"_s, {u"stake"_s, u"withdraw"_s});
        QCOMPARE(early.exitCode, 1);
        QVERIFY2(early.err.contains(u"StillUnbonding"_s), qPrintable(early.err));
        QVERIFY2(early.err.contains(QString::number(readyAt)), qPrintable(early.err));
        const QString readyDate =
            QDateTime::fromSecsSinceEpoch(readyAt, Qt::UTC).toString(Qt::ISODate);
        QVERIFY2(early.err.contains(u"withdrawable at %1 UTC"_s.arg(readyDate)),
                 qPrintable(early.err));
        // The text view says when, too.
        const Run text = reading(u"provider"_s, {u"stake"_s, u"show"_s});
        QVERIFY2(
            text.out.contains(u"unbonding  100 tUSD (withdrawable from %1 UTC)"_s.arg(readyDate)),
            qPrintable(text.out));

        QVERIFY(timePasses(24 * 3600 + 60)); // the devnet's one-day unbonding delay
        const qlonglong before = balanceOf(providerAddress);
        const Run withdrawn = as(u"provider"_s, {u"stake"_s, u"withdraw"_s, u"--json"_s});
        QVERIFY2(withdrawn.exitCode == 0, qPrintable(withdrawn.err));
        QCOMPARE(baseUnits(withdrawn.json().value(u"withdrawn"_s)), u"100000000"_s);
        QCOMPARE(balanceOf(providerAddress), before + 100'000'000);

        // Nothing left to withdraw: the contract's error, named.
        const Run again = as(u"provider"_s, {u"stake"_s, u"withdraw"_s});
        QCOMPARE(again.exitCode, 1);
        QVERIFY2(again.err.contains(u"NothingUnbonding"_s), qPrintable(again.err));
    }

    void channelForChallenges()
    {
        // 3.6 tUSD per hour = 1000 base units per second. `escrow quote` dates
        // validUntil by this machine's clock, which is now a day behind the
        // devnet's (unstakeUnbondsThenWithdraws moved it): leave room for that.
        const Run quote =
            as(u"provider"_s,
               {u"escrow"_s, u"quote"_s, u"--publisher"_s, publisherAddress, u"--deployment"_s,
                u"challenged"_s, u"--rate"_s, u"3.6"_s, u"--notice"_s, u"60s"_s, u"--valid-for"_s,
                u"3d"_s, u"--out"_s, m_home.filePath(u"quote.json"_s)});
        QVERIFY2(quote.exitCode == 0, qPrintable(quote.err));
        const Run opened =
            as(u"publisher"_s, {u"escrow"_s, u"open"_s, m_home.filePath(u"quote.json"_s),
                                u"--deposit"_s, u"100"_s, u"--json"_s});
        QVERIFY2(opened.exitCode == 0, qPrintable(opened.err));
        m_channel = opened.json().value(u"channel"_s).toObject().value(u"channelId"_s).toString();
        QCOMPARE(m_channel.size(), 66);
    }

    void challengeAnswered()
    {
        QVERIFY(!m_channel.isEmpty());
        const qlonglong publisherBefore = balanceOf(publisherAddress);
        const qlonglong providerBefore = balanceOf(providerAddress);
        // The 10 tUSD bond is approved on the way.
        const Run opened = as(u"publisher"_s, {u"stake"_s, u"challenge"_s, m_channel, u"--json"_s});
        QVERIFY2(opened.exitCode == 0, qPrintable(opened.err));
        const QJsonObject challenge = opened.json().value(u"challenge"_s).toObject();
        QCOMPARE(challenge.value(u"id"_s).toString(), u"1"_s);
        QCOMPARE(challenge.value(u"status"_s).toString(), u"open"_s);
        QCOMPARE(challenge.value(u"channelId"_s).toString(), m_channel);
        QCOMPARE(challenge.value(u"provider"_s).toString(), providerAddress);
        QCOMPARE(challenge.value(u"publisher"_s).toString(), publisherAddress);
        QCOMPARE(baseUnits(challenge.value(u"bond"_s)), u"10000000"_s);
        QCOMPARE(challenge.value(u"deadline"_s).toString().toLongLong() -
                     challenge.value(u"openedAt"_s).toString().toLongLong(),
                 3600LL);
        QCOMPARE(balanceOf(publisherAddress), publisherBefore - 10'000'000);
        const Run open = berthctl({u"stake"_s, u"show"_s, providerAddress, u"--json"_s});
        QCOMPARE(open.json().value(u"stake"_s).toObject().value(u"openChallenges"_s).toString(),
                 u"1"_s);

        const Run answered = as(u"provider"_s, {u"stake"_s, u"respond"_s, u"1"_s, u"--json"_s});
        QVERIFY2(answered.exitCode == 0, qPrintable(answered.err));
        QCOMPARE(answered.json().value(u"challenge"_s).toObject().value(u"status"_s).toString(),
                 u"answered"_s);
        QCOMPARE(balanceOf(providerAddress), providerBefore + 10'000'000); // the bond
        const Run shown = berthctl({u"stake"_s, u"show"_s, u"--challenge"_s, u"1"_s, u"--json"_s});
        QCOMPARE(shown.json().value(u"challenge"_s).toObject().value(u"status"_s).toString(),
                 u"answered"_s);

        // Within the devnet's one-hour interval, a new challenge is refused by name.
        const Run tooSoon = as(u"publisher"_s, {u"stake"_s, u"challenge"_s, m_channel});
        QCOMPARE(tooSoon.exitCode, 1);
        QVERIFY2(tooSoon.err.contains(u"ChallengeTooSoon"_s), qPrintable(tooSoon.err));
        const qlonglong openedAt = challenge.value(u"openedAt"_s).toString().toLongLong();
        QVERIFY2(
            tooSoon.err.contains(u"the next challenge on this channel may open at %1 UTC"_s.arg(
                QDateTime::fromSecsSinceEpoch(openedAt + 3600, Qt::UTC).toString(Qt::ISODate))),
            qPrintable(tooSoon.err));
        QCOMPARE(balanceOf(publisherAddress), publisherBefore - 10'000'000);
    }

    void unansweredChallengeIsSlashed()
    {
        QVERIFY(!m_channel.isEmpty());
        QVERIFY(timePasses(3600 + 10)); // past the minimum interval
        const Run opened = as(u"publisher"_s, {u"stake"_s, u"challenge"_s, m_channel, u"--json"_s});
        QVERIFY2(opened.exitCode == 0, qPrintable(opened.err));
        const QString id = opened.json().value(u"challenge"_s).toObject().value(u"id"_s).toString();
        QCOMPARE(id, u"2"_s);

        // Inside the window nobody may slash.
        const Run early = as(u"keeper"_s, {u"stake"_s, u"slash"_s, id});
        QCOMPARE(early.exitCode, 1);
        QVERIFY2(early.err.contains(u"WindowNotOver"_s), qPrintable(early.err));
        QVERIFY2(early.err.contains(u"slash after that"_s), qPrintable(early.err));

        QVERIFY(timePasses(3600 + 10)); // past the one-hour window, unanswered
        const qlonglong publisherBefore = balanceOf(publisherAddress);
        const qlonglong keeperBefore = balanceOf(keeperAddress);
        const Run slashed = as(u"keeper"_s, {u"stake"_s, u"slash"_s, id, u"--json"_s});
        QVERIFY2(slashed.exitCode == 0, qPrintable(slashed.err));
        const QJsonObject result = slashed.json();
        const qlonglong compensation = baseUnits(result.value(u"compensation"_s)).toLongLong();
        // The 50 tUSD penalty plus what accrued during the challenge (about an hour at 3.6/h).
        QVERIFY2(compensation >= 53'600'000 && compensation <= 53'700'000,
                 qPrintable(QString::number(compensation)));
        QCOMPARE(baseUnits(result.value(u"bondReturned"_s)), u"10000000"_s);
        QCOMPARE(result.value(u"publisher"_s).toString(), publisherAddress);
        QCOMPARE(balanceOf(publisherAddress), publisherBefore + compensation + 10'000'000);
        QCOMPARE(balanceOf(keeperAddress), keeperBefore);

        // The stake paid for it.
        const Run onChain =
            cast({u"call"_s, contract(u"staking"_s),
                  u"stakeOf(address)((uint256,uint256,uint64))"_s, providerAddress});
        QVERIFY2(onChain.out.startsWith(u"(%1 "_s.arg(400'000'000 - compensation)),
                 qPrintable(onChain.out));
        const Run challenge = berthctl({u"stake"_s, u"show"_s, u"--challenge"_s, id, u"--json"_s});
        QCOMPARE(challenge.json().value(u"challenge"_s).toObject().value(u"status"_s).toString(),
                 u"slashed"_s);

        // A closed challenge cannot be slashed twice.
        const Run twice = as(u"keeper"_s, {u"stake"_s, u"slash"_s, id});
        QCOMPARE(twice.exitCode, 1);
        QVERIFY2(twice.err.contains(u"ChallengeClosed"_s), qPrintable(twice.err));
    }

    void orderBidAccept()
    {
        const qlonglong publisherBefore = balanceOf(publisherAddress);
        const Run posted =
            as(u"publisher"_s,
               {u"market"_s, u"order"_s, u"--deployment"_s, u"web"_s, u"--cpu"_s, u"1"_s,
                u"--memory"_s, u"512Mi"_s, u"--max-rate"_s, u"5"_s, u"--deposit"_s, u"50"_s,
                u"--region"_s, u"eu-west"_s, u"--min-stake"_s, u"100"_s, u"--json"_s});
        QVERIFY2(posted.exitCode == 0, qPrintable(posted.err));
        const QJsonObject order = posted.json().value(u"order"_s).toObject();
        m_order = order.value(u"orderId"_s).toString();
        QCOMPARE(m_order, u"1"_s);
        QCOMPARE(order.value(u"status"_s).toString(), u"open"_s);
        QCOMPARE(order.value(u"publisher"_s).toString(), publisherAddress);
        QCOMPARE(order.value(u"region"_s).toString(), u"eu-west"_s);
        QCOMPARE(order.value(u"maxRatePerHour"_s).toString(), u"5"_s);
        QCOMPARE(baseUnits(order.value(u"deposit"_s)), u"50000000"_s);
        QCOMPARE(baseUnits(order.value(u"minStake"_s)), u"100000000"_s);
        const QJsonObject resources = order.value(u"resources"_s).toObject();
        QCOMPARE(resources.value(u"cpuMillis"_s).toString(), u"1000"_s);
        QCOMPARE(resources.value(u"memoryBytes"_s).toString(), u"536870912"_s);
        QCOMPARE(balanceOf(publisherAddress), publisherBefore - 50'000'000);
        QCOMPARE(castTokenBalance(contract(u"market"_s)), u"50000000"_s);
        // The default 1h to bid counts from block time (a day ahead of this
        // machine's clock by now), not from the wall clock.
        const Run block = cast({u"block"_s, u"latest"_s, u"--field"_s, u"timestamp"_s});
        const qlonglong chainNow = block.out.trimmed().toLongLong();
        QVERIFY2(chainNow > 0, qPrintable(block.out + block.err));
        const qlonglong expiresIn = order.value(u"expiry"_s).toString().toLongLong() - chainNow;
        QVERIFY2(expiresIn > 3500 && expiresIn <= 3600, qPrintable(QString::number(expiresIn)));

        const Run bid =
            as(u"provider"_s, {u"market"_s, u"bid"_s, m_order, u"--rate"_s, u"4"_s, u"--json"_s});
        QVERIFY2(bid.exitCode == 0, qPrintable(bid.err));
        m_bid = bid.json().value(u"bidId"_s).toString();
        QCOMPARE(m_bid, u"1"_s);

        const Run open = berthctl({u"market"_s, u"list"_s, u"--open"_s, u"--json"_s});
        QVERIFY2(open.exitCode == 0, qPrintable(open.err));
        const QJsonArray orders = open.json().value(u"orders"_s).toArray();
        QCOMPARE(orders.size(), 1);
        QCOMPARE(orders.first().toObject().value(u"orderId"_s).toString(), m_order);
        const Run text = berthctl({u"market"_s, u"list"_s, u"--open"_s});
        QVERIFY2(text.out.contains(u"order 1 (open) by %1: 1 CPU"_s.arg(publisherAddress)),
                 qPrintable(text.out));
        QVERIFY2(text.out.contains(u"region eu-west, up to 5 tUSD/hour, deposit 50 tUSD"_s),
                 qPrintable(text.out));

        const Run bids = berthctl({u"market"_s, u"list"_s, u"--bids"_s, m_order, u"--json"_s});
        QVERIFY2(bids.exitCode == 0, qPrintable(bids.err));
        const QJsonArray bidList = bids.json().value(u"bids"_s).toArray();
        QCOMPARE(bidList.size(), 1);
        const QJsonObject first = bidList.first().toObject();
        QCOMPARE(first.value(u"bidId"_s).toString(), m_bid);
        QCOMPARE(first.value(u"provider"_s).toString(), providerAddress);
        QCOMPARE(first.value(u"status"_s).toString(), u"live"_s);
        QCOMPARE(first.value(u"ratePerHour"_s).toString(), u"4"_s);
        QCOMPARE(first.value(u"noticePeriod"_s).toString(), u"3600"_s);

        const Run accepted =
            as(u"publisher"_s, {u"market"_s, u"accept"_s, m_order, m_bid, u"--json"_s});
        QVERIFY2(accepted.exitCode == 0, qPrintable(accepted.err));
        const QString channel = accepted.json().value(u"channelId"_s).toString();
        QCOMPARE(channel.size(), 66);
        const Run escrow = berthctl({u"escrow"_s, u"show"_s, channel, u"--json"_s});
        QVERIFY2(escrow.exitCode == 0, qPrintable(escrow.err));
        const QJsonObject c = escrow.json().value(u"channel"_s).toObject();
        QCOMPARE(c.value(u"ratePerHour"_s).toString(), u"4"_s);
        QCOMPARE(c.value(u"deposit"_s).toObject().value(u"amount"_s).toString(), u"50"_s);
        QCOMPARE(c.value(u"publisher"_s).toString(), publisherAddress);
        QCOMPARE(c.value(u"provider"_s).toString(), providerAddress);
        QCOMPARE(c.value(u"status"_s).toString(), u"open"_s);
        // The deposit moved from the market into the escrow.
        QCOMPARE(castTokenBalance(contract(u"market"_s)), u"0"_s);

        const Run after = berthctl({u"market"_s, u"list"_s, u"--json"_s});
        const QJsonObject stored = after.json().value(u"orders"_s).toArray().first().toObject();
        QCOMPARE(stored.value(u"status"_s).toString(), u"accepted"_s);
        QCOMPARE(stored.value(u"acceptedBidId"_s).toString(), m_bid);
        QCOMPARE(stored.value(u"channelId"_s).toString(), channel);
        QCOMPARE(berthctl({u"market"_s, u"list"_s, u"--open"_s, u"--json"_s})
                     .json()
                     .value(u"orders"_s)
                     .toArray()
                     .size(),
                 0);
    }

    void cancelRefundsTheDeposit()
    {
        const qlonglong before = balanceOf(publisherAddress);
        const Run posted =
            as(u"publisher"_s, {u"market"_s, u"order"_s, u"--deployment"_s, u"batch"_s, u"--cpu"_s,
                                u"500m"_s, u"--memory"_s, u"256Mi"_s, u"--max-rate"_s, u"2"_s,
                                u"--deposit"_s, u"20"_s, u"--json"_s});
        QVERIFY2(posted.exitCode == 0, qPrintable(posted.err));
        const QString order =
            posted.json().value(u"order"_s).toObject().value(u"orderId"_s).toString();
        QCOMPARE(order, u"2"_s);
        const qlonglong posting = balanceOf(publisherAddress);
        QCOMPARE(posting, before - 20'000'000);

        // Someone else cannot accept the publisher's order.
        const Run bid =
            as(u"provider"_s, {u"market"_s, u"bid"_s, order, u"--rate"_s, u"1"_s, u"--json"_s});
        QVERIFY2(bid.exitCode == 0, qPrintable(bid.err));
        const Run stolen = as(u"provider"_s, {u"market"_s, u"accept"_s, order,
                                              bid.json().value(u"bidId"_s).toString()});
        QCOMPARE(stolen.exitCode, 1);
        QVERIFY2(stolen.err.contains(u"NotPublisher"_s), qPrintable(stolen.err));

        const Run cancelled = as(u"publisher"_s, {u"market"_s, u"cancel"_s, order, u"--json"_s});
        QVERIFY2(cancelled.exitCode == 0, qPrintable(cancelled.err));
        QCOMPARE(baseUnits(cancelled.json().value(u"refund"_s)), u"20000000"_s);
        QCOMPARE(balanceOf(publisherAddress), posting + 20'000'000);
        QCOMPARE(balanceOf(publisherAddress), before);

        const Run again = as(u"publisher"_s, {u"market"_s, u"cancel"_s, order});
        QCOMPARE(again.exitCode, 1);
        QVERIFY2(again.err.contains(u"OrderNotOpen"_s), qPrintable(again.err));
    }

    void badInputIsExplained()
    {
        const Run missing =
            as(u"provider"_s, {u"market"_s, u"bid"_s, u"999"_s, u"--rate"_s, u"1"_s});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY2(missing.err.contains(u"UnknownOrder"_s), qPrintable(missing.err));
        QVERIFY2(missing.err.contains(u"999"_s), qPrintable(missing.err));

        const Run notNumber =
            as(u"provider"_s, {u"market"_s, u"bid"_s, u"first"_s, u"--rate"_s, u"1"_s});
        QCOMPARE(notNumber.exitCode, 2);
        QVERIFY2(notNumber.err.contains(u"berthctl market bid --help"_s),
                 qPrintable(notNumber.err));

        const Run badAccept = as(u"publisher"_s, {u"market"_s, u"accept"_s, u"1"_s, u"x"_s});
        QCOMPARE(badAccept.exitCode, 2);
        const Run badChallenge = as(u"publisher"_s, {u"stake"_s, u"challenge"_s, u"0x1234"_s});
        QCOMPARE(badChallenge.exitCode, 2);
        QVERIFY2(badChallenge.err.contains(u"0x + 64 hex digits"_s), qPrintable(badChallenge.err));
        const Run badAmount = as(u"provider"_s, {u"stake"_s, u"deposit"_s, u"lots"_s});
        QCOMPARE(badAmount.exitCode, 2);
        const Run unknownChallenge = berthctl({u"stake"_s, u"show"_s, u"--challenge"_s, u"77"_s});
        QCOMPARE(unknownChallenge.exitCode, 1);
        QVERIFY2(unknownChallenge.err.contains(u"no challenge 77"_s),
                 qPrintable(unknownChallenge.err));
    }
};

QTEST_GUILESS_MAIN(TestBerthctlMarket)
#include "tst_berthctlmarket.moc"
