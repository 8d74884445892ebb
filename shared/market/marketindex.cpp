#include "market/marketindex.h"

#include "chain/ethclient.h"
#include "chain/jsonrpcclient.h"
#include "market/marketstore.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

namespace berth::market {

Q_LOGGING_CATEGORY(lcMarketIndex, "berth.market.index")

struct MarketIndex::SyncJob
{
    chain::EthClient *eth = nullptr;
    std::function<void(Result<SyncReport>)> done;
    QElapsedTimer timer;
    SyncReport report;
    std::optional<MarketStore::Block> stored; // the head before this sync
    QList<MarketStore::Block> checkpoints;    // newest first
    MarketStore::Block head;                  // the chain head this sync reads up to
    MarketStore::Batch batch;
    quint64 next = 0;  // the next block to read
    quint64 range = 0; // blocks per eth_getLogs
};

namespace {

// Errors from the node keep their code (Unavailable, Timeout, ...) and say what failed.
Error syncError(const chain::EthClient &eth, const QString &what, const Error &error)
{
    return Error(error.code,
                 u"market index: cannot %1 from %2: %3"_s.arg(what, eth.rpc()->url().toString(),
                                                              error.message),
                 error.data);
}

} // namespace

MarketIndex::MarketIndex(std::unique_ptr<MarketStore> store, MarketEvents events,
                         chain::ChainProfile profile, Options options, bool reset)
    : m_store(std::move(store))
    , m_reader(m_store->connectionName())
    , m_events(std::move(events))
    , m_profile(std::move(profile))
    , m_options(options)
    , m_reset(reset)
{}

MarketIndex::~MarketIndex() = default;

Result<std::unique_ptr<MarketIndex>> MarketIndex::open(const QString &sqlitePath,
                                                       const chain::ChainProfile &profile)
{
    return open(sqlitePath, profile, Options{});
}

Result<std::unique_ptr<MarketIndex>> MarketIndex::open(const QString &sqlitePath,
                                                       const chain::ChainProfile &profile,
                                                       const Options &options)
{
    if (profile.chainId == 0 || profile.registry.isZero())
        return Error(ErrorCode::InvalidArgument,
                     u"market index: the chain profile names no chain id or Registry; set one "
                     u"up with `berthctl chain use` or `berthctl chain devnet`"_s);
    auto events = MarketEvents::load(profile);
    if (!events)
        return events.error();
    bool reset = false;
    auto store = MarketStore::open(
        sqlitePath, {profile.chainId, profile.registry, profile.staking, profile.market}, &reset);
    if (!store)
        return store.error();
    Options effective = options;
    if (effective.startBlock == 0)
        effective.startBlock = profile.deploymentBlock;
    effective.blockRange = qMax<quint64>(effective.blockRange, 1);
    return std::unique_ptr<MarketIndex>(new MarketIndex(
        std::move(store).value(), std::move(events).value(), profile, effective, reset));
}

QString MarketIndex::defaultPath(const chain::ChainProfile &profile)
{
    QString cache = qEnvironmentVariable("XDG_CACHE_HOME");
    if (cache.isEmpty())
        cache = QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation);
    return u"%1/berth/market/%2-%3.sqlite"_s.arg(cache, QString::number(profile.chainId),
                                                 profile.registry.toLowerHex());
}

std::optional<quint64> MarketIndex::indexedBlock() const
{
    const auto head = m_store->head();
    return head ? std::optional<quint64>(head->number) : std::nullopt;
}

Result<QList<ProviderRow>> MarketIndex::providers(const ProviderQuery &query) const
{
    return m_reader.providers(query, m_profile.token);
}

Result<int> MarketIndex::providerCount() const
{
    return m_reader.providerCount();
}

Result<QList<OrderRow>> MarketIndex::orders(bool openOnly) const
{
    return m_reader.orders(openOnly);
}

Result<QString> MarketIndex::dump() const
{
    return m_reader.dump();
}

void MarketIndex::sync(chain::EthClient &eth, std::function<void(Result<SyncReport>)> done)
{
    auto job = std::make_shared<SyncJob>();
    job->eth = &eth;
    job->done = std::move(done);
    job->timer.start();
    if (m_syncing) {
        QMetaObject::invokeMethod(
            this,
            [job]() {
                job->done(Error(ErrorCode::Conflict,
                                u"market index: a sync is already running; wait for it"_s));
            },
            Qt::QueuedConnection);
        return;
    }
    m_syncing = true;
    eth.chainId(this, [this, job](Result<quint64> chainId) {
        if (!chainId)
            return finish(job, syncError(*job->eth, u"read the chain id"_s, chainId.error()));
        if (*chainId != m_profile.chainId)
            return finish(job,
                          Error(ErrorCode::WrongChain,
                                u"market index: %1 serves chain %2, not chain %3 of the "
                                u"profile; check the profile's RPC URL"_s.arg(
                                    job->eth->rpc()->url().toString(), QString::number(*chainId),
                                    QString::number(m_profile.chainId))));
        job->eth->latestBlock(this, [this, job](Result<chain::BlockHeader> latest) {
            if (!latest)
                return finish(job,
                              syncError(*job->eth, u"read the latest block"_s, latest.error()));
            job->head = {latest->number, latest->hash};
            job->stored = m_store->head();
            job->range = m_options.blockRange;
            if (!job->stored) {
                job->next = m_options.startBlock;
                return readLogs(job);
            }
            checkHead(job);
        });
    });
}

