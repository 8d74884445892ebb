#pragma once

#include "core/result.h"
#include "crypto/secretbytes.h"

#include <QByteArray>
#include <QString>

namespace berth::provider {

// What a provider shows publishers besides its Ethereum address: a self-signed
// TLS certificate (publishers pin its SHA-256, which the attestation signs) and
// an X25519 key pair that sealed boxes of secrets and image keys are made for
// (its keccak256 is the Registry listing's encryptionKeyHash).
//
// Files under the data folder, created on first start and reused after:
//   tls/cert.pem    self-signed X.509, EC P-256, CN "berthd",
//                   SAN DNS:localhost and IP:127.0.0.1, valid 825 days
//   tls/key.pem     its private key (PKCS#8 PEM, 0600)
//   keys/x25519.key the 32-byte X25519 secret key, raw (0600)
// Folders are 0700. A damaged or half-present identity is an error naming the
// file, never silently regenerated: publishers that pinned the old certificate
// or sealed to the old key would break.
class ProviderIdentity
{
public:
    static constexpr int CertificateValidityDays = 825;

    static Result<ProviderIdentity> loadOrCreate(const QString &dataDir);

    QByteArray certificatePem() const { return m_certificatePem; }
    QByteArray certificateDer() const { return m_certificateDer; }
    // SHA-256 of the certificate's DER encoding (32 bytes).
    QByteArray certificateSha256() const { return m_certificateSha256; }
    // A copy for the TLS server (QSslKey); wipe it (secureZero) when done.
    QByteArray privateKeyPem() const { return m_keyPem.view().toByteArray(); }
    QByteArray x25519PublicKey() const { return m_x25519PublicKey; } // 32 bytes
    const crypto::SecretBytes &x25519SecretKey() const { return m_x25519SecretKey; }

    static QString certificatePath(const QString &dataDir);
    static QString privateKeyPath(const QString &dataDir);
    static QString x25519KeyPath(const QString &dataDir);

private:
    ProviderIdentity() = default;

    QByteArray m_certificatePem;
    QByteArray m_certificateDer;
    QByteArray m_certificateSha256;
    crypto::SecretBytes m_keyPem;
    QByteArray m_x25519PublicKey;
    crypto::SecretBytes m_x25519SecretKey;
};

} // namespace berth::provider
