#pragma once

#include "chain/contractclient.h"
#include "core/result.h"
#include "core/uint256.h"

#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <functional>
#include <optional>

namespace berth::chain {
class EthClient;
class TransactionManager;
struct BlockHeader;
} // namespace berth::chain

namespace berth::provider {

struct ChallengeResponderConfig
{
    int pollSeconds = 30; // staking.pollSeconds
    // Where the last block read and the challenges not settled yet are kept, so a
    // restart neither misses a challenge nor answers one twice.
    QString stateFile;
    quint64 maxBlockRange = 5000; // blocks per eth_getLogs request
    // On the very first start (no state file): how far back to look for challenges.
    quint64 firstStartLookbackBlocks = 50000;
};

// What one pass did; challenge ids in decimal.
struct ChallengePass
{
    quint64 fromBlock = 0; // the blocks read for new ChallengeOpened events (none when from > to)
    quint64 toBlock = 0;
    QStringList answered; // respond() confirmed in this pass
    QStringList skipped;  // already answered or slashed, or past their deadline
    QStringList failed;   // respond() failed; tried again next pass while the window lasts
};

// Answers Staking liveness challenges against this provider by itself (DESIGN.md,
// "Money"): every pollSeconds it reads Staking's ChallengeOpened events for this
// provider since the last block it read, and for each challenge still open
// (challengeOf says so) whose deadline has not passed, sends respond(challengeId),
// which earns the publisher's bond. The last block read and the challenges not
// settled yet are saved to a small JSON file before anything is sent.
class ChallengeResponder : public QObject
{
    Q_OBJECT

public:
    ChallengeResponder(ChallengeResponderConfig config, chain::ContractClient staking,
                       chain::EthClient *eth, chain::TransactionManager *transactions,
                       QObject *parent = nullptr);

    // <dataDir>/challenges-<chainId>-<staking address>.json
    static QString stateFileIn(const QString &dataDir, quint64 chainId,
                               const crypto::Address &staking);

    // A pass now, then one every pollSeconds.
    void start();
    // One pass; a pass asked for while one runs is skipped (done gets an empty pass).
    void pollOnce(std::function<void(Result<ChallengePass>)> done = {});

signals:
    void challengeAnswered(const QString &challengeId, const QByteArray &transactionHash);

private:
    struct Progress
    {
        std::optional<quint64> lastBlock; // none: never read
        QSet<QString> unsettled;          // challenge ids seen and not settled yet
    };
    Progress loadProgress() const;
    bool saveProgress() const;
    void readLogs(quint64 from, quint64 to, std::function<void(Result<QStringList>)> done);
    void settle(const chain::BlockHeader &head, const std::shared_ptr<ChallengePass> &pass,
                std::function<void()> done);
    void answer(const QString &id, quint64 deadline, const std::shared_ptr<ChallengePass> &pass,
                std::function<void()> done);

    ChallengeResponderConfig m_config;
    chain::ContractClient m_staking;
    chain::EthClient *m_eth;
    chain::TransactionManager *m_transactions;
    crypto::Address m_provider;
    Progress m_progress;
    bool m_running = false;
    QTimer m_timer;
};

} // namespace berth::provider