void MarketIndex::checkHead(const std::shared_ptr<SyncJob> &job)
{
    const MarketStore::Block stored = *job->stored;
    if (stored.number == job->head.number && stored.hash == job->head.hash) {
        job->report.toBlock = stored.number;
        return finish(job, job->report); // up to date: nothing to write
    }
    job->eth->blockByNumber(
        chain::EthClient::blockTag(stored.number), this,
        [this, job, stored](Result<chain::BlockHeader> block) {
            if (!block && block.error().code != ErrorCode::NotFound)
                return finish(job, syncError(*job->eth, u"read block %1"_s.arg(stored.number),
                                             block.error()));
            if (block && block->hash == stored.hash) {
                job->next = stored.number + 1;
                return readLogs(job);
            }
            // The last indexed block left the chain: find the common ancestor.
            job->report.reorged = true;
            job->checkpoints = m_store->checkpoints();
            qCInfo(lcMarketIndex) << "block" << stored.number
                                  << "is no longer on the chain; looking for the common ancestor";
            walkBack(job, 0);
        });
}

void MarketIndex::walkBack(const std::shared_ptr<SyncJob> &job, int checkpoint)
{
    const quint64 storedNumber = job->stored->number;
    // Skip the kept blocks above the chain's head and the known-bad stored head.
    while (checkpoint < job->checkpoints.size() &&
           (job->checkpoints[checkpoint].number > job->head.number ||
            job->checkpoints[checkpoint].number == storedNumber))
        ++checkpoint;
    if (checkpoint >= job->checkpoints.size()) {
        qCInfo(lcMarketIndex) << "no kept block hash is on the chain; rebuilding the index";
        job->report.rebuilt = true;
        job->report.rewoundBlocks = storedNumber + 1 - qMin(storedNumber + 1, m_options.startBlock);
        job->batch.clearAll = true;
        job->next = m_options.startBlock;
        return readLogs(job);
    }
    const MarketStore::Block candidate = job->checkpoints[checkpoint];
    job->eth->blockByNumber(
        chain::EthClient::blockTag(candidate.number), this,
        [this, job, checkpoint, candidate, storedNumber](Result<chain::BlockHeader> block) {
            if (!block && block.error().code != ErrorCode::NotFound)
                return finish(job, syncError(*job->eth, u"read block %1"_s.arg(candidate.number),
                                             block.error()));
            if (!block || block->hash != candidate.hash)
                return walkBack(job, checkpoint + 1);
            job->batch.rewindTo = candidate.number;
            job->report.rewoundBlocks = storedNumber - candidate.number;
            job->next = candidate.number + 1;
            readLogs(job);
        });
}

void MarketIndex::readLogs(const std::shared_ptr<SyncJob> &job)
{
    if (job->report.logRequests == 0 && job->report.blocksRead == 0) {
        job->report.fromBlock = job->next;
        job->report.toBlock = job->head.number;
    }
    if (job->next > job->head.number) {
        job->report.blocksRead = job->head.number + 1 > job->report.fromBlock
                                     ? job->head.number + 1 - job->report.fromBlock
                                     : 0;
        job->batch.head = job->head;
        auto applied = m_store->commit(m_events, job->batch);
        if (!applied)
            return finish(job, applied.error());
        job->report.logsApplied = *applied;
        job->report.toBlock = job->head.number;
        return finish(job, job->report);
    }
    const quint64 to = qMin(job->head.number, job->next + job->range - 1);
    chain::LogFilter filter;
    filter.addresses = m_events.addresses();
    filter.topics = {m_events.topics()};
    filter.fromBlock = chain::EthClient::blockTag(job->next);
    filter.toBlock = chain::EthClient::blockTag(to);
    ++job->report.logRequests;
    job->eth->getLogs(filter, this, [this, job, to](Result<QList<chain::LogEntry>> logs) {
        if (!logs) {
            // Nodes refuse large answers in their own words; halve and retry.
            const ErrorCode code = logs.error().code;
            const bool transport = code == ErrorCode::Unavailable || code == ErrorCode::Timeout ||
                                   code == ErrorCode::WrongChain;
            if (!transport && to > job->next) {
                job->range = qMax<quint64>((to - job->next + 1) / 2, 1);
                return readLogs(job);
            }
            return finish(job, syncError(*job->eth,
                                         u"read the logs of blocks %1 to %2"_s.arg(
                                             QString::number(job->next), QString::number(to)),
                                         logs.error()));
        }
        for (chain::LogEntry &log : logs.value())
            if (log.blockNumber >= job->next && log.blockNumber <= to)
                job->batch.logs.append(std::move(log));
        job->next = to + 1;
        readLogs(job);
    });
}

void MarketIndex::finish(const std::shared_ptr<SyncJob> &job, Result<SyncReport> result)
{
    m_syncing = false;
    if (result.ok())
        result.value().elapsedMs = job->timer.elapsed();
    job->done(std::move(result));
}

} // namespace berth::market
