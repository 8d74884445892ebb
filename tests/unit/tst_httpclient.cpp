// HttpClient, the blocking client berthd drives Podman and Caddy with: which
// error a caller gets when nothing listens, when an answer is too large, when
// no answer comes, and the error text of a service's error body.
#include "provider/httpclient.h"

#include <QElapsedTimer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <future>
#include <memory>

using namespace Qt::StringLiterals;
using berth::ErrorCode;
using berth::provider::HttpClient;
using berth::provider::HttpRequest;
using berth::provider::HttpResponse;

namespace {

// Answers one request on 127.0.0.1 from its own thread (the client blocks the
// test's thread): `answer` after the request headers, or nothing at all when
// `answer` is empty, until the client hangs up.
class OneShotServer
{
public:
    explicit OneShotServer(QByteArray answer)
    {
        auto listening = std::make_shared<std::promise<quint16>>();
        auto port = listening->get_future();
        m_thread.reset(QThread::create([answer = std::move(answer), listening] {
            QTcpServer server;
            if (!server.listen(QHostAddress::LocalHost, 0)) {
                listening->set_value(0);
                return;
            }
            listening->set_value(server.serverPort());
            if (!server.waitForNewConnection(10000))
                return;
            std::unique_ptr<QTcpSocket> socket(server.nextPendingConnection());
            QByteArray request;
            while (!request.contains("\r\n\r\n") && socket->waitForReadyRead(5000))
                request += socket->readAll();
            if (!answer.isEmpty()) {
                socket->write(answer);
                socket->waitForBytesWritten(5000);
                socket->disconnectFromHost();
            }
            if (socket->state() != QAbstractSocket::UnconnectedState)
                socket->waitForDisconnected(10000);
        }));
        m_thread->start();
        m_port = port.get();
    }
    ~OneShotServer() { m_thread->wait(); }

    QString url(const QString &path = u"/"_s) const
    {
        return u"http://127.0.0.1:%1%2"_s.arg(m_port).arg(path);
    }
    quint16 port() const { return m_port; }

private:
    std::unique_ptr<QThread> m_thread;
    quint16 m_port = 0;
};

QByteArray answerWithBody(int status, const QByteArray &body)
{
    return "HTTP/1.1 " + QByteArray::number(status) +
           " X\r\nContent-Length: " + QByteArray::number(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
}

} // namespace

class TestHttpClient : public QObject
{
    Q_OBJECT

private slots:
    void nothingListeningOnASocketIsUnavailable()
    {
        QTemporaryDir dir;
        const QString socket = dir.filePath(u"podman.sock"_s);
        HttpClient client(u"Podman"_s, socket);
        HttpRequest request;
        request.url = u"http://d/_ping"_s;
        const auto response = client.send(request);
        QVERIFY(!response.ok());
        QCOMPARE(response.error().code, ErrorCode::Unavailable);
        QVERIFY2(response.error().message.startsWith(u"Podman is not reachable at "_s + socket),
                 qPrintable(response.error().message));
    }

    void nothingListeningOnAPortIsUnavailable()
    {
        quint16 port = 0;
        {
            QTcpServer probe; // a port that was free a moment ago
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        HttpClient client(u"Caddy"_s);
        HttpRequest request;
        request.url = u"http://127.0.0.1:%1/config/"_s.arg(port);
        const auto response = client.send(request);
        QVERIFY(!response.ok());
        QCOMPARE(response.error().code, ErrorCode::Unavailable);
        QVERIFY2(response.error().message.startsWith(
                     u"Caddy is not reachable at http://127.0.0.1:%1/config/"_s.arg(port)),
                 qPrintable(response.error().message));
    }

    void answersWithinTheLimitAreReturned()
    {
        OneShotServer server(answerWithBody(200, "hello"));
        HttpClient client(u"Caddy"_s);
        HttpRequest request;
        request.url = server.url();
        request.maxResponseBytes = 5;
        const auto response = client.send(request);
        QVERIFY2(response.ok(), qPrintable(response ? QString() : response.error().message));
        QCOMPARE(response->status, 200);
        QCOMPARE(response->body, QByteArray("hello"));
    }

    void anErrorStatusIsAnAnswerNotAnError()
    {
        OneShotServer server(answerWithBody(409, R"({"message":"pod already exists"})"));
        HttpClient client(u"Podman"_s);
        HttpRequest request;
        request.url = server.url();
        const auto response = client.send(request);
        QVERIFY(response.ok());
        QCOMPARE(response->status, 409);
        QVERIFY(!response->ok());
        QCOMPARE(berth::provider::httpErrorText(*response), u"HTTP 409: pod already exists"_s);
    }

    void anOversizeAnswerIsTooLarge()
    {
        OneShotServer server(answerWithBody(200, QByteArray(4096, 'x')));
        HttpClient client(u"Podman"_s);
        HttpRequest request;
        request.url = server.url(u"/v4.0.0/libpod/containers/x/logs?tail=10"_s);
        request.maxResponseBytes = 1000;
        const auto response = client.send(request);
        QVERIFY(!response.ok());
        QCOMPARE(response.error().code, ErrorCode::TooLarge);
        QCOMPARE(response.error().message,
                 u"Podman answered more than 1000 bytes (http://127.0.0.1:%1/v4.0.0/libpod/"
                 "containers/x/logs)"_s.arg(server.port()));
    }

    void noAnswerTimesOut()
    {
        OneShotServer server({}); // reads the request, never answers
        HttpClient client(u"Caddy"_s);
        HttpRequest request;
        request.method = "POST";
        request.url = server.url(u"/load"_s);
        request.body = "{}";
        request.timeoutMs = 300;
        QElapsedTimer timer;
        timer.start();
        const auto response = client.send(request);
        QVERIFY(!response.ok());
        QCOMPARE(response.error().code, ErrorCode::Timeout);
        QCOMPARE(response.error().message,
                 u"Caddy did not answer within 300 ms (POST http://127.0.0.1:%1/load)"_s.arg(
                     server.port()));
        QVERIFY(timer.elapsed() < 5000);
    }

    void anUnreadableBodyFileIsIoFailed()
    {
        HttpClient client(u"Podman"_s);
        HttpRequest request;
        request.method = "POST";
        request.url = u"http://127.0.0.1:1/images/load"_s;
        request.bodyFile = u"/nonexistent/image.tar"_s;
        const auto response = client.send(request);
        QVERIFY(!response.ok());
        QCOMPARE(response.error().code, ErrorCode::IoFailed);
        QVERIFY(response.error().message.startsWith(u"cannot read /nonexistent/image.tar"_s));
    }

    void errorTextReadsTheServicesBody()
    {
        QCOMPARE(berth::provider::httpErrorText({500, R"({"cause":"x","message":"boom"})"}),
                 u"HTTP 500: boom"_s);
        QCOMPARE(berth::provider::httpErrorText({400, "plain text\n"}), u"HTTP 400: plain text"_s);
        QCOMPARE(berth::provider::httpErrorText({502, {}}), u"HTTP 502"_s);
        const QString cut = berth::provider::httpErrorText({500, QByteArray(1000, 'a')});
        QCOMPARE(cut, u"HTTP 500: "_s + QString(400, u'a') + u"…"_s);
    }
};

QTEST_GUILESS_MAIN(TestHttpClient)
#include "tst_httpclient.moc"
