#pragma once

#include "core/result.h"
#include "crypto/address.h"
#include "crypto/privatekey.h"
#include "protocol/rpcmessage.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QSslError;
class QTimer;
class QWebSocket;
QT_END_NAMESPACE

namespace berth::protocol {

// The publisher's side of the protocol (docs/protocol.md): one wss://
// connection to one provider, JSON-RPC calls with callbacks, notifications as a
// signal, and the session login. The provider's self-signed certificate is
// trusted only through its pinned SHA-256.
//
// Callbacks run on the client's thread, from its event loop (never from inside
// call() itself). Do not delete the client from a callback; use deleteLater().
// Destroying the client drops pending callbacks without calling them.
class ProtocolClient : public QObject
{
    Q_OBJECT

public:
    static constexpr std::chrono::milliseconds DefaultCallTimeout{30000};
    // The largest message the client accepts from a provider.
    static constexpr qsizetype MaxIncomingBytes = 16 * 1024 * 1024;

    explicit ProtocolClient(QObject *parent = nullptr);
    ~ProtocolClient() override;

    // Connects (closing any previous connection). pinnedCertSha256 is empty
    // (the system's certificate verification applies) or 32 bytes: then the
    // certificate is accepted exactly when the SHA-256 of its DER equals the pin,
    // self-signed or not, and any other certificate aborts the handshake with
    // failed(AuthFailed) before anything is sent. Emits opened() or failed().
    // Calls made before opened() wait and are sent once the connection is open.
    void open(const QUrl &wssUrl, const QByteArray &pinnedCertSha256);
    // Connects to a provider whose certificate is not known yet: any certificate
    // is accepted and its SHA-256 kept in peerCertificateSha256(). Nothing on
    // such a connection is trusted until the caller has checked the provider's
    // signed attestation names that very hash (protocol::Attestation::verify);
    // publisher::ProviderConnection does, before it logs in.
    void openForAttestation(const QUrl &wssUrl);
    // Connects over plain ws:// to this machine (berthd's admin API, which
    // listens on loopback only): any other host fails with InvalidArgument.
    // A bearerToken is sent as "Authorization: Bearer TOKEN" on the handshake.
    void openLocal(const QUrl &wsUrl, QByteArrayView bearerToken = {});
    // Closes the connection; pending calls fail with Unavailable.
    void close();
    bool isOpen() const;

    // SHA-256 of the DER of the certificate the provider showed (empty before the
    // TLS handshake).
    QByteArray peerCertificateSha256() const;

    void setCallTimeout(std::chrono::milliseconds timeout) { m_callTimeout = timeout; }
    std::chrono::milliseconds callTimeout() const { return m_callTimeout; }

    // Sends a request; done gets the result, or the error response as
    // fromRpcError(...) (its data names the protocol code: toRpcError gives it
    // back). Unavailable when not connected or the connection drops (TooLarge
    // when the provider closed it for an oversize frame), Timeout after
    // callTimeout().
    void call(const QString &method, const QJsonObject &params,
              std::function<void(Result<QJsonValue>)> done);

    // session.hello, then session.login with an EIP-191 signature by key over
    // the login text for the provider and chain the hello named, valid for
    // lifetimeSeconds. done gets the hello result (provider, chainId,
    // protocolVersion, serverTime and the provider's extras), also kept in
    // helloResult(). Compare its provider with the one you meant to reach.
    void login(const crypto::PrivateKey &key, qint64 lifetimeSeconds,
               std::function<void(Result<QJsonObject>)> done);
    QJsonObject helloResult() const { return m_hello; }
    // The logged-in publisher and the login's expiry (unix seconds).
    std::optional<crypto::Address> publisher() const { return m_publisher; }
    qint64 loginExpires() const { return m_loginExpires; }

    // Sends a raw text frame as is (tests of malformed and oversize frames).
    void sendText(const QByteArray &frame);

    int pendingCalls() const { return int(m_pending.size()); }

Q_SIGNALS:
    void opened();
    // The open connection ended (by either side); not emitted after failed().
    void closed();
    // open() did not lead to an open connection: AuthFailed for a certificate
    // that does not match the pin or is not trusted, Unavailable otherwise.
    void failed(const berth::Error &error);
    void notification(const berth::protocol::Notification &notification);
    // Every text frame received, before it is decoded.
    void frameReceived(const QByteArray &frame);

private:
    struct Pending
    {
        QString method;
        std::function<void(Result<QJsonValue>)> done;
        qint64 deadlineMs = 0; // on m_clock
    };

    void reset();
    QWebSocket *makeSocket();
    void onSslErrors(const QList<QSslError> &errors);
    void onConnected();
    void onDisconnected();
    void onText(const QString &text);
    bool pinMatches();
    void fail(const Error &error);
    void finish(qint64 id, Result<QJsonValue> result);
    void failAll(const Error &error);
    void expireCalls();
    void armTimeout();

    QWebSocket *m_socket = nullptr;
    QByteArray m_pin;
    bool m_acceptAnyCertificate = false; // openForAttestation
    QByteArray m_peerSha256;
    QString m_tlsProblem;
    bool m_open = false;
    bool m_failed = false;
    std::chrono::milliseconds m_callTimeout = DefaultCallTimeout;
    qint64 m_nextId = 1;
    std::map<qint64, Pending> m_pending;
    // One timer for every pending call's deadline (a timer per call costs more
    // than a round trip).
    QTimer *m_timeoutTimer = nullptr;
    QElapsedTimer m_clock;
    QList<QByteArray> m_outbox; // frames of calls made before opened()
    QJsonObject m_hello;
    std::optional<crypto::Address> m_publisher;
    qint64 m_loginExpires = 0;
};

} // namespace berth::protocol
