#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QHashFunctions>
#include <QString>

#include <array>
#include <compare>

namespace berth::crypto {

// A 20-byte Ethereum account or contract address.
class Address
{
public:
    Address() = default; // the zero address

    // Accepts "0x" + 40 hex digits. All-lowercase or all-uppercase input is taken
    // as is; mixed case must be a valid EIP-55 checksum (a typo guard).
    static Result<Address> fromHex(QStringView text);
    // Exactly 20 bytes.
    static Result<Address> fromBytes(QByteArrayView bytes);
    // The last 20 bytes of keccak256 of a 64-byte uncompressed public key.
    static Address fromPublicKey(QByteArrayView publicKey64);

    QByteArray bytes() const;
    QString toChecksumString() const; // EIP-55
    QString toLowerHex() const;       // "0x" + lowercase
    bool isZero() const;

    friend bool operator==(const Address &, const Address &) = default;
    friend auto operator<=>(const Address &, const Address &) = default;

private:
    std::array<unsigned char, 20> m_bytes{};
};

inline size_t qHash(const Address &a, size_t seed = 0)
{
    return qHashBits(a.bytes().constData(), 20, seed);
}

} // namespace berth::crypto
