// Fault injection for the JSON-RPC client through a loopback HTTP server that
// answers each request from a script. The happy paths run against real Anvil
// (tests/integration/tst_ethclient.cpp).
#include "chain/jsonrpcclient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <optional>

using namespace Qt::StringLiterals;
using berth::ErrorCode;
using berth::Result;
using berth::chain::JsonRpcClient;

namespace {

// One scripted answer. "%ID%" in the body is replaced by the request's id.
struct Answer
{
    int status = 200;
    QByteArray body;
    int delayMs = 0;
    bool withContentLength = true;
};

class FakeRpcServer : public QObject
{
public:
    FakeRpcServer()
    {
        QVERIFY(m_server.listen(QHostAddress::LocalHost));
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection())
                serve(socket);
        });
    }

    QUrl url() const { return QUrl(u"http://127.0.0.1:%1/v3/secretkey123"_s.arg(port())); }
    quint16 port() const { return m_server.serverPort(); }
    void enqueue(const Answer &answer) { m_answers.append(answer); }
    int requests() const { return m_requests; }
    QJsonObject lastRequest() const { return m_lastRequest; }

private:
    void serve(QTcpSocket *socket)
    {
        auto buffer = std::make_shared<QByteArray>();
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] {
            buffer->append(socket->readAll());
            const qsizetype headerEnd = buffer->indexOf("\r\n\r\n");
            if (headerEnd < 0)
                return;
            qsizetype length = 0;
            for (const QByteArray &line : buffer->left(headerEnd).split('\n')) {
                if (line.toLower().startsWith("content-length:"))
                    length = line.mid(15).trimmed().toLongLong();
            }
            if (buffer->size() < headerEnd + 4 + length)
                return;
            const QByteArray body = buffer->mid(headerEnd + 4, length);
            buffer->clear();
            m_lastRequest = QJsonDocument::fromJson(body).object();
            ++m_requests;
            const Answer answer = m_answers.isEmpty() ? Answer{} : m_answers.takeFirst();
            const QByteArray id = QByteArray::number(m_lastRequest.value(u"id"_s).toInteger());
            QByteArray payload = answer.body;
            payload.replace("%ID%", id);
            QByteArray response = "HTTP/1.1 " + QByteArray::number(answer.status) + " X\r\n" +
                                  "Content-Type: application/json\r\nConnection: close\r\n";
            if (answer.withContentLength)
                response += "Content-Length: " + QByteArray::number(payload.size()) + "\r\n";
            response += "\r\n" + payload;
            QPointer<QTcpSocket> guard(socket);
            QTimer::singleShot(answer.delayMs, this, [guard, response] {
                if (!guard)
                    return;
                guard->write(response);
                guard->disconnectFromHost();
            });
        });
    }

    QTcpServer m_server;
    QList<Answer> m_answers;
    int m_requests = 0;
    QJsonObject m_lastRequest;
};

JsonRpcClient::Options fastOptions()
{
    JsonRpcClient::Options options;
    options.requestTimeoutMs = 2000;
    options.backoffBaseMs = 10;
    options.backoffCapMs = 50;
    return options;
}

// Runs one call and waits for its callback.
std::optional<Result<QJsonValue>> callAndWait(JsonRpcClient &client, const QString &method,
                                              int waitMs = 10000)
{
    std::optional<Result<QJsonValue>> outcome;
    QObject context;
    client.call(method, {}, &context, [&outcome](Result<QJsonValue> r) { outcome = r; });
    (void)QTest::qWaitFor([&] { return outcome.has_value(); }, waitMs);
    return outcome;
}

// The error message of a failed result (QVERIFY2 evaluates its message eagerly).
QString why(const Result<QJsonValue> &result)
{
    return result.ok() ? QString() : result.error().message;
}

QByteArray okBody(const QByteArray &result)
{
    return R"({"jsonrpc":"2.0","id":%ID%,"result":)" + result + "}";
}

QByteArray errorBody(const QByteArray &error)
{
    return R"({"jsonrpc":"2.0","id":%ID%,"error":)" + error + "}";
}

} // namespace

