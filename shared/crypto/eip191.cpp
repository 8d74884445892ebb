#include "crypto/eip191.h"

#include "crypto/keccak.h"

namespace berth::crypto {

QByteArray personalMessageDigest(QByteArrayView message)
{
    QByteArray prefixed("\x19"
                        "Ethereum Signed Message:\n");
    prefixed += QByteArray::number(message.size());
    prefixed += message;
    return keccak256(prefixed);
}

Signature signPersonalMessage(const PrivateKey &key, QByteArrayView message)
{
    return key.sign(personalMessageDigest(message));
}

Result<Address> recoverPersonalMessageSigner(QByteArrayView message, QByteArrayView signature65)
{
    auto signature = Signature::fromRsv(signature65);
    if (!signature)
        return Error{ErrorCode::AuthFailed, signature.error().message};
    return signature->recoverSigner(personalMessageDigest(message));
}

} // namespace berth::crypto
