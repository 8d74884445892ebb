#pragma once

#include "admin/admintoken.h"
#include "core/result.h"
#include "protocol/reply.h"
#include "protocol/rpcmessage.h"
#include "protocol/websessions.h"

#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QLatin1StringView>
#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QWebSocket;
class QWebSocketServer;
QT_END_NAMESPACE

namespace berth::provider {

// berthd's admin API server (docs/provider.md, "Admin API"): JSON-RPC 2.0 over
// plain WebSocket on a loopback address, for the provider's operator (berthctl
// admin, the dashboard). A session is authenticated by the token of
// <dataDir>/admin.token, presented as "Authorization: Bearer TOKEN" on the
// handshake or with admin.login {"token"} as its first request; anything else
// before that is refused, a wrong token closes the connection and so does no
// login within the login timeout. A handshake carrying an Origin header (a
// browser page) is refused unless the origin is allowed. Frames are bounded in
// size and rate (protocol::FrameScreen), sessions in number.
class AdminServer : public QObject
{
    Q_OBJECT

public:
    struct Config
    {
        QHostAddress address = QHostAddress::LocalHost;
        quint16 port = 0;           // 0: any free port (see port())
        QStringList allowedOrigins; // e.g. "http://localhost:8080"; empty: no browser at all
        int maxSessions = 8;
        qsizetype maxFrameBytes = 1024 * 1024;
        double requestsPerSecond = 50;
        double requestBurst = 100;
        int loginTimeoutMs = 10000;
        // A session whose unsent output exceeds this gets no more notifications.
        qint64 maxPendingSendBytes = 16 * 1024 * 1024;
    };

    // Called for each request of an authenticated session; answer exactly once
    // through the Reply, now or later.
    using Handler =
        std::function<void(quint64 sessionId, const QJsonObject &params, protocol::Reply reply)>;

    AdminServer(Config config, admin::AdminToken token, QObject *parent = nullptr);
    ~AdminServer() override;

    // Unavailable when the address cannot be bound.
    Result<void> listen();
    quint16 port() const;
    void close();

    // admin.login is built in.
    void setHandler(QLatin1StringView method, Handler handler);
    // A notification to one session; false when it is gone or not reading.
    bool notify(quint64 sessionId, QLatin1StringView method, const QJsonObject &params);
    int sessionCount() const;

Q_SIGNALS:
    void sessionClosed(quint64 sessionId);

private:
    struct Session;

    void onNewConnection();
    void dispatch(Session &session, const protocol::Request &request);
    void login(Session &session, const QJsonObject &params, const protocol::Reply &reply);
    void closeSession(Session &session, const QString &reason);

    Config m_config;
    admin::AdminToken m_token;
    QWebSocketServer *m_server = nullptr;
    QHash<QString, Handler> m_handlers;
    std::unique_ptr<protocol::WebSessions> m_sessions;
};

} // namespace berth::provider
