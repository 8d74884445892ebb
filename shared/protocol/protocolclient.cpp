#include "protocol/protocolclient.h"

#include "core/hex.h"
#include "crypto/eip191.h"
#include "crypto/secretbytes.h"
#include "protocol/methodnames.h"
#include "protocol/protocollogging.h"
#include "protocol/protocolversion.h"
#include "protocol/rpcerror.h"
#include "protocol/sessionlogin.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QHostAddress>
#include <QNetworkRequest>
#include <QPointer>
#include <QSslConfiguration>
#include <QSslError>
#include <QTimer>
#include <QWebSocket>

#include <algorithm>
#include <limits>

using namespace Qt::StringLiterals;

namespace berth::protocol {

Q_LOGGING_CATEGORY(lcProtocolClient, "berth.protocol.client", QtInfoMsg)

namespace {

constexpr qsizetype PinBytes = 32;

QByteArray certificateSha256(const QSslCertificate &certificate)
{
    if (certificate.isNull())
        return {};
    return QCryptographicHash::hash(certificate.toDer(), QCryptographicHash::Sha256);
}

} // namespace

ProtocolClient::ProtocolClient(QObject *parent)
    : QObject(parent)
    , m_timeoutTimer(new QTimer(this))
{
    m_clock.start();
    m_timeoutTimer->setSingleShot(true);
    connect(m_timeoutTimer, &QTimer::timeout, this, &ProtocolClient::expireCalls);
}

ProtocolClient::~ProtocolClient()
{
    m_pending.clear(); // dropped, not called: the client is half gone
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        delete m_socket;
    }
}

void ProtocolClient::openForAttestation(const QUrl &wssUrl)
{
    open(wssUrl, {});
    m_acceptAnyCertificate = true;
}

void ProtocolClient::reset()
{
    close();
    m_acceptAnyCertificate = false;
    m_pin.clear();
    m_peerSha256.clear();
    m_tlsProblem.clear();
    m_open = false;
    m_failed = false;
    m_hello = {};
    m_publisher.reset();
    m_loginExpires = 0;
}

QWebSocket *ProtocolClient::makeSocket()
{
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_socket->setMaxAllowedIncomingFrameSize(quint64(MaxIncomingBytes));
    m_socket->setMaxAllowedIncomingMessageSize(quint64(MaxIncomingBytes));
    connect(m_socket, &QWebSocket::connected, this, &ProtocolClient::onConnected);
    connect(m_socket, &QWebSocket::disconnected, this, &ProtocolClient::onDisconnected);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &ProtocolClient::onText);
    return m_socket;
}

void ProtocolClient::openLocal(const QUrl &wsUrl, QByteArrayView bearerToken)
{
    reset();
    const QHostAddress host(wsUrl.host());
    if (wsUrl.scheme() != u"ws"_s || (!host.isLoopback() && wsUrl.host() != u"localhost"_s)) {
        fail(Error(
            ErrorCode::InvalidArgument,
            u"a plain ws:// connection must stay on this machine: use "
            u"ws://127.0.0.1:PORT or ws://[::1]:PORT (got %1)"_s.arg(wsUrl.toDisplayString())));
        return;
    }
    QNetworkRequest request(wsUrl);
    if (!bearerToken.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + bearerToken.toByteArray());
    makeSocket()->open(request);
}

void ProtocolClient::open(const QUrl &wssUrl, const QByteArray &pinnedCertSha256)
{
    reset();
    m_pin = pinnedCertSha256;

    if (!m_pin.isEmpty() && m_pin.size() != PinBytes) {
        fail(Error(
            ErrorCode::InvalidArgument,
            u"the pinned certificate hash must be 32 bytes (SHA-256), not %1"_s.arg(m_pin.size())));
        return;
    }
    if (wssUrl.scheme() != u"wss"_s) {
        fail(Error(
            ErrorCode::InvalidArgument,
            u"the provider's URL must start with wss:// (got %1)"_s.arg(wssUrl.toDisplayString())));
        return;
    }

    makeSocket();
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setProtocol(QSsl::TlsV1_2OrLater);
    if (!m_pin.isEmpty()) {
        // No trusted roots: every certificate, CA-signed or not, goes through
        // onSslErrors, where the pin alone decides, before anything is sent.
        tls.setCaCertificates({});
    }
    m_socket->setSslConfiguration(tls);

    connect(m_socket, &QWebSocket::sslErrors, this, &ProtocolClient::onSslErrors);
    m_socket->open(wssUrl);
}

