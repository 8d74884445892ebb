#pragma once

#include "core/result.h"
#include "crypto/address.h"
#include "crypto/privatekey.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QString>

namespace berth::protocol {

// What a provider states about itself in `provider.attest` (docs/protocol.md):
// the TLS certificate a publisher should see and the X25519 key to seal secrets
// for, signed with the provider's Ethereum key as EIP-712 typed data:
//
//   domain  {name: "Berth Provider", version: "1", chainId}
//   ProviderAttestation(address provider,bytes32 tlsCertSha256,
//                       bytes32 x25519PublicKey,string software,
//                       uint64 issuedAt,uint64 expiresAt)
//
// On the wire (toJson plus "signature": 0x r || s || v):
//   {"provider": "0x<EIP-55>", "chainId": 31337, "tlsCertSha256": "0x<64 hex>",
//    "x25519PublicKey": "0x<64 hex>", "software": "berthd 0.1.0",
//    "issuedAt": <unix s>, "expiresAt": <unix s>, "signature": "0x<130 hex>"}
struct Attestation
{
    crypto::Address provider;
    quint64 chainId = 0;
    QByteArray tlsCertSha256;   // 32 bytes: SHA-256 of the certificate's DER
    QByteArray x25519PublicKey; // 32 bytes
    QString software;           // e.g. "berthd 0.1.0"
    qint64 issuedAt = 0;        // unix seconds
    qint64 expiresAt = 0;       // unix seconds

    static constexpr QStringView DomainName = u"Berth Provider";
    static constexpr QStringView DomainVersion = u"1";
    static constexpr QStringView PrimaryType = u"ProviderAttestation";

    // The eth_signTypedData_v4 document that is signed.
    QJsonObject typedDataJson() const;
    // The fields without a signature.
    QJsonObject toJson() const;
    // Parses the fields (a "signature" key is allowed and ignored); malformed
    // input is a ParseFailed error naming the field.
    static Result<Attestation> fromJson(const QJsonObject &json);

    // toJson() plus "signature". The key must be the provider's.
    Result<QJsonObject> sign(const crypto::PrivateKey &key) const;

    // keccak256(x25519PublicKey): the Registry listing's encryptionKeyHash
    // (`berthctl provider register --encryption-key` hashes the same way).
    QByteArray x25519KeyHash() const;

    // Checks a signed attestation as a publisher received it and returns its
    // fields. Errors (AuthFailed unless noted): the signer is not
    // expectedProvider (the registered provider); the attested certificate hash
    // is not the one the TLS session showed (a man in the middle); the
    // attestation is expired at nowUnix, or issued in the future beyond
    // MaxClockSkewSeconds; WrongChain when it is for another chain; ParseFailed
    // when malformed.
    static constexpr qint64 MaxClockSkewSeconds = 300;
    static Result<Attestation> verify(const QJsonObject &signedJson,
                                      const crypto::Address &expectedProvider,
                                      quint64 expectedChainId, QByteArrayView observedCertSha256,
                                      qint64 nowUnix);
};

} // namespace berth::protocol
