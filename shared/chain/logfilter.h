#pragma once

#include "crypto/address.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace berth::chain {

// An eth_getLogs filter.
struct LogFilter
{
    QList<crypto::Address> addresses; // empty: any contract
    // One entry per topic position: empty = any value, several = any of them.
    QList<QList<QByteArray>> topics;
    QString fromBlock = QStringLiteral("earliest"); // a tag or a hex block number
    QString toBlock = QStringLiteral("latest");

    QJsonObject toJson() const;
};

} // namespace berth::chain
