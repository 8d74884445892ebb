#pragma once

// The provider side of Berth, whole, for a test or a benchmark on loopback: a
// private Podman (PodmanFixture), a private Caddy (CaddyFixture), an Anvil
// devnet with the provider, publisher and keeper accounts (DevnetTest), and a
// real berthd started with a config that ties them together. A publisher
// reaches it through the protocol client (connectAs, call), pays with berthctl
// (quoteAndPay) and fetches its pages through Caddy by host name (fetch,
// pageShows).
//
// Needs the macros of an integration test (BERTHD_PATH, BERTH_BIN_DIR,
// BERTH_ANVIL_PATH, BERTH_CAST_PATH) and Berth::Provider. Nothing here uses
// QTest macros: a benchmark uses it too.
//
//     if (!PodmanFixture::available()) QSKIP(...);
//     ProviderStack stack;           // or a test class derived from it
//     QString error;
//     if (!stack.start(&error)) ... // everything up, berthd serving
//     ...
//     stack.stop();                  // berthd killed, devnet stopped
//
// Podman and Caddy go with the object (their fixtures clean up on destruction).

#include "caddyfixture.h"
#include "core/result.h"
#include "crypto/privatekey.h"
#include "devnettest.h"
#include "podmanfixture.h"
#include "protocol/protocolclient.h"
#include "protocol/rpcerror.h"
#include "provider/httpclient.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTcpServer>
#include <QTest>
#include <QTimer>

#include <csignal>
#include <memory>
#include <optional>

namespace berth::test {

// The texts of pod.logs / admin.logs lines ({"text", …} objects), in order.
inline QStringList textsOf(const QJsonArray &lines)
{
    QStringList texts;
    for (const QJsonValue &line : lines)
        texts.append(line[u"text"_s].toString());
    return texts;
}

// The plainest pod: busybox httpd serving the page pageOf(name), no volumes and
// no secrets (the end-to-end test and bench_deploy both run it).
inline QByteArray pageOf(const QString &name)
{
    return "page-of-" + name.toUtf8();
}

inline QByteArray plainManifest(const QString &name)
{
    return QStringLiteral(R"(apiVersion: berth/v1
kind: Pod
metadata: {name: %1}
containers:
  - name: web
    image: localhost/berth-test/busybox:1
    command: ["/bin/sh", "-c", "mkdir -p /www && echo %2 > /www/index.html && exec httpd -f -p 8080 -h /www"]
    ports: [{name: http, containerPort: 8080, protocol: http}]
    resources: {cpu: 50m, memory: 16Mi}
)")
        .arg(name, QString::fromUtf8(pageOf(name)))
        .toUtf8();
}

class ProviderStack : public DevnetTest
{
public:
    // Where berthd hands out host ports: TCP ports from tcpPortFirst, the
    // loopback ports Caddy proxies HTTP to from upstreamPortFirst, portCount
    // of each. berthd skips ports something else holds.
    struct PortRanges
    {
        int tcpPortFirst = 42000;
        int upstreamPortFirst = 42100;
        int portCount = 100;
    };

    ProviderStack() = default;
    ~ProviderStack() override { killBerthd(); }
    ProviderStack(const ProviderStack &) = delete;
    ProviderStack &operator=(const ProviderStack &) = delete;

    // Before start().
    void setPortRanges(const PortRanges &ranges) { m_ranges = ranges; }
    // The devnet account berthd runs as (default "provider").
    void setAccount(const QString &who) { m_who = who; }
    // The price of a CPU core-hour berthd asks (default "3.6" tokens).
    void setCpuCoreHourPrice(const QString &tokens) { m_cpuCoreHour = tokens; }
    // More berthd.yaml, appended to the generated config (top-level keys the
    // generated part does not set, e.g. a `registry:` section). It replaces the
    // default, which puts /metrics on any free port so that stacks never collide
    // on 9464: a replacement that runs two stacks should do the same. The admin
    // API gets any free port unless the extra config has an `admin:` section.
    void setExtraConfig(const QByteArray &yaml) { m_extraConfig = yaml; }
    // berthd's wss:// port, chosen before start() (for a registry endpoint).
    int listenPort()
    {
        if (m_listen == 0)
            m_listen = freePort();
        return m_listen;
    }

