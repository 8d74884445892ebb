#pragma once

#include "core/result.h"
#include "crypto/address.h"
#include "crypto/privatekey.h"
#include "crypto/signature.h"

#include <QByteArray>
#include <QByteArrayView>

namespace berth::crypto {

// EIP-191 version 0x45 ("personal_sign"): what wallets sign for a plain message
// and what Berth's session login uses.

// keccak256("\x19Ethereum Signed Message:\n" + decimal byte length + message).
QByteArray personalMessageDigest(QByteArrayView message);

// The signature a wallet's personal_sign would give for the message.
Signature signPersonalMessage(const PrivateKey &key, QByteArrayView message);

// The account that signed the message; signature65 is r || s || v with v in
// {0, 1, 27, 28}. Fails (AuthFailed) for a malformed or high-s signature.
Result<Address> recoverPersonalMessageSigner(QByteArrayView message, QByteArrayView signature65);

} // namespace berth::crypto