void ProtocolClient::close()
{
    if (!m_socket)
        return;
    QWebSocket *socket = m_socket;
    const bool wasOpen = m_open;
    m_socket = nullptr;
    m_open = false;
    m_outbox.clear();
    socket->disconnect(this);
    if (socket->state() == QAbstractSocket::ConnectedState) {
        connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
        QTimer::singleShot(5000, socket, [socket] { socket->abort(); });
        socket->close();
    } else {
        socket->abort();
        socket->deleteLater();
    }
    failAll(Error(ErrorCode::Unavailable, u"the connection to the provider was closed"_s));
    if (wasOpen)
        Q_EMIT closed();
}

bool ProtocolClient::isOpen() const
{
    return m_open;
}

QByteArray ProtocolClient::peerCertificateSha256() const
{
    return m_peerSha256;
}

bool ProtocolClient::pinMatches()
{
    if (m_peerSha256.isEmpty() && m_socket)
        m_peerSha256 = certificateSha256(m_socket->sslConfiguration().peerCertificate());
    return !m_peerSha256.isEmpty() && crypto::constantTimeEquals(m_peerSha256, m_pin);
}

void ProtocolClient::onSslErrors(const QList<QSslError> &errors)
{
    if (!m_socket)
        return;
    m_peerSha256 = certificateSha256(m_socket->sslConfiguration().peerCertificate());
    if (m_peerSha256.isEmpty() && !errors.isEmpty())
        m_peerSha256 = certificateSha256(errors.first().certificate());
    if (m_acceptAnyCertificate) {
        // The attestation decides (openForAttestation); the hash is kept for it.
        m_socket->ignoreSslErrors();
        return;
    }
    if (m_pin.isEmpty()) {
        // System verification decides; remember why for failed().
        QStringList reasons;
        for (const QSslError &e : errors)
            reasons.append(e.errorString());
        m_tlsProblem = reasons.join(u"; "_s);
        return;
    }
    if (pinMatches()) {
        m_socket->ignoreSslErrors();
        return;
    }
    qCWarning(lcProtocolClient).noquote()
        << "the provider's certificate" << hexString(m_peerSha256) << "is not the pinned one";
    fail(Error(ErrorCode::AuthFailed,
               u"the provider's TLS certificate does not match the pinned hash (it shows %1, "
               u"the pin is %2): do not connect; check the provider's attestation"_s.arg(
                   hexString(m_peerSha256), hexString(m_pin))));
    close();
}

void ProtocolClient::onConnected()
{
    if (!m_socket)
        return;
    if (m_peerSha256.isEmpty())
        m_peerSha256 = certificateSha256(m_socket->sslConfiguration().peerCertificate());
    if (!m_pin.isEmpty() && !pinMatches()) { // not reachable with no trusted roots; kept as a guard
        fail(Error(ErrorCode::AuthFailed,
                   u"the provider's TLS certificate does not match the pinned hash"_s));
        close();
        return;
    }
    m_open = true;
    const QList<QByteArray> queued = std::exchange(m_outbox, {});
    for (const QByteArray &frame : queued)
        m_socket->sendTextMessage(QString::fromUtf8(frame));
    Q_EMIT opened();
}

