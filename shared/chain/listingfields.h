#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <utility>

namespace berth::chain {

// How a Registry listing's fields are written by people: `berthctl provider
// register/update` flags and berthd.yaml's registry.* settings read them the same way.

// One attribute as "key=value" (the key non-empty; the value may be empty). The
// error says what to write; callers put the flag or setting name in front.
Result<std::pair<QString, QString>> parseListingAttribute(const QString &text);

// What a listing stores for the provider's X25519 public key: its keccak256.
QByteArray listingEncryptionKeyHash(QByteArrayView x25519PublicKey);

} // namespace berth::chain
