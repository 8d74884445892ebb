#pragma once

#include "chain/logentry.h"
#include "core/result.h"
#include "crypto/address.h"
#include "market/marketevents.h"

#include <QByteArray>
#include <QList>
#include <QSet>
#include <QString>
#include <QVariantList>

#include <map>
#include <memory>
#include <optional>

class QSqlDatabase;
class QSqlQuery;

namespace berth::market {

// The SQLite side of MarketIndex (WAL, one connection per store).
//
// Tables: `events` keeps every followed log (block, log index, block hash, the
// emitting contract, raw topics and data) with its subject: the provider
// ("p:0x…") or the order ("o:42") it changes. The derived tables (providers,
// provider_regions, provider_attributes, prices, stakes, orders, bids) are a pure
// function of a subject's events in chain order. `selection` is what provider
// queries scan: one row per (token, region, provider) with prices, active stake
// and attribute terms, refreshed at the end of each commit for every provider
// the commit touched (MarketReader reads it). `checkpoints` keeps the hashes
// of the last indexed blocks (each sync's head and each block with events; the
// newest KeptCheckpoints). `meta` holds the identity (chain id, contract
// addresses), the schema version and the head (last indexed block and hash).
//
// A reorg is undone by rewinding to a block: the events after it are deleted
// and each subject they touched is rebuilt from its remaining events.
class MarketStore
{
public:
    static constexpr int KeptCheckpoints = 64;

    struct Identity
    {
        quint64 chainId = 0;
        crypto::Address registry;
        crypto::Address staking;
        crypto::Address market;
    };

    struct Block
    {
        quint64 number = 0;
        QByteArray hash;
    };

    // What a sync writes, all in one transaction.
    struct Batch
    {
        bool clearAll = false;           // forget everything first (a rebuild)
        std::optional<quint64> rewindTo; // undo every event after this block
        QList<chain::LogEntry> logs;     // new logs, in chain order
        Block head;                      // the block the index then stands at
    };

    // Opens or creates the file. A file made for another chain or other contract
    // addresses, or by another schema version, is emptied and rebuilt (it is a
    // cache of the chain); `*reset` says whether that happened.
    static Result<std::unique_ptr<MarketStore>> open(const QString &path, const Identity &identity,
                                                     bool *reset = nullptr);
    ~MarketStore();
    MarketStore(const MarketStore &) = delete;
    MarketStore &operator=(const MarketStore &) = delete;

    std::optional<Block> head() const;
    // Newest first.
    QList<Block> checkpoints() const;

    // Returns how many new logs were applied. On error nothing is written.
    Result<int> commit(const MarketEvents &events, const Batch &batch);

    // How one attribute appears in the selection table's attribute terms.
    static QString attributeTerm(const QString &key, const QString &value);

    // The SQLite connection, for a MarketReader on the same file.
    const QString &connectionName() const { return m_connectionName; }

private:
    MarketStore(QString connectionName);
    QSqlDatabase db() const;
    Result<void> createSchema();
    Result<void> clearData();
    Result<void> applyOne(const MarketEvents::Decoded &event, quint64 block);
    Result<void> clearSubject(const QString &subject);
    Result<void> replaySubject(const MarketEvents &events, const QString &subject);
    // Runs `sql` (prepared once per store) with `values`.
    Result<void> run(const QString &sql, const QVariantList &values);
    Result<void> refreshSelection(const QString &provider);
    Result<UInt256> stakeField(const QString &address, const QString &column);

    QString m_connectionName;
    QSet<QString> m_touched; // providers whose selection rows a commit refreshes
    std::map<QString, std::unique_ptr<QSqlQuery>> m_statements;
};

} // namespace berth::market
