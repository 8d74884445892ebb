#pragma once

#include "core/result.h"
#include "crypto/address.h"

#include <QByteArray>

namespace berth::crypto {

// A recoverable secp256k1 ECDSA signature (low-s, as Ethereum requires).
struct Signature
{
    QByteArray r;       // 32 bytes
    QByteArray s;       // 32 bytes
    int recoveryId = 0; // 0 or 1 (the y parity)

    // r || s || v with v = 27 + recoveryId: what ecrecover, EIP-191 and EIP-712
    // verifiers (and OpenZeppelin's ECDSA) expect.
    QByteArray toRsv() const;
    // Accepts 65 bytes with v in {0, 1, 27, 28}.
    static Result<Signature> fromRsv(QByteArrayView bytes);

    // The address whose key produced this signature over the 32-byte digest.
    Result<Address> recoverSigner(QByteArrayView digest32) const;
};

} // namespace berth::crypto
