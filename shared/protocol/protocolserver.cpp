#include "protocol/protocolserver.h"

#include "protocol/framescreen.h"
#include "protocol/methodnames.h"
#include "protocol/protocollogging.h"
#include "protocol/protocolversion.h"
#include "protocol/rpcerror.h"
#include "protocol/serversocket.h"
#include "protocol/sessionlogin.h"

#include <QDateTime>
#include <QJsonArray>
#include <QSslConfiguration>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <algorithm>
#include <exception>

using namespace Qt::StringLiterals;

namespace berth::protocol {

Q_LOGGING_CATEGORY(lcProtocol, "berth.protocol", QtInfoMsg)

namespace {

// How long a TLS + WebSocket handshake may take.
constexpr int HandshakeTimeoutMs = 10000;
// Nonces from session.hello a session may hold before login.
constexpr qsizetype NoncesPerSession = 4;

// The key the per-IP cap counts by: an IPv4 address (also when it arrives
// IPv4-mapped), or an IPv6 /64, which one host typically owns as a whole.
QHostAddress ipKey(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    if (isV4)
        return QHostAddress(v4);
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        Q_IPV6ADDR bytes = address.toIPv6Address();
        for (int i = 8; i < 16; ++i)
            bytes[i] = 0;
        return QHostAddress(bytes);
    }
    return address;
}

std::optional<QByteArray> hexParam(const QJsonObject &params, const QString &key, qsizetype bytes)
{
    const QJsonValue value = params.value(key);
    if (!value.isString())
        return std::nullopt;
    const QString text = value.toString();
    if (!text.startsWith(u"0x"_s) || text.size() != 2 + 2 * bytes)
        return std::nullopt;
    for (qsizetype i = 2; i < text.size(); ++i) {
        const char16_t c = text.at(i).unicode();
        if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F')))
            return std::nullopt;
    }
    return QByteArray::fromHex(text.sliced(2).toLatin1());
}

std::optional<qint64> integerParam(const QJsonObject &params, const QString &key)
{
    const QJsonValue value = params.value(key);
    if (!value.isDouble())
        return std::nullopt;
    const double d = value.toDouble();
    if (d < -double(RequestId::MaxInteger) || d > double(RequestId::MaxInteger) ||
        d != double(qint64(d)))
        return std::nullopt;
    return qint64(d);
}

Error invalidParams(const QString &message)
{
    return makeRpcError(RpcErrorCode::InvalidParams, message);
}

} // namespace

struct ProtocolServer::Session : WebSession
{
    Session(quint64 sessionId, QWebSocket *webSocket, const SessionLimits &limits)
        : WebSession(
              sessionId, webSocket,
              FrameScreen(limits.maxFrameBytes, limits.requestsPerSecond, limits.requestBurst))
    {}
    void closing() override { idleTimer.stop(); }

    QHostAddress peer;
    QHostAddress peerKey;
    std::optional<crypto::Address> publisher;
    qint64 loginExpires = 0;
    // Fires when the session may have gone idle; frames only move lastFrameMs
    // (restarting a timer per frame costs more than the frame).
    QTimer idleTimer;
    qint64 lastFrameMs = 0;
    QList<QByteArray> issuedNonces;
};

