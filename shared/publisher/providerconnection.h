#pragma once

#include "core/result.h"
#include "crypto/address.h"
#include "protocol/attestation.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QObject>
#include <QUrl>

#include <functional>
#include <optional>

namespace berth::crypto {
class PrivateKey;
}
namespace berth::protocol {
class ProtocolClient;
}

namespace berth::publisher {

// Whom a publisher means to reach: an endpoint and, when known (from the
// Registry or the publisher's records), the provider's address and the hash of
// the encryption key it registered.
struct ProviderTarget
{
    QUrl endpoint;                           // wss://host:port
    std::optional<crypto::Address> provider; // empty: take the one session.hello names
    QByteArray encryptionKeyHash;            // 32 bytes, or empty: not checked here
    QByteArray certificatePin;               // 32 bytes when seen before, or empty
};

// One publisher's connection to one provider, trusted only through the
// provider's signed attestation (docs/protocol.md, "Attestation"):
//
//   open()   connects accepting any certificate, asks session.hello and
//            provider.attest, and checks that the attestation is signed by the
//            expected provider, names the certificate this TLS session shows,
//            is for this chain and is current, and (when the target carries it)
//            that its X25519 key hashes to the Registry's encryptionKeyHash.
//            A pinned certificate that changed is refused.
//   login()  session.login as the publisher's key; only after open().
//   call()   JSON-RPC calls that wait and retry when the provider answers
//            RateLimited, for as long as it asks.
//
// Asynchronous: callbacks run from the event loop of the connection's thread.
class ProviderConnection : public QObject
{
    Q_OBJECT

public:
    explicit ProviderConnection(quint64 chainId, QObject *parent = nullptr);
    ~ProviderConnection() override;

    void open(const ProviderTarget &target, std::function<void(Result<void>)> done);
    void login(const crypto::PrivateKey &key, std::function<void(Result<void>)> done);
    void call(const QString &method, const QJsonObject &params,
              std::function<void(Result<QJsonValue>)> done);
    void close();

    // After open(): the provider (its attested address), its attestation and
    // the certificate hash to pin next time.
    crypto::Address provider() const { return m_attestation.provider; }
    const protocol::Attestation &attestation() const { return m_attestation; }
    QByteArray certificateSha256() const;
    QUrl endpoint() const { return m_target.endpoint; }

    protocol::ProtocolClient &client() { return *m_client; }

    // How long a RateLimited call waits at most in all before it fails.
    static constexpr int MaxRateLimitWaitMs = 60000;

Q_SIGNALS:
    void notification(const QString &method, const QJsonObject &params);

private:
    void onHello(Result<QJsonValue> hello, std::function<void(Result<void>)> done);
    void onAttest(Result<QJsonValue> attest, std::function<void(Result<void>)> done);
    void callRetrying(const QString &method, const QJsonObject &params, int waitedMs,
                      std::function<void(Result<QJsonValue>)> done);

    quint64 m_chainId = 0;
    ProviderTarget m_target;
    protocol::ProtocolClient *m_client = nullptr;
    protocol::Attestation m_attestation;
    crypto::Address m_helloProvider;
    bool m_attested = false;
};

} // namespace berth::publisher
