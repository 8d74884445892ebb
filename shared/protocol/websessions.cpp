#include "protocol/websessions.h"

#include "protocol/serversocket.h"

#include <QWebSocket>
#include <QWebSocketServer>

#include <exception>

using namespace Qt::StringLiterals;

namespace berth::protocol {

WebSession::WebSession(quint64 sessionId, QWebSocket *webSocket, FrameScreen frameScreen)
    : id(sessionId)
    , socket(webSocket)
    , screen(std::move(frameScreen))
{}

WebSession::~WebSession() = default;

WebSessions::WebSessions(QObject *owner, const QLoggingCategory &(*category)(), QString label,
                         Hooks hooks)
    : m_owner(owner)
    , m_category(category)
    , m_label(std::move(label))
    , m_hooks(std::move(hooks))
{
    m_clock.start();
}

WebSessions::~WebSessions()
{
    for (auto &[id, session] : m_sessions) {
        session->sender.reset();
        session->socket->disconnect(m_owner);
        session->socket->abort();
        delete session->socket;
    }
}

WebSession &WebSessions::add(std::unique_ptr<WebSession> session)
{
    const quint64 id = session->id;
    QWebSocket *socket = session->socket;
    limitIncomingFrames(socket, session->screen.maxFrameBytes());
    session->sender = socketSender(socket);
    QObject::connect(socket, &QWebSocket::textMessageReceived, m_owner,
                     [this, id](const QString &text) { onText(id, text); });
    QObject::connect(socket, &QWebSocket::binaryMessageReceived, m_owner,
                     [this, id](const QByteArray &) {
                         WebSession *s = find(id);
                         if (!s || s->isClosing)
                             return;
                         if (m_hooks.frame)
                             m_hooks.frame(*s);
                         send(*s, FrameScreen::binaryFrameAnswer());
                     });
    // Queued: a socket may report its disconnection from inside close() or
    // abort() while a frame of the same session is being handled.
    QObject::connect(
        socket, &QWebSocket::disconnected, m_owner, [this, id] { forget(id); },
        Qt::QueuedConnection);
    return *m_sessions.emplace(id, std::move(session)).first->second;
}

WebSession *WebSessions::find(quint64 id) const
{
    const auto it = m_sessions.find(id);
    return it == m_sessions.end() ? nullptr : it->second.get();
}

void WebSessions::send(WebSession &session, const Response &response) const
{
    if (session.sender)
        (*session.sender)(encodeResponse(response));
}

bool WebSessions::notify(quint64 id, QLatin1StringView method, const QJsonObject &params,
                         qint64 maxPendingSendBytes) const
{
    WebSession *session = find(id);
    if (!session || session->isClosing || !session->sender)
        return false;
    if (session->socket->bytesToWrite() > maxPendingSendBytes) {
        qCDebug(m_category) << m_label << id << "is not reading: notification dropped";
        return false;
    }
    return (*session->sender)(encodeNotification(Notification{QString(method), params}));
}

void WebSessions::close(WebSession &session, QWebSocketProtocol::CloseCode code,
                        const QString &reason)
{
    if (session.isClosing)
        return;
    session.isClosing = true;
    session.closing();
    session.sender.reset();
    closeWithGrace(session.socket, code, reason);
}

void WebSessions::closeAll(QWebSocketProtocol::CloseCode code, const QString &reason)
{
    for (auto &[id, session] : m_sessions)
        close(*session, code, reason);
}

void WebSessions::forget(quint64 id)
{
    const auto it = m_sessions.find(id);
    if (it == m_sessions.end())
        return;
    std::unique_ptr<WebSession> session = std::move(it->second);
    m_sessions.erase(it);
    session->sender.reset();
    session->socket->disconnect(m_owner);
    session->socket->deleteLater();
    qCDebug(m_category) << m_label << id << "closed";
    if (m_hooks.gone)
        m_hooks.gone(*session);
}

void WebSessions::onText(quint64 id, const QString &text)
{
    WebSession *session = find(id);
    if (!session || session->isClosing)
        return;
    if (m_hooks.frame)
        m_hooks.frame(*session);
    FrameScreen::Verdict verdict = session->screen.screen(text, m_clock.elapsed());
    if (verdict.answer) {
        qCDebug(m_category).noquote() << m_label << id << "sent" << verdict.problem << "(answered)";
        send(*session, *verdict.answer);
    }
    if (verdict.close) {
        qCInfo(m_category).noquote() << m_label << id << "sent" << verdict.problem << ": closing";
        close(*session, QWebSocketProtocol::CloseCodeTooMuchData, u"frame too large"_s);
        return;
    }
    if (verdict.request)
        m_hooks.request(*session, *verdict.request);
}

Result<void> WebSessions::listen(QWebSocketServer *&server, const QHostAddress &address,
                                 quint16 port, const QString &what)
{
    if (server->listen(address, port))
        return {};
    const QString reason = server->errorString();
    delete server;
    server = nullptr;
    return Error(ErrorCode::Unavailable, u"%1 cannot listen on %2 port %3: %4"_s.arg(what)
                                             .arg(address.toString())
                                             .arg(port)
                                             .arg(reason));
}

QList<QWebSocket *> WebSessions::takePending(QWebSocketServer *server)
{
    QList<QWebSocket *> sockets;
    while (server && server->hasPendingConnections())
        if (QWebSocket *socket = server->nextPendingConnection())
            sockets.append(socket);
        else
            break;
    return sockets;
}

void WebSessions::invoke(const std::function<void()> &handler, const Reply &reply)
{
    try {
        handler();
    } catch (const std::exception &e) {
        reply(Error(ErrorCode::Internal, u"exception: "_s + QString::fromUtf8(e.what())));
    } catch (...) {
        reply(Error(ErrorCode::Internal, u"unknown exception"_s));
    }
}

} // namespace berth::protocol
