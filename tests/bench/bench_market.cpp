// The market index at scale: registers N listings (default 10,000) on a local
// Anvil, each from its own key with its own regions, attributes and prices (one
// in ten also stakes), indexes them with MarketIndex and then runs filtered
// queries (region + attribute + max price for a pod), printing the indexing time
// and the query latency p50/p99 against the 20 ms goal.
// Run: build/ci/tests/bench/bench_market [--listings N] [--queries Q]
#include "chain/priceunits.h"
#include "market/marketindex.h"
#include "marketchain.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTextStream>

#include <algorithm>
#include <ctime>

using namespace Qt::StringLiterals;
using berth::Result;
using berth::UInt256;
using berth::chain::AbiValue;
using berth::market::MarketIndex;
using berth::market::ProviderQuery;
using berth::market::SyncReport;
using berth::test::MarketChain;

namespace {

const QStringList Regions = {u"eu"_s, u"us"_s, u"ap"_s, u"sa"_s, u"af"_s, u"me"_s};
const QStringList Gpus = {u"a100"_s, u"h100"_s, u"l4"_s, u"none"_s};
const QStringList Disks = {u"ssd"_s, u"nvme"_s};

berth::crypto::PrivateKey keyNumber(int n)
{
    return berth::crypto::PrivateKey::fromHex(u"0x%1"_s.arg(n + 0x10000, 64, 16, QLatin1Char('0')))
        .value();
}

// A price in tokens per period, with 6 decimals, between lo and hi thousandths.
QString tokens(QRandomGenerator &random, int lo, int hi)
{
    return u"%1"_s.arg(double(random.bounded(lo, hi)) / 1000.0, 0, 'f', 3);
}

// Registers `listings` providers on a fresh chain and indexes them; null on failure.
std::unique_ptr<MarketIndex> buildIndex(MarketChain &chain, QRandomGenerator &random, int listings,
                                        int batch, const QString &keptIndex, QTextStream &out)
{
    if (const QString started = chain.start(); !started.isEmpty()) {
        out << "cannot start the chain: " << started << "\n";
        return {};
    }
    out << "Anvil at " << chain.profile.rpcUrl.toString() << "; registering " << listings
        << " listings\n";
    out.flush();

    // Sign everything locally, send without automine, mine `batch` per block.
    QElapsedTimer timer;
    timer.start();
    if (!chain.setAutomine(false).ok()) {
        out << "cannot turn automine off\n";
        return {};
    }
    QList<QByteArray> pending;
    qint64 sent = 0;
    const auto flush = [&]() -> bool {
        if (pending.isEmpty())
            return true;
        if (auto r = chain.sendAll(pending, 8); !r) {
            out << "sending failed: " << r.error().message << "\n";
            return false;
        }
        sent += pending.size();
        pending.clear();
        return chain.mine().ok();
    };
    for (int i = 0; i < listings; ++i) {
        const auto key = keyNumber(i);
        QStringList regions{Regions[random.bounded(Regions.size())]};
        if (random.bounded(4) == 0) {
            const QString second = Regions[random.bounded(Regions.size())];
            if (second != regions.first())
                regions << second;
        }
        QList<std::pair<QString, QString>> attributes{
            {u"gpu"_s, Gpus[random.bounded(Gpus.size())]},
            {u"disk"_s, Disks[random.bounded(Disks.size())]},
            {u"cpu.model"_s, u"EPYC %1"_s.arg(9000 + random.bounded(8) * 100)}};
        const auto profile =
            MarketChain::listing(u"https://provider%1.example:8443"_s.arg(i), regions, attributes);
        berth::chain::Prices prices;
        using berth::chain::PricePeriod::Hour;
        using berth::chain::PricePeriod::Month;
        prices.cpuCorePerSecond =
            berth::chain::scaledRateFromTokens(tokens(random, 5, 120), 6, Hour).value();
        prices.memoryGiBPerSecond =
            berth::chain::scaledRateFromTokens(tokens(random, 200, 3000), 6, Month).value();
        prices.storageGiBPerSecond =
            berth::chain::scaledRateFromTokens(tokens(random, 20, 200), 6, Month).value();
        prices.gpuUnitPerSecond =
            berth::chain::scaledRateFromTokens(tokens(random, 500, 4000), 6, Hour).value();
        pending << chain.call(key, u"Registry"_s, u"register"_s, {profile.toAbi()}, 3'000'000)
                << chain.call(key, u"Registry"_s, u"setPricing"_s,
                              {AbiValue::fromAddress(chain.profile.token), prices.toAbi()},
                              500'000);
        if (i % 10 == 0) {
            const UInt256 amount = UInt256(random.bounded(1, 1000)) * 1'000'000;
            pending << chain.call(
                           key, u"TestToken"_s, u"mint"_s,
                           {AbiValue::fromAddress(key.address()), AbiValue::fromUInt(amount)},
                           200'000)
                    << chain.call(key, u"TestToken"_s, u"approve"_s,
                                  {AbiValue::fromAddress(chain.profile.staking),
                                   AbiValue::fromUInt(amount)},
                                  200'000)
                    << chain.call(key, u"Staking"_s, u"stake"_s, {AbiValue::fromUInt(amount)},
                                  300'000);
        }
        if (pending.size() >= batch && !flush())
            return {};
    }
    if (!flush())
        return {};
    const auto head = chain.latest();
    out << "Registered: " << sent << " transactions in " << timer.elapsed() / 1000.0
        << " s, chain head " << (head ? head->number : 0) << "\n";
    out.flush();

    // Index from scratch.
    static QTemporaryDir dir;
    auto opened = MarketIndex::open(
        keptIndex.isEmpty() ? dir.filePath(u"market.sqlite"_s) : keptIndex, chain.profile);
    if (!opened) {
        out << opened.error().message << "\n";
        return {};
    }
    MarketIndex &index = **opened;
    const auto report = berth::test::waitResult<SyncReport>(
        [&](QObject *, auto done) { index.sync(chain.eth(), done); }, 1800000);
    if (!report) {
        out << "sync failed: " << report.error().message << "\n";
        return {};
    }
    const int indexed = index.providerCount().value_or(-1);
    out << "Indexed: " << indexed << " providers, " << report->logsApplied << " events, "
        << report->blocksRead << " blocks, " << report->logRequests << " eth_getLogs in "
        << report->elapsedMs / 1000.0 << " s\n";
    if (indexed != listings)
        out << "WARNING: expected " << listings << " providers in the index\n";

    return std::move(opened).value();
}

qint64 threadCpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The 1-minute load average: the numbers mean little on a busy machine.
QString loadAverage()
{
    QFile file(u"/proc/loadavg"_s);
    return file.open(QIODevice::ReadOnly) ? QString::fromLatin1(file.readAll()).section(u' ', 0, 0)
                                          : u"?"_s;
}

double percentile(QList<double> sorted, double p)
{
    if (sorted.isEmpty())
        return 0;
    const qsizetype at = qMin(sorted.size() - 1, qsizetype(p * double(sorted.size())));
    return sorted[at];
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption(
        {u"listings"_s, u"Listings to register (default 10000)."_s, u"n"_s, u"10000"_s});
    parser.addOption({u"queries"_s, u"Queries to time (default 1000)."_s, u"n"_s, u"1000"_s});
    parser.addOption({u"index"_s,
                      u"Keep the index (and its chain profile) in this file; when both exist, "
                      u"skip the chain and only time the queries."_s,
                      u"file"_s});
    parser.addOption(
        {u"batch"_s, u"Transactions per mined block (default 2000)."_s, u"n"_s, u"2000"_s});
    parser.process(app);
    const int listings = parser.value(u"listings"_s).toInt();
    const int queries = parser.value(u"queries"_s).toInt();
    const int batch = qMax(1, parser.value(u"batch"_s).toInt());
    QTextStream out(stdout);
    if (listings <= 0 || queries <= 0) {
        out << "--listings and --queries take positive counts\n";
        return 1;
    }

    const QString keptIndex = parser.value(u"index"_s);
    const QString keptProfile = keptIndex + u".chain.json"_s;
    QRandomGenerator random(20261126);
    std::unique_ptr<MarketIndex> opened;
    MarketChain chain;
    if (!keptIndex.isEmpty() && QFile::exists(keptIndex) && QFile::exists(keptProfile)) {
        auto profile = berth::chain::ChainProfile::load(keptProfile);
        auto index = profile ? MarketIndex::open(keptIndex, *profile)
                             : Result<std::unique_ptr<MarketIndex>>(profile.error());
        if (!index) {
            out << index.error().message << "\n";
            return 1;
        }
        opened = std::move(index).value();
        out << "Reusing " << keptIndex << ": " << opened->providerCount().value_or(-1)
            << " providers\n";
    } else {
        auto built = buildIndex(chain, random, listings, batch, keptIndex, out);
        if (!built)
            return 1;
        opened = std::move(built);
        if (!keptIndex.isEmpty())
            (void)chain.profile.save(keptProfile);
    }
    MarketIndex &index = *opened;

    // Filtered queries: region + gpu attribute + max price for a pod.
    const QList<berth::chain::Resources> pods = {
        {500, quint64(512) << 20, 0, 0},
        {2000, quint64(4) << 30, quint64(20) << 30, 0},
        {8000, quint64(32) << 30, quint64(100) << 30, 1},
    };
    const QStringList maxPrices = {u"0.05/h"_s, u"0.5/h"_s, u"5/h"_s, u"100/month"_s};
    // Each pass runs the same queries: every match, then only the cheapest ten
    // (what `deploy --select` and a marketplace page need). Wall time is the goal;
    // the thread's CPU time shows what is left when other work shares the cores.
    struct Sample
    {
        QString expression;
        berth::chain::Resources pod;
    };
    QList<Sample> samples;
    for (int i = 0; i < queries; ++i) {
        samples.append(
            {u"region=%1,attr.gpu=%2,max-price=%3"_s.arg(
                 Regions[random.bounded(Regions.size())], Gpus[random.bounded(Gpus.size())],
                 maxPrices[random.bounded(maxPrices.size())]),
             pods[random.bounded(pods.size())]});
    }
    for (const QString &suffix : {QString(), u",limit=10"_s}) {
        QList<double> wall;
        QList<double> cpu;
        qint64 matches = 0;
        for (const Sample &sample : std::as_const(samples)) {
            QElapsedTimer clock;
            clock.start();
            const qint64 cpuStart = threadCpuNs();
            auto query = ProviderQuery::parse(sample.expression + suffix, 6);
            if (!query) {
                out << query.error().message << "\n";
                return 1;
            }
            query.value().pod = sample.pod;
            const auto rows = index.providers(*query);
            cpu << double(threadCpuNs() - cpuStart) / 1e6;
            wall << double(clock.nsecsElapsed()) / 1e6;
            if (!rows) {
                out << rows.error().message << "\n";
                return 1;
            }
            matches += rows->size();
        }
        std::sort(wall.begin(), wall.end());
        std::sort(cpu.begin(), cpu.end());
        const double p99 = percentile(wall, 0.99);
        out << "Queries: " << queries << " x region + attr.gpu + max-price for a pod"
            << (suffix.isEmpty() ? u" (every match)"_s : u" (cheapest 10)"_s) << ", "
            << double(matches) / queries << " rows on average\n";
        out << "  wall: p50 " << QString::number(percentile(wall, 0.5), 'f', 2) << " ms, p99 "
            << QString::number(p99, 'f', 2) << " ms, max " << QString::number(wall.last(), 'f', 2)
            << " ms; thread CPU: p50 " << QString::number(percentile(cpu, 0.5), 'f', 2)
            << " ms, p99 " << QString::number(percentile(cpu, 0.99), 'f', 2) << " ms\n";
        out << "  goal p99 <= 20 ms: p99/goal = " << QString::number(p99 / 20.0, 'f', 3)
            << (p99 <= 20.0 ? " (met)\n" : " (missed)\n");
    }
    out << "Load average at the end: " << loadAverage() << "\n";
    return 0;
}
