// berthd's admin API (issue 7, the operator's side of monitoring): a real
// berthd with Podman, Caddy and a devnet. The API opens only with the token of
// <dataDir>/admin.token (owner-only), refuses browser origins, and shows the
// operator every deployment with its metrics and logs, also after the
// publisher deleted it; berthctl admin reaches it through the binary.
#include "providerstack.h"

#include <QJsonArray>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

#include <sys/stat.h>

using namespace berth;
using namespace berth::test;
using protocol::RpcErrorCode;

namespace {

const QString Line = u"admin-sees-this"_s;

QByteArray tickerManifest()
{
    return QStringLiteral(R"(apiVersion: berth/v1
kind: Pod
metadata: {name: watched}
containers:
  - name: main
    image: localhost/berth-test/busybox:1
    command: ["/bin/sh", "-c", "echo %1; i=0; while :; do i=$((i+1)); echo tick-$i; sleep 1; done"]
    resources: {cpu: 50m, memory: 16Mi}
)")
        .arg(Line)
        .toUtf8();
}

QStringList seriesOf(const QJsonObject &metrics, const QString &container)
{
    QStringList names;
    for (const QJsonValue &entry : metrics.value(u"series"_s).toArray())
        if (entry[u"container"_s].toString() == container &&
            !entry[u"points"_s].toArray().isEmpty())
            names.append(entry[u"series"_s].toString());
    return names;
}

// A raw WebSocket to the admin port, for what berthctl never sends.
struct RawSocket
{
    QWebSocket socket;
    QList<QJsonObject> frames;

    explicit RawSocket(const QString &origin = {})
        : socket(origin)
    {
        QObject::connect(&socket, &QWebSocket::textMessageReceived, &socket,
                         [this](const QString &text) {
                             frames.append(QJsonDocument::fromJson(text.toUtf8()).object());
                         });
    }

    bool open(const QNetworkRequest &request)
    {
        QSignalSpy connected(&socket, &QWebSocket::connected);
        QSignalSpy disconnected(&socket, &QWebSocket::disconnected);
        socket.open(request);
        for (int i = 0; i < 50 && connected.isEmpty() && disconnected.isEmpty(); ++i)
            QTest::qWait(100);
        return !connected.isEmpty();
    }

    // Sends a request and waits for the frame answering it (or any error frame).
    QJsonObject request(const QString &method, const QJsonObject &params, int id)
    {
        const qsizetype before = frames.size();
        socket.sendTextMessage(QString::fromUtf8(QJsonDocument(QJsonObject{{u"jsonrpc"_s, u"2.0"_s},
                                                                           {u"id"_s, id},
                                                                           {u"method"_s, method},
                                                                           {u"params"_s, params}})
                                                     .toJson(QJsonDocument::Compact)));
        for (int i = 0; i < 50 && frames.size() == before; ++i)
            QTest::qWait(100);
        return frames.size() > before ? frames.last() : QJsonObject();
    }

    bool waitClosed(int timeoutMs)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (socket.state() != QAbstractSocket::UnconnectedState && !deadline.hasExpired())
            QTest::qWait(100);
        return socket.state() == QAbstractSocket::UnconnectedState;
    }
};

int errorCode(const QJsonObject &frame)
{
    return frame.value(u"error"_s).toObject().value(u"code"_s).toInt();
}

} // namespace

class TestAdminApi : public ProviderStack
{
    Q_OBJECT

    int m_adminPort = 0;
    QString m_tokenFile;
    QString m_deployment;

    QUrl adminUrl() const { return QUrl(u"ws://127.0.0.1:%1"_s.arg(m_adminPort)); }

    QByteArray token() const
    {
        QFile file(m_tokenFile);
        return file.open(QIODevice::ReadOnly) ? file.readAll().trimmed() : QByteArray();
    }

    // The shared client on the admin port, logged in with admin.login.
    std::unique_ptr<protocol::ProtocolClient> admin()
    {
        auto client = std::make_unique<protocol::ProtocolClient>();
        QSignalSpy opened(client.get(), &protocol::ProtocolClient::opened);
        client->openLocal(adminUrl());
        if (!opened.wait(10000))
            return nullptr;
        const auto login =
            call(*client, u"admin.login"_s, {{u"token"_s, QString::fromLatin1(token())}});
        if (!login) {
            qWarning().noquote() << "admin.login:" << login.error().message;
            return nullptr;
        }
        return client;
    }

    static QJsonObject adminCall(protocol::ProtocolClient &client, const QString &method,
                                 const QJsonObject &params = {})
    {
        const auto result = call(client, method, params);
        if (!result) {
            qWarning().noquote() << method << result.error().message;
            return {};
        }
        return result->toObject();
    }

