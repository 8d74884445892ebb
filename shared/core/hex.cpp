#include "core/hex.h"

#include <QByteArray>

using namespace Qt::StringLiterals;

namespace berth {

QString hexString(QByteArrayView bytes)
{
    return u"0x"_s + QString::fromLatin1(bytes.toByteArray().toHex());
}

} // namespace berth
