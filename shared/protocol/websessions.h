#pragma once

#include "core/result.h"
#include "protocol/framescreen.h"
#include "protocol/reply.h"
#include "protocol/rpcmessage.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonObject>
#include <QLatin1StringView>
#include <QLoggingCategory>
#include <QWebSocketProtocol>

#include <functional>
#include <map>
#include <memory>

QT_BEGIN_NAMESPACE
class QObject;
class QWebSocket;
class QWebSocketServer;
QT_END_NAMESPACE

namespace berth::protocol {

// One accepted connection of a Berth JSON-RPC server. A server derives its own
// session from it for what it keeps per connection (a login, timers).
struct WebSession
{
    WebSession(quint64 sessionId, QWebSocket *webSocket, FrameScreen frameScreen);
    virtual ~WebSession();
    WebSession(const WebSession &) = delete;
    WebSession &operator=(const WebSession &) = delete;

    // Called once when the server starts closing the connection (stop timers here).
    virtual void closing() {}

    quint64 id;
    QWebSocket *socket;
    FrameScreen screen; // size, rate and decoding of each frame
    // Replies send through this; reset when the session closes, so a late Reply
    // finds it gone and does nothing.
    std::shared_ptr<Reply::Sender> sender;
    bool isClosing = false;
};

// The connections of one JSON-RPC-over-WebSocket server (ProtocolServer for
// publishers, berthd's admin server): each socket's frame limits and sender,
// its text frames screened (FrameScreen: an oversize frame is answered and the
// connection closed) and handed on as requests, binary frames refused,
// notifications bounded by what the peer has not read, closing with a grace
// period, and the session forgotten once its socket is disconnected. Hooks run
// on the owner's thread.
class WebSessions
{
public:
    struct Hooks
    {
        std::function<void(WebSession &)> frame; // any frame arrived (optional)
        std::function<void(WebSession &, const Request &)> request;
        std::function<void(WebSession &)> gone; // disconnected; deleted after this returns
    };

    // `label` names a session in the log ("session", "admin session").
    WebSessions(QObject *owner, const QLoggingCategory &(*category)(), QString label, Hooks hooks);
    // Drops every socket without calling any hook.
    ~WebSessions();
    WebSessions(const WebSessions &) = delete;
    WebSessions &operator=(const WebSessions &) = delete;

    quint64 nextId() { return m_nextId++; }
    // Takes the session's socket: limits its frames, makes its sender, wires
    // its signals.
    WebSession &add(std::unique_ptr<WebSession> session);
    WebSession *find(quint64 id) const;
    template<typename S> S *find(quint64 id) const { return static_cast<S *>(find(id)); }
    int size() const { return int(m_sessions.size()); }

    void send(WebSession &session, const Response &response) const;
    // False when the session is gone, closing, or its peer has more than
    // maxPendingSendBytes unread.
    bool notify(quint64 id, QLatin1StringView method, const QJsonObject &params,
                qint64 maxPendingSendBytes) const;
    void close(WebSession &session, QWebSocketProtocol::CloseCode code, const QString &reason);
    void closeAll(QWebSocketProtocol::CloseCode code, const QString &reason);

    // The server's own parts: listening (Unavailable with the reason when the
    // address cannot be bound; the server is deleted then) and the next pending
    // connections.
    static Result<void> listen(QWebSocketServer *&server, const QHostAddress &address, quint16 port,
                               const QString &what);
    static QList<QWebSocket *> takePending(QWebSocketServer *server);
    // Runs a request's handler: an exception becomes an Internal error answer.
    static void invoke(const std::function<void()> &handler, const Reply &reply);

private:
    void onText(quint64 id, const QString &text);
    void forget(quint64 id);

    QObject *m_owner;
    const QLoggingCategory &(*m_category)();
    QString m_label;
    Hooks m_hooks;
    QElapsedTimer m_clock; // the rate limiters' time
    std::map<quint64, std::unique_ptr<WebSession>> m_sessions;
    quint64 m_nextId = 1;
};

} // namespace berth::protocol
