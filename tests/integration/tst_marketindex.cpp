// MarketIndex against a real Anvil with Berth's contracts: providers registered,
// priced, staked, updated and deregistered on chain; selection queries answered
// from the SQLite index; restarts, a reorganisation and a node that is down.
#include "chain/podprice.h"
#include "chain/priceunits.h"
#include "market/marketindex.h"
#include "marketchain.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace Qt::StringLiterals;
using berth::ErrorCode;
using berth::Result;
using berth::UInt256;
using berth::chain::AbiValue;
using berth::chain::Prices;
using berth::chain::Resources;
using berth::market::MarketIndex;
using berth::market::ProviderQuery;
using berth::market::ProviderRow;
using berth::market::SyncReport;
using berth::test::MarketChain;
namespace crypto = berth::crypto;

namespace {

const UInt256 OneToken = 1'000'000; // tUSD has 6 decimals

crypto::PrivateKey keyNumber(int n)
{
    return crypto::PrivateKey::fromHex(u"0x%1"_s.arg(n + 0x1000, 64, 16, QLatin1Char('0'))).value();
}

// cpu per core-hour and memory per GiB-month, in tokens.
Prices prices(const QString &cpuPerHour, const QString &memoryPerMonth)
{
    using namespace berth::chain;
    Prices p;
    p.cpuCorePerSecond = scaledRateFromTokens(cpuPerHour, 6, PricePeriod::Hour).value();
    p.memoryGiBPerSecond = scaledRateFromTokens(memoryPerMonth, 6, PricePeriod::Month).value();
    p.storageGiBPerSecond = scaledRateFromTokens(u"0.1"_s, 6, PricePeriod::Month).value();
    p.gpuUnitPerSecond = scaledRateFromTokens(u"2"_s, 6, PricePeriod::Hour).value();
    return p;
}

// What the test pod reserves: 2 cores and 4 GiB.
Resources testPod()
{
    return {2000, quint64(4) << 30, 0, 0};
}

QStringList addresses(const QList<ProviderRow> &rows)
{
    QStringList out;
    for (const ProviderRow &row : rows)
        out << row.provider.toLowerHex();
    return out;
}

} // namespace

class TestMarketIndex : public QObject
{
    Q_OBJECT

    MarketChain m_chain;
    QTemporaryDir m_dir;
    std::unique_ptr<MarketIndex> m_index;
    QString m_path;

    crypto::Address addressOf(int n) const { return keyNumber(n).address(); }
    QString hexOf(int n) const { return addressOf(n).toLowerHex(); }

    void send(const QByteArray &raw)
    {
        const auto receipt = m_chain.send(raw);
        QVERIFY2(receipt.ok(), qPrintable(receipt.ok() ? QString() : receipt.error().message));
    }

    void registerProvider(int n, const QStringList &regions,
                          const QList<std::pair<QString, QString>> &attributes,
                          const std::optional<Prices> &price)
    {
        const auto key = keyNumber(n);
        const auto profile =
            MarketChain::listing(u"https://p%1.example:8443"_s.arg(n), regions, attributes);
        send(m_chain.call(key, u"Registry"_s, u"register"_s, {profile.toAbi()}));
        if (price)
            send(m_chain.call(key, u"Registry"_s, u"setPricing"_s,
                              {AbiValue::fromAddress(m_chain.profile.token), price->toAbi()}));
    }

    void stake(int n, const UInt256 &amount)
    {
        const auto key = keyNumber(n);
        send(m_chain.call(key, u"TestToken"_s, u"mint"_s,
                          {AbiValue::fromAddress(key.address()), AbiValue::fromUInt(amount)}));
        send(m_chain.call(
            key, u"TestToken"_s, u"approve"_s,
            {AbiValue::fromAddress(m_chain.profile.staking), AbiValue::fromUInt(amount)}));
        send(m_chain.call(key, u"Staking"_s, u"stake"_s, {AbiValue::fromUInt(amount)}));
    }

    static Result<SyncReport> sync(MarketIndex &index, berth::chain::EthClient &eth)
    {
        return berth::test::waitResult<SyncReport>(
            [&](QObject *, auto done) { index.sync(eth, done); });
    }