class TestJsonRpcClient : public QObject
{
    Q_OBJECT

private slots:
    void sendsJsonRpc20AndReturnsResult()
    {
        FakeRpcServer server;
        server.enqueue({200, okBody(R"("0x7a69")")});
        JsonRpcClient client(server.url(), fastOptions());
        const auto outcome = callAndWait(client, u"eth_chainId"_s);
        QVERIFY(outcome);
        QVERIFY2(outcome->ok(), qPrintable(why(*outcome)));
        QCOMPARE(outcome->value().toString(), u"0x7a69"_s);
        QCOMPARE(server.lastRequest().value(u"jsonrpc"_s).toString(), u"2.0"_s);
        QCOMPARE(server.lastRequest().value(u"method"_s).toString(), u"eth_chainId"_s);
        QVERIFY(server.lastRequest().value(u"params"_s).isArray());
    }

    void nullErrorNextToResultIsSuccess()
    {
        FakeRpcServer server;
        server.enqueue({200, R"({"jsonrpc":"2.0","id":%ID%,"result":"0x5","error":null})"});
        JsonRpcClient client(server.url(), fastOptions());
        const auto outcome = callAndWait(client, u"eth_blockNumber"_s);
        QVERIFY(outcome);
        QVERIFY2(outcome->ok(), qPrintable(why(*outcome)));
        QCOMPARE(outcome->value().toString(), u"0x5"_s);
    }

    void garbageIsBadResponse()
    {
        FakeRpcServer server;
        server.enqueue({200, "<html>gateway</html>"});
        JsonRpcClient client(server.url(), fastOptions());
        const auto outcome = callAndWait(client, u"eth_blockNumber"_s);
        QVERIFY(outcome && !outcome->ok());
        QCOMPARE(outcome->error().code, ErrorCode::BadResponse);
        QVERIFY(outcome->error().message.contains(u"not a JSON-RPC response"_s));
        QVERIFY(outcome->error().message.contains(u"http://127.0.0.1:%1"_s.arg(server.port())));
        QCOMPARE(server.requests(), 1); // not retried
    }

    void neverPrintsThePathOfTheUrl()
    {
        FakeRpcServer server;
        server.enqueue({200, "nope"});
        JsonRpcClient client(server.url(), fastOptions());
        const auto outcome = callAndWait(client, u"eth_blockNumber"_s);
        QVERIFY(outcome && !outcome->ok());
        QVERIFY(!outcome->error().message.contains(u"secretkey123"_s));
    }

    void wrongIdIsBadResponse()
    {
        FakeRpcServer server;
        server.enqueue({200, R"({"jsonrpc":"2.0","id":999999,"result":"0x1"})"});
        JsonRpcClient client(server.url(), fastOptions());
        const auto outcome = callAndWait(client, u"eth_blockNumber"_s);
        QVERIFY(outcome && !outcome->ok());
        QCOMPARE(outcome->error().code, ErrorCode::BadResponse);
        QVERIFY(outcome->error().message.contains(u"wrong request id"_s));
    }

    void missingResultIsBadResponse()
    {
        FakeRpcServer server;
        server.enqueue({200, R"({"jsonrpc":"2.0","id":%ID%})"});
        JsonRpcClient client(server.url(), fastOptions());
        const auto outcome = callAndWait(client, u"eth_blockNumber"_s);
        QVERIFY(outcome && !outcome->ok());
        QCOMPARE(outcome->error().code, ErrorCode::BadResponse);
    }

    void busyThenOkIsRetried()
    {
        FakeRpcServer server;
        server.enqueue({503, "busy"});
        server.enqueue({429, "slow down"});
        server.enqueue({200, okBody(R"("0x10")")});
        JsonRpcClient client(server.url(), fastOptions());
        const auto outcome = callAndWait(client, u"eth_blockNumber"_s);
        QVERIFY(outcome);
        QVERIFY2(outcome->ok(), qPrintable(why(*outcome)));
        QCOMPARE(outcome->value().toString(), u"0x10"_s);
        QCOMPARE(server.requests(), 3);
    }

