#pragma once

#include <QtGlobal>

namespace berth::market {

// What one MarketIndex::sync did.
struct SyncReport
{
    quint64 fromBlock = 0;     // first block read (meaningless when blocksRead is 0)
    quint64 toBlock = 0;       // the chain head the index now stands at
    quint64 blocksRead = 0;    // toBlock - fromBlock + 1, or 0 when already up to date
    int logRequests = 0;       // eth_getLogs calls made (ranges, halved ones included)
    int logsApplied = 0;       // events written to the index
    bool reorged = false;      // the last indexed block was no longer on the chain
    quint64 rewoundBlocks = 0; // how many indexed blocks were undone for a reorg
    bool rebuilt = false;      // the reorg went past the kept block hashes: rebuilt from scratch
    qint64 elapsedMs = 0;
};

} // namespace berth::market