    QList<ProviderRow> query(const QString &expression, bool withPod = true)
    {
        auto q = ProviderQuery::parse(expression, 6);
        if (!q) {
            qWarning() << q.error().message;
            return {};
        }
        if (withPod)
            q.value().pod = testPod();
        auto rows = m_index->providers(*q);
        if (!rows) {
            qWarning() << rows.error().message;
            return {};
        }
        return *rows;
    }

    // The providers' addresses ordered by the test pod's rate, then by address.
    QStringList byRate(QList<std::pair<int, Prices>> providers) const
    {
        std::sort(providers.begin(), providers.end(), [this](const auto &a, const auto &b) {
            const UInt256 ra = ProviderQuery::rateFor(testPod(), a.second);
            const UInt256 rb = ProviderQuery::rateFor(testPod(), b.second);
            return ra != rb ? ra < rb : hexOf(a.first) < hexOf(b.first);
        });
        QStringList out;
        for (const auto &p : providers)
            out << hexOf(p.first);
        return out;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString started = m_chain.start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
        m_path = m_dir.filePath(u"market.sqlite"_s);
        auto index = MarketIndex::open(m_path, m_chain.profile);
        QVERIFY2(index.ok(), qPrintable(index.ok() ? QString() : index.error().message));
        m_index = std::move(index).value();
        QVERIFY(!m_index->indexedBlock());
    }

