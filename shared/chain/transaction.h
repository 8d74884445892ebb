#pragma once

#include "core/result.h"
#include "core/uint256.h"
#include "crypto/address.h"
#include "crypto/privatekey.h"
#include "crypto/signature.h"

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

namespace berth::chain {

// A type-2 (EIP-1559) transaction with an empty access list.
struct Eip1559Transaction
{
    quint64 chainId = 0;
    quint64 nonce = 0;
    UInt256 maxPriorityFeePerGas;
    UInt256 maxFeePerGas;
    quint64 gasLimit = 0;
    std::optional<crypto::Address> to; // nullopt = contract creation
    UInt256 value;
    QByteArray data;

    // keccak256(0x02 || rlp([chainId, nonce, tip, maxFee, gas, to, value, data, []]))
    QByteArray signingHash() const;
    // 0x02 || rlp([..., yParity, r, s]): the raw transaction for eth_sendRawTransaction.
    QByteArray encodeSigned(const crypto::Signature &sig) const;
    // encodeSigned(key.sign(signingHash()))
    QByteArray sign(const crypto::PrivateKey &key) const;
    // keccak256(raw): the transaction hash.
    static QByteArray hashOfRaw(QByteArrayView raw);
    // Parses a signed raw type-2 transaction. Non-empty access lists are
    // rejected (Unsupported): this struct could not re-encode them.
    static Result<Eip1559Transaction> decodeSigned(QByteArrayView raw,
                                                   crypto::Signature *sig = nullptr);
};

// A legacy (type-0) transaction, signed with EIP-155 replay protection when
// chainId is non-zero (chainId 0 means the pre-EIP-155 form with v = 27/28).
struct LegacyTransaction
{
    quint64 chainId = 0;
    quint64 nonce = 0;
    UInt256 gasPrice;
    quint64 gasLimit = 0;
    std::optional<crypto::Address> to; // nullopt = contract creation
    UInt256 value;
    QByteArray data;

    // keccak256(rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0]))
    // (six fields only when chainId is 0).
    QByteArray signingHash() const;
    // rlp([nonce, gasPrice, gas, to, value, data, v, r, s]) with
    // v = chainId * 2 + 35 + recoveryId (27 + recoveryId when chainId is 0).
    QByteArray encodeSigned(const crypto::Signature &sig) const;
    QByteArray sign(const crypto::PrivateKey &key) const;
    static QByteArray hashOfRaw(QByteArrayView raw);
    static Result<LegacyTransaction> decodeSigned(QByteArrayView raw,
                                                  crypto::Signature *sig = nullptr);
};

} // namespace berth::chain
