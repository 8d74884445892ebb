#pragma once

#include <QDateTime>
#include <QString>

#include <optional>

namespace berth::provider {

// Where a claim is. A claim is recorded (Pending) before its transaction is sent,
// so a crash never forgets it nor claims twice: Pending -> Sent (with the
// transaction hash) -> Confirmed by its receipt, or Failed from Pending or Sent.
enum class ClaimState
{
    Pending,
    Sent,
    Confirmed,
    Failed,
};

QString claimStateName(ClaimState state);
std::optional<ClaimState> claimStateFromName(const QString &name);
// Whether a claim may move from `from` to `to`.
bool isClaimTransitionAllowed(ClaimState from, ClaimState to);

// One row of the claims table.
struct ClaimRecord
{
    qint64 id = 0;
    QString channelId;
    ClaimState state = ClaimState::Pending;
    QString txHash; // empty until Sent
    QString amount; // decimal, token's smallest unit
    QDateTime createdAt;
    QDateTime updatedAt;
    QString claimedBefore; // decimal: the channel's claimed total on chain when recorded
};

} // namespace berth::provider
