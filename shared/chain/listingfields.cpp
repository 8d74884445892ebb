#include "chain/listingfields.h"

#include "crypto/keccak.h"

using namespace Qt::StringLiterals;

namespace berth::chain {

Result<std::pair<QString, QString>> parseListingAttribute(const QString &text)
{
    const qsizetype eq = text.indexOf(u'=');
    if (eq <= 0)
        return Error{ErrorCode::InvalidArgument,
                     u"'%1': write key=value, such as tier=gold"_s.arg(text)};
    return std::pair(text.left(eq), text.mid(eq + 1));
}

QByteArray listingEncryptionKeyHash(QByteArrayView x25519PublicKey)
{
    return crypto::keccak256(x25519PublicKey);
}

} // namespace berth::chain