    // Podman, Caddy, the devnet (accounts provider, publisher, keeper), berthd's
    // config and berthd itself. False with *error saying which failed.
    bool start(QString *error)
    {
        if (!startFixtures(error))
            return false;
        if (QString devnet = startDevnet({u"provider"_s, u"publisher"_s, u"keeper"_s});
            !devnet.isEmpty()) {
            *error = devnet;
            return false;
        }
        m_ownsDevnet = true;
        if (!writeConfig(error))
            return false;
        return startBerthd(error);
    }

    // Another provider on the devnet `owner` started: its own Podman, Caddy and
    // berthd, as the account setAccount() named (which must differ from owner's).
    bool join(const ProviderStack &owner, QString *error)
    {
        if (!startFixtures(error))
            return false;
        m_chain = owner.m_chain;
        m_rpc = owner.m_rpc;
        const QString profile = m_home.filePath(u"config/berth/chain.json"_s);
        QDir().mkpath(QFileInfo(profile).absolutePath());
        if (!QFile::copy(owner.m_home.filePath(u"config/berth/chain.json"_s), profile) ||
            !writeSecretFile(u"password"_s, password) ||
            !writeSecretFile(m_who + u".key"_s, devAccounts().at(m_who).key)) {
            *error = u"cannot prepare the second provider's files"_s;
            return false;
        }
        const Run imported = as(m_who, {u"wallet"_s, u"import"_s, u"--private-key-file"_s,
                                        m_home.filePath(m_who + u".key"_s), u"--json"_s});
        if (imported.exitCode != 0) {
            *error = u"wallet import: "_s + imported.err;
            return false;
        }
        if (!writeConfig(error))
            return false;
        return startBerthd(error);
    }

    // Kills berthd and stops the devnet it started; false when that did not stop.
    bool stop()
    {
        killBerthd();
        return !m_ownsDevnet || stopDevnet();
    }

    static int freePort()
    {
        QTcpServer server;
        return server.listen(QHostAddress::LocalHost, 0) ? server.serverPort() : 0;
    }

    QString providerAddress() const { return devAccounts().at(m_who).address; }
    QString publisherAddress() const { return devAccounts().at(u"publisher"_s).address; }
    crypto::PrivateKey keyOf(const QString &who) const
    {
        return *crypto::PrivateKey::fromHex(devAccounts().at(who).key);
    }

    const PodmanFixture &podmanFixture() const { return m_podman; }
    const CaddyFixture &caddyFixture() const { return m_caddy; }
    const QString &configPath() const { return m_config; }
    int berthdPort() const { return m_port; }
    const QByteArray &certificatePin() const { return m_pin; }
    const QString &berthdLog() const { return m_berthdLog; }

    // berthd ------------------------------------------------------------------

    // Starts berthd on the config and waits until it serves wss:// (port and
    // certificate pin read from its log).
    bool startBerthd(QString *error)
    {
        m_berthdLog.clear();
        m_berthd.setProcessEnvironment(environment());
        m_berthd.setProcessChannelMode(QProcess::MergedChannels);
        m_berthd.start(QStringLiteral(BERTHD_PATH), {u"--config"_s, m_config});
        static const QRegularExpression serving(
            u"serving on wss://127\\.0\\.0\\.1:(\\d+) \\(certificate sha256 ([0-9a-f]{64})\\)"_s);
        QDeadlineTimer deadline(60000);
        while (!deadline.hasExpired()) {
            if (m_berthd.state() == QProcess::NotRunning && !m_berthd.bytesAvailable()) {
                *error = u"berthd exited: "_s + m_berthdLog;
                return false;
            }
            m_berthd.waitForReadyRead(200);
            m_berthdLog += QString::fromUtf8(m_berthd.readAll());
            const auto match = serving.match(m_berthdLog);
            if (match.hasMatch()) {
                m_port = match.captured(1).toInt();
                m_pin = QByteArray::fromHex(match.captured(2).toLatin1());
                return true;
            }
        }
        *error = u"berthd did not start serving: "_s + m_berthdLog;
        return false;
    }

    // kill -9, as a crash would.
    void killBerthd()
    {
        if (m_berthd.state() == QProcess::NotRunning)
            return;
        ::kill(pid_t(m_berthd.processId()), SIGKILL);
        m_berthd.waitForFinished(10000);
        m_berthdLog += QString::fromUtf8(m_berthd.readAll());
    }

    // The protocol ----------------------------------------------------------