    QJsonObject deploymentEntry(protocol::ProtocolClient &client, const QString &id)
    {
        const QJsonObject listed = adminCall(client, u"admin.deployments"_s);
        for (const QJsonValue &v : listed.value(u"deployments"_s).toArray())
            if (v[u"id"_s].toString() == id)
                return v.toObject();
        return {};
    }

    // Polls admin.metrics until `container` has every one of `wanted` series.
    QStringList waitForSeries(protocol::ProtocolClient &client, const QJsonObject &params,
                              const QString &container, const QStringList &wanted)
    {
        QDeadlineTimer deadline(40000);
        QStringList seen;
        while (!deadline.hasExpired()) {
            seen = seriesOf(adminCall(client, u"admin.metrics"_s, params), container);
            if (std::all_of(wanted.begin(), wanted.end(),
                            [&](const QString &s) { return seen.contains(s); }))
                break;
            QTest::qWait(500);
        }
        return seen;
    }

    QStringList waitForLogLine(protocol::ProtocolClient &client, const QString &text)
    {
        QDeadlineTimer deadline(20000);
        QStringList texts;
        while (!deadline.hasExpired()) {
            texts = textsOf(adminCall(client, u"admin.logs"_s,
                                      {{u"deployment"_s, m_deployment}, {u"tail"_s, 10000}})
                                .value(u"lines"_s)
                                .toArray());
            if (texts.contains(text))
                break;
            QTest::qWait(250);
        }
        return texts;
    }

    Run berthctlAdmin(QStringList args) const
    {
        args.prepend(u"admin"_s);
        args << u"--admin"_s << adminUrl().toString() << u"--data-dir"_s
             << m_home.filePath(u"berthd"_s) << u"--json"_s;
        return berthctl(args);
    }

private slots:
    void initTestCase()
    {
        // Host ports of its own: integration tests run two at a time.
        setPortRanges({49000, 49100, 100});
        if (!PodmanFixture::available())
            QSKIP("podman is not installed: run scripts/test, which installs it");
        // metrics on any free port as by default, the admin API too.
        setExtraConfig("metrics: {intervalSeconds: 2, listen: {port: 0}}\n"
                       "admin: {listen: {port: 0}}\n");
        QString error;
        QVERIFY2(start(&error), qPrintable(error));
        static const QRegularExpression line(
            u"admin API on ws://127\\.0\\.0\\.1:(\\d+) \\(token in ([^)]+)\\)"_s);
        const auto match = line.match(berthdLog());
        QVERIFY2(match.hasMatch(), qPrintable(berthdLog()));
        m_adminPort = match.captured(1).toInt();
        m_tokenFile = match.captured(2);
        QCOMPARE(m_tokenFile, m_home.filePath(u"berthd/admin.token"_s));
    }

    void cleanupTestCase() { QVERIFY(stop()); }

    void tokenFileIsOwnerOnlyAndKept()
    {
        struct stat info
        {};
        QCOMPARE(::stat(QFile::encodeName(m_tokenFile).constData(), &info), 0);
        QCOMPARE(int(info.st_mode & 0777), 0600);
        const QByteArray first = token();
        QVERIFY2(
            QRegularExpression(u"^[0-9a-f]{64}$"_s).match(QString::fromLatin1(first)).hasMatch(),
            first.constData());

        // A restart keeps the token (and tells where it is again).
        killBerthd();
        QString error;
        QVERIFY2(startBerthd(&error), qPrintable(error));
        static const QRegularExpression line(u"admin API on ws://127\\.0\\.0\\.1:(\\d+)"_s);
        const auto match = line.match(berthdLog());
        QVERIFY2(match.hasMatch(), qPrintable(berthdLog()));
        m_adminPort = match.captured(1).toInt();
        QCOMPARE(token(), first);
    }

    void nothingWithoutTheToken()
    {
        RawSocket raw;
        QVERIFY(raw.open(QNetworkRequest(adminUrl())));
        const QJsonObject refused = raw.request(u"admin.status"_s, {}, 1);
        QCOMPARE(errorCode(refused), int(RpcErrorCode::Unauthenticated));
        QVERIFY2(refused[u"error"_s][u"message"_s].toString().contains(u"call admin.login"_s),
                 qPrintable(refused[u"error"_s][u"message"_s].toString()));
        QVERIFY(!refused.contains(u"result"_s));
        // No login within 10 s: closed.
        QVERIFY(raw.waitClosed(15000));
    }

