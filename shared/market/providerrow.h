#pragma once

#include "chain/registrycontract.h"
#include "core/uint256.h"
#include "crypto/address.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <utility>

namespace berth::market {

// One provider that matched a ProviderQuery, as the index knows it.
struct ProviderRow
{
    crypto::Address provider;
    QString endpoint;
    QStringList regions;
    QList<std::pair<QString, QString>> attributes;
    chain::Resources capacity;
    QByteArray encryptionKeyHash; // 32 bytes: keccak256 of the provider's X25519 key
    crypto::Address token;        // the token `prices` are in
    chain::Prices prices;
    UInt256 activeStake; // Staking: staked and not asked back (token base units)
    // The pod's rate (token base units per second × 10^18); set when the query has a pod.
    std::optional<UInt256> podRate;
    quint64 updatedBlock = 0; // the block of the listing's last Registry event
};

} // namespace berth::market
