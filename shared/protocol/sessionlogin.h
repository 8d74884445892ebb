#pragma once

#include "core/result.h"
#include "crypto/address.h"

#include <QByteArray>
#include <QByteArrayView>

namespace berth::protocol {

// The session login (docs/protocol.md, "Login"). session.hello hands out a
// nonce; the publisher signs, with EIP-191 personal_sign, exactly this text
// (lines joined by "\n", no trailing newline):
//
//   Berth login
//   provider: <the provider's EIP-55 checksummed address>
//   nonce: 0x<the nonce in lowercase hex>
//   expires: <unix seconds, decimal>
//   chain: <chain id, decimal>
//
// Binding the provider and the chain means a login cannot be replayed against
// another provider or network; the single-use nonce (NonceBook) means it cannot
// be replayed against this one.
struct LoginChallenge
{
    crypto::Address provider;
    QByteArray nonce;   // raw bytes, as NonceBook issued them
    qint64 expires = 0; // unix seconds: the session ends then
    quint64 chainId = 0;
};

// The longest session a login may ask for.
constexpr qint64 MaxLoginLifetimeSeconds = 24 * 60 * 60;

QByteArray loginMessage(const LoginChallenge &challenge);

// The publisher's address, if signature65 (r || s || v) signs loginMessage(challenge)
// and the login is usable at nowUnix. The provider fills the challenge from its
// own state (its address, its chain, the nonce it issued) plus the expiry the
// publisher sent, never from text the publisher supplies. Errors (made by
// makeRpcError): LoginExpired when expires <= now; Unauthenticated when the
// challenge names another provider, asks for more than MaxLoginLifetimeSeconds,
// or the signature is malformed. A signature by the wrong key recovers another
// address: comparing it with the expected publisher is the caller's business.
Result<crypto::Address> verifyLogin(const LoginChallenge &challenge, QByteArrayView signature65,
                                    const crypto::Address &expectedProvider, qint64 nowUnix);

} // namespace berth::protocol