    // A client on berthd's wss:// port, pinned to its certificate, logged in as
    // one of the accounts (who empty: not logged in). Null with *error.
    std::unique_ptr<protocol::ProtocolClient> connectAs(const QString &who, QString *error)
    {
        auto client = std::make_unique<protocol::ProtocolClient>();
        QSignalSpy opened(client.get(), &protocol::ProtocolClient::opened);
        client->open(QUrl(u"wss://127.0.0.1:%1"_s.arg(m_port)), m_pin);
        if (!opened.wait(10000)) {
            *error = u"cannot connect to berthd"_s;
            return nullptr;
        }
        if (who.isEmpty())
            return client;
        std::optional<Result<QJsonObject>> login;
        QEventLoop loop;
        client->login(keyOf(who), 3600, [&](Result<QJsonObject> r) {
            login = std::move(r);
            loop.quit();
        });
        QTimer::singleShot(10000, &loop, &QEventLoop::quit);
        if (!login)
            loop.exec();
        if (!login || !*login) {
            *error = login ? login->error().message : u"login timed out"_s;
            return nullptr;
        }
        return client;
    }

    // One call, waited for (Timeout when no answer within timeoutMs). Like a
    // publisher's client, it waits and retries when the provider answers
    // RateLimited, as long as the retryAfterMs it names.
    static Result<QJsonValue> call(protocol::ProtocolClient &client, const QString &method,
                                   const QJsonObject &params, int timeoutMs = 60000)
    {
        for (;;) {
            std::optional<Result<QJsonValue>> answer;
            QEventLoop loop;
            client.call(method, params, [&](Result<QJsonValue> r) {
                answer = std::move(r);
                loop.quit();
            });
            QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
            if (!answer)
                loop.exec();
            if (!answer)
                return Error(ErrorCode::Timeout, method + u" got no answer"_s);
            if (codeOf(*answer) != protocol::RpcErrorCode::RateLimited)
                return *answer;
            const qint64 wait = protocol::toRpcError(answer->error())
                                    .data.toObject()
                                    .value(u"retryAfterMs"_s)
                                    .toInteger(100);
            QTest::qWait(int(qBound(qint64(1), wait, qint64(2000))));
        }
    }

    static protocol::RpcErrorCode codeOf(const Result<QJsonValue> &result)
    {
        return result ? protocol::RpcErrorCode(0) : protocol::toRpcError(result.error()).code;
    }

    // pod.quote, then `berthctl escrow open` of that quote as the publisher with
    // `deposit` tokens: the channel that pays for `name`. The quote.
    Result<QJsonValue> quoteAndPay(protocol::ProtocolClient &client, const QString &name,
                                   const QByteArray &manifest, const QString &deposit)
    {
        auto quote = call(client, u"pod.quote"_s,
                          {{u"name"_s, name}, {u"manifest"_s, QString::fromUtf8(manifest)}});
        if (!quote)
            return quote;
        QFile file(m_home.filePath(name + u"-quote.json"_s));
        if (!file.open(QIODevice::WriteOnly))
            return Error(ErrorCode::IoFailed, u"cannot write the quote"_s);
        file.write(QJsonDocument(quote->toObject()).toJson());
        file.close();
        const Run opened = as(u"publisher"_s, {u"escrow"_s, u"open"_s, file.fileName(),
                                               u"--deposit"_s, deposit, u"--json"_s});
        if (opened.exitCode != 0)
            return Error(ErrorCode::Internal, u"escrow open: "_s + opened.err);
        return quote;
    }

    // Caddy -----------------------------------------------------------------

    // GET / through Caddy with the given Host header.
    Result<provider::HttpResponse> fetch(const QString &host, int timeoutMs = 5000) const
    {
        provider::HttpClient http(u"Caddy"_s);
        provider::HttpRequest request;
        request.url = u"http://127.0.0.1:%1/"_s.arg(m_caddy.httpPort());
        request.headers.append({"Host", host.toUtf8()});
        request.timeoutMs = timeoutMs;
        return http.send(request);
    }

    // Polls until the page behind `host` contains `text` (a pod starts in well
    // under a second here; an update replaces it).
    bool pageShows(const QString &host, const QString &text, QString *seen, int timeoutMs = 20000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired()) {
            const auto page = fetch(host);
            if (page && page->status == 200) {
                *seen = QString::fromUtf8(page->body).trimmed();
                if (seen->contains(text))
                    return true;
            }
            QTest::qWait(200);
        }
        return false;
    }

