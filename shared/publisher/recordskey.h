#pragma once

#include "crypto/privatekey.h"
#include "crypto/secretbytes.h"

namespace berth::publisher {

// The 32-byte key that encrypts the publisher's local records of secrets (the
// keys of pushed image blobs) at rest: HKDF-SHA256 of the wallet account's
// private key with the info "berth publisher records v1". The same account
// always derives the same key, and the key reveals nothing about the account's.
crypto::SecretBytes recordsKey(const crypto::PrivateKey &key);

} // namespace berth::publisher
