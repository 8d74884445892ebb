#pragma once

#include "core/result.h"
#include "crypto/secretbytes.h"

#include <QString>

#include <functional>

class QObject;

namespace berth::crypto {

// Where Berth keeps small secrets outside the keystore file (the keystore
// password, or a key on desktops): the OS keychain, or a test double.
// Asynchronous: each callback runs later on the event loop of the context's
// thread, and not at all if the context is destroyed first (as with a
// QObject::connect context); with a null context it always runs. A missing entry is NotFound; a
// store that cannot be reached is Unavailable, never a silent fallback.
class SecretStore
{
public:
    using ReadCallback = std::function<void(Result<SecretBytes>)>;
    using DoneCallback = std::function<void(Result<void>)>;

    virtual ~SecretStore() = default;

    virtual void read(const QString &key, QObject *context, ReadCallback callback) = 0;
    // Creates or overwrites the entry.
    virtual void write(const QString &key, const SecretBytes &secret, QObject *context,
                       DoneCallback callback) = 0;
    virtual void remove(const QString &key, QObject *context, DoneCallback callback) = 0;
};

} // namespace berth::crypto
