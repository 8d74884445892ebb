#pragma once

#include "core/result.h"
#include "crypto/address.h"

#include <QJsonObject>
#include <QString>
#include <QUrl>

#include <optional>

namespace berth::chain {

// Which chain berthctl and berthd talk to: the RPC endpoint, the chain id it must
// report, Berth's contract addresses and the payment token. Written by
// `berthctl chain devnet` / `chain use`, read by every other command.
struct ChainProfile
{
    QString name;
    QUrl rpcUrl;
    quint64 chainId = 0;
    crypto::Address registry;
    crypto::Address escrow;
    crypto::Address staking;
    crypto::Address market;
    crypto::Address token;
    QString tokenSymbol;
    int tokenDecimals = 0;
    // The block the contracts were deployed in (0: unknown): indexers start there.
    quint64 deploymentBlock = 0;
    // Set for a local Anvil that `chain devnet` started and `chain devnet --stop` ends.
    std::optional<qint64> devnetPid;
    QString devnetLog;

    QJsonObject toJson() const;
    static Result<ChainProfile> fromJson(const QJsonObject &json);

    static Result<ChainProfile> load(const QString &path);
    Result<void> save(const QString &path) const; // atomic, owner-only

    // $BERTH_CHAIN if set, else <XDG config>/berth/chain.json.
    static QString defaultPath();
};

} // namespace berth::chain
