#include "provider/adminserver.h"

#include "admin/adminmethods.h"
#include "protocol/framescreen.h"
#include "protocol/rpcerror.h"
#include "protocol/serversocket.h"

#include <QLoggingCategory>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketCorsAuthenticator>
#include <QWebSocketServer>

#include <exception>

using namespace Qt::StringLiterals;

namespace berth::provider {

Q_LOGGING_CATEGORY(lcAdmin, "berth.daemon.admin", QtInfoMsg)

namespace {

using protocol::makeRpcError;
using protocol::RpcErrorCode;

Error wrongToken()
{
    return Error(ErrorCode::AuthFailed,
                 u"wrong admin token: use the one in berthd's admin.token file"_s);
}

} // namespace

struct AdminServer::Session
{
    Session(quint64 sessionId, QWebSocket *webSocket, const Config &config)
        : id(sessionId)
        , socket(webSocket)
        , screen(config.maxFrameBytes, config.requestsPerSecond, config.requestBurst)
    {}

    quint64 id;
    QWebSocket *socket;
    protocol::FrameScreen screen;
    std::shared_ptr<protocol::Reply::Sender> sender;
    QTimer loginTimer;
    bool authenticated = false;
    bool closing = false;
};

AdminServer::AdminServer(Config config, admin::AdminToken token, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_token(std::move(token))
{
    m_clock.start();
}

AdminServer::~AdminServer()
{
    for (auto &[id, session] : m_sessions) {
        session->sender.reset();
        session->socket->disconnect(this);
        session->socket->abort();
        delete session->socket;
    }
    m_sessions.clear();
}

Result<void> AdminServer::listen()
{
    if (m_server)
        return Error(ErrorCode::Conflict, u"the admin server is already listening"_s);
    m_server = new QWebSocketServer(u"berthd-admin"_s, QWebSocketServer::NonSecureMode, this);
    m_server->setHandshakeTimeout(m_config.loginTimeoutMs);
    // A page in a browser always sends its Origin; berthctl and the dashboard
    // send none. Refused here, the handshake fails with 403.
    connect(
        m_server, &QWebSocketServer::originAuthenticationRequired, this,
        [this](QWebSocketCorsAuthenticator *authenticator) {
            const QString origin = authenticator->origin();
            const bool allowed = origin.isEmpty() || m_config.allowedOrigins.contains(origin);
            if (!allowed)
                qCInfo(lcAdmin).noquote() << "refused a handshake from origin" << origin.left(100)
                                          << "(not in admin.allowedOrigins)";
            authenticator->setAllowed(allowed);
        },
        Qt::DirectConnection);
    connect(m_server, &QWebSocketServer::newConnection, this, &AdminServer::onNewConnection);
    if (!m_server->listen(m_config.address, m_config.port)) {
        const QString reason = m_server->errorString();
        delete m_server;
        m_server = nullptr;
        return Error(ErrorCode::Unavailable,
                     u"the admin API cannot listen on %1 port %2: %3 (set admin.listen.port)"_s
                         .arg(m_config.address.toString())
                         .arg(m_config.port)
                         .arg(reason));
    }
    return {};
}

quint16 AdminServer::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

void AdminServer::close()
{
    if (m_server)
        m_server->close();
    for (auto &[id, session] : m_sessions)
        closeSession(*session, u"berthd is shutting down"_s);
}

void AdminServer::setHandler(QLatin1StringView method, Handler handler)
{
    if (method == admin::method::Login)
        return;
    m_handlers.insert(QString(method), std::move(handler));
}

bool AdminServer::notify(quint64 sessionId, QLatin1StringView method, const QJsonObject &params)
{
    Session *session = find(sessionId);
    if (!session || session->closing || !session->sender || !session->authenticated)
        return false;
    if (session->socket->bytesToWrite() > m_config.maxPendingSendBytes)
        return false;
    return (*session->sender)(
        protocol::encodeNotification(protocol::Notification{QString(method), params}));
}

AdminServer::Session *AdminServer::find(quint64 sessionId)
{
    const auto it = m_sessions.find(sessionId);
    return it == m_sessions.end() ? nullptr : it->second.get();
}

void AdminServer::onNewConnection()
{
    while (m_server && m_server->hasPendingConnections()) {
        QWebSocket *socket = m_server->nextPendingConnection();
        if (!socket)
            break;
        if (int(m_sessions.size()) >= m_config.maxSessions) {
            qCInfo(lcAdmin) << "refused an admin connection: already" << m_sessions.size()
                            << "sessions";
            protocol::refuseSocket(socket, u"too many admin sessions: close one and retry"_s);
            continue;
        }
        const quint64 id = m_nextSessionId++;
        auto session = std::make_unique<Session>(id, socket, m_config);
        protocol::limitIncomingFrames(socket, m_config.maxFrameBytes);
        session->sender = protocol::socketSender(socket);

        connect(socket, &QWebSocket::textMessageReceived, this, [this, id](const QString &text) {
            if (Session *s = find(id))
                onTextMessage(*s, text);
        });
        connect(socket, &QWebSocket::binaryMessageReceived, this, [this, id](const QByteArray &) {
            Session *s = find(id);
            if (s && !s->closing && s->sender)
                (*s->sender)(protocol::encodeResponse(protocol::FrameScreen::binaryFrameAnswer()));
        });
        connect(
            socket, &QWebSocket::disconnected, this, [this, id] { forgetSession(id); },
            Qt::QueuedConnection);
        Session &s = *session;
        m_sessions.emplace(id, std::move(session));

        const QByteArray authorization = socket->request().rawHeader("Authorization");
        if (!authorization.isEmpty()) {
            const QByteArray prefix = "Bearer ";
            if (!authorization.startsWith(prefix) ||
                !m_token.matches(QByteArrayView(authorization).sliced(prefix.size()))) {
                qCInfo(lcAdmin) << "admin session" << id << "refused: wrong bearer token";
                protocol::Reply(protocol::RequestId(), QString(admin::method::Login),
                                s.sender)(wrongToken());
                closeSession(s, u"wrong admin token"_s);
                continue;
            }
            s.authenticated = true;
            qCInfo(lcAdmin) << "admin session" << id << "opened (bearer token)";
            continue;
        }
        s.loginTimer.setSingleShot(true);
        connect(&s.loginTimer, &QTimer::timeout, this, [this, id] {
            Session *late = find(id);
            if (!late || late->authenticated)
                return;
            qCInfo(lcAdmin) << "admin session" << id << "did not log in: closing";
            closeSession(*late, u"no admin.login in time"_s);
        });
        s.loginTimer.start(m_config.loginTimeoutMs);
        qCDebug(lcAdmin) << "admin session" << id << "opened; waiting for admin.login";
    }
}

void AdminServer::closeSession(Session &session, const QString &reason)
{
    if (session.closing)
        return;
    session.closing = true;
    session.loginTimer.stop();
    session.sender.reset();
    protocol::closeWithGrace(session.socket, QWebSocketProtocol::CloseCodePolicyViolated, reason);
}

void AdminServer::forgetSession(quint64 sessionId)
{
    const auto it = m_sessions.find(sessionId);
    if (it == m_sessions.end())
        return;
    std::unique_ptr<Session> session = std::move(it->second);
    m_sessions.erase(it);
    session->sender.reset();
    session->socket->disconnect(this);
    session->socket->deleteLater();
    qCDebug(lcAdmin) << "admin session" << sessionId << "closed";
    Q_EMIT sessionClosed(sessionId);
}

void AdminServer::onTextMessage(Session &session, const QString &text)
{
    if (session.closing)
        return;
    protocol::FrameScreen::Verdict verdict = session.screen.screen(text, m_clock.elapsed());
    if (verdict.answer && session.sender)
        (*session.sender)(protocol::encodeResponse(*verdict.answer));
    if (verdict.close) {
        qCInfo(lcAdmin).noquote() << "admin session" << session.id << "sent" << verdict.problem
                                  << ": closing";
        closeSession(session, u"frame too large"_s);
        return;
    }
    if (verdict.request)
        dispatch(session, *verdict.request);
}

void AdminServer::dispatch(Session &session, const protocol::Request &request)
{
    const protocol::Reply reply(request.id, request.method, session.sender);
    if (request.method == admin::method::Login) {
        login(session, request.params, reply);
        return;
    }
    if (!session.authenticated) {
        reply(makeRpcError(RpcErrorCode::Unauthenticated,
                           u"log in first: call admin.login with the token from berthd's "
                           u"admin.token file"_s));
        return;
    }
    const auto handler = m_handlers.constFind(request.method);
    if (handler == m_handlers.constEnd()) {
        reply(makeRpcError(RpcErrorCode::MethodNotFound,
                           u"the admin API has no method \"%1\""_s.arg(request.method.left(64))));
        return;
    }
    try {
        (*handler)(session.id, request.params, reply);
    } catch (const std::exception &e) {
        reply(Error(ErrorCode::Internal, u"exception: "_s + QString::fromUtf8(e.what())));
    } catch (...) {
        reply(Error(ErrorCode::Internal, u"unknown exception"_s));
    }
}

void AdminServer::login(Session &session, const QJsonObject &params, const protocol::Reply &reply)
{
    const QJsonValue token = params.value(u"token"_s);
    if (!token.isString()) {
        reply(makeRpcError(RpcErrorCode::InvalidParams,
                           u"params.token is required: the 64 hex digits of berthd's "
                           u"admin.token file"_s));
        return;
    }
    const QByteArray presented = token.toString().toUtf8();
    if (!m_token.matches(presented)) {
        qCInfo(lcAdmin) << "admin session" << session.id << "sent a wrong token: closing";
        reply(wrongToken());
        closeSession(session, u"wrong admin token"_s);
        return;
    }
    session.authenticated = true;
    session.loginTimer.stop();
    qCInfo(lcAdmin) << "admin session" << session.id << "logged in";
    reply(QJsonValue(QJsonObject{{u"sessionId"_s, qint64(session.id)}}));
}

} // namespace berth::provider
