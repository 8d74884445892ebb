// The wss:// protocol server and client over real TLS on 127.0.0.1: the login
// and its refusals, who may call what, the bounds (frame size, rate, sessions,
// idle time) and certificate pinning, as a publisher sees them on the wire.
#include "crypto/eip191.h"
#include "crypto/privatekey.h"
#include "devkeys.h"
#include "protocol/methodnames.h"
#include "protocol/protocolclient.h"
#include "protocol/protocolserver.h"
#include "protocol/protocolversion.h"
#include "protocol/rpcerror.h"
#include "protocol/sessionlogin.h"
#include "provider/provideridentity.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslKey>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::protocol;
using berth::provider::ProviderIdentity;

namespace {

constexpr quint64 kChainId = 31337;

crypto::PrivateKey devKey(const QString &hex)
{
    return crypto::PrivateKey::fromHex(hex).value();
}

crypto::Address devAddress(const QString &hex)
{
    return crypto::Address::fromHex(hex).value();
}

// Waits for a call's answer (nested event loop: tests only).
std::optional<Result<QJsonValue>> callAndWait(ProtocolClient &client, const QString &method,
                                              const QJsonObject &params = {}, int timeoutMs = 5000)
{
    std::optional<Result<QJsonValue>> answer;
    QEventLoop loop;
    client.call(method, params, [&](Result<QJsonValue> result) {
        answer = std::move(result);
        loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    if (!answer)
        loop.exec();
    return answer;
}

std::optional<Result<QJsonObject>>
loginAndWait(ProtocolClient &client, const crypto::PrivateKey &key, qint64 lifetimeSeconds = 600)
{
    std::optional<Result<QJsonObject>> answer;
    QEventLoop loop;
    client.login(key, lifetimeSeconds, [&](Result<QJsonObject> result) {
        answer = std::move(result);
        loop.quit();
    });
    QTimer::singleShot(5000, &loop, &QEventLoop::quit);
    if (!answer)
        loop.exec();
    return answer;
}

RpcErrorCode codeOf(const std::optional<Result<QJsonValue>> &answer)
{
    if (!answer || answer->ok())
        return RpcErrorCode(0);
    return toRpcError(answer->error()).code;
}

// session.login params signed by key for the given provider/chain and nonce.
QJsonObject loginParams(const crypto::PrivateKey &key, const QString &nonceHex, qint64 expires,
                        const crypto::Address &provider, quint64 chainId)
{
    LoginChallenge challenge;
    challenge.provider = provider;
    challenge.nonce = QByteArray::fromHex(nonceHex.sliced(2).toLatin1());
    challenge.expires = expires;
    challenge.chainId = chainId;
    const QByteArray signature = crypto::signPersonalMessage(key, loginMessage(challenge)).toRsv();
    return QJsonObject{{u"nonce"_s, nonceHex},
                       {u"expires"_s, expires},
                       {u"signature"_s, QString(u"0x"_s + QString::fromLatin1(signature.toHex()))},
                       {u"publisher"_s, key.address().toChecksumString()}};
}

QJsonObject frameJson(const QByteArray &frame)
{
    return QJsonDocument::fromJson(frame).object();
}

} // namespace

class TestProtocolServer : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dataDir;
    QTemporaryDir m_otherDataDir;
    std::optional<ProviderIdentity> m_identity;
    std::optional<ProviderIdentity> m_otherIdentity;
    std::unique_ptr<ProtocolServer> m_server;
    int m_statusCalls = 0;
    std::optional<CallContext> m_lastContext;
    Reply m_keptReply;

    ProtocolServer::Config config(const SessionLimits &limits = SessionLimits()) const
    {
        ProtocolServer::Config c;
        c.limits = limits;
        c.certificate = QSslCertificate(m_identity->certificatePem(), QSsl::Pem);
        c.key = QSslKey(m_identity->privateKeyPem(), QSsl::Ec, QSsl::Pem);
        c.provider = devAddress(kAnvilAddress1);
        c.chainId = kChainId;
        c.helloExtras = QJsonObject{{u"escrow"_s, u"0x5FbDB2315678afecb367f032d93F642f64180aa3"_s},
                                    {u"chainId"_s, 1}}; // a built-in field wins
        return c;
    }

    void startServer(const ProtocolServer::Config &c)
    {
        m_server = std::make_unique<ProtocolServer>(c);
        m_server->setHandler(method::PodStatus, [this](const CallContext &context,
                                                       const QJsonObject &params, Reply reply) {
            ++m_statusCalls;
            m_lastContext = context;
            reply(QJsonValue(QJsonObject{{u"deployment"_s, params.value(u"deployment"_s)},
                                         {u"state"_s, u"running"_s}}));
        });
        m_server->setHandler(method::ProviderCapacity,
                             [](const CallContext &, const QJsonObject &, Reply reply) {
                                 reply(QJsonValue(QJsonObject{{u"cpuMillis"_s, 4000}}));
                             });
        const Result<void> listening = m_server->listen();
        QVERIFY2(listening.ok(),
                 qPrintable(listening.ok() ? QString() : listening.error().message));
        QVERIFY(m_server->port() != 0);
    }

    QUrl url() const { return QUrl(u"wss://127.0.0.1:%1/"_s.arg(m_server->port())); }

    // Opens a client with the right pin; false when it did not open.
    bool openClient(ProtocolClient &client)
    {
        QSignalSpy opened(&client, &ProtocolClient::opened);
        client.open(url(), m_identity->certificateSha256());
        return opened.wait(5000);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dataDir.isValid() && m_otherDataDir.isValid());
        auto identity = ProviderIdentity::loadOrCreate(m_dataDir.path());
        QVERIFY(identity.ok());
        m_identity = identity.value();
        auto other = ProviderIdentity::loadOrCreate(m_otherDataDir.path());
        QVERIFY(other.ok());
        m_otherIdentity = other.value();
    }