    void aWrongTokenIsRefusedAndClosed()
    {
        RawSocket login;
        QVERIFY(login.open(QNetworkRequest(adminUrl())));
        const QJsonObject refused =
            login.request(u"admin.login"_s, {{u"token"_s, QString(64, u'0')}}, 1);
        QCOMPARE(errorCode(refused), int(RpcErrorCode::Unauthenticated));
        QVERIFY(refused[u"error"_s][u"message"_s].toString().contains(u"wrong admin token"_s));
        QVERIFY(login.waitClosed(8000));

        QNetworkRequest request(adminUrl());
        request.setRawHeader("Authorization", "Bearer " + QByteArray(64, 'f'));
        RawSocket bearer;
        bearer.open(request);
        QVERIFY(bearer.waitClosed(8000));
        QVERIFY(bearer.frames.isEmpty() ||
                errorCode(bearer.frames.first()) == int(RpcErrorCode::Unauthenticated));
    }

    void theBearerTokenOpensTheHandshake()
    {
        QNetworkRequest request(adminUrl());
        request.setRawHeader("Authorization", "Bearer " + token());
        RawSocket raw;
        QVERIFY(raw.open(request));
        const QJsonObject status = raw.request(u"admin.status"_s, {}, 7);
        QCOMPARE(status[u"id"_s].toInt(), 7);
        QCOMPARE(status[u"result"_s][u"provider"_s].toString(), providerAddress());
        QCOMPARE(status[u"result"_s][u"chainId"_s].toInteger(), 31337);
        QCOMPARE(status[u"result"_s][u"protocolPort"_s].toInt(), berthdPort());
        QVERIFY(status[u"result"_s][u"version"_s].toString().startsWith(u"berthd "_s));
        QVERIFY(status[u"result"_s][u"metricsPort"_s].toInt() > 0);
        QCOMPARE(status[u"result"_s][u"adminPort"_s].toInt(), m_adminPort);
    }

    void aBrowserOriginIsRefused()
    {
        RawSocket page(u"http://evil.example"_s);
        QNetworkRequest request(adminUrl());
        request.setRawHeader("Authorization", "Bearer " + token());
        QVERIFY(!page.open(request));
        QVERIFY(page.frames.isEmpty());
        QCOMPARE(page.socket.state(), QAbstractSocket::UnconnectedState);
    }

    void theOperatorSeesAPublishersDeployment()
    {
        QString error;
        auto publisher = connectAs(u"publisher"_s, &error);
        QVERIFY2(publisher, qPrintable(error));
        auto quote = quoteAndPay(*publisher, u"watched"_s, tickerManifest(), u"50"_s);
        QVERIFY2(quote.ok(), qPrintable(quote ? QString() : quote.error().message));
        const auto provisioned =
            call(*publisher, u"pod.provision"_s,
                 {{u"name"_s, u"watched"_s}, {u"manifest"_s, QString::fromUtf8(tickerManifest())}});
        QVERIFY2(provisioned.ok(),
                 qPrintable(provisioned ? QString() : provisioned.error().message));
        m_deployment = provisioned->toObject().value(u"deployment"_s).toString();

        auto client = admin();
        QVERIFY(client);
        const QJsonObject entry = deploymentEntry(*client, m_deployment);
        QCOMPARE(entry[u"name"_s].toString(), u"watched"_s);
        QCOMPARE(entry[u"publisher"_s].toString(), publisherAddress());
        QCOMPARE(entry[u"state"_s].toString(), u"running"_s);
        QVERIFY(entry[u"channelId"_s].toString().startsWith(u"0x"_s));
        QVERIFY(
            QDateTime::fromString(entry[u"createdAt"_s].toString(), Qt::ISODateWithMs).isValid());
        const QJsonObject status = adminCall(*client, u"admin.status"_s);
        QVERIFY(status[u"deployments"_s][u"byState"_s][u"running"_s].toInt() >= 1);

        QVERIFY(waitForLogLine(*client, Line).contains(Line));
        const QJsonObject params{{u"deployment"_s, m_deployment}};
        const QStringList series =
            waitForSeries(*client, params, u"main"_s, {u"cpu"_s, u"memory"_s});
        QVERIFY2(series.contains(u"cpu"_s) && series.contains(u"memory"_s),
                 qPrintable(series.join(u", "_s)));
        // The machine's own series, with or without its name.
        QVERIFY(waitForSeries(*client, {}, u"machine"_s, {u"memory"_s}).contains(u"memory"_s));
        QCOMPARE(adminCall(*client, u"admin.metrics"_s, {{u"deployment"_s, u"machine"_s}})
                     .value(u"deployment"_s)
                     .toString(),
                 u"machine"_s);
        // An unknown deployment is NotFound, for the operator too.
        QCOMPARE(codeOf(call(*client, u"admin.logs"_s, {{u"deployment"_s, u"nope-00000000"_s}})),
                 RpcErrorCode::NotFound);
    }

