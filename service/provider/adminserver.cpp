#include "provider/adminserver.h"

#include "admin/adminmethods.h"
#include "protocol/rpcerror.h"
#include "protocol/serversocket.h"

#include <QLoggingCategory>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketCorsAuthenticator>
#include <QWebSocketServer>

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

struct AdminServer::Session : protocol::WebSession
{
    Session(quint64 sessionId, QWebSocket *webSocket, const Config &config)
        : WebSession(sessionId, webSocket,
                     protocol::FrameScreen(config.maxFrameBytes, config.requestsPerSecond,
                                           config.requestBurst))
    {}
    void closing() override { loginTimer.stop(); }

    QTimer loginTimer;
    bool authenticated = false;
};

AdminServer::AdminServer(Config config, admin::AdminToken token, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_token(std::move(token))
{
    protocol::WebSessions::Hooks hooks;
    hooks.request = [this](protocol::WebSession &s, const protocol::Request &request) {
        dispatch(static_cast<Session &>(s), request);
    };
    hooks.gone = [this](protocol::WebSession &s) { Q_EMIT sessionClosed(s.id); };
    m_sessions = std::make_unique<protocol::WebSessions>(this, &lcAdmin, u"admin session"_s,
                                                         std::move(hooks));
}

// No sessionClosed from a destructor: WebSessions drops the sockets without hooks.
AdminServer::~AdminServer() = default;

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
    return protocol::WebSessions::listen(m_server, m_config.address, m_config.port,
                                         u"the admin API (admin.listen)"_s);
}

quint16 AdminServer::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

void AdminServer::close()
{
    if (m_server)
        m_server->close();
    m_sessions->closeAll(QWebSocketProtocol::CloseCodeGoingAway, u"berthd is shutting down"_s);
}

void AdminServer::setHandler(QLatin1StringView method, Handler handler)
{
    if (method == admin::method::Login)
        return;
    m_handlers.insert(QString(method), std::move(handler));
}

bool AdminServer::notify(quint64 sessionId, QLatin1StringView method, const QJsonObject &params)
{
    const Session *session = m_sessions->find<Session>(sessionId);
    return session && session->authenticated &&
           m_sessions->notify(sessionId, method, params, m_config.maxPendingSendBytes);
}

int AdminServer::sessionCount() const
{
    return m_sessions->size();
}

void AdminServer::onNewConnection()
{
    for (QWebSocket *socket : protocol::WebSessions::takePending(m_server)) {
        if (m_sessions->size() >= m_config.maxSessions) {
            qCInfo(lcAdmin) << "refused an admin connection: already" << m_sessions->size()
                            << "sessions";
            protocol::refuseSocket(socket, u"too many admin sessions: close one and retry"_s);
            continue;
        }
        const quint64 id = m_sessions->nextId();
        auto &s = static_cast<Session &>(
            m_sessions->add(std::make_unique<Session>(id, socket, m_config)));

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
            Session *late = m_sessions->find<Session>(id);
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
    m_sessions->close(session, QWebSocketProtocol::CloseCodePolicyViolated, reason);
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
    protocol::WebSessions::invoke([&] { (*handler)(session.id, request.params, reply); }, reply);
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
    if (!m_token.matches(token.toString().toUtf8())) {
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