    void init()
    {
        m_statusCalls = 0;
        m_lastContext.reset();
        m_keptReply = Reply();
    }

    void cleanup() { m_server.reset(); }

    void helloAndLoginBindThePublisher()
    {
        startServer(config());
        ProtocolClient client;
        QVERIFY(openClient(client));
        QCOMPARE(client.peerCertificateSha256(), m_identity->certificateSha256());

        const auto hello = callAndWait(client, u"session.hello"_s,
                                       QJsonObject{{u"protocolVersion"_s, ProtocolVersion}});
        QVERIFY(hello && hello->ok());
        const QJsonObject h = hello->value().toObject();
        QCOMPARE(h.value(u"protocolVersion"_s).toInt(), 1);
        QCOMPARE(h.value(u"provider"_s).toString(), kAnvilAddress1);
        QCOMPARE(h.value(u"chainId"_s).toInteger(), 31337);
        QCOMPARE(h.value(u"escrow"_s).toString(), u"0x5FbDB2315678afecb367f032d93F642f64180aa3"_s);
        QVERIFY(h.value(u"nonce"_s).toString().startsWith(u"0x"_s));
        QCOMPARE(h.value(u"nonce"_s).toString().size(), 34);
        QVERIFY(qAbs(h.value(u"serverTime"_s).toInteger() - QDateTime::currentSecsSinceEpoch()) <=
                2);

        // The raw login answer: publisher, expires, sessionId.
        const qint64 expires = QDateTime::currentSecsSinceEpoch() + 600;
        const auto login =
            callAndWait(client, u"session.login"_s,
                        loginParams(devKey(kAnvilKey0), h.value(u"nonce"_s).toString(), expires,
                                    devAddress(kAnvilAddress1), kChainId));
        QVERIFY(login && login->ok());
        const QJsonObject l = login->value().toObject();
        QCOMPARE(l.value(u"publisher"_s).toString(), kAnvilAddress0);
        QCOMPARE(l.value(u"expires"_s).toInteger(), expires);
        QVERIFY(l.value(u"sessionId"_s).toInteger() > 0);

        const auto status =
            callAndWait(client, u"pod.status"_s, QJsonObject{{u"deployment"_s, u"web"_s}});
        QVERIFY(status && status->ok());
        QCOMPARE(status->value().toObject().value(u"state"_s).toString(), u"running"_s);
        QVERIFY(m_lastContext.has_value());
        QCOMPARE(m_lastContext->publisher, std::optional(devAddress(kAnvilAddress0)));
        QCOMPARE(qint64(m_lastContext->sessionId), l.value(u"sessionId"_s).toInteger());
        QCOMPARE(m_lastContext->peer, QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(m_server->sessionCount(), 1);
    }

    void clientLoginReturnsTheHello()
    {
        startServer(config());
        ProtocolClient client;
        QVERIFY(openClient(client));
        const auto login = loginAndWait(client, devKey(kAnvilKey0));
        QVERIFY2(login && login->ok(),
                 login && !login->ok() ? qPrintable(login->error().message) : "");
        QCOMPARE(login->value().value(u"provider"_s).toString(), kAnvilAddress1);
        QCOMPARE(client.helloResult().value(u"chainId"_s).toInteger(), 31337);
        QCOMPARE(client.publisher(), std::optional(devAddress(kAnvilAddress0)));
        QVERIFY(client.loginExpires() > QDateTime::currentSecsSinceEpoch());
        const auto status = callAndWait(client, u"pod.status"_s);
        QVERIFY(status && status->ok());
    }

    void anotherProtocolVersionIsRefused()
    {
        startServer(config());
        ProtocolClient client;
        QVERIFY(openClient(client));
        const auto hello =
            callAndWait(client, u"session.hello"_s, QJsonObject{{u"protocolVersion"_s, 2}});
        QCOMPARE(codeOf(hello), RpcErrorCode::UnsupportedVersion);
        QCOMPARE(toRpcError(hello->error()).data.toObject().value(u"protocolVersion"_s).toInt(), 1);
    }

    void replayedLoginIsRejected()
    {
        startServer(config());
        ProtocolClient client;
        QVERIFY(openClient(client));
        const auto hello = callAndWait(client, u"session.hello"_s);
        QVERIFY(hello && hello->ok());
        const QJsonObject params = loginParams(
            devKey(kAnvilKey0), hello->value()[u"nonce"_s].toString(),
            QDateTime::currentSecsSinceEpoch() + 600, devAddress(kAnvilAddress1), kChainId);
        QVERIFY(callAndWait(client, u"session.login"_s, params)->ok());
        // The same signed login again: on this connection and on another one.
        const auto again = callAndWait(client, u"session.login"_s, params);
        QCOMPARE(codeOf(again), RpcErrorCode::NonceRejected);
        QVERIFY(again->error().message.contains(u"session.hello"_s));

        ProtocolClient other;
        QVERIFY(openClient(other));
        QCOMPARE(codeOf(callAndWait(other, u"session.login"_s, params)),
                 RpcErrorCode::NonceRejected);
        QCOMPARE(codeOf(callAndWait(other, u"pod.status"_s)), RpcErrorCode::Unauthenticated);
    }

    void loginForAnotherProviderOrChainIsUnauthenticated()
    {
        startServer(config());
        ProtocolClient client;
        QVERIFY(openClient(client));
        const struct
        {
            crypto::Address provider;
            quint64 chain;
        } wrong[] = {{devAddress(kAnvilAddress0), kChainId}, {devAddress(kAnvilAddress1), 1}};
        for (const auto &w : wrong) {
            const auto hello = callAndWait(client, u"session.hello"_s);
            QVERIFY(hello && hello->ok());
            const auto login = callAndWait(
                client, u"session.login"_s,
                loginParams(devKey(kAnvilKey0), hello->value()[u"nonce"_s].toString(),
                            QDateTime::currentSecsSinceEpoch() + 600, w.provider, w.chain));
            QCOMPARE(codeOf(login), RpcErrorCode::Unauthenticated);
            QVERIFY(login->error().message.contains(u"not signed by"_s));
        }
        QCOMPARE(codeOf(callAndWait(client, u"pod.status"_s)), RpcErrorCode::Unauthenticated);
        QCOMPARE(m_statusCalls, 0);
    }

    void malformedLoginParamsAreInvalidParams()
    {
        startServer(config());
        ProtocolClient client;
        QVERIFY(openClient(client));
        QCOMPARE(codeOf(callAndWait(client, u"session.login"_s,
                                    QJsonObject{{u"nonce"_s, 5}, {u"expires"_s, 1}})),
                 RpcErrorCode::InvalidParams);
    }

    void expiredLogin()
    {
        startServer(config());
        ProtocolClient client;
        QVERIFY(openClient(client));
        // Already expired when it arrives.
        auto hello = callAndWait(client, u"session.hello"_s);
        QCOMPARE(codeOf(callAndWait(client, u"session.login"_s,
                                    loginParams(devKey(kAnvilKey0),
                                                hello->value()[u"nonce"_s].toString(),
                                                QDateTime::currentSecsSinceEpoch() - 1,
                                                devAddress(kAnvilAddress1), kChainId))),
                 RpcErrorCode::LoginExpired);

        // Valid at login, expired later: calls answer LoginExpired.
        hello = callAndWait(client, u"session.hello"_s);
        const qint64 expires = QDateTime::currentSecsSinceEpoch() + 2;
        QVERIFY(callAndWait(client, u"session.login"_s,
                            loginParams(devKey(kAnvilKey0), hello->value()[u"nonce"_s].toString(),
                                        expires, devAddress(kAnvilAddress1), kChainId))
                    ->ok());
        QVERIFY(callAndWait(client, u"pod.status"_s)->ok());
        while (QDateTime::currentSecsSinceEpoch() < expires)
            QTest::qWait(100);
        const auto late = callAndWait(client, u"pod.status"_s);
        QCOMPARE(codeOf(late), RpcErrorCode::LoginExpired);
        QVERIFY(late->error().message.contains(u"log in again"_s));
        // Methods open before login still work.
        QVERIFY(callAndWait(client, u"provider.capacity"_s)->ok());
    }

    void podMethodsNeedALogin()
    {
        startServer(config());
        ProtocolClient client;
        QVERIFY(openClient(client));
        const auto status =
            callAndWait(client, u"pod.status"_s, QJsonObject{{u"deployment"_s, u"web"_s}});
        QCOMPARE(codeOf(status), RpcErrorCode::Unauthenticated);
        QCOMPARE(status->error().message,
                 u"log in first: call session.hello, then session.login"_s);
        QCOMPARE(m_statusCalls, 0);
        // provider.capacity is open before login.
        QCOMPARE(callAndWait(client, u"provider.capacity"_s)->value()[u"cpuMillis"_s].toInt(),
                 4000);
    }

    void unknownMethodIsMethodNotFound()
    {
        startServer(config());
        ProtocolClient client;
        QVERIFY(openClient(client));
        QCOMPARE(codeOf(callAndWait(client, u"pod.teleport"_s)), RpcErrorCode::MethodNotFound);
        // A protocol method nobody registered yet.
        QCOMPARE(codeOf(callAndWait(client, u"pod.metrics"_s)), RpcErrorCode::MethodNotFound);
    }

    void malformedFramesAreAnsweredAndTheSessionContinues()
    {
        startServer(config());
        ProtocolClient client;
        QVERIFY(openClient(client));
        QSignalSpy frames(&client, &ProtocolClient::frameReceived);

        client.sendText("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":");
        QVERIFY(frames.wait(5000));
        QJsonObject answer = frameJson(frames.takeFirst().at(0).toByteArray());
        QVERIFY(answer.value(u"id"_s).isNull());
        QCOMPARE(answer[u"error"_s][u"code"_s].toInt(), -32700);

        client.sendText("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"session.hello\"}]");
        QVERIFY(frames.wait(5000));
        answer = frameJson(frames.takeFirst().at(0).toByteArray());
        QVERIFY(answer.value(u"id"_s).isNull());
        QCOMPARE(answer[u"error"_s][u"code"_s].toInt(), -32600);

        client.sendText(
            "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"session.hello\",\"params\":[1]}");
        QVERIFY(frames.wait(5000));
        answer = frameJson(frames.takeFirst().at(0).toByteArray());
        QCOMPARE(answer.value(u"id"_s).toInt(), 7);
        QCOMPARE(answer[u"error"_s][u"code"_s].toInt(), -32602);

        // A response or notification from the publisher gets no answer.
        client.sendText("{\"jsonrpc\":\"2.0\",\"method\":\"session.hello\"}");
        client.sendText("{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":true}");
        const auto hello = callAndWait(client, u"session.hello"_s);
        QVERIFY(hello && hello->ok());
        QCOMPARE(frames.size(), 1); // only the hello's answer
        QVERIFY(client.isOpen());
    }

    void oversizeFrameIsTooLargeThenClosed()
    {
        SessionLimits limits;
        limits.maxFrameBytes = 1024;
        startServer(config(limits));
        QSignalSpy serverClosed(m_server.get(), &ProtocolServer::sessionClosed);
        ProtocolClient client;
        QVERIFY(openClient(client));
        QSignalSpy frames(&client, &ProtocolClient::frameReceived);
        QSignalSpy closed(&client, &ProtocolClient::closed);

        const QByteArray big =
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"session.hello\",\"params\":{\"pad\":\"" +
            QByteArray(1500, 'x') + "\"}}";
        client.sendText(big);
        QVERIFY(closed.wait(10000));
        QCOMPARE(frames.size(), 1);
        const QJsonObject answer = frameJson(frames.at(0).at(0).toByteArray());
        QCOMPARE(answer[u"error"_s][u"code"_s].toInt(), 1007);
        QVERIFY(answer[u"error"_s][u"message"_s].toString().contains(u"limit is 1024"_s));
        QVERIFY(!client.isOpen());
        QTRY_COMPARE(serverClosed.size(), 1);
        QCOMPARE(m_server->sessionCount(), 0);

        // Far beyond the limit, Qt refuses it unread: close code 1009, and the
        // pending call fails TooLarge.
        QVERIFY(openClient(client));
        std::optional<Result<QJsonValue>> pending;
        client.call(u"session.hello"_s, QJsonObject{{u"pad"_s, QString(10000, u'y')}},
                    [&](Result<QJsonValue> r) { pending = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(pending.has_value(), 10000);
        QCOMPARE(codeOf(pending), RpcErrorCode::TooLarge);
    }

    void requestsBeyondTheRateAreRateLimited()
    {
        SessionLimits limits;
        limits.requestsPerSecond = 1;
        limits.requestBurst = 2;
        startServer(config(limits));
        ProtocolClient client;
        QVERIFY(openClient(client));
        QList<std::optional<Result<QJsonValue>>> answers(3);
        for (int i = 0; i < 3; ++i)
            client.call(u"session.hello"_s, {},
                        [&answers, i](Result<QJsonValue> r) { answers[i] = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(answers[2].has_value(), 5000);
        QVERIFY(answers[0]->ok());
        QVERIFY(answers[1]->ok());
        QCOMPARE(codeOf(answers[2]), RpcErrorCode::RateLimited);
        const qint64 retryAfterMs =
            toRpcError(answers[2]->error()).data.toObject().value(u"retryAfterMs"_s).toInteger();
        QVERIFY2(retryAfterMs > 0 && retryAfterMs <= 1000,
                 qPrintable(QString::number(retryAfterMs)));
        QTest::qWait(int(retryAfterMs) + 50);
        QVERIFY(callAndWait(client, u"session.hello"_s)->ok());
    }

    void sessionsPerAddressAreCapped()
    {
        SessionLimits limits;
        limits.sessionsPerAddress = 1;
        startServer(config(limits));
        QSignalSpy serverClosed(m_server.get(), &ProtocolServer::sessionClosed);
        auto first = std::make_unique<ProtocolClient>();
        ProtocolClient second;
        QVERIFY(openClient(*first));
        QVERIFY(openClient(second));
        QVERIFY(loginAndWait(*first, devKey(kAnvilKey0))->ok());
        const auto refused = loginAndWait(second, devKey(kAnvilKey0));
        QVERIFY(refused && !refused->ok());
        QCOMPARE(toRpcError(refused->error()).code, RpcErrorCode::RateLimited);
        // Still connected, still unauthenticated.
        QVERIFY(second.isOpen());
        QCOMPARE(codeOf(callAndWait(second, u"pod.status"_s)), RpcErrorCode::Unauthenticated);
        QVERIFY(callAndWait(second, u"provider.capacity"_s)->ok());
        // Another publisher is not affected.
        ProtocolClient third;
        QVERIFY(openClient(third));
        QVERIFY(loginAndWait(third, devKey(kAnvilKey1))->ok());
        // Once the first goes away, the address may log in again.
        first.reset();
        QTRY_COMPARE(serverClosed.size(), 1);
        QVERIFY(loginAndWait(second, devKey(kAnvilKey0))->ok());
    }

    void unauthenticatedConnectionsPerIpAreCapped()
    {
        ProtocolServer::Config c = config();
        c.maxUnauthenticatedPerIp = 2;
        startServer(c);
        ProtocolClient a, b, c3;
        QVERIFY(openClient(a));
        QVERIFY(openClient(b));
        QSignalSpy closed(&c3, &ProtocolClient::closed);
        c3.open(url(), m_identity->certificateSha256());
        QVERIFY(closed.wait(5000));
        QTRY_COMPARE(m_server->sessionCount(), 2);
        // A login frees the slot.
        QVERIFY(loginAndWait(a, devKey(kAnvilKey0))->ok());
        QVERIFY(openClient(c3));
        QVERIFY(callAndWait(c3, u"session.hello"_s)->ok());
    }

    void idleSessionsAreClosed()
    {
        SessionLimits limits;
        limits.idleTimeoutSeconds = 1;
        startServer(config(limits));
        QSignalSpy serverClosed(m_server.get(), &ProtocolServer::sessionClosed);
        ProtocolClient client;
        QVERIFY(openClient(client));
        QSignalSpy closed(&client, &ProtocolClient::closed);
        // Activity keeps it open...
        for (int i = 0; i < 4; ++i) {
            QTest::qWait(400);
            QVERIFY(callAndWait(client, u"session.hello"_s)->ok());
        }
        QCOMPARE(closed.size(), 0);
        // ...silence does not.
        QVERIFY(closed.wait(3000));
        QTRY_COMPARE(serverClosed.size(), 1);
        QCOMPARE(m_server->sessionCount(), 0);
    }

    void pinMismatchFailsBeforeAnythingIsSent()
    {
        startServer(config());
        QSignalSpy serverClosed(m_server.get(), &ProtocolServer::sessionClosed);
        ProtocolClient client;
        QSignalSpy failed(&client, &ProtocolClient::failed);
        QSignalSpy opened(&client, &ProtocolClient::opened);
        client.open(url(), m_otherIdentity->certificateSha256());
        std::optional<Result<QJsonValue>> queued;
        client.call(u"session.hello"_s, {}, [&](Result<QJsonValue> r) { queued = std::move(r); });
        QVERIFY(failed.wait(5000));
        const Error error = failed.at(0).at(0).value<Error>();
        QCOMPARE(error.code, ErrorCode::AuthFailed);
        QVERIFY(error.message.contains(u"does not match the pinned hash"_s));
        QTRY_VERIFY(queued.has_value());
        QCOMPARE(queued->error().code, ErrorCode::Unavailable);
        QTest::qWait(200);
        QCOMPARE(opened.size(), 0);
        QCOMPARE(m_server->sessionCount(), 0);
        QCOMPARE(serverClosed.size(), 0); // no WebSocket session ever existed

        // Without a pin, the self-signed certificate is not trusted.
        ProtocolClient unpinned;
        QSignalSpy unpinnedFailed(&unpinned, &ProtocolClient::failed);
        unpinned.open(url(), {});
        QVERIFY(unpinnedFailed.wait(5000));
        QCOMPARE(unpinnedFailed.at(0).at(0).value<Error>().code, ErrorCode::AuthFailed);
        QCOMPARE(m_server->sessionCount(), 0);

        // A pin of the wrong length is refused up front.
        ProtocolClient badPin;
        QSignalSpy badPinFailed(&badPin, &ProtocolClient::failed);
        badPin.open(url(), QByteArray(20, 'a'));
        QCOMPARE(badPinFailed.size(), 1);
        QCOMPARE(badPinFailed.at(0).at(0).value<Error>().code, ErrorCode::InvalidArgument);
    }

    void asyncHandlerRepliesLater()
    {
        startServer(config());
        m_server->setHandler(method::ProviderAttest,
                             [](const CallContext &, const QJsonObject &, Reply reply) {
                                 QTimer::singleShot(300, [reply] {
                                     reply(QJsonValue(QJsonObject{{u"late"_s, true}}));
                                     reply(QJsonValue(u"ignored"_s)); // a second answer is ignored
                                 });
                             });
        ProtocolClient client;
        QVERIFY(openClient(client));
        QSignalSpy frames(&client, &ProtocolClient::frameReceived);
        QElapsedTimer timer;
        timer.start();
        const auto attest = callAndWait(client, u"provider.attest"_s);
        QVERIFY(attest && attest->ok());
        QVERIFY(timer.elapsed() >= 250);
        QCOMPARE(attest->value()[u"late"_s].toBool(), true);
        QTest::qWait(100);
        QCOMPARE(frames.size(), 1);
    }

    void replyAfterTheClientWentAwayIsHarmless()
    {
        startServer(config());
        m_server->setHandler(
            method::ProviderAttest,
            [this](const CallContext &, const QJsonObject &, Reply reply) { m_keptReply = reply; });
        QSignalSpy serverClosed(m_server.get(), &ProtocolServer::sessionClosed);
        auto client = std::make_unique<ProtocolClient>();
        QVERIFY(openClient(*client));
        client->call(u"provider.attest"_s, {}, [](Result<QJsonValue>) {});
        QTRY_VERIFY(!m_keptReply.answered() && m_server->sessionCount() == 1);
        QTest::qWait(100);
        client.reset();
        QTRY_COMPARE(serverClosed.size(), 1);
        m_keptReply(QJsonValue(true)); // the session is gone: nothing happens
        QVERIFY(m_keptReply.answered());
        m_server.reset();
        Reply copy = m_keptReply;
        copy(QJsonValue(false)); // and after the server is gone
    }

    void internalErrorsAreNotLeaked()
    {
        startServer(config());
        m_server->setHandler(
            method::ProviderAttest, [](const CallContext &, const QJsonObject &, Reply reply) {
                reply(Error(ErrorCode::Internal, u"sqlite: no such table at /var/lib/berth/x"_s));
            });
        m_server->setHandler(method::ProviderCapacity,
                             [](const CallContext &, const QJsonObject &, Reply) {
                                 // drops the reply unanswered
                             });
        ProtocolClient client;
        QVERIFY(openClient(client));
        const auto attest = callAndWait(client, u"provider.attest"_s);
        QCOMPARE(codeOf(attest), RpcErrorCode::InternalError);
        QVERIFY(!attest->error().message.contains(u"sqlite"_s));
        QVERIFY(attest->error().message.contains(u"internal error"_s));
        const auto dropped = callAndWait(client, u"provider.capacity"_s);
        QCOMPARE(codeOf(dropped), RpcErrorCode::InternalError);
    }

    void notifyReachesTheClient()
    {
        startServer(config());
        ProtocolClient client;
        QVERIFY(openClient(client));
        QVERIFY(loginAndWait(client, devKey(kAnvilKey0))->ok());
        QVERIFY(callAndWait(client, u"pod.status"_s)->ok());
        QVERIFY(m_lastContext.has_value());
        QSignalSpy notes(&client, &ProtocolClient::notification);
        QVERIFY(
            m_server->notify(m_lastContext->sessionId, method::PodLogs,
                             QJsonObject{{u"deployment"_s, u"web"_s}, {u"line"_s, u"hello"_s}}));
        QVERIFY(notes.wait(5000));
        const auto note = notes.at(0).at(0).value<Notification>();
        QCOMPARE(note.method, u"pod.logs"_s);
        QCOMPARE(note.params.value(u"line"_s).toString(), u"hello"_s);
        QVERIFY(!m_server->notify(m_lastContext->sessionId + 1000, method::PodLogs, {}));
    }

    void callsTimeOutAndFailOnDisconnect()
    {
        startServer(config());
        m_server->setHandler(method::ProviderAttest,
                             [this](const CallContext &, const QJsonObject &, Reply reply) {
                                 m_keptReply = reply; // never answered while the test runs
                             });
        ProtocolClient client;
        QVERIFY(openClient(client));
        client.setCallTimeout(std::chrono::milliseconds(300));
        const auto slow = callAndWait(client, u"provider.attest"_s);
        QVERIFY(slow && !slow->ok());
        QCOMPARE(slow->error().code, ErrorCode::Timeout);

        client.setCallTimeout(std::chrono::seconds(30));
        std::optional<Result<QJsonValue>> pending;
        client.call(u"provider.attest"_s, {},
                    [&](Result<QJsonValue> r) { pending = std::move(r); });
        QTRY_COMPARE(client.pendingCalls(), 1);
        QTest::qWait(100);
        m_server->close();
        QTRY_VERIFY_WITH_TIMEOUT(pending.has_value(), 10000);
        QCOMPARE(pending->error().code, ErrorCode::Unavailable);
        m_keptReply = Reply();
    }
};

QTEST_GUILESS_MAIN(TestProtocolServer)
#include "tst_protocolserver.moc"
