// CaddyIngress against a real Caddy 2.6 (caddyfixture.h): routes reached by host
// name through Caddy to busybox httpd upstreams, replacement, conflicts, removal,
// the routes a provider made by hand, Caddy down, and Caddy's internal TLS.

#include "caddyfixture.h"
#include "provider/caddyingress.h"
#include "provider/httpclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSslCertificate>
#include <QSslSocket>
#include <QTest>

#include <atomic>
#include <memory>
#include <thread>

using namespace Qt::StringLiterals;
using berth::ErrorCode;
using berth::provider::CaddyIngress;
using berth::provider::HttpClient;
using berth::provider::HttpRequest;
using berth::provider::IngressRoute;

namespace {

// `busybox httpd` serving one index.html on a free loopback port.
class Upstream
{
public:
    ~Upstream()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    bool start(const QByteArray &page)
    {
        const QString busybox = QStandardPaths::findExecutable(u"busybox"_s);
        if (busybox.isEmpty() || !m_dir.isValid())
            return false;
        QFile index(m_dir.filePath(u"index.html"_s));
        if (!index.open(QIODevice::WriteOnly) || index.write(page) != page.size())
            return false;
        index.close();
        m_port = CaddyFixture::freePort();
        m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        m_process.start(busybox, {u"httpd"_s, u"-f"_s, u"-p"_s, address(), u"-h"_s, m_dir.path()});
        if (!m_process.waitForStarted(5000))
            return false;
        const QDeadlineTimer deadline(5000);
        while (!deadline.hasExpired()) {
            QTcpSocket socket;
            socket.connectToHost(QHostAddress::LocalHost, quint16(m_port));
            if (socket.waitForConnected(200))
                return true;
            QThread::msleep(50);
        }
        return false;
    }

    QString address() const { return u"127.0.0.1:"_s + QString::number(m_port); }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    int m_port = 0;
};

// The message of a failed result, for QVERIFY2 (which evaluates it either way).
template<typename T> QString why(const berth::Result<T> &result)
{
    return result.ok() ? QString() : result.error().message;
}

struct Page
{
    int status = 0;
    QByteArray body;
};

} // namespace

class TestCaddyIngress : public QObject
{
    Q_OBJECT

private:
    CaddyFixture m_caddy;
    Upstream m_alpha;
    Upstream m_beta;
    std::unique_ptr<CaddyIngress> m_ingress;
    HttpClient m_http{u"Caddy"_s};

    CaddyIngress::Options plainOptions() const
    {
        CaddyIngress::Options options;
        options.adminUrl = m_caddy.adminUrl();
        options.listen = {u"127.0.0.1:"_s + QString::number(m_caddy.httpPort())};
        options.tlsMode = CaddyIngress::TlsMode::Off;
        return options;
    }