void ProtocolClient::onDisconnected()
{
    if (!m_socket)
        return;
    QWebSocket *socket = std::exchange(m_socket, nullptr);
    const bool wasOpen = std::exchange(m_open, false);
    const int code = int(socket->closeCode());
    const QString reason = socket->closeReason();
    const QString why = socket->errorString();
    socket->disconnect(this);
    socket->deleteLater();
    m_outbox.clear();

    if (!wasOpen) {
        if (!m_tlsProblem.isEmpty())
            fail(Error(ErrorCode::AuthFailed,
                       u"the provider's TLS certificate is not trusted (%1): pin its SHA-256 "
                       u"from its attestation"_s.arg(m_tlsProblem)));
        else
            fail(Error(ErrorCode::Unavailable, u"cannot connect to the provider: %1"_s.arg(why)));
        failAll(Error(ErrorCode::Unavailable, u"not connected to the provider"_s));
        return;
    }
    if (code == QWebSocketProtocol::CloseCodeTooMuchData)
        failAll(makeRpcError(RpcErrorCode::TooLarge,
                             u"the provider closed the connection: a frame was too large"_s));
    else
        failAll(Error(ErrorCode::Unavailable,
                      u"the provider closed the connection (%1%2)"_s.arg(code).arg(
                          reason.isEmpty() ? QString() : u": "_s + reason)));
    Q_EMIT closed();
}

void ProtocolClient::fail(const Error &error)
{
    if (m_failed)
        return;
    m_failed = true;
    Q_EMIT failed(error);
}

void ProtocolClient::call(const QString &method, const QJsonObject &params,
                          std::function<void(Result<QJsonValue>)> done)
{
    const qint64 id = m_nextId++;
    if (!m_socket) {
        // Never call back from inside call(): the caller may not be ready.
        QTimer::singleShot(0, this, [done = std::move(done), method] {
            done(Error(ErrorCode::Unavailable,
                       u"not connected to a provider: cannot call %1"_s.arg(method)));
        });
        return;
    }
    m_pending.emplace(id,
                      Pending{method, std::move(done), m_clock.elapsed() + m_callTimeout.count()});
    const qint64 timeoutMs =
        std::min<qint64>(m_callTimeout.count(), std::numeric_limits<int>::max());
    if (!m_timeoutTimer->isActive() || m_timeoutTimer->remainingTime() > timeoutMs)
        m_timeoutTimer->start(int(timeoutMs));

    const QByteArray frame = encodeRequest(Request{RequestId(id), method, params});
    if (m_open)
        m_socket->sendTextMessage(QString::fromUtf8(frame));
    else
        m_outbox.append(frame);
}

void ProtocolClient::sendText(const QByteArray &frame)
{
    if (m_socket && m_open)
        m_socket->sendTextMessage(QString::fromUtf8(frame));
    else if (m_socket)
        m_outbox.append(frame);
}

void ProtocolClient::finish(qint64 id, Result<QJsonValue> result)
{
    const auto it = m_pending.find(id);
    if (it == m_pending.end())
        return;
    std::function<void(Result<QJsonValue>)> done = std::move(it->second.done);
    m_pending.erase(it);
    if (done)
        done(std::move(result));
}

void ProtocolClient::armTimeout()
{
    if (m_pending.empty())
        return;
    qint64 earliest = std::numeric_limits<qint64>::max();
    for (const auto &[id, call] : m_pending)
        earliest = std::min(earliest, call.deadlineMs);
    const qint64 waitMs = std::max<qint64>(0, earliest - m_clock.elapsed());
    m_timeoutTimer->start(int(std::min<qint64>(waitMs, std::numeric_limits<int>::max())));
}

void ProtocolClient::expireCalls()
{
    const qint64 now = m_clock.elapsed();
    QList<qint64> expired;
    for (const auto &[id, call] : m_pending)
        if (call.deadlineMs <= now)
            expired.append(id);
    QPointer<ProtocolClient> self(this);
    for (const qint64 id : expired) {
        const auto it = m_pending.find(id);
        if (it == m_pending.end())
            continue;
        const QString method = it->second.method;
        finish(id, Error(ErrorCode::Timeout,
                         u"the provider did not answer %1 in time; it may still act on it"_s.arg(
                             method)));
        if (!self)
            return;
    }
    armTimeout();
}

