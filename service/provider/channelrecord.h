#pragma once

#include <QDateTime>
#include <QString>

namespace berth::provider {

// One row of the channels table: an Escrow payment channel as last seen on chain.
// Amounts are decimal strings of the token's smallest unit (exact, never floats).
struct ChannelRecord
{
    QString id; // channel id (0x…)
    QString publisher;
    QString provider;
    QString token;
    QString rate;    // per second, decimal
    QString deposit; // decimal
    QDateTime openedAt;
    qint64 lastSeenBlock = 0;
};

} // namespace berth::provider