ProtocolServer::ProtocolServer(Config config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_nonces(m_config.limits.loginNonceSeconds)
{
    m_clock.start();
    m_stats->setKnown(m_knownMethods);
    WebSessions::Hooks hooks;
    hooks.frame = [this](WebSession &s) {
        static_cast<Session &>(s).lastFrameMs = m_clock.elapsed();
    };
    hooks.request = [this](WebSession &s, const Request &request) {
        dispatch(static_cast<Session &>(s), request);
    };
    hooks.gone = [this](WebSession &s) { forgetSession(static_cast<Session &>(s)); };
    m_sessions = std::make_unique<WebSessions>(this, &lcProtocol, u"session"_s, std::move(hooks));
}

// No sessionClosed from a destructor: WebSessions drops the sockets without hooks.
ProtocolServer::~ProtocolServer() = default;

Result<void> ProtocolServer::listen()
{
    if (m_server)
        return Error(ErrorCode::Conflict, u"the protocol server is already listening"_s);
    if (m_config.certificate.isNull() || m_config.key.isNull())
        return Error(ErrorCode::InvalidArgument,
                     u"the protocol server needs a TLS certificate and its private key"_s);

    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificate(m_config.certificate);
    tls.setPrivateKey(m_config.key);
    tls.setProtocol(QSsl::TlsV1_2OrLater);
    tls.setPeerVerifyMode(QSslSocket::VerifyNone); // publishers log in by signature

    m_server = new QWebSocketServer(u"berthd"_s, QWebSocketServer::SecureMode, this);
    m_server->setSslConfiguration(tls);
    m_server->setHandshakeTimeout(HandshakeTimeoutMs);
    connect(m_server, &QWebSocketServer::newConnection, this, &ProtocolServer::onNewConnection);
    connect(m_server, &QWebSocketServer::sslErrors, this, [](const QList<QSslError> &errors) {
        for (const QSslError &e : errors)
            qCDebug(lcProtocol) << "TLS error:" << e.errorString();
    });
    connect(m_server, &QWebSocketServer::alertReceived, this,
            [](QSsl::AlertLevel, QSsl::AlertType, const QString &description) {
                qCDebug(lcProtocol) << "TLS alert from a peer:" << description;
            });
    connect(m_server, &QWebSocketServer::serverError, this,
            [this](QWebSocketProtocol::CloseCode code) {
                qCDebug(lcProtocol) << "handshake failed:" << int(code) << m_server->errorString();
            });
    connect(m_server, &QWebSocketServer::acceptError, this, [this](QAbstractSocket::SocketError) {
        qCWarning(lcProtocol) << "accepting a connection failed:" << m_server->errorString();
    });

    if (auto listening = WebSessions::listen(m_server, m_config.address, m_config.port,
                                             u"the protocol server"_s);
        !listening)
        return listening;
    qCInfo(lcProtocol).noquote() << u"listening on wss://"_s + m_config.address.toString() + u':' +
                                        QString::number(m_server->serverPort());
    return {};
}

quint16 ProtocolServer::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

void ProtocolServer::close()
{
    if (m_server)
        m_server->close();
    m_sessions->closeAll(QWebSocketProtocol::CloseCodeGoingAway,
                         u"the provider is shutting down"_s);
}

void ProtocolServer::setHandler(QLatin1StringView method, Handler handler)
{
    if (method == method::SessionHello || method == method::SessionLogin) {
        qCWarning(lcProtocol) << "session.hello and session.login are built in; not replaced";
        return;
    }
    m_handlers.insert(QString(method), std::move(handler));
    if (!m_knownMethods.contains(QString(method)))
        m_knownMethods.append(QString(method));
    m_stats->setKnown(m_knownMethods);
}

bool ProtocolServer::notify(quint64 sessionId, QLatin1StringView method, const QJsonObject &params)
{
    return m_sessions->notify(sessionId, method, params, m_config.maxPendingSendBytes);
}

int ProtocolServer::sessionCount() const
{
    return m_sessions->size();
}

ProtocolServer::Session *ProtocolServer::find(quint64 sessionId)
{
    return m_sessions->find<Session>(sessionId);
}

qint64 ProtocolServer::nowUnix() const
{
    return QDateTime::currentSecsSinceEpoch();
}

void ProtocolServer::refuseConnection(QWebSocket *socket, const QString &reason)
{
    qCInfo(lcProtocol).noquote() << "refused a connection from" << socket->peerAddress().toString()
                                 << ':' << reason;
    refuseSocket(socket, reason);
}

void ProtocolServer::onNewConnection()
{
    for (QWebSocket *socket : WebSessions::takePending(m_server)) {
        const QHostAddress key = ipKey(socket->peerAddress());
        if (m_sessions->size() >= m_config.maxSessions) {
            refuseConnection(socket, u"too many connections: retry later"_s);
            continue;
        }
        if (m_unauthenticatedByIp.value(key) >= m_config.maxUnauthenticatedPerIp) {
            refuseConnection(socket, u"too many connections from your address: retry later"_s);
            continue;
        }

        const quint64 id = m_sessions->nextId();
        auto session = std::make_unique<Session>(id, socket, m_config.limits);
        session->peer = socket->peerAddress();
        session->peerKey = key;
        ++m_unauthenticatedByIp[key];

        const qint64 idleMs =
            qint64(std::clamp(m_config.limits.idleTimeoutSeconds, 1, 2'000'000)) * 1000;
        session->lastFrameMs = m_clock.elapsed();
        session->idleTimer.setSingleShot(true);
        connect(&session->idleTimer, &QTimer::timeout, this, [this, id, idleMs] {
            Session *s = find(id);
            if (!s || s->isClosing)
                return;
            const qint64 quietMs = m_clock.elapsed() - s->lastFrameMs;
            if (quietMs < idleMs) {
                s->idleTimer.start(int(idleMs - quietMs));
                return;
            }
            qCDebug(lcProtocol) << "session" << id << "idle: closing";
            m_sessions->close(*s, QWebSocketProtocol::CloseCodeNormal,
                              u"idle for %1 s"_s.arg(m_config.limits.idleTimeoutSeconds));
        });
        session->idleTimer.start(int(idleMs));

        qCDebug(lcProtocol).noquote()
            << "session" << id << "opened from" << session->peer.toString();
        m_sessions->add(std::move(session));
    }
}

void ProtocolServer::forgetSession(Session &session)
{
    if (session.publisher) {
        if (--m_sessionsByPublisher[*session.publisher] <= 0)
            m_sessionsByPublisher.remove(*session.publisher);
    } else if (--m_unauthenticatedByIp[session.peerKey] <= 0) {
        m_unauthenticatedByIp.remove(session.peerKey);
    }
    Q_EMIT sessionClosed(session.id);
}

void ProtocolServer::dispatch(Session &session, const Request &request)
{
    QElapsedTimer started;
    started.start();
    const Reply reply(request.id, request.method, session.sender,
                      [stats = m_stats, method = request.method, started](bool ok) {
                          stats->record(method, ok, double(started.nsecsElapsed()) / 1e9);
                      });
    if (request.method == method::SessionHello) {
        hello(session, request.params, reply);
        return;
    }
    if (request.method == method::SessionLogin) {
        login(session, request.params, reply);
        return;
    }
    const auto handler = m_handlers.constFind(request.method);
    if (handler == m_handlers.constEnd()) {
        reply(makeRpcError(RpcErrorCode::MethodNotFound,
                           u"this provider has no method \"%1\""_s.arg(request.method.left(64))));
        return;
    }
    if (!method::allowedBeforeLogin(request.method)) {
        if (!session.publisher) {
            reply(makeRpcError(RpcErrorCode::Unauthenticated,
                               u"log in first: call session.hello, then session.login"_s));
            return;
        }
        const qint64 now = nowUnix();
        if (now >= session.loginExpires) {
            reply(makeRpcError(RpcErrorCode::LoginExpired,
                               u"the session's login expired at %1 (now %2): log in again"_s
                                   .arg(session.loginExpires)
                                   .arg(now)));
            return;
        }
    }
    const CallContext context{session.id, session.publisher, session.peer, request.id};
    WebSessions::invoke([&] { (*handler)(context, request.params, reply); }, reply);
}

void ProtocolServer::hello(Session &session, const QJsonObject &params, const Reply &reply)
{
    if (params.contains(u"protocolVersion"_s)) {
        const std::optional<qint64> version = integerParam(params, u"protocolVersion"_s);
        if (!version) {
            reply(invalidParams(u"protocolVersion must be an integer"_s));
            return;
        }
        if (*version != ProtocolVersion) {
            reply(makeRpcError(
                RpcErrorCode::UnsupportedVersion,
                u"this provider speaks protocol version %1, not %2"_s.arg(ProtocolVersion)
                    .arg(*version),
                QJsonObject{{u"protocolVersion"_s, ProtocolVersion}}));
            return;
        }
    }
    const qint64 now = nowUnix();
    const QByteArray nonce = m_nonces.issue(now);
    session.issuedNonces.append(nonce);
    while (session.issuedNonces.size() > NoncesPerSession)
        session.issuedNonces.removeFirst();

    QJsonObject result = m_config.helloExtras;
    result.insert(u"protocolVersion"_s, ProtocolVersion);
    result.insert(u"provider"_s, m_config.provider.toChecksumString());
    result.insert(u"chainId"_s, qint64(m_config.chainId));
    result.insert(u"nonce"_s, QString(u"0x"_s + QString::fromLatin1(nonce.toHex())));
    result.insert(u"serverTime"_s, now);
    reply(QJsonValue(result));
}

void ProtocolServer::login(Session &session, const QJsonObject &params, const Reply &reply)
{
    const std::optional<QByteArray> nonce = hexParam(params, u"nonce"_s, NonceBook::NonceBytes);
    if (!nonce) {
        reply(invalidParams(u"nonce must be the 0x hex nonce from session.hello"_s));
        return;
    }
    const std::optional<qint64> expires = integerParam(params, u"expires"_s);
    if (!expires) {
        reply(invalidParams(u"expires must be an integer (unix seconds)"_s));
        return;
    }
    const std::optional<QByteArray> signature = hexParam(params, u"signature"_s, 65);
    if (!signature) {
        reply(invalidParams(u"signature must be 0x followed by 130 hex digits (r, s, v)"_s));
        return;
    }
    const Result<crypto::Address> claimed =
        crypto::Address::fromHex(params.value(u"publisher"_s).toString());
    if (!claimed) {
        reply(invalidParams(u"publisher must be the signer's 0x address"_s));
        return;
    }

    if (!session.issuedNonces.contains(*nonce)) {
        reply(makeRpcError(RpcErrorCode::NonceRejected,
                           u"this nonce was not handed out on this connection, or was used: "
                           u"call session.hello again"_s));
        return;
    }
    session.issuedNonces.removeAll(*nonce);
    const qint64 now = nowUnix();
    if (Result<void> fresh = m_nonces.consume(*nonce, now); !fresh) {
        reply(fresh.error());
        return;
    }
    const LoginChallenge challenge{m_config.provider, *nonce, *expires, m_config.chainId};
    const Result<crypto::Address> signer =
        verifyLogin(challenge, *signature, m_config.provider, now);
    if (!signer) {
        reply(signer.error());
        return;
    }
    if (signer.value() != claimed.value()) {
        reply(
            makeRpcError(RpcErrorCode::Unauthenticated,
                         u"the login is not signed by %1: sign it for this provider (%2), "
                         u"chain %3 and the nonce from session.hello"_s
                             .arg(claimed->toChecksumString(), m_config.provider.toChecksumString())
                             .arg(m_config.chainId)));
        return;
    }
    const crypto::Address publisher = signer.value();
    if (session.publisher != publisher &&
        m_sessionsByPublisher.value(publisher) >= m_config.limits.sessionsPerAddress) {
        reply(makeRpcError(
            RpcErrorCode::RateLimited,
            u"%1 already has %2 sessions with this provider: close one and retry"_s
                .arg(publisher.toChecksumString())
                .arg(m_config.limits.sessionsPerAddress),
            QJsonObject{{u"sessionsPerAddress"_s, m_config.limits.sessionsPerAddress}}));
        return;
    }
    setPublisher(session, publisher);
    session.loginExpires = *expires;
    qCInfo(lcProtocol).noquote() << "session" << session.id << "logged in as"
                                 << publisher.toChecksumString();
    reply(QJsonValue(QJsonObject{{u"publisher"_s, publisher.toChecksumString()},
                                 {u"expires"_s, *expires},
                                 {u"sessionId"_s, qint64(session.id)}}));
}

void ProtocolServer::setPublisher(Session &session, const crypto::Address &publisher)
{
    if (session.publisher == publisher)
        return;
    if (session.publisher) {
        if (--m_sessionsByPublisher[*session.publisher] <= 0)
            m_sessionsByPublisher.remove(*session.publisher);
    } else if (--m_unauthenticatedByIp[session.peerKey] <= 0) {
        m_unauthenticatedByIp.remove(session.peerKey);
    }
    ++m_sessionsByPublisher[publisher];
    session.publisher = publisher;
}

} // namespace berth::protocol
