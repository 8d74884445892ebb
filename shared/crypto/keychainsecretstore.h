#pragma once

#include "crypto/secretstore.h"

namespace berth::crypto {

// SecretStore over the OS keychain through QtKeychain (Secret Service on Linux,
// Keychain on macOS, Credential Manager on Windows), under the service name
// "berth". No insecure fallback: without a reachable keychain every call fails
// with Unavailable, telling the user to use a password file instead.
class KeychainSecretStore final : public SecretStore
{
public:
    static constexpr char16_t DefaultService[] = u"berth";

    explicit KeychainSecretStore(QString service = QString::fromUtf16(DefaultService));

    QString service() const { return m_service; }

    void read(const QString &key, QObject *context, ReadCallback callback) override;
    void write(const QString &key, const SecretBytes &secret, QObject *context,
               DoneCallback callback) override;
    void remove(const QString &key, QObject *context, DoneCallback callback) override;

private:
    QString m_service;
};

} // namespace berth::crypto
