#pragma once

#include <QByteArrayView>
#include <QString>

namespace berth {

// "0x" followed by the bytes in lowercase hex ("0x" alone for no bytes): how
// hashes, ids and calldata are shown to people and written in --json.
QString hexString(QByteArrayView bytes);

} // namespace berth