    void followDeliversNewLines()
    {
        QVERIFY(!m_deployment.isEmpty());
        auto client = admin();
        QVERIFY(client);
        QList<QJsonObject> notifications;
        connect(client.get(), &protocol::ProtocolClient::notification, this,
                [&](const protocol::Notification &n) {
                    if (n.method == u"admin.logs"_s)
                        notifications.append(n.params);
                });
        const QJsonObject first =
            adminCall(*client, u"admin.logs"_s,
                      {{u"deployment"_s, m_deployment}, {u"tail"_s, 1}, {u"follow"_s, true}});
        QVERIFY(first.contains(u"subscription"_s));
        QDeadlineTimer deadline(20000);
        while (notifications.isEmpty() && !deadline.hasExpired())
            QTest::qWait(200);
        QVERIFY(!notifications.isEmpty());
        QCOMPARE(notifications.first()[u"subscription"_s].toInteger(),
                 first[u"subscription"_s].toInteger());
        QCOMPARE(notifications.first()[u"deployment"_s].toString(), m_deployment);
        QVERIFY(
            textsOf(notifications.first()[u"lines"_s].toArray()).first().startsWith(u"tick-"_s));
    }

    void berthctlAdminThroughTheBinary()
    {
        QVERIFY(!m_deployment.isEmpty());
        const Run status = berthctlAdmin({u"status"_s});
        QVERIFY2(status.exitCode == 0, qPrintable(status.err));
        QCOMPARE(status.json().value(u"provider"_s).toString(), providerAddress());
        QCOMPARE(status.json().value(u"adminPort"_s).toInt(), m_adminPort);

        const Run logs = berthctlAdmin({u"logs"_s, u"watched"_s, u"--tail"_s, u"10000"_s});
        QVERIFY2(logs.exitCode == 0, qPrintable(logs.err));
        QStringList texts;
        for (const QString &line : logs.out.split(u'\n', Qt::SkipEmptyParts))
            texts.append(QJsonDocument::fromJson(line.toUtf8()).object()[u"text"_s].toString());
        QVERIFY2(texts.contains(Line), qPrintable(logs.out));

        const Run wrongDir = berthctl({u"admin"_s, u"status"_s, u"--admin"_s, adminUrl().toString(),
                                       u"--token-file"_s, m_home.filePath(u"password"_s)});
        QCOMPARE(wrongDir.exitCode, 1);
        // Plain ws:// carries the token in clear: berthctl never sends it off the machine.
        const Run remote = berthctl({u"admin"_s, u"status"_s, u"--admin"_s,
                                     u"ws://192.0.2.1:7480"_s, u"--token-file"_s, m_tokenFile});
        QCOMPARE(remote.exitCode, 1);
        QVERIFY2(remote.err.contains(u"must stay on this machine"_s), qPrintable(remote.err));
        QVERIFY2(wrongDir.err.contains(u"does not hold an admin token"_s),
                 qPrintable(wrongDir.err));
    }

    void stillVisibleAfterTheDelete()
    {
        QVERIFY(!m_deployment.isEmpty());
        QString error;
        auto publisher = connectAs(u"publisher"_s, &error);
        QVERIFY2(publisher, qPrintable(error));
        const auto deleted = call(*publisher, u"pod.delete"_s, {{u"deployment"_s, m_deployment}});
        QVERIFY2(deleted.ok(), qPrintable(deleted ? QString() : deleted.error().message));

        auto client = admin();
        QVERIFY(client);
        QCOMPARE(deploymentEntry(*client, m_deployment)[u"state"_s].toString(), u"deleted"_s);
        QVERIFY(waitForLogLine(*client, Line).contains(Line));
        const QStringList series = seriesOf(
            adminCall(*client, u"admin.metrics"_s, {{u"deployment"_s, m_deployment}}), u"main"_s);
        QVERIFY2(series.contains(u"cpu"_s) && series.contains(u"memory"_s),
                 qPrintable(series.join(u", "_s)));

        // berthctl finds the deleted deployment by its name too.
        const Run logs = berthctlAdmin({u"logs"_s, u"watched"_s});
        QVERIFY2(logs.exitCode == 0, qPrintable(logs.err));
        QVERIFY2(logs.out.contains(Line), qPrintable(logs.out));
    }
};

QTEST_GUILESS_MAIN(TestAdminApi)
#include "tst_adminapi.moc"
