#pragma once

#include "core/result.h"
#include "crypto/address.h"
#include "crypto/secretbytes.h"
#include "crypto/signature.h"

namespace berth::crypto {

// A secp256k1 account key. The secret stays in SecretBytes and is wiped with it.
class PrivateKey
{
public:
    // A fresh key from OpenSSL's DRBG.
    static PrivateKey generate();
    // 32 bytes that form a valid secp256k1 scalar (non-zero, below the order).
    static Result<PrivateKey> fromBytes(const SecretBytes &secret);
    // "0x" + 64 hex digits, or 64 hex digits.
    static Result<PrivateKey> fromHex(QStringView hex);
    // The same from key material read from a file (surrounding whitespace is
    // ignored); decodes in place so no unwiped copy of the key is left behind.
    static Result<PrivateKey> fromHexSecret(const SecretBytes &hexText);

    const SecretBytes &secret() const { return m_secret; }
    // 64 bytes: X || Y of the uncompressed public key, without the 0x04 prefix.
    QByteArray publicKey() const;
    Address address() const { return m_address; }

    // RFC 6979 deterministic, low-s signature over a 32-byte digest.
    Signature sign(QByteArrayView digest32) const;

private:
    PrivateKey() = default;

    SecretBytes m_secret;
    Address m_address;
};

} // namespace berth::crypto
