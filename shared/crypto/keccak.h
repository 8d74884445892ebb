#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace berth::crypto {

// Ethereum's Keccak-256 (the original Keccak padding, not NIST SHA3-256).
QByteArray keccak256(QByteArrayView data);

} // namespace berth::crypto