    void busyForeverGivesUpAfterRetries()
    {
        FakeRpcServer server;
        for (int i = 0; i < 5; ++i)
            server.enqueue({502, "bad gateway"});
        JsonRpcClient::Options options = fastOptions();
        options.retries = 2;
        JsonRpcClient client(server.url(), options);
        const auto outcome = callAndWait(client, u"eth_blockNumber"_s);
        QVERIFY(outcome && !outcome->ok());
        QCOMPARE(outcome->error().code, ErrorCode::Unavailable);
        QVERIFY(outcome->error().message.contains(u"HTTP 502"_s));
        QCOMPARE(server.requests(), 3); // first try + 2 retries
    }

    void slowAnswerTimesOut()
    {
        FakeRpcServer server;
        server.enqueue({200, okBody("1"), 3000});
        server.enqueue({200, okBody("1"), 3000});
        JsonRpcClient::Options options = fastOptions();
        options.requestTimeoutMs = 300;
        options.retries = 1;
        JsonRpcClient client(server.url(), options);
        const auto outcome = callAndWait(client, u"eth_blockNumber"_s);
        QVERIFY(outcome && !outcome->ok());
        QCOMPARE(outcome->error().code, ErrorCode::Timeout);
        QVERIFY(outcome->error().message.contains(u"did not answer eth_blockNumber"_s));
        QCOMPARE(server.requests(), 2); // a timeout is transient: retried once
    }

    void oversizeIsTooLarge_data()
    {
        QTest::addColumn<bool>("withContentLength");
        QTest::newRow("declared") << true;
        QTest::newRow("streamed") << false;
    }

    void oversizeIsTooLarge()
    {
        QFETCH(bool, withContentLength);
        FakeRpcServer server;
        server.enqueue(
            {200, okBody('"' + QByteArray(300 * 1024, 'a') + '"'), 0, withContentLength});
        JsonRpcClient::Options options = fastOptions();
        options.maxResponseBytes = 64 * 1024;
        JsonRpcClient client(server.url(), options);
        const auto outcome = callAndWait(client, u"eth_getLogs"_s);
        QVERIFY(outcome && !outcome->ok());
        QCOMPARE(outcome->error().code, ErrorCode::TooLarge);
        QVERIFY2(outcome->error().message.contains(u"answered eth_getLogs with more than 64 KiB"_s),
                 qPrintable(why(*outcome)));
        QCOMPARE(server.requests(), 1);
    }

    void defaultCapIs16MiB()
    {
        QCOMPARE(JsonRpcClient::Options{}.maxResponseBytes, 16 * 1024 * 1024);
        QCOMPARE(JsonRpcClient::Options{}.requestTimeoutMs, 15000);
        QCOMPARE(JsonRpcClient::Options{}.retries, 3);
    }