void ProtocolClient::failAll(const Error &error)
{
    std::map<qint64, Pending> pending = std::exchange(m_pending, {});
    QPointer<ProtocolClient> self(this);
    for (auto &[id, call] : pending) {
        if (call.done)
            call.done(error);
        if (!self)
            return;
    }
}

void ProtocolClient::onText(const QString &text)
{
    const QByteArray frame = text.toUtf8();
    Q_EMIT frameReceived(frame);
    Result<Incoming> incoming = decodeFrame(frame, MaxIncomingBytes);
    if (!incoming) {
        qCWarning(lcProtocolClient).noquote()
            << "the provider sent a malformed frame:" << incoming.error().message;
        return;
    }
    if (const auto *response = std::get_if<Response>(&incoming.value())) {
        if (!response->id.isInteger()) {
            if (response->error)
                qCDebug(lcProtocolClient).noquote()
                    << "the provider reported:" << response->error->message;
            return;
        }
        if (response->error)
            finish(response->id.toInteger(), fromRpcError(*response->error));
        else
            finish(response->id.toInteger(), response->result);
        return;
    }
    if (const auto *note = std::get_if<Notification>(&incoming.value()))
        Q_EMIT notification(*note);
    // Requests from a provider are not part of the protocol: ignored.
}

void ProtocolClient::login(const crypto::PrivateKey &key, qint64 lifetimeSeconds,
                           std::function<void(Result<QJsonObject>)> done)
{
    QPointer<ProtocolClient> self(this);
    call(method::SessionHello, QJsonObject{{u"protocolVersion"_s, ProtocolVersion}},
         [self, key, lifetimeSeconds, done = std::move(done)](Result<QJsonValue> helloReply) {
             if (!self)
                 return;
             if (!helloReply) {
                 done(helloReply.error());
                 return;
             }
             const QJsonObject hello = helloReply->toObject();
             const Result<crypto::Address> provider =
                 crypto::Address::fromHex(hello.value(u"provider"_s).toString());
             const QJsonValue chainValue = hello.value(u"chainId"_s);
             const QString nonceText = hello.value(u"nonce"_s).toString();
             const QByteArray nonce = QByteArray::fromHex(
                 nonceText.sliced(std::min<qsizetype>(2, nonceText.size())).toLatin1());
             if (!provider || !chainValue.isDouble() || chainValue.toDouble() < 0 ||
                 !nonceText.startsWith(u"0x"_s) || nonce.size() != 16) {
                 done(Error(ErrorCode::BadResponse,
                            u"the provider's session.hello answer is malformed"_s));
                 return;
             }
             self->m_hello = hello;
             LoginChallenge challenge;
             challenge.provider = provider.value();
             challenge.nonce = nonce;
             challenge.expires = QDateTime::currentSecsSinceEpoch() + lifetimeSeconds;
             challenge.chainId = quint64(chainValue.toInteger());
             const QByteArray signature =
                 crypto::signPersonalMessage(key, loginMessage(challenge)).toRsv();
             const crypto::Address publisher = key.address();
             self->call(method::SessionLogin,
                        QJsonObject{{u"nonce"_s, nonceText},
                                    {u"expires"_s, challenge.expires},
                                    {u"signature"_s, hexString(signature)},
                                    {u"publisher"_s, publisher.toChecksumString()}},
                        [self, publisher, hello, done](Result<QJsonValue> loginReply) {
                            if (!self)
                                return;
                            if (!loginReply) {
                                done(loginReply.error());
                                return;
                            }
                            const QJsonObject result = loginReply->toObject();
                            const Result<crypto::Address> bound =
                                crypto::Address::fromHex(result.value(u"publisher"_s).toString());
                            if (!bound || bound.value() != publisher) {
                                done(Error(ErrorCode::BadResponse,
                                           u"the provider bound the session to another address"_s));
                                return;
                            }
                            self->m_publisher = publisher;
                            self->m_loginExpires = result.value(u"expires"_s).toInteger();
                            done(hello);
                        });
         });
}

} // namespace berth::protocol
