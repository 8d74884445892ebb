#pragma once

#include "core/result.h"
#include "provider/channelrecord.h"
#include "provider/claimrecord.h"
#include "provider/deploymentrecord.h"
#include "provider/eventrecord.h"

#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <memory>

namespace berth::provider {

// berthd's durable state in SQLite (<dataDir>/state.sqlite): deployments,
// channels, claims and events. WAL journal, foreign keys on, schema versioned by
// PRAGMA user_version and migrated one transaction per version. The folder is
// 0700 and the files 0600; no secret is ever stored here.
class StateStore
{
public:
    // One schema version: statements run in order in a single transaction.
    using Migration = QStringList;

    // The schema this berthd writes: migrations()[i] brings version i to i + 1.
    static const QList<Migration> &migrations();
    static int latestSchemaVersion();

    // Opens (creating if needed) dataDir/state.sqlite and migrates it to the
    // latest schema. Refuses a database written by a newer berthd.
    static Result<std::unique_ptr<StateStore>> open(const QString &dataDir);
    // The same with a given list of migrations (tests, and checking upgrades).
    static Result<std::unique_ptr<StateStore>> open(const QString &dataDir,
                                                    const QList<Migration> &migrations);

    ~StateStore();
    StateStore(const StateStore &) = delete;
    StateStore &operator=(const StateStore &) = delete;

    QString filePath() const { return m_filePath; }
    Result<int> schemaVersion() const;
    Result<QString> journalMode() const;

    // Fails with Conflict if the id exists.
    Result<void> insertDeployment(const DeploymentRecord &deployment);
    // NotFound if there is none.
    Result<DeploymentRecord> deployment(const QString &id) const;
    // All deployments, oldest first.
    Result<QList<DeploymentRecord>> deployments() const;
    // Saves manifest, spec and state of an existing deployment; NotFound unless
    // id, publisher and channel all match the stored row.
    Result<void> updateDeployment(const DeploymentRecord &deployment);
    Result<void> setDeploymentState(const QString &id, const QString &state);

    // Inserts or replaces the channel (id is the key).
    Result<void> saveChannel(const ChannelRecord &channel);
    Result<ChannelRecord> channel(const QString &id) const;

    // Records a claim in state Pending, before it is sent; returns its id.
    // NotFound if the channel is unknown.
    // claimedBefore: the channel's total claimed on chain when the claim was
    // recorded, so that a restart can tell from the chain whether it went through.
    Result<qint64> recordClaim(const QString &channelId, const QString &amount,
                               const QString &claimedBefore = QStringLiteral("0"));
    // Moves a claim on (Conflict if the transition is not allowed from its current
    // state); Sent needs the transaction hash.
    // A confirmed claim may carry the amount the chain paid (the Claimed event).
    Result<void> advanceClaim(qint64 id, ClaimState to, const QString &txHash = {},
                              const QString &amount = {});
    Result<ClaimRecord> claim(qint64 id) const;
    // Claims still Pending or Sent, oldest first: what a restart must reconcile.
    Result<QList<ClaimRecord>> unfinishedClaims() const;
    // Transaction hashes of confirmed claims (lower-case 0x hex).
    Result<QSet<QString>> confirmedClaimHashes() const;

    Result<qint64> appendEvent(const QString &deploymentId, const QString &kind,
                               const QString &message);
    // A deployment's events, oldest first.
    Result<QList<EventRecord>> events(const QString &deploymentId) const;

private:
    explicit StateStore(QString connectionName, QString filePath);
    Result<void> migrate(const QList<Migration> &migrations);

    QString m_connectionName;
    QString m_filePath;
};

} // namespace berth::provider
