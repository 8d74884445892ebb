#pragma once

#include "chain/abivalue.h"
#include "core/result.h"
#include "core/uint256.h"
#include "crypto/address.h"
#include "crypto/privatekey.h"
#include "crypto/typeddata.h"

#include <QJsonObject>

namespace berth::chain {

// The provider's signed offer that opens an Escrow channel (docs/contracts.md,
// "The signed quote"): EIP-712 typed data over Escrow's domain, so wallets can
// show it and the contract can verify it.
struct EscrowQuote
{
    crypto::Address publisher;
    QByteArray deploymentId; // 32 bytes
    crypto::Address token;
    UInt256 ratePerSecond; // base units per second × 10^18
    quint64 noticePeriod = 0;
    quint64 validUntil = 0; // unix seconds, inclusive
    UInt256 nonce;

    // The EIP-712 document for the Escrow at `escrow` on `chainId`.
    crypto::TypedData typedData(quint64 chainId, const crypto::Address &escrow) const;
    Result<QByteArray> digest(quint64 chainId, const crypto::Address &escrow) const;
    Result<crypto::Signature> sign(const crypto::PrivateKey &provider, quint64 chainId,
                                   const crypto::Address &escrow) const;

    // The Solidity tuple (address,bytes32,address,uint256,uint64,uint64,uint256).
    AbiValue toAbi() const;
    // The "quote" member of a quote file (numbers as decimal strings).
    QJsonObject toJson() const;
    static Result<EscrowQuote> fromJson(const QJsonObject &json);

    // A deployment id from a name: 0x + 64 hex digits as is, anything else is
    // keccak256 of its UTF-8 bytes.
    static QByteArray deploymentIdFrom(QStringView nameOrHex);
};

} // namespace berth::chain
