#pragma once

#include "chain/chainprofile.h"
#include "core/result.h"
#include "market/marketevents.h"
#include "market/marketreader.h"
#include "market/orderrow.h"
#include "market/providerquery.h"
#include "market/providerrow.h"
#include "market/syncreport.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace berth::chain {
class EthClient;
}

namespace berth::market {

class MarketStore;

// A local index of the Registry, Staking and Market contracts of one chain
// profile, kept in SQLite (WAL) so that provider selection is answered locally
// and fast (docs/market.md).
//
// sync() reads eth_getLogs from the last indexed block + 1 to the chain head in
// bounded block ranges (halved when the node refuses a range as too large) and
// writes everything in one SQLite transaction, together with the new head's
// number and hash. The state lives only in the file, so a new MarketIndex on the
// same file continues where the last one stopped.
//
// Reorganisations: every event is kept as a row (block, log index, block hash,
// raw log) with its subject, the provider or order it changes; the provider and
// order tables are rebuilt from a subject's events. The hashes of the newest
// MarketStore::KeptCheckpoints indexed blocks are kept (each sync's head and each
// block with events). Each sync first compares the stored head hash with the
// chain's block at that height; when they differ it walks the kept hashes back to
// the newest block still on the chain (the common ancestor), deletes the events
// after it, rebuilds the subjects they touched and re-reads from there. When no
// kept hash matches (a reorg deeper than the window, or another chain behind the
// same RPC URL), the index is rebuilt from scratch.
class MarketIndex : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        quint64 startBlock = 0;    // the first block to read (e.g. the contracts' deployment)
        quint64 blockRange = 2000; // blocks per eth_getLogs request (halved on "too large")
    };

    // Opens or creates the index at `sqlitePath` for `profile`'s chain id and
    // Registry/Staking/Market addresses. A file made for another chain or other
    // contracts is emptied and rebuilt on the next sync (wasReset() tells).
    static Result<std::unique_ptr<MarketIndex>> open(const QString &sqlitePath,
                                                     const chain::ChainProfile &profile);
    static Result<std::unique_ptr<MarketIndex>>
    open(const QString &sqlitePath, const chain::ChainProfile &profile, const Options &options);
    ~MarketIndex() override;

    // <XDG cache>/berth/market/<chain id>-<registry address>.sqlite: a cache,
    // rebuilt from the chain whenever it is missing.
    static QString defaultPath(const chain::ChainProfile &profile);

    const chain::ChainProfile &profile() const { return m_profile; }
    bool wasReset() const { return m_reset; }
    bool isSyncing() const { return m_syncing; }

    // Brings the index up to the chain head. `done` comes from the event loop
    // (dropped if this index is destroyed first). On any error nothing is
    // written: Unavailable/Timeout when the node is down, WrongChain when it
    // reports another chain id, Conflict when a sync is already running.
    void sync(chain::EthClient &eth, std::function<void(Result<SyncReport>)> done);

    // Answered from the file alone (no chain access).
    Result<QList<ProviderRow>> providers(const ProviderQuery &query) const;
    // The last indexed block; none before the first sync.
    std::optional<quint64> indexedBlock() const;
    Result<int> providerCount() const;
    // Market orders by id with their bids (cheapest first); `openOnly`: still open.
    Result<QList<OrderRow>> orders(bool openOnly = true) const;
    // Every derived row as text: two indexes of the same chain dump the same.
    Result<QString> dump() const;

private:
    struct SyncJob;
    MarketIndex(std::unique_ptr<MarketStore> store, MarketEvents events,
                chain::ChainProfile profile, Options options, bool reset);
    void checkHead(const std::shared_ptr<SyncJob> &job);
    void walkBack(const std::shared_ptr<SyncJob> &job, int checkpoint);
    void readLogs(const std::shared_ptr<SyncJob> &job);
    void finish(const std::shared_ptr<SyncJob> &job, Result<SyncReport> result);

    std::unique_ptr<MarketStore> m_store;
    MarketReader m_reader;
    MarketEvents m_events;
    chain::ChainProfile m_profile;
    Options m_options;
    bool m_reset = false;
    bool m_syncing = false;
};

} // namespace berth::market
