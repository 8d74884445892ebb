#include "protocol/sessionlogin.h"

#include "crypto/eip191.h"
#include "protocol/rpcerror.h"

using namespace Qt::StringLiterals;

namespace berth::protocol {

QByteArray loginMessage(const LoginChallenge &challenge)
{
    return "Berth login\nprovider: " + challenge.provider.toChecksumString().toLatin1() +
           "\nnonce: 0x" + challenge.nonce.toHex() +
           "\nexpires: " + QByteArray::number(challenge.expires) +
           "\nchain: " + QByteArray::number(challenge.chainId);
}

Result<crypto::Address> verifyLogin(const LoginChallenge &challenge, QByteArrayView signature65,
                                    const crypto::Address &expectedProvider, qint64 nowUnix)
{
    if (challenge.provider != expectedProvider)
        return makeRpcError(
            RpcErrorCode::Unauthenticated,
            u"the login is for provider %1, not this one (%2)"_s.arg(
                challenge.provider.toChecksumString(), expectedProvider.toChecksumString()));
    if (challenge.expires <= nowUnix)
        return makeRpcError(
            RpcErrorCode::LoginExpired,
            u"the login expired at %1 (now %2): sign a new one"_s.arg(challenge.expires)
                .arg(nowUnix));
    if (challenge.expires - nowUnix > MaxLoginLifetimeSeconds)
        return makeRpcError(
            RpcErrorCode::Unauthenticated,
            u"the login asks for a session of more than %1 seconds"_s.arg(MaxLoginLifetimeSeconds));
    if (signature65.size() != 65)
        return makeRpcError(
            RpcErrorCode::Unauthenticated,
            u"the login signature must be 65 bytes (r, s, v), not %1"_s.arg(signature65.size()));
    auto signer = crypto::recoverPersonalMessageSigner(loginMessage(challenge), signature65);
    if (!signer)
        return makeRpcError(RpcErrorCode::Unauthenticated,
                            u"the login signature is invalid: "_s + signer.error().message);
    return signer.value();
}

} // namespace berth::protocol
