#pragma once

#include "core/uint256.h"
#include "crypto/address.h"

#include <QByteArray>
#include <QJsonObject>

#include <optional>

namespace berth::chain {

// A message call for eth_call and eth_estimateGas.
struct CallRequest
{
    std::optional<crypto::Address> from; // msg.sender; matters for access checks
    std::optional<crypto::Address> to;   // none: simulate a contract creation
    UInt256 value;
    QByteArray data;
    std::optional<quint64> gas;

    QJsonObject toJson() const;
};

} // namespace berth::chain
