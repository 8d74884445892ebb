// pod.status-like round trips per second over wss:// through ProtocolServer and
// ProtocolClient, against a bare QWebSocketServer TLS echo server and a bare
// QWebSocket client in the same process and run. One call in flight at a time
// (latency-bound, as a publisher polling status is). Prints both rates and the
// ratio (the goal is at least 0.7). Usage: bench_rpc [round trips per run, default 5000]
#include "crypto/privatekey.h"
#include "protocol/methodnames.h"
#include "protocol/protocolclient.h"
#include "protocol/protocolserver.h"
#include "provider/provideridentity.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonObject>
#include <QSslConfiguration>
#include <QSslKey>
#include <QTemporaryDir>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <cstdio>
#include <functional>
#include <limits>
#include <memory>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::protocol;
using berth::provider::ProviderIdentity;

namespace {

// Runs the event loop until done() is called or the timeout passes.
bool runUntil(const std::function<void(std::function<void()>)> &start, int timeoutMs = 120000)
{
    QEventLoop loop;
    bool finished = false;
    start([&] {
        finished = true;
        loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    if (!finished)
        loop.exec();
    return finished;
}

const QJsonObject kStatusParams{{u"deployment"_s, u"web-7f3a"_s}};

QJsonObject statusResult()
{
    return QJsonObject{{u"deployment"_s, u"web-7f3a"_s},
                       {u"state"_s, u"running"_s},
                       {u"replicas"_s, 1},
                       {u"restarts"_s, 0},
                       {u"endpoints"_s, QJsonArray{u"https://web-7f3a.provider.example"_s}},
                       {u"runwaySeconds"_s, 86400}};
}

double benchProtocol(const ProviderIdentity &identity, int roundTrips)
{
    ProtocolServer::Config config;
    config.certificate = QSslCertificate(identity.certificatePem(), QSsl::Pem);
    config.key = QSslKey(identity.privateKeyPem(), QSsl::Ec, QSsl::Pem);
    config.provider = crypto::PrivateKey::generate().address();
    config.chainId = 31337;
    config.limits.requestsPerSecond = 1e9; // measure the transport, not the limiter
    config.limits.requestBurst = 1e9;
    ProtocolServer server(config);
    server.setHandler(method::PodStatus, [](const CallContext &, const QJsonObject &, Reply reply) {
        reply(QJsonValue(statusResult()));
    });
    if (const Result<void> listening = server.listen(); !listening) {
        std::fprintf(stderr, "listen: %s\n", qPrintable(listening.error().message));
        return 0;
    }

    ProtocolClient client;
    const QUrl url(u"wss://127.0.0.1:%1/"_s.arg(server.port()));
    if (!runUntil([&](std::function<void()> done) {
            QObject::connect(&client, &ProtocolClient::opened, &client, [&client, done] {
                client.disconnect(&client);
                done();
            });
            client.open(url, identity.certificateSha256());
        })) {
        std::fprintf(stderr, "the protocol client did not open\n");
        return 0;
    }
    bool loggedIn = false;
    runUntil([&](std::function<void()> done) {
        client.login(crypto::PrivateKey::generate(), 3600, [&, done](Result<QJsonObject> r) {
            loggedIn = r.ok();
            done();
        });
    });
    if (!loggedIn) {
        std::fprintf(stderr, "login failed\n");
        return 0;
    }

    int remaining = roundTrips;
    bool ok = true;
    QElapsedTimer timer;
    std::function<void()> finish;
    std::function<void()> next = [&] {
        client.call(u"pod.status"_s, kStatusParams, [&](Result<QJsonValue> r) {
            if (!r.ok())
                ok = false;
            if (--remaining == 0 || !ok)
                finish();
            else
                next();
        });
    };
    timer.start();
    runUntil([&](std::function<void()> done) {
        finish = done;
        next();
    });
    const qint64 elapsed = timer.elapsed();
    if (!ok || remaining != 0) {
        std::fprintf(stderr, "protocol round trips failed\n");
        return 0;
    }
    return double(roundTrips) * 1000.0 / double(std::max<qint64>(1, elapsed));
}

double benchEcho(const ProviderIdentity &identity, int roundTrips)
{
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificate(QSslCertificate(identity.certificatePem(), QSsl::Pem));
    tls.setPrivateKey(QSslKey(identity.privateKeyPem(), QSsl::Ec, QSsl::Pem));
    tls.setProtocol(QSsl::TlsV1_2OrLater);
    tls.setPeerVerifyMode(QSslSocket::VerifyNone);
    QWebSocketServer server(u"echo"_s, QWebSocketServer::SecureMode);
    server.setSslConfiguration(tls);
    QObject::connect(&server, &QWebSocketServer::newConnection, &server, [&server] {
        while (QWebSocket *socket = server.nextPendingConnection())
            QObject::connect(socket, &QWebSocket::textMessageReceived, socket,
                             [socket](const QString &text) { socket->sendTextMessage(text); });
    });
    if (!server.listen(QHostAddress::LocalHost, 0)) {
        std::fprintf(stderr, "echo listen failed\n");
        return 0;
    }

    QWebSocket client;
    QObject::connect(&client, &QWebSocket::sslErrors, &client,
                     [&client](const QList<QSslError> &) { client.ignoreSslErrors(); });
    if (!runUntil([&](std::function<void()> done) {
            QObject::connect(&client, &QWebSocket::connected, &client, [&client, done] {
                client.disconnect(&client);
                done();
            });
            client.open(QUrl(u"wss://127.0.0.1:%1/"_s.arg(server.serverPort())));
        })) {
        std::fprintf(stderr, "the echo client did not open\n");
        return 0;
    }

    // The same request frame the protocol client sends.
    const QString frame =
        QString::fromUtf8(encodeRequest(Request{RequestId(1), u"pod.status"_s, kStatusParams}));
    int remaining = roundTrips;
    QElapsedTimer timer;
    timer.start();
    runUntil([&](std::function<void()> done) {
        QObject::connect(&client, &QWebSocket::textMessageReceived, &client,
                         [&, done](const QString &) {
                             if (--remaining == 0)
                                 done();
                             else
                                 client.sendTextMessage(frame);
                         });
        client.sendTextMessage(frame);
    });
    const qint64 elapsed = timer.elapsed();
    client.close();
    if (remaining != 0) {
        std::fprintf(stderr, "echo round trips failed\n");
        return 0;
    }
    return double(roundTrips) * 1000.0 / double(std::max<qint64>(1, elapsed));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int roundTrips = argc > 1 ? std::max(1, QByteArray(argv[1]).toInt()) : 5000;
    QTemporaryDir dataDir;
    const auto identity = provider::ProviderIdentity::loadOrCreate(dataDir.path());
    if (!identity) {
        std::fprintf(stderr, "identity: %s\n", qPrintable(identity.error().message));
        return 1;
    }
    // Warm-up of both paths (TLS setup, allocations), then rounds that alternate
    // the two so a busy machine slows both alike; the best round of each counts.
    benchEcho(identity.value(), 200);
    benchProtocol(identity.value(), 200);
    constexpr int Rounds = 3;
    double echo = 0;
    double rpc = 0;
    for (int round = 0; round < Rounds; ++round) {
        echo = std::max(echo, benchEcho(identity.value(), roundTrips));
        rpc = std::max(rpc, benchProtocol(identity.value(), roundTrips));
    }
    std::printf("round trips:                 %d per run, best of %d runs\n", roundTrips, Rounds);
    std::printf("bare wss echo:               %.0f round trips/s\n", echo);
    std::printf("ProtocolServer+Client (wss): %.0f round trips/s\n", rpc);
    std::printf("ratio:                       %.2f (goal >= 0.70)\n", echo > 0 ? rpc / echo : 0.0);
    return echo > 0 && rpc > 0 ? 0 : 1;
}