    void connectionRefusedIsUnavailableWithTheUrl()
    {
        quint16 port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost));
            port = probe.serverPort();
        }
        JsonRpcClient::Options options = fastOptions();
        options.retries = 1;
        JsonRpcClient client(QUrl(u"http://127.0.0.1:%1"_s.arg(port)), options);
        const auto outcome = callAndWait(client, u"eth_chainId"_s);
        QVERIFY(outcome && !outcome->ok());
        QCOMPARE(outcome->error().code, ErrorCode::Unavailable);
        const QString message = outcome->error().message;
        QVERIFY2(message.contains(u"cannot reach the chain at http://127.0.0.1:%1: connection "
                                  u"refused"_s.arg(port)),
                 qPrintable(message));
        QVERIFY(message.contains(u"`berthctl chain devnet` starts a local one"_s));
    }

    void rpcErrorsAreMappedAndNeverRetried_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("error");
        QTest::addColumn<ErrorCode>("code");
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QString>("fragment");

        QTest::newRow("anvil revert with data")
            << 200
            << QByteArray(R"({"code":3,"message":"execution reverted: custom error 0xe450d38c",)"
                          R"("data":"0xe450d38c0000"})")
            << ErrorCode::Reverted << QByteArray::fromHex("e450d38c0000")
            << u"eth_estimateGas reverted on the chain at"_s;
        QTest::newRow("nested revert data")
            << 200
            << QByteArray(R"({"code":-32000,"message":"VM Exception",)"
                          R"("data":{"message":"revert","data":"0x08c379a0"}})")
            << ErrorCode::Reverted << QByteArray::fromHex("08c379a0") << u"VM Exception"_s;
        QTest::newRow("revert without data")
            << 200 << QByteArray(R"({"code":-32000,"message":"execution reverted"})")
            << ErrorCode::Reverted << QByteArray() << u"execution reverted"_s;
        QTest::newRow("insufficient funds")
            << 200
            << QByteArray(R"({"code":-32003,"message":"Insufficient funds for gas * price + )"
                          R"(value"})")
            << ErrorCode::InsufficientFunds << QByteArray() << u"fund it"_s;
        QTest::newRow("nonce too low")
            << 200 << QByteArray(R"({"code":-32003,"message":"nonce too low"})")
            << ErrorCode::Conflict << QByteArray() << u"nonce too low"_s;
        QTest::newRow("already known")
            << 200 << QByteArray(R"({"code":-32000,"message":"already known"})")
            << ErrorCode::Conflict << QByteArray() << u"already known"_s;
        QTest::newRow("underpriced")
            << 200
            << QByteArray(R"({"code":-32000,"message":"replacement transaction underpriced"})")
            << ErrorCode::Conflict << QByteArray() << u"underpriced"_s;
        QTest::newRow("unknown method")
            << 200 << QByteArray(R"({"code":-32601,"message":"Method not found"})")
            << ErrorCode::Unsupported << QByteArray() << u"does not support"_s;
        QTest::newRow("other error, HTTP 500")
            << 500 << QByteArray(R"({"code":-32602,"message":"invalid params"})")
            << ErrorCode::BadResponse << QByteArray() << u"invalid params (error -32602)"_s;
    }

    void rpcErrorsAreMappedAndNeverRetried()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, error);
        QFETCH(ErrorCode, code);
        QFETCH(QByteArray, data);
        QFETCH(QString, fragment);
        FakeRpcServer server;
        server.enqueue({status, errorBody(error)});
        server.enqueue({200, okBody(R"("0x1")")});
        JsonRpcClient client(server.url(), fastOptions());
        const auto outcome = callAndWait(client, u"eth_estimateGas"_s);
        QVERIFY(outcome && !outcome->ok());
        QCOMPARE(outcome->error().code, code);
        QCOMPARE(outcome->error().data, data);
        QVERIFY2(outcome->error().message.contains(fragment), qPrintable(why(*outcome)));
        QCOMPARE(server.requests(), 1);
    }

    void noCallbackAfterContextIsDestroyed()
    {
        FakeRpcServer server;
        server.enqueue({200, okBody(R"("0x1")"), 200});
        server.enqueue({200, okBody(R"("0x2")")});
        JsonRpcClient client(server.url(), fastOptions());
        bool called = false;
        auto *context = new QObject;
        client.call(u"eth_blockNumber"_s, {}, context,
                    [&called](Result<QJsonValue>) { called = true; });
        delete context;
        // A second call on a live context proves the first answer has come and gone.
        const auto outcome = callAndWait(client, u"eth_blockNumber"_s);
        QVERIFY(outcome && outcome->ok());
        QCOMPARE(server.requests(), 2);
        QVERIFY(!called);
    }

    void noCallbackAfterClientIsDestroyed()
    {
        FakeRpcServer server;
        server.enqueue({200, okBody(R"("0x1")"), 100});
        bool called = false;
        QObject context;
        auto *client = new JsonRpcClient(server.url(), fastOptions());
        client->call(u"eth_blockNumber"_s, {}, &context,
                     [&called](Result<QJsonValue>) { called = true; });
        QTRY_COMPARE(server.requests(), 1);
        delete client;
        QTest::qWait(300);
        QVERIFY(!called);
    }
};

QTEST_GUILESS_MAIN(TestJsonRpcClient)
#include "tst_jsonrpcclient.moc"
