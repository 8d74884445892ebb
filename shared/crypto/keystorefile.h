#pragma once

#include "crypto/address.h"
#include "crypto/kdfparams.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace berth::crypto {

// The parsed, validated fields of a version 3 keystore, before any password is
// involved. Keystore::parse produces it; every field is within its bounds.
struct KeystoreFile
{
    int version = 3;
    QString id;                     // as written; not checked to be a v4 UUID
    std::optional<Address> address; // present in geth-style files, absent in others
    KdfParams kdf;
    QByteArray salt;       // 1..1024 bytes
    QByteArray iv;         // 16 bytes (aes-128-ctr)
    QByteArray ciphertext; // 32 bytes: the encrypted secp256k1 key
    QByteArray mac;        // 32 bytes: keccak256(derivedKey[16..32] || ciphertext)
};

} // namespace berth::crypto