    void queriesByRegionPriceAttributeAndStake()
    {
        const QList<std::pair<QString, QString>> a100{{u"gpu"_s, u"a100"_s}};
        registerProvider(1, {u"eu"_s}, a100, prices(u"0.10"_s, u"0.72"_s));
        registerProvider(2, {u"eu"_s}, a100, prices(u"0.05"_s, u"0.72"_s));
        registerProvider(3, {u"us"_s}, a100, prices(u"0.01"_s, u"0.72"_s));
        registerProvider(4, {u"eu"_s}, {{u"gpu"_s, u"h100"_s}}, prices(u"0.02"_s, u"0.72"_s));
        registerProvider(5, {u"eu"_s, u"us"_s}, {}, prices(u"0.20"_s, u"0.72"_s));
        registerProvider(6, {u"eu"_s}, a100, std::nullopt); // no price for the token
        registerProvider(7, {u"eu"_s}, a100, prices(u"0.05"_s, u"0.72"_s)); // ties with 2
        stake(1, 100 * OneToken);
        stake(2, 50 * OneToken);

        const auto report = sync(*m_index, m_chain.eth());
        QVERIFY2(report.ok(), qPrintable(report.ok() ? QString() : report.error().message));
        const auto head = m_chain.latest();
        QVERIFY(head.ok());
        QCOMPARE(report->toBlock, head->number);
        QCOMPARE(report->blocksRead, head->number + 1);
        QCOMPARE(report->logsApplied, 7 + 6 + 2); // registrations, prices, stakes
        QVERIFY(!report->reorged);
        QCOMPARE(m_index->indexedBlock(), std::optional<quint64>(head->number));
        QCOMPARE(m_index->providerCount().value(), 7);

        // Region and attribute, cheapest first; provider 6 has no price, 4 no a100.
        const QStringList euA100 = byRate({{1, prices(u"0.10"_s, u"0.72"_s)},
                                           {2, prices(u"0.05"_s, u"0.72"_s)},
                                           {7, prices(u"0.05"_s, u"0.72"_s)}});
        QCOMPARE(addresses(query(u"region=eu,attr.gpu=a100"_s)), euA100);
        QCOMPARE(euA100.last(), hexOf(1));

        // 2 cores at 0.10/h and 4 GiB at 0.72/month is 0.204/h: over 0.15/h.
        QCOMPARE(addresses(query(u"region=eu,attr.gpu=a100,max-price=0.15/h"_s)), euA100.mid(0, 2));
        QCOMPARE(addresses(query(u"region=eu,attr.gpu=a100,max-price=0.21/h"_s)), euA100);
        QCOMPARE(addresses(query(u"region=eu,attr.gpu=a100,max-price=100/month"_s)),
                 euA100.mid(0, 2)); // 0.204/h is 146.88 per 30 days
        // The exact rate is its own maximum.
        auto exact = ProviderQuery::parse(u"region=eu,attr.gpu=a100"_s, 6).value();
        exact.pod = testPod();
        exact.maxRate = ProviderQuery::rateFor(testPod(), prices(u"0.05"_s, u"0.72"_s));
        QCOMPARE(addresses(m_index->providers(exact).value()), euA100.mid(0, 2));
        *exact.maxRate -= 1;
        QVERIFY(m_index->providers(exact).value().isEmpty());

        // Minimum stake: only provider 1 has 100 tokens staked.
        QCOMPARE(addresses(query(u"region=eu,attr.gpu=a100,min-stake=60"_s)),
                 QStringList{hexOf(1)});
        QCOMPARE(addresses(query(u"region=eu,attr.gpu=a100,min-stake=50"_s)),
                 byRate({{1, prices(u"0.10"_s, u"0.72"_s)}, {2, prices(u"0.05"_s, u"0.72"_s)}}));
        QCOMPARE(addresses(query(u"region=eu,attr.gpu=a100,limit=1"_s)), euA100.mid(0, 1));
        // Several regions; no pod: ordered by address.
        QStringList usOrAny{hexOf(3), hexOf(5)};
        usOrAny.sort();
        QCOMPARE(addresses(query(u"region=us"_s, false)), usOrAny);
        QCOMPARE(query(u"region=eu|us"_s).size(), 6);
        QCOMPARE(query(u"region=ap"_s).size(), 0);
        QCOMPARE(query(u"attr.gpu=h100"_s).size(), 1);
        QCOMPARE(query(u"token=0x000000000000000000000000000000000000dEaD"_s).size(), 0);

        // Every field of a row.
        const QList<ProviderRow> rows = query(u"region=eu,attr.gpu=a100,min-stake=60"_s);
        QCOMPARE(rows.size(), 1);
        const ProviderRow &row = rows.first();
        QCOMPARE(row.provider, addressOf(1));
        QCOMPARE(row.endpoint, u"https://p1.example:8443"_s);
        QCOMPARE(row.regions, QStringList{u"eu"_s});
        QCOMPARE(row.attributes.size(), 1);
        QCOMPARE(row.attributes.first().second, u"a100"_s);
        QCOMPARE(row.capacity.cpuMillis, quint64(64000));
        QCOMPARE(row.capacity.memoryBytes, quint64(256) << 30);
        QCOMPARE(row.encryptionKeyHash, QByteArray(32, '\x11'));
        QCOMPARE(row.token, m_chain.profile.token);
        QVERIFY(row.prices.cpuCorePerSecond == prices(u"0.10"_s, u"0.72"_s).cpuCorePerSecond);
        QVERIFY(row.prices.gpuUnitPerSecond == prices(u"0.10"_s, u"0.72"_s).gpuUnitPerSecond);
        QVERIFY(row.activeStake == 100 * OneToken);
        QVERIFY(row.podRate.has_value());
        QVERIFY(*row.podRate == ProviderQuery::rateFor(testPod(), prices(u"0.10"_s, u"0.72"_s)));
        QCOMPARE(berth::chain::tokensPerPeriod(*row.podRate, 6, berth::chain::PricePeriod::Hour),
                 u"0.204"_s);
        QVERIFY(row.updatedBlock > 0);

        // The same rate as chain::podRate for a manifest pod.
        berth::manifest::Pod pod;
        berth::manifest::Container container;
        container.resources.cpuMillis = 1500;
        container.resources.memoryBytes = qint64(3) << 29;
        pod.containers << container;
        pod.replicas.max = 3;
        ProviderQuery fromPod;
        fromPod.setPod(pod);
        QVERIFY(ProviderQuery::rateFor(*fromPod.pod, row.prices) ==
                berth::chain::podRate(pod, row.prices));

        // max-price without a pod cannot be answered.
        auto noPod = ProviderQuery::parse(u"max-price=1/h"_s, 6).value();
        const auto refused = m_index->providers(noPod);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, ErrorCode::InvalidArgument);
        QVERIFY(refused.error().message.contains(u"needs a pod"_s));
    }

    void updatesDeregistrationsAndUnstaking()
    {
        // 2 moves to us, 1 leaves, 7 stops taking the token, 3 changes capacity,
        // 2 asks 20 of its 50 tokens back.
        send(m_chain.call(
            keyNumber(2), u"Registry"_s, u"update"_s,
            {MarketChain::listing(u"https://p2.example:9443"_s, {u"us"_s}, {{u"gpu"_s, u"a100"_s}})
                 .toAbi()}));
        send(m_chain.call(keyNumber(1), u"Registry"_s, u"deregister"_s, {}));
        send(m_chain.call(keyNumber(7), u"Registry"_s, u"removePricing"_s,
                          {AbiValue::fromAddress(m_chain.profile.token)}));
        send(m_chain.call(keyNumber(3), u"Registry"_s, u"setCapacity"_s,
                          {Resources{8000, quint64(16) << 30, 0, 1}.toAbi()}));
        send(m_chain.call(keyNumber(2), u"Staking"_s, u"requestUnstake"_s,
                          {AbiValue::fromUInt(20 * OneToken)}));

        const auto report = sync(*m_index, m_chain.eth());
        QVERIFY(report.ok());
        QCOMPARE(report->blocksRead, quint64(5));
        QCOMPARE(report->logsApplied, 1 + 2 + 1 + 1 + 1); // deregister emits PricingRemoved too

        QVERIFY(query(u"region=eu,attr.gpu=a100"_s).isEmpty());
        QCOMPARE(m_index->providerCount().value(), 6);
        const QList<ProviderRow> us = query(u"region=us,attr.gpu=a100"_s);
        QCOMPARE(addresses(us),
                 byRate({{2, prices(u"0.05"_s, u"0.72"_s)}, {3, prices(u"0.01"_s, u"0.72"_s)}}));
        const ProviderRow &two = us.at(addresses(us).indexOf(hexOf(2)));
        QCOMPARE(two.endpoint, u"https://p2.example:9443"_s);
        QVERIFY(two.activeStake == 30 * OneToken);
        QCOMPARE(addresses(query(u"region=us,min-stake=30"_s)), QStringList{hexOf(2)});
        QVERIFY(query(u"region=us,min-stake=31"_s).isEmpty());
        const ProviderRow &three = us.at(addresses(us).indexOf(hexOf(3)));
        QCOMPARE(three.capacity.cpuMillis, quint64(8000));
        QCOMPARE(three.capacity.gpuCount, quint64(1));
    }

    void ordersAndBids()
    {
        const auto publisher = keyNumber(50);
        const UInt256 deposit = 10 * OneToken;
        send(m_chain.call(
            publisher, u"TestToken"_s, u"mint"_s,
            {AbiValue::fromAddress(publisher.address()), AbiValue::fromUInt(2 * deposit)}));
        send(m_chain.call(
            publisher, u"TestToken"_s, u"approve"_s,
            {AbiValue::fromAddress(m_chain.profile.market), AbiValue::fromUInt(2 * deposit)}));
        berth::chain::OrderTerms terms;
        terms.manifestHash = QByteArray(32, '\x22');
        terms.deploymentId = QByteArray(32, '\x33');
        terms.resources = testPod();
        terms.token = m_chain.profile.token;
        terms.maxRatePerSecond = 1000;
        terms.maxNoticePeriod = 3600;
        terms.expiry = m_chain.latest().value().timestamp + 86400;
        terms.deposit = deposit;
        terms.region = u"eu"_s;
        send(m_chain.call(publisher, u"Market"_s, u"postOrder"_s, {terms.toAbi()})); // order 1
        terms.deploymentId = QByteArray(32, '\x44');
        send(m_chain.call(publisher, u"Market"_s, u"postOrder"_s, {terms.toAbi()})); // order 2
        const auto bid = [&](int provider, int orderId, int rate) {
            send(m_chain.call(
                keyNumber(provider), u"Market"_s, u"bid"_s,
                {AbiValue::fromUInt(orderId), AbiValue::fromUInt(rate), AbiValue::fromUInt(600)}));
        };
        bid(2, 1, 300); // bid 1, replaced by bid 3
        bid(3, 1, 200); // bid 2, withdrawn
        bid(2, 1, 100); // bid 3, accepted
        bid(3, 2, 500); // bid 4 on the order that is cancelled
        send(m_chain.call(keyNumber(3), u"Market"_s, u"withdrawBid"_s, {AbiValue::fromUInt(2)}));
        send(m_chain.call(publisher, u"Market"_s, u"accept"_s,
                          {AbiValue::fromUInt(1), AbiValue::fromUInt(3)}));
        send(m_chain.call(publisher, u"Market"_s, u"cancel"_s, {AbiValue::fromUInt(2)}));

        const auto report = sync(*m_index, m_chain.eth());
        QVERIFY(report.ok());
        QCOMPARE(report->logsApplied, 2 + 4 + 1 + 1 + 1 + 1); // + BidWithdrawn of replaced bid 1
        QVERIFY(m_index->orders(true).value().isEmpty());
        const auto orders = m_index->orders(false);
        QVERIFY(orders.ok());
        QCOMPARE(orders->size(), 2);
        const berth::market::OrderRow &first = orders->at(0);
        QVERIFY(first.id == 1);
        QCOMPARE(first.publisher, publisher.address());
        QCOMPARE(first.status, u"accepted"_s);
        QVERIFY(first.acceptedBidId && *first.acceptedBidId == 3);
        QCOMPARE(first.channelId.size(), 32);
        QCOMPARE(first.terms.region, u"eu"_s);
        QCOMPARE(first.terms.resources.cpuMillis, quint64(2000));
        QVERIFY(first.terms.deposit == deposit);
        QVERIFY(first.terms.maxRatePerSecond == 1000);
        QCOMPARE(first.terms.deploymentId, QByteArray(32, '\x33'));
        QCOMPARE(first.bids.size(), 3); // cheapest first
        QVERIFY(first.bids[0].id == 3 && first.bids[0].ratePerSecond == 100);
        QCOMPARE(first.bids[0].status, u"accepted"_s);
        QCOMPARE(first.bids[0].provider, addressOf(2));
        QVERIFY(first.bids[1].id == 2);
        QCOMPARE(first.bids[1].status, u"withdrawn"_s);
        QVERIFY(first.bids[2].id == 1);
        QCOMPARE(first.bids[2].status, u"replaced"_s);
        QCOMPARE(first.bids[2].noticePeriod, quint64(600));
        const berth::market::OrderRow &second = orders->at(1);
        QCOMPARE(second.status, u"cancelled"_s);
        QVERIFY(!second.acceptedBidId);
        QCOMPARE(second.bids.size(), 1);
        QCOMPARE(second.bids[0].status, u"live"_s);
    }

    void restartContinuesFromTheLastBlock()
    {
        const QString before = m_index->dump().value();
        const auto indexed = m_index->indexedBlock();
        m_index.reset();

        auto reopened = MarketIndex::open(m_path, m_chain.profile);
        QVERIFY(reopened.ok());
        m_index = std::move(reopened).value();
        QVERIFY(!m_index->wasReset());
        QCOMPARE(m_index->indexedBlock(), indexed);
        QCOMPARE(m_index->dump().value(), before);

        // Nothing new on the chain: nothing is read.
        auto report = sync(*m_index, m_chain.eth());
        QVERIFY(report.ok());
        QCOMPARE(report->blocksRead, quint64(0));
        QCOMPARE(report->logRequests, 0);

        // One new block: exactly that block is read.
        QVERIFY(m_chain.mine().ok());
        report = sync(*m_index, m_chain.eth());
        QVERIFY(report.ok());
        QCOMPARE(report->fromBlock, *indexed + 1);
        QCOMPARE(report->blocksRead, quint64(1));
        QCOMPARE(report->logRequests, 1);
        QCOMPARE(report->logsApplied, 0);
        QCOMPARE(m_index->dump().value(), before);
    }

    // A profile that names the contracts' deployment block (chain devnet writes
    // it; chain use --deployment-block) starts a new index there.
    void aNewIndexStartsAtTheDeploymentBlock()
    {
        const auto head = m_chain.latest();
        QVERIFY(head.ok());
        auto profile = m_chain.profile;
        profile.deploymentBlock = head->number;
        QTemporaryDir dir;
        auto index = MarketIndex::open(dir.filePath(u"from-deployment.sqlite"_s), profile);
        QVERIFY(index.ok());
        const auto report = sync(**index, m_chain.eth());
        QVERIFY(report.ok());
        QCOMPARE(report->fromBlock, head->number);
        QCOMPARE(report->blocksRead, quint64(1));
    }

    void reorgEndsEqualToAFreshIndex()
    {
        const auto snapshot = m_chain.rpc(u"evm_snapshot"_s, {});
        QVERIFY(snapshot.ok());
        // The branch that will be dropped: a new provider, a change and a stake.
        registerProvider(8, {u"eu"_s}, {{u"gpu"_s, u"a100"_s}}, prices(u"0.03"_s, u"0.72"_s));
        send(m_chain.call(keyNumber(3), u"Registry"_s, u"update"_s,
                          {MarketChain::listing(u"https://p3.example"_s, {u"eu"_s}, {}).toAbi()}));
        stake(3, 5 * OneToken);
        auto report = sync(*m_index, m_chain.eth());
        QVERIFY(report.ok());
        QCOMPARE(addresses(query(u"region=eu,attr.gpu=a100"_s)), QStringList{hexOf(8)});
        const auto droppedHead = m_chain.latest().value();

        QCOMPARE(m_chain.rpc(u"evm_revert"_s, {snapshot->toString()}).value().toBool(), true);
        // The branch that wins: another provider, and more blocks than before.
        registerProvider(9, {u"eu"_s}, {{u"gpu"_s, u"a100"_s}}, prices(u"0.04"_s, u"0.72"_s));
        for (int i = 0; i < 8; ++i)
            QVERIFY(m_chain.mine().ok());
        QVERIFY(m_chain.latest().value().number > droppedHead.number);

        report = sync(*m_index, m_chain.eth());
        QVERIFY2(report.ok(), qPrintable(report.ok() ? QString() : report.error().message));
        QVERIFY(report->reorged);
        QVERIFY(!report->rebuilt);
        QCOMPARE(report->rewoundBlocks, quint64(6)); // the 6 blocks of the dropped branch
        QCOMPARE(addresses(query(u"region=eu,attr.gpu=a100"_s)), QStringList{hexOf(9)});
        QCOMPARE(query(u"region=us,attr.gpu=a100"_s).size(), 2); // 3's update was undone
        QVERIFY(query(u"region=us,min-stake=1"_s).size() == 1);  // 3's stake was undone too

        // A fresh index of the same chain is identical.
        auto fresh = MarketIndex::open(m_dir.filePath(u"fresh.sqlite"_s), m_chain.profile);
        QVERIFY(fresh.ok());
        QVERIFY(sync(**fresh, m_chain.eth()).ok());
        QCOMPARE((*fresh)->indexedBlock(), m_index->indexedBlock());
        QCOMPARE(m_index->dump().value(), (*fresh)->dump().value());

        // A chain that went back below the indexed head is followed too.
        const auto snapshot2 = m_chain.rpc(u"evm_snapshot"_s, {});
        QVERIFY(snapshot2.ok());
        registerProvider(10, {u"ap"_s}, {}, prices(u"0.04"_s, u"0.72"_s));
        QVERIFY(sync(*m_index, m_chain.eth()).ok());
        QCOMPARE(query(u"region=ap"_s).size(), 1);
        QVERIFY(m_chain.rpc(u"evm_revert"_s, {snapshot2->toString()}).ok());
        report = sync(*m_index, m_chain.eth());
        QVERIFY(report.ok());
        QVERIFY(report->reorged);
        QCOMPARE(query(u"region=ap"_s).size(), 0);
        QCOMPARE(m_index->dump().value(), (*fresh)->dump().value());
    }

    void nodeDownLeavesTheIndexUntouched()
    {
        const QString before = m_index->dump().value();
        const auto indexed = m_index->indexedBlock();
        berth::chain::JsonRpcClient::Options options;
        options.retries = 0;
        berth::chain::JsonRpcClient rpc(QUrl(u"http://127.0.0.1:1"_s), options);
        berth::chain::EthClient down(&rpc);
        const auto report = sync(*m_index, down);
        QVERIFY(!report.ok());
        QCOMPARE(report.error().code, ErrorCode::Unavailable);
        QVERIFY2(report.error().message.contains(u"market index: cannot read the chain id from "
                                                 u"http://127.0.0.1:1"_s),
                 qPrintable(report.error().message));
        QCOMPARE(m_index->indexedBlock(), indexed);
        QCOMPARE(m_index->dump().value(), before);
        QVERIFY(!m_index->isSyncing());
    }

    void otherContractsRebuildTheFile()
    {
        auto other = m_chain.profile;
        other.registry =
            crypto::Address::fromHex(u"0x000000000000000000000000000000000000dEaD"_s).value();
        m_index.reset();
        auto index = MarketIndex::open(m_path, other);
        QVERIFY(index.ok());
        QVERIFY((*index)->wasReset());
        QCOMPARE((*index)->providerCount().value(), 0);
        QVERIFY(!(*index)->indexedBlock());
    }
};

QTEST_GUILESS_MAIN(TestMarketIndex)
#include "tst_marketindex.moc"
