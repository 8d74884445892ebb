#include "crypto/keccak.h"

#include <QCryptographicHash>

namespace berth::crypto {

QByteArray keccak256(QByteArrayView data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Keccak_256);
}

} // namespace berth::crypto
