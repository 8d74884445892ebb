#pragma once

#include "core/result.h"
#include "crypto/address.h"
#include "protocol/callcontext.h"
#include "protocol/methodnames.h"
#include "protocol/noncebook.h"
#include "protocol/protocolstats.h"
#include "protocol/reply.h"
#include "protocol/rpcmessage.h"
#include "protocol/sessionlimits.h"
#include "protocol/websessions.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QLatin1StringView>
#include <QObject>
#include <QSslCertificate>
#include <QSslKey>

#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QWebSocket;
class QWebSocketServer;
QT_END_NAMESPACE

namespace berth::protocol {

// The provider's side of the publisher ↔ provider protocol (docs/protocol.md):
// JSON-RPC 2.0 over wss:// with the session login built in. berthd registers a
// Handler per method; the server does the rest: TLS, framing, the login and its
// expiry, who may call what, and the bounds (frame size, rate, idle time,
// sessions per address and per remote IP).
class ProtocolServer : public QObject
{
    Q_OBJECT

public:
    struct Config
    {
        QHostAddress address = QHostAddress::LocalHost;
        quint16 port = 0; // 0: any free port (see port())
        SessionLimits limits;
        QSslCertificate certificate; // may be self-signed: publishers pin it
        QSslKey key;
        crypto::Address provider; // the address logins are bound to
        quint64 chainId = 0;
        QJsonObject helloExtras;          // merged into session.hello's result
        int maxUnauthenticatedPerIp = 16; // connections not (yet) logged in, per remote IP
        int maxSessions = 1024;           // connections in total
        // A session whose unsent output exceeds this gets no more notifications
        // (notify() returns false): a reader that stalls cannot grow memory.
        qint64 maxPendingSendBytes = 16 * 1024 * 1024;
    };

    // Called on the server's thread for each request of a method set with
    // setHandler. Answer exactly once through the Reply, now or later.
    using Handler = std::function<void(const CallContext &, const QJsonObject &params, Reply)>;

    explicit ProtocolServer(Config config, QObject *parent = nullptr);
    ~ProtocolServer() override;

    // Starts listening. Errors: InvalidArgument without a certificate and key,
    // Unavailable when the address cannot be bound.
    Result<void> listen();
    quint16 port() const;
    // Stops listening and closes every session.
    void close();

    // session.hello and session.login are built in and cannot be replaced. A
    // method not listed by method::allowedBeforeLogin is refused before login.
    void setHandler(QLatin1StringView method, Handler handler);

    // Sends a notification to one session. False when the session is gone or
    // its peer is not reading (more than maxPendingSendBytes unsent).
    bool notify(quint64 sessionId, QLatin1StringView method, const QJsonObject &params);

    int sessionCount() const;
    // Requests and latencies by method since the server was made.
    const ProtocolStats &stats() const { return *m_stats; }
    const Config &config() const { return m_config; }

Q_SIGNALS:
    void sessionClosed(quint64 sessionId);

private:
    struct Session;

    void onNewConnection();
    void refuseConnection(QWebSocket *socket, const QString &reason);
    void dispatch(Session &session, const Request &request);
    void hello(Session &session, const QJsonObject &params, const Reply &reply);
    void login(Session &session, const QJsonObject &params, const Reply &reply);
    void forgetSession(Session &session);
    void setPublisher(Session &session, const crypto::Address &publisher);
    Session *find(quint64 sessionId);
    qint64 nowUnix() const;

    Config m_config;
    QWebSocketServer *m_server = nullptr;
    NonceBook m_nonces;
    QElapsedTimer m_clock; // rate limiter time
    QHash<QString, Handler> m_handlers;
    std::unique_ptr<WebSessions> m_sessions;
    QHash<QHostAddress, int> m_unauthenticatedByIp;
    QHash<crypto::Address, int> m_sessionsByPublisher;
    // Shared with the replies in flight, which record into it when answered.
    std::shared_ptr<ProtocolStats> m_stats = std::make_shared<ProtocolStats>();
    QList<QString> m_knownMethods{QString(method::SessionHello), QString(method::SessionLogin)};
};

} // namespace berth::protocol
