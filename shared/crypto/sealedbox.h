#pragma once

#include "core/result.h"
#include "crypto/secretbytes.h"

#include <QByteArray>
#include <QByteArrayView>

namespace berth::crypto {

// Anonymous public-key encryption to a provider's X25519 key (libsodium's
// crypto_box_seal): the sender needs only the recipient's 32-byte public key, and
// only the holder of the matching secret key can open the box. Berth seals an
// image blob's key and a deployment's secrets this way, to the key the provider
// attests (provider.attest) and registers on chain.
//
// A sealed box is the plaintext plus SealOverhead bytes (an ephemeral public key
// and a MAC).
class SealedBox
{
public:
    static constexpr qsizetype PublicKeySize = 32;
    static constexpr qsizetype SecretKeySize = 32;
    static constexpr qsizetype SealOverhead = 48;

    // Seals plain to recipientPublicKey. InvalidArgument when the key is not 32
    // bytes or is not a usable X25519 public key (a low-order point).
    static Result<QByteArray> seal(QByteArrayView plain, QByteArrayView recipientPublicKey);

    // Opens a box sealed to publicKey with its secretKey. AuthFailed when the box
    // was sealed to another key or was damaged or changed on the way;
    // InvalidArgument for keys of the wrong size.
    static Result<SecretBytes> open(QByteArrayView cipher, QByteArrayView publicKey,
                                    const SecretBytes &secretKey);
};

} // namespace berth::crypto