    // The state store, read the way an operator would with sqlite3.
    QList<QStringList> rows(const QString &sql) const
    {
        QList<QStringList> out;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"peek"_s);
            db.setDatabaseName(m_home.filePath(u"berthd/state.sqlite"_s));
            db.setConnectOptions(u"QSQLITE_OPEN_READONLY"_s);
            if (db.open()) {
                QSqlQuery q(db);
                if (q.exec(sql)) {
                    while (q.next()) {
                        QStringList row;
                        for (int i = 0; i < q.record().count(); ++i)
                            row.append(q.value(i).toString());
                        out.append(row);
                    }
                }
            }
        }
        QSqlDatabase::removeDatabase(u"peek"_s);
        return out;
    }

    // Podman ----------------------------------------------------------------

    QStringList berthPods() const
    {
        return berthObjects({u"pod"_s, u"ps"_s, u"--filter"_s, u"label=berth.deployment"_s,
                             u"--format"_s, u"{{.Name}}"_s});
    }

    QStringList berthVolumes() const
    {
        return berthObjects({u"volume"_s, u"ls"_s, u"--filter"_s, u"label=berth.deployment"_s,
                             u"--format"_s, u"{{.Name}}"_s});
    }

protected:
    PodmanFixture m_podman;
    CaddyFixture m_caddy;
    QProcess m_berthd;
    QString m_berthdLog;
    int m_port = 0;
    QByteArray m_pin;
    QString m_config;
    PortRanges m_ranges;
    QString m_who = QStringLiteral("provider");
    QByteArray m_extraConfig = "metrics: {listen: {port: 0}}\n";
    QString m_cpuCoreHour = QStringLiteral("3.6");
    int m_listen = 0;
    bool m_ownsDevnet = false;

private:
    bool startFixtures(QString *error)
    {
        if (!m_podman.start(error))
            return false;
        if (!m_caddy.start()) {
            *error = m_caddy.errorString();
            return false;
        }
        return true;
    }

    QStringList berthObjects(const QStringList &args) const
    {
        QByteArray out;
        m_podman.podman(args, &out);
        return QString::fromUtf8(out).split(u'\n', Qt::SkipEmptyParts);
    }

    // berthd.yaml in the home: the devnet's chain profile, the provider's
    // keystore, the fixtures' Podman socket, tmpfs secret root and Caddy.
    bool writeConfig(QString *error)
    {
        QDir keys(m_home.filePath(m_who + u"-keys"_s));
        const QStringList files = keys.entryList(QDir::Files);
        if (files.size() != 1) {
            *error = u"expected one provider keystore file, found %1"_s.arg(files.size());
            return false;
        }
        const int listen = listenPort();
        m_config = m_home.filePath(u"berthd.yaml"_s);
        QFile config(m_config);
        if (!config.open(QIODevice::WriteOnly)) {
            *error = u"cannot write "_s + m_config;
            return false;
        }
        const int last = m_ranges.portCount - 1;
        config.write(
            QStringLiteral(R"(dataDir: %1
chain: {profile: %2}
wallet: {keystore: %3, passwordFile: %4}
listen: {address: 127.0.0.1, port: %5}
limits: {maxFrameBytes: 65536, sessionsPerAddress: 8}
domain: localhost
tcpPorts: {first: %6, last: %7}
upstreamPorts: {first: %8, last: %9}
pricing: {cpuCoreHour: "%14", memoryGiBMonth: "2.592"}
billing: {claimIntervalSeconds: 5, minRunwaySeconds: 600, graceSeconds: 120}
podman: {socket: %10, secretRoot: %11, stopTimeoutSeconds: 1}
caddy: {adminUrl: %12, listen: "127.0.0.1:%13", tls: "off"}
logging: {rules: "berth.*.debug=false"}
)")
                .arg(m_home.filePath(u"berthd"_s), m_home.filePath(u"config/berth/chain.json"_s),
                     keys.filePath(files.first()), m_home.filePath(u"password"_s))
                .arg(listen)
                .arg(m_ranges.tcpPortFirst)
                .arg(m_ranges.tcpPortFirst + last)
                .arg(m_ranges.upstreamPortFirst)
                .arg(m_ranges.upstreamPortFirst + last)
                .arg(m_podman.socketPath(), m_podman.tmpfsDir() + u"/secrets"_s, m_caddy.adminUrl())
                .arg(m_caddy.httpPort())
                .arg(m_cpuCoreHour)
                .toUtf8());
        config.write(m_extraConfig);
        // The admin API on any free port too, unless the test sets it up itself.
        if (!m_extraConfig.contains("admin:"))
            config.write("admin: {listen: {port: 0}}\n");
        config.close();
        return true;
    }
};

} // namespace berth::test