    // An admin API request; the body of a 2xx answer, or a failed check.
    QByteArray admin(const QByteArray &method, const QString &path, const QByteArray &body = {},
                     int *status = nullptr)
    {
        HttpRequest request;
        request.method = method;
        request.url = m_caddy.adminUrl() + path;
        request.body = body;
        if (!body.isEmpty())
            request.headers.append(
                {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
        const auto response = m_http.send(request);
        if (!response.ok()) {
            qWarning() << response.error().message;
            return {};
        }
        if (status)
            *status = response->status;
        return response->body;
    }

    QJsonValue adminJson(const QString &path)
    {
        const QByteArray body = admin("GET", path);
        return QJsonDocument::fromJson('[' + body + ']').array().at(0);
    }

    // A page through Caddy's HTTP port, with this Host header.
    Page fetch(const QString &host)
    {
        HttpRequest request;
        request.url = u"http://127.0.0.1:"_s + QString::number(m_caddy.httpPort()) + u"/"_s;
        request.headers.append({"Host", host.toUtf8()});
        // A kept-alive connection may still be served by the server Caddy had
        // before a config change: every fetch opens a new one.
        request.headers.append({QByteArrayLiteral("Connection"), QByteArrayLiteral("close")});
        request.timeoutMs = 10000;
        const auto response = m_http.send(request);
        if (!response.ok())
            return Page{-1, response.error().message.toUtf8()};
        return Page{response->status, response->body};
    }

    static IngressRoute route(const QString &port, const QStringList &hosts,
                              const QString &upstream)
    {
        return IngressRoute{port, hosts, upstream};
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(m_caddy.start(), qPrintable(m_caddy.errorString()));
        QVERIFY(m_alpha.start("alpha page\n"));
        QVERIFY(m_beta.start("beta page\n"));
        m_ingress = std::make_unique<CaddyIngress>(plainOptions());
    }

    void etagIsCaddys()
    {
        // Caddy sends its ETag as a trailer: read the raw answer and compare.
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, quint16(m_caddy.adminPort()));
        QVERIFY(socket.waitForConnected(2000));
        socket.write("GET /config/ HTTP/1.1\r\nHost: 127.0.0.1:" +
                     QByteArray::number(m_caddy.adminPort()) + "\r\nConnection: close\r\n\r\n");
        QByteArray raw;
        while (socket.waitForReadyRead(2000))
            raw += socket.readAll();
        const qsizetype at = raw.indexOf("Etag: ");
        QVERIFY2(at > 0, raw.constData());
        const QByteArray etag = raw.mid(at + 6, raw.indexOf("\r\n", at) - at - 6);
        QCOMPARE(CaddyIngress::configEtag(u"/config/"_s, admin("GET", u"/config/"_s)), etag);
    }

    void ensureServerOnEmptyCaddy()
    {
        QCOMPARE(adminJson(u"/config/apps"_s), QJsonValue(QJsonValue::Null));
        const auto created = m_ingress->ensureServer();
        QVERIFY2(created.ok(), qPrintable(why(created)));
        const QJsonObject server = adminJson(u"/config/apps/http/servers/berth"_s).toObject();
        QCOMPARE(server.value("listen"_L1).toArray(),
                 QJsonArray{QJsonValue(u"127.0.0.1:"_s + QString::number(m_caddy.httpPort()))});
        QCOMPARE(server.value("automatic_https"_L1).toObject().value("disable"_L1), true);
        QCOMPARE(server.value("routes"_L1).toArray(), QJsonArray());
        // The admin API is still where it was.
        QCOMPARE(adminJson(u"/config/admin/listen"_s).toString(),
                 u"127.0.0.1:"_s + QString::number(m_caddy.adminPort()));

        const QByteArray before = admin("GET", u"/config/"_s);
        QVERIFY(m_ingress->ensureServer().ok());
        QCOMPARE(admin("GET", u"/config/"_s), before);
        QVERIFY(m_ingress->ping().ok());
    }

    void handMadeRoutes()
    {
        // What a provider configured by hand: a host of its own, and a catch-all.
        int status = 0;
        admin("POST", u"/config/apps/http/servers/berth/routes"_s,
              R"({"@id": "admin-dashboard", "match": [{"host": ["dashboard.localhost"]}],
                  "handle": [{"handler": "static_response", "body": "hand made"}]})",
              &status);
        QCOMPARE(status, 200);
        admin("POST", u"/config/apps/http/servers/berth/routes"_s,
              R"({"match": [{"host": ["*.admin.localhost"]}],
                  "handle": [{"handler": "static_response", "body": "wildcard"}]})",
              &status);
        QCOMPARE(status, 200);
        admin("POST", u"/config/apps/http/servers/berth/routes"_s,
              R"({"handle": [{"handler": "static_response", "status_code": 404,
                              "body": "no route"}]})",
              &status);
        QCOMPARE(status, 200);
        QCOMPARE(fetch(u"dashboard.localhost"_s).body, "hand made");
        QCOMPARE(fetch(u"x.admin.localhost"_s).body, "wildcard");
        QCOMPARE(fetch(u"shop.example.com"_s).status, 404);
    }

    void routeReachesUpstreamByHost()
    {
        const auto set = m_ingress->setRoutes(
            u"shop"_s,
            {route(u"web"_s, {u"Shop.Example.COM"_s, u"shop.localhost"_s}, m_alpha.address()),
             route(u"api"_s, {u"api.shop.localhost"_s}, m_beta.address())});
        QVERIFY2(set.ok(), qPrintable(why(set)));

        QCOMPARE(fetch(u"shop.example.com"_s).body, "alpha page\n");
        QCOMPARE(fetch(u"shop.localhost"_s).body, "alpha page\n");
        QCOMPARE(fetch(u"api.shop.localhost"_s).body, "beta page\n");
        // *.localhost resolves to loopback: reach it by its name, no Host header.
        HttpRequest byName;
        byName.url = u"http://shop.localhost:"_s + QString::number(m_caddy.httpPort()) + u"/"_s;
        const auto page = m_http.send(byName);
        QVERIFY2(page.ok(), qPrintable(why(page)));
        QCOMPARE(page->status, 200);
        QCOMPARE(page->body, "alpha page\n");

        // The route as Caddy holds it.
        const QJsonObject web = adminJson(u"/id/berth-shop--web"_s).toObject();
        QCOMPARE(web.value("terminal"_L1), true);
        QCOMPARE(web.value("match"_L1).toArray().at(0).toObject().value("host"_L1).toArray(),
                 (QJsonArray{u"shop.example.com"_s, u"shop.localhost"_s}));
        const QJsonObject handler = web.value("handle"_L1).toArray().at(0).toObject();
        QCOMPARE(handler.value("handler"_L1).toString(), u"reverse_proxy"_s);
        QCOMPARE(handler.value("upstreams"_L1).toArray().at(0).toObject().value("dial"_L1),
                 m_alpha.address());

        // Berth's routes go before the hand-made ones, which are all still there.
        const QJsonArray all = adminJson(u"/config/apps/http/servers/berth/routes"_s).toArray();
        QCOMPARE(all.size(), 5);
        QCOMPARE(all.at(0).toObject().value("@id"_L1).toString(), u"berth-shop--web"_s);
        QCOMPARE(all.at(1).toObject().value("@id"_L1).toString(), u"berth-shop--api"_s);
        QCOMPARE(all.at(2).toObject().value("@id"_L1).toString(), u"admin-dashboard"_s);
        QCOMPARE(fetch(u"dashboard.localhost"_s).body, "hand made");
        QCOMPARE(fetch(u"elsewhere.localhost"_s).body, "no route");
    }

    void routesRoundTrip()
    {
        const auto routes = m_ingress->routes();
        QVERIFY2(routes.ok(), qPrintable(why(routes)));
        QCOMPARE(routes->keys(), QStringList{u"shop"_s});
        const QList<IngressRoute> expected{
            route(u"web"_s, {u"shop.example.com"_s, u"shop.localhost"_s}, m_alpha.address()),
            route(u"api"_s, {u"api.shop.localhost"_s}, m_beta.address())};
        QCOMPARE(routes->value(u"shop"_s), expected);
    }

    void setRoutesReplaces()
    {
        const auto set = m_ingress->setRoutes(
            u"shop"_s, {route(u"web"_s, {u"new.localhost"_s}, m_beta.address())});
        QVERIFY2(set.ok(), qPrintable(why(set)));
        QCOMPARE(fetch(u"new.localhost"_s).body, "beta page\n");
        const Page old = fetch(u"shop.example.com"_s);
        QCOMPARE(old.status, 404);
        QCOMPARE(old.body, "no route");
        QCOMPARE(fetch(u"api.shop.localhost"_s).body, "no route");
        int status = 0;
        admin("GET", u"/id/berth-shop--api"_s, {}, &status);
        QCOMPARE(status, 404);
        QCOMPARE(m_ingress->routes()->value(u"shop"_s),
                 QList<IngressRoute>{route(u"web"_s, {u"new.localhost"_s}, m_beta.address())});
        // Setting the same routes again changes nothing.
        const QByteArray before = admin("GET", u"/config/"_s);
        QVERIFY(
            m_ingress
                ->setRoutes(u"shop"_s, {route(u"web"_s, {u"new.localhost"_s}, m_beta.address())})
                .ok());
        QCOMPARE(admin("GET", u"/config/"_s), before);
    }

    void anotherDeploymentCannotTakeAHost()
    {
        const QByteArray before = admin("GET", u"/config/"_s);
        const auto taken = m_ingress->setRoutes(
            u"thief"_s,
            {route(u"web"_s, {u"mine.localhost"_s, u"NEW.localhost"_s}, m_alpha.address())});
        QVERIFY(!taken.ok());
        QCOMPARE(taken.error().code, ErrorCode::Conflict);
        QVERIFY2(taken.error().message.contains(
                     u"host new.localhost is already routed to another deployment"_s),
                 qPrintable(why(taken)));
        const auto handMade = m_ingress->setRoutes(
            u"thief"_s, {route(u"web"_s, {u"dashboard.localhost"_s}, m_alpha.address())});
        QCOMPARE(handMade.error().code, ErrorCode::Conflict);
        QVERIFY2(handMade.error().message.contains(u"host dashboard.localhost is already routed"_s),
                 qPrintable(why(handMade)));
        const auto wildcard = m_ingress->setRoutes(
            u"thief"_s, {route(u"web"_s, {u"x.admin.localhost"_s}, m_alpha.address())});
        QCOMPARE(wildcard.error().code, ErrorCode::Conflict);
        QVERIFY2(wildcard.error().message.contains(u"host x.admin.localhost is already routed"_s),
                 qPrintable(why(wildcard)));
        QCOMPARE(admin("GET", u"/config/"_s), before);
        QCOMPARE(fetch(u"new.localhost"_s).body, "beta page\n");
        QCOMPARE(fetch(u"mine.localhost"_s).body, "no route");
    }

    void invalidArgumentsChangeNothing_data()
    {
        QTest::addColumn<QString>("deployment");
        QTest::addColumn<QString>("port");
        QTest::addColumn<QStringList>("hosts");
        QTest::addColumn<QString>("upstream");
        QTest::addColumn<QString>("fragment");
        const QString up = u"127.0.0.1:8080"_s;
        QTest::newRow("underscore") << u"ok"_s << u"web"_s << QStringList{u"bad_host.example"_s}
                                    << up << u"\"bad_host.example\" is not a host name"_s;
        QTest::newRow("wildcard") << u"ok"_s << u"web"_s << QStringList{u"*.example.com"_s} << up
                                  << u"wildcard host \"*.example.com\" is not supported"_s;
        QTest::newRow("ip") << u"ok"_s << u"web"_s << QStringList{u"127.0.0.1"_s} << up
                            << u"is not a host name"_s;
        QTest::newRow("no dot") << u"ok"_s << u"web"_s << QStringList{u"localhost"_s} << up
                                << u"is not a host name"_s;
        QTest::newRow("no hosts") << u"ok"_s << u"web"_s << QStringList{} << up
                                  << u"port \"web\" has no host names"_s;
        QTest::newRow("upstream") << u"ok"_s << u"web"_s << QStringList{u"a.localhost"_s}
                                  << u"nowhere"_s << u"upstream \"nowhere\" is not host:port"_s;
        QTest::newRow("port name") << u"ok"_s << u"we--b"_s << QStringList{u"a.localhost"_s} << up
                                   << u"port name \"we--b\""_s;
        QTest::newRow("deployment") << u"Shop"_s << u"web"_s << QStringList{u"a.localhost"_s} << up
                                    << u"deployment id \"Shop\""_s;
    }

    void invalidArgumentsChangeNothing()
    {
        QFETCH(QString, deployment);
        QFETCH(QString, port);
        QFETCH(QStringList, hosts);
        QFETCH(QString, upstream);
        QFETCH(QString, fragment);
        const QByteArray before = admin("GET", u"/config/"_s);
        const auto set = m_ingress->setRoutes(deployment, {route(port, hosts, upstream)});
        QVERIFY(!set.ok());
        QCOMPARE(set.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(set.error().message.contains(fragment), qPrintable(why(set)));
        QCOMPARE(admin("GET", u"/config/"_s), before);
    }

    void hostOnTwoPortsIsRefused()
    {
        const auto set = m_ingress->setRoutes(
            u"twice"_s, {route(u"web"_s, {u"twice.localhost"_s}, m_alpha.address()),
                         route(u"alt"_s, {u"Twice.localhost"_s}, m_beta.address())});
        QCOMPARE(set.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(set.error().message.contains(u"host twice.localhost is listed for two ports"_s),
                 qPrintable(why(set)));
    }

    void deploymentIdsWithDashes()
    {
        QCOMPARE(CaddyIngress::routeId(u"a--b"_s, u"http-alt"_s), u"berth-a--b--http-alt"_s);
        QCOMPARE(CaddyIngress::parseRouteId(u"berth-a--b--http-alt"_s),
                 (std::pair{u"a--b"_s, u"http-alt"_s}));
        QCOMPARE(CaddyIngress::parseRouteId(u"berth-shop"_s), std::nullopt);
        QCOMPARE(CaddyIngress::parseRouteId(u"admin-dashboard"_s), std::nullopt);

        QVERIFY(m_ingress
                    ->setRoutes(u"a-b"_s, {route(u"web"_s, {u"ab.localhost"_s}, m_alpha.address())})
                    .ok());
        QVERIFY(m_ingress
                    ->setRoutes(u"a-b--c"_s,
                                {route(u"http-alt"_s, {u"abc.localhost"_s}, m_beta.address())})
                    .ok());
        const auto routes = m_ingress->routes();
        QVERIFY(routes.ok());
        QCOMPARE(routes->keys(), (QStringList{u"a-b"_s, u"a-b--c"_s, u"shop"_s}));
        QCOMPARE(routes->value(u"a-b--c"_s),
                 QList<IngressRoute>{route(u"http-alt"_s, {u"abc.localhost"_s}, m_beta.address())});

        QVERIFY(m_ingress->removeRoutes(u"a-b"_s).ok());
        QCOMPARE(m_ingress->routes()->keys(), (QStringList{u"a-b--c"_s, u"shop"_s}));
        QCOMPARE(fetch(u"abc.localhost"_s).body, "beta page\n");
        QCOMPARE(fetch(u"ab.localhost"_s).body, "no route");
        QVERIFY(m_ingress->setRoutes(u"a-b--c"_s, {}).ok()); // no routes: removes them
        QCOMPARE(m_ingress->routes()->keys(), QStringList{u"shop"_s});
    }

    void removeRoutes()
    {
        QVERIFY(m_ingress->removeRoutes(u"shop"_s).ok());
        QVERIFY(m_ingress->routes()->isEmpty());
        QCOMPARE(fetch(u"new.localhost"_s).body, "no route");
        int status = 0;
        admin("GET", u"/id/berth-shop--web"_s, {}, &status);
        QCOMPARE(status, 404);
        // Again, and for a deployment that never had routes: nothing to do.
        QVERIFY(m_ingress->removeRoutes(u"shop"_s).ok());
        QVERIFY(m_ingress->removeRoutes(u"never"_s).ok());
        // The host is free again for another deployment.
        QVERIFY(
            m_ingress
                ->setRoutes(u"next"_s, {route(u"web"_s, {u"new.localhost"_s}, m_alpha.address())})
                .ok());
        QCOMPARE(fetch(u"new.localhost"_s).body, "alpha page\n");
    }

    void handMadeRoutesSurvive()
    {
        const QJsonArray all = adminJson(u"/config/apps/http/servers/berth/routes"_s).toArray();
        QCOMPARE(all.size(), 4);
        QCOMPARE(all.at(1).toObject().value("@id"_L1).toString(), u"admin-dashboard"_s);
        QCOMPARE(fetch(u"x.admin.localhost"_s).body, "wildcard");
        QCOMPARE(
            all.at(3).toObject().value("handle"_L1).toArray().at(0).toObject().value("body"_L1),
            u"no route"_s);
        QCOMPARE(fetch(u"dashboard.localhost"_s).body, "hand made");
    }

    void missingServerIsCreatedBySetRoutes()
    {
        CaddyIngress::Options options = plainOptions();
        options.serverName = u"berth-late"_s;
        options.listen = {u"127.0.0.1:"_s + QString::number(CaddyFixture::freePort())};
        CaddyIngress late(options);
        QVERIFY(late.routes().ok());
        QVERIFY(late.routes()->isEmpty());
        const QJsonValue berthServer = adminJson(u"/config/apps/http/servers/berth"_s);
        const auto set =
            late.setRoutes(u"late"_s, {route(u"web"_s, {u"late.localhost"_s}, m_beta.address())});
        QVERIFY2(set.ok(), qPrintable(why(set)));
        QCOMPARE(late.routes()->keys(), QStringList{u"late"_s});
        QCOMPARE(adminJson(u"/config/apps/http/servers/berth"_s), berthServer);
    }

    void caddyDownIsUnavailable()
    {
        CaddyIngress::Options options = plainOptions();
        options.adminUrl = u"http://127.0.0.1:"_s + QString::number(CaddyFixture::freePort());
        CaddyIngress down(options);
        const auto ping = down.ping();
        QCOMPARE(ping.error().code, ErrorCode::Unavailable);
        QVERIFY2(
            ping.error().message.contains(u"is Caddy running? start it or set caddy.adminUrl"_s),
            qPrintable(why(ping)));
        const auto routes = down.routes();
        QVERIFY(!routes.ok());
        QCOMPARE(routes.error().code, ErrorCode::Unavailable);
        QCOMPARE(down.ensureServer().error().code, ErrorCode::Unavailable);
        QCOMPARE(down.setRoutes(u"shop"_s, {route(u"web"_s, {u"x.localhost"_s}, u"127.0.0.1:1"_s)})
                     .error()
                     .code,
                 ErrorCode::Unavailable);
        QCOMPARE(down.removeRoutes(u"shop"_s).error().code, ErrorCode::Unavailable);
    }

    void internalTls()
    {
        CaddyIngress::Options options = plainOptions();
        options.serverName = u"berth-tls"_s;
        const int port = CaddyFixture::freePort();
        options.listen = {u"127.0.0.1:"_s + QString::number(port)};
        options.tlsMode = CaddyIngress::TlsMode::Internal;
        CaddyIngress tls(options);
        QVERIFY(m_ingress->ensureServer().ok()); // also when this test runs alone
        const QJsonValue berthServer = adminJson(u"/config/apps/http/servers/berth"_s);
        QVERIFY(tls.ensureServer().ok());
        QCOMPARE(adminJson(u"/config/apps/http/servers/berth"_s), berthServer);
        QCOMPARE(adminJson(u"/config/apps/pki/certificate_authorities/local/install_trust"_s),
                 false);

        const auto set = tls.setRoutes(
            u"secure"_s, {route(u"web"_s, {u"secure.localhost"_s}, m_alpha.address())});
        QVERIFY2(set.ok(), qPrintable(why(set)));
        const QJsonObject policy = adminJson(u"/id/berthtls-secure"_s).toObject();
        QCOMPARE(policy.value("subjects"_L1).toArray(), QJsonArray{u"secure.localhost"_s});
        QCOMPARE(policy.value("issuers"_L1).toArray().at(0).toObject().value("module"_L1),
                 u"internal"_s);

        // Fetch over HTTPS with SNI secure.localhost, accepting Caddy's internal CA
        // (curl -k). Caddy gets its certificate in the background: retry a while.
        QByteArray answer;
        QString lastError;
        QSslCertificate certificate;
        const QDeadlineTimer deadline(30000);
        while (!answer.startsWith("HTTP/1.1 200") && !deadline.hasExpired()) {
            QSslSocket socket;
            socket.setPeerVerifyMode(QSslSocket::VerifyNone);
            socket.setPeerVerifyName(u"secure.localhost"_s);
            socket.connectToHostEncrypted(u"127.0.0.1"_s, quint16(port));
            answer.clear();
            if (socket.waitForEncrypted(5000)) {
                certificate = socket.peerCertificate();
                socket.write(
                    "GET / HTTP/1.1\r\nHost: secure.localhost\r\nConnection: close\r\n\r\n");
                while (socket.waitForReadyRead(5000))
                    answer += socket.readAll();
                answer += socket.readAll();
            } else {
                lastError = socket.errorString();
            }
            if (!answer.startsWith("HTTP/1.1 200"))
                QThread::msleep(250);
        }
        QVERIFY2(answer.startsWith("HTTP/1.1 200"),
                 qPrintable(lastError + u"\n"_s + QString::fromUtf8(answer) + m_caddy.log()));
        QVERIFY2(answer.contains("alpha page\n"), answer.constData());
        QVERIFY(certificate.subjectAlternativeNames()
                    .values(QSsl::DnsEntry)
                    .contains(u"secure.localhost"_s));
        QVERIFY2(certificate.issuerDisplayName().contains(u"Caddy Local Authority"_s),
                 qPrintable(certificate.issuerDisplayName()));

        QVERIFY(tls.removeRoutes(u"secure"_s).ok());
        int status = 0;
        admin("GET", u"/id/berthtls-secure"_s, {}, &status);
        QCOMPARE(status, 404);
        QVERIFY(tls.routes()->isEmpty());
    }

    void concurrentEditsAreNotClobbered()
    {
        // While Berth rewrites the server's routes, someone else appends routes by
        // hand. Without If-Match a write based on a stale read would drop theirs.
        QVERIFY(m_ingress->ensureServer().ok()); // also when this test runs alone
        constexpr int HandRoutes = 20;
        constexpr int Deployments = 8;
        std::atomic<int> handFailures = 0;
        std::jthread editor([&] { // joins on every way out
            HttpClient http(u"Caddy"_s);
            for (int i = 0; i < HandRoutes; ++i) {
                HttpRequest request;
                request.method = "POST";
                request.url = m_caddy.adminUrl() + u"/config/apps/http/servers/berth/routes"_s;
                request.headers.append(
                    {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
                request.body = R"({"@id": "hand-)" + QByteArray::number(i) +
                               R"(", "match": [{"host": ["hand)" + QByteArray::number(i) +
                               R"(.localhost"]}], "handle": [{"handler": "static_response"}]})";
                // Like any admin client: Caddy restarts its admin server on every
                // change, so a request may find no listener for a moment.
                bool added = false;
                for (int attempt = 0; attempt < 10 && !added; ++attempt) {
                    const auto response = http.send(request);
                    added = response.ok() && response->ok();
                    if (!added)
                        QThread::msleep(50);
                }
                if (!added)
                    ++handFailures;
            }
        });
        QStringList placed;
        for (int i = 0; i < Deployments; ++i) {
            const QString id = u"race-"_s + QString::number(i);
            const auto set = m_ingress->setRoutes(
                id, {route(u"web"_s, {id + u".localhost"_s}, m_alpha.address())});
            if (set.ok())
                placed.append(id);
            else
                QVERIFY2(set.error().code == ErrorCode::Conflict &&
                             set.error().message.contains(u"kept changing"_s),
                         qPrintable(set.error().message));
        }
        editor.join();
        QCOMPARE(handFailures.load(), 0);
        QVERIFY(!placed.isEmpty());

        const auto routes = m_ingress->routes();
        QVERIFY2(routes.ok(), qPrintable(why(routes)));
        for (const QString &id : std::as_const(placed))
            QVERIFY2(routes->contains(id), qPrintable(id));
        for (int i = 0; i < HandRoutes; ++i) {
            int status = 0;
            admin("GET", u"/id/hand-"_s + QString::number(i), {}, &status);
            QVERIFY2(status == 200, qPrintable(u"hand-"_s + QString::number(i) + u" was lost"_s));
        }
    }
};

QTEST_GUILESS_MAIN(TestCaddyIngress)
#include "tst_caddyingress.moc"
