// Monitoring end to end (issue 7): berthd's collector against a real Podman,
// pod.metrics as a publisher reads it (only its own deployments, also after
// deletion) and /metrics as Prometheus scrapes it (with a bearer token),
// checked by promtool and scraped by a real Prometheus server.
//
// Tolerances: a busy loop limited to 200m CPU shows 0.2 ± 0.08 cores (and within
// 0.08 of what `podman stats` says); a container holding 40 MiB in its /dev/shm
// shows 40–48 MiB and within 2 MiB of `podman stats`.
#include "providerstack.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QTest>

using namespace berth;
using namespace berth::test;
using protocol::RpcErrorCode;

namespace {

constexpr double MiB = 1024.0 * 1024.0;
const QByteArray MetricsToken = "tok-5e1f0c27a9d84b6e";
constexpr int HeldMiB = 40;

QByteArray loadManifest()
{
    return QStringLiteral(R"(apiVersion: berth/v1
kind: Pod
metadata: {name: load}
containers:
  - name: busy
    image: localhost/berth-test/busybox:1
    command: ["/bin/sh", "-c", "while :; do :; done"]
    resources: {cpu: 200m, memory: 32Mi}
  - name: mem
    image: localhost/berth-test/busybox:1
    command: ["/bin/sh", "-c", "head -c %1 /dev/zero > /dev/shm/held && exec sleep 100000"]
    resources: {cpu: 50m, memory: 128Mi}
)")
        .arg(qint64(HeldMiB) * 1024 * 1024)
        .toUtf8();
}

// "21.46MB", "249.9kB", "1.2GB": Podman's human sizes (powers of 1000).
double podmanBytes(const QString &text)
{
    static const QRegularExpression size(u"^([0-9.]+)\\s*([kMGT]?B)$"_s);
    const auto match = size.match(text.trimmed());
    if (!match.hasMatch())
        return -1;
    const QString unit = match.captured(2);
    const double scale = unit == u"kB"_s   ? 1e3
                         : unit == u"MB"_s ? 1e6
                         : unit == u"GB"_s ? 1e9
                         : unit == u"TB"_s ? 1e12
                                           : 1;
    return match.captured(1).toDouble() * scale;
}

// The points of one container's series in a pod.metrics result.
QJsonArray pointsOf(const QJsonObject &result, const QString &container, const QString &series)
{
    for (const QJsonValue &entry : result.value(u"series"_s).toArray())
        if (entry[u"container"_s].toString() == container &&
            entry[u"series"_s].toString() == series)
            return entry[u"points"_s].toArray();
    return {};
}

double meanOfLast(const QJsonArray &points, int count)
{
    double sum = 0;
    int used = 0;
    for (qsizetype i = std::max<qsizetype>(0, points.size() - count); i < points.size(); ++i) {
        sum += points.at(i)[1].toDouble();
        ++used;
    }
    return used ? sum / used : -1;
}

} // namespace

class TestMonitoring : public ProviderStack
{
    Q_OBJECT

    QString m_deployment;
    quint16 m_metricsPort = 0;
    qint64 m_started = 0;

    QString tokenFile() const { return m_home.filePath(u"metrics.token"_s); }

    Result<provider::HttpResponse> scrape(bool withToken = true) const
    {
        provider::HttpClient http(u"berthd /metrics"_s);
        provider::HttpRequest request;
        request.url = u"http://127.0.0.1:%1/metrics"_s.arg(m_metricsPort);
        if (withToken)
            request.headers.append({"Authorization", "Bearer " + MetricsToken});
        return http.send(request);
    }

    // GET of a Prometheus server's HTTP API, as JSON.
    static QJsonObject prometheusApi(int port, const QString &pathAndQuery)
    {
        provider::HttpClient http(u"Prometheus"_s);
        provider::HttpRequest request;
        request.url = u"http://127.0.0.1:%1%2"_s.arg(port).arg(pathAndQuery);
        const auto answer = http.send(request);
        return answer ? QJsonDocument::fromJson(answer->body).object() : QJsonObject();
    }

    QJsonObject metrics(protocol::ProtocolClient &client, const QJsonObject &params)
    {
        const auto result = call(client, u"pod.metrics"_s, params);
        if (!result) {
            qWarning().noquote() << "pod.metrics:" << result.error().message;
            return {};
        }
        return result->toObject();
    }

private slots:
    void initTestCase()
    {
        // Host ports of its own: integration tests run two at a time.
        setPortRanges({45000, 45100, 100});
        if (!PodmanFixture::available())
            QSKIP("podman is not installed: run scripts/test, which installs it");
        QFile token(tokenFile());
        QVERIFY(token.open(QIODevice::WriteOnly));
        token.write(MetricsToken + '\n');
        token.close();
        QVERIFY(token.setPermissions(QFile::ReadOwner | QFile::WriteOwner));
        setExtraConfig("metrics: {intervalSeconds: 2, listen: {address: 127.0.0.1, port: 0}, "
                       "tokenFile: " +
                       tokenFile().toUtf8() + "}\n");
        QString error;
        QVERIFY2(start(&error), qPrintable(error));
        static const QRegularExpression url(u"metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics"_s);
        const auto match = url.match(berthdLog());
        QVERIFY2(match.hasMatch(), qPrintable(berthdLog()));
        m_metricsPort = quint16(match.captured(1).toInt());
    }

    void cleanupTestCase() { QVERIFY(stop()); }

    void figuresMatchWhatPodmanReports()
    {
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        auto quote = quoteAndPay(*client, u"load"_s, loadManifest(), u"100"_s);
        QVERIFY2(quote.ok(), qPrintable(quote ? QString() : quote.error().message));
        m_started = QDateTime::currentSecsSinceEpoch();
        const auto provisioned =
            call(*client, u"pod.provision"_s,
                 {{u"name"_s, u"load"_s}, {u"manifest"_s, QString::fromUtf8(loadManifest())}});
        QVERIFY2(provisioned.ok(),
                 qPrintable(provisioned ? QString() : provisioned.error().message));
        m_deployment = provisioned->toObject().value(u"deployment"_s).toString();

        // Six passes of 2 s after the pod settled.
        QTest::qWait(14000);
        const QJsonObject result =
            metrics(*client, {{u"deployment"_s, m_deployment},
                              {u"series"_s, QJsonArray{u"cpu"_s, u"memory"_s, u"restarts"_s}},
                              {u"from"_s, m_started - 5},
                              {u"step"_s, 2}});
        QCOMPARE(result.value(u"source"_s).toString(), u"raw"_s);
        QCOMPARE(result.value(u"step"_s).toInt(), 2);
        const QJsonArray busyCpu = pointsOf(result, u"busy"_s, u"cpu"_s);
        const QJsonArray heldMemory = pointsOf(result, u"mem"_s, u"memory"_s);
        QVERIFY2(busyCpu.size() >= 4, QJsonDocument(result).toJson().constData());
        QVERIFY(heldMemory.size() >= 4);
        QCOMPARE(pointsOf(result, u"busy"_s, u"restarts"_s).last()[1].toDouble(), 0.0);
        QVERIFY(pointsOf(result, u"busy"_s, u"netRx"_s).isEmpty()); // not asked for

        // What Podman itself says about the same containers.
        QByteArray out;
        QCOMPARE(podmanFixture().podman({u"stats"_s, u"--no-stream"_s, u"--format"_s, u"json"_s,
                                         u"berth-%1-busy"_s.arg(m_deployment),
                                         u"berth-%1-mem"_s.arg(m_deployment)},
                                        &out),
                 0);
        const QJsonArray podman = QJsonDocument::fromJson(out).array();
        QCOMPARE(podman.size(), 2);
        double podmanCpu = -1;
        double podmanMemory = -1;
        for (const QJsonValue &entry : podman) {
            if (entry[u"name"_s].toString().endsWith(u"-busy"_s))
                podmanCpu = entry[u"cpu_percent"_s].toString().remove(u'%').toDouble() / 100;
            else
                podmanMemory = podmanBytes(entry[u"mem_usage"_s].toString().section(u'/', 0, 0));
        }

        const double cores = meanOfLast(busyCpu, 3);
        qInfo("busy loop limited to 200m: berthd %.3f cores, podman stats %.3f", cores, podmanCpu);
        QVERIFY2(qAbs(cores - 0.2) <= 0.08, qPrintable(QString::number(cores)));
        QVERIFY2(qAbs(cores - podmanCpu) <= 0.08, qPrintable(QString::number(podmanCpu)));

        const double held = heldMemory.last()[1].toDouble();
        qInfo("holding %d MiB: berthd %.2f MiB, podman stats %.2f MiB", HeldMiB, held / MiB,
              podmanMemory / MiB);
        QVERIFY2(held >= HeldMiB * MiB && held <= (HeldMiB + 8) * MiB,
                 qPrintable(QString::number(held / MiB)));
        QVERIFY2(qAbs(held - podmanMemory) <= 2 * MiB,
                 qPrintable(QString::number(podmanMemory / MiB)));
    }

    void metricsEndpointPassesPromtool()
    {
        QVERIFY(!m_deployment.isEmpty());
        const auto page = scrape();
        QVERIFY2(page.ok(), qPrintable(page ? QString() : page.error().message));
        QCOMPARE(page->status, 200);
        const QByteArray text = page->body;
        const QByteArray series =
            QByteArray("{deployment=\"" + m_deployment.toUtf8() + "\",container=\"");
        QVERIFY2(text.contains(QByteArray("berth_container_memory_bytes" + series + "mem\"} ")),
                 text.constData());
        QVERIFY(
            text.contains(QByteArray("berth_container_cpu_seconds_total" + series + "busy\"} ")));
        QVERIFY(text.contains(QByteArray("berth_container_cpu_cores" + series + "busy\"} ")));
        QVERIFY(text.contains(QByteArray("berth_container_running" + series + "busy\"} 1\n")));
        QVERIFY(text.contains("berth_deployments{state=\"running\"} 1\n"));
        QVERIFY(text.contains("berth_protocol_requests_total{method=\"pod.provision\"} 1\n"));
        QVERIFY(
            text.contains("berth_protocol_request_duration_seconds_bucket{method=\"pod.metrics\""));
        QVERIFY(text.contains("# TYPE berth_machine_memory_bytes gauge\n"));
        QVERIFY(!text.contains("berth_machine_memory_bytes 0\n"));
        QVERIFY(!text.contains("berth_machine_memory_available_bytes 0\n"));
        QVERIFY(text.contains("berth_earnings_claimed_tokens_total{token=\""));
        QVERIFY(text.contains("berth_reconcile_failures_total 0\n"));
        // Billing checks the channel every 5 s here: its runway shows up.
        const QByteArray runway =
            "berth_channel_runway_seconds{deployment=\"" + m_deployment.toUtf8() + "\"} ";
        QTRY_VERIFY_WITH_TIMEOUT(scrape().value_or({}).body.contains(runway), 20000);

        const QString promtool = QStandardPaths::findExecutable(u"promtool"_s);
        if (promtool.isEmpty())
            QSKIP("promtool is missing (Debian package prometheus; scripts/test installs it)");
        QProcess check;
        check.setProcessChannelMode(QProcess::MergedChannels);
        check.start(promtool, {u"check"_s, u"metrics"_s});
        QVERIFY(check.waitForStarted());
        check.write(text);
        check.closeWriteChannel();
        QVERIFY(check.waitForFinished(30000));
        const QByteArray said = check.readAll();
        QVERIFY2(said.isEmpty(), said.constData());
        QCOMPARE(check.exitCode(), 0);
    }

    // A Prometheus server pointed at /metrics with the token file scrapes it
    // without errors, and the container series are queryable there.
    void realPrometheusScrapesIt()
    {
        QVERIFY(!m_deployment.isEmpty());
        const QString prometheus = QStandardPaths::findExecutable(u"prometheus"_s);
        if (prometheus.isEmpty())
            QSKIP("prometheus is missing (Debian package prometheus; scripts/test installs it)");
        const auto refused = scrape(false);
        QVERIFY(refused.ok());
        QCOMPARE(refused->status, 401);

        const QString config = m_home.filePath(u"prometheus.yml"_s);
        QFile file(config);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral(R"(global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: berthd
    authorization: {credentials_file: %1}
    static_configs: [{targets: ["127.0.0.1:%2"]}]
)")
                       .arg(tokenFile())
                       .arg(m_metricsPort)
                       .toUtf8());
        file.close();
        const int port = freePort();
        QProcess server;
        server.setProcessChannelMode(QProcess::MergedChannels);
        server.start(prometheus, {u"--config.file="_s + config,
                                  u"--storage.tsdb.path="_s + m_home.filePath(u"prometheus"_s),
                                  u"--web.listen-address=127.0.0.1:%1"_s.arg(port)});
        QVERIFY(server.waitForStarted());
        const auto stopServer = qScopeGuard([&server] {
            server.terminate();
            if (!server.waitForFinished(10000))
                server.kill();
        });

        // Up, with no scrape error, after a scrape or two.
        QJsonObject target;
        QDeadlineTimer deadline(60000);
        while (!deadline.hasExpired()) {
            const QJsonArray targets = prometheusApi(port, u"/api/v1/targets"_s)
                                           .value(u"data"_s)[u"activeTargets"_s]
                                           .toArray();
            target = targets.isEmpty() ? QJsonObject() : targets.first().toObject();
            if (target.value(u"health"_s).toString() == u"up"_s)
                break;
            QTest::qWait(500);
        }
        QVERIFY2(target.value(u"health"_s).toString() == u"up"_s,
                 QByteArray(QJsonDocument(target).toJson() + server.readAll()).constData());
        QCOMPARE(target.value(u"lastError"_s).toString(), QString());

        const QString query =
            u"/api/v1/query?query=berth_container_cpu_cores%7Bdeployment%3D%22"_s + m_deployment +
            u"%22%7D"_s;
        QJsonArray series;
        QDeadlineTimer queried(20000);
        while (series.size() < 2 && !queried.hasExpired()) {
            series = prometheusApi(port, query).value(u"data"_s)[u"result"_s].toArray();
            if (series.size() < 2)
                QTest::qWait(500);
        }
        QCOMPARE(series.size(), 2); // busy and mem
        QStringList containers;
        for (const QJsonValue &one : series)
            containers << one[u"metric"_s][u"container"_s].toString();
        containers.sort();
        QCOMPARE(containers, (QStringList{u"busy"_s, u"mem"_s}));
    }

    void onlyThePublisherReadsItsMetrics()
    {
        QVERIFY(!m_deployment.isEmpty());
        QString error;
        auto keeper = connectAs(u"keeper"_s, &error);
        QVERIFY2(keeper, qPrintable(error));
        const auto foreign = call(*keeper, u"pod.metrics"_s, {{u"deployment"_s, m_deployment}});
        QCOMPARE(codeOf(foreign), RpcErrorCode::Forbidden);
        const auto missing = call(*keeper, u"pod.metrics"_s, {{u"deployment"_s, u"nothing-1"_s}});
        QCOMPARE(codeOf(missing), RpcErrorCode::NotFound);
        const auto unknown =
            call(*keeper, u"pod.metrics"_s,
                 {{u"deployment"_s, m_deployment}, {u"series"_s, QJsonArray{u"temperature"_s}}});
        QCOMPARE(codeOf(unknown), RpcErrorCode::InvalidParams);
        QVERIFY(unknown.error().message.contains(u"unknown series \"temperature\""_s));
    }

    void historyOutlivesTheDeployment()
    {
        QVERIFY(!m_deployment.isEmpty());
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        const auto deleted = call(*client, u"pod.delete"_s, {{u"deployment"_s, m_deployment}});
        QVERIFY2(deleted.ok(), qPrintable(deleted ? QString() : deleted.error().message));
        QCOMPARE(codeOf(call(*client, u"pod.status"_s, {{u"deployment"_s, m_deployment}})),
                 RpcErrorCode::NotFound);

        const QJsonObject result = metrics(
            *client, {{u"deployment"_s, m_deployment},
                      {u"from"_s,
                       QDateTime::fromSecsSinceEpoch(m_started - 5, Qt::UTC).toString(Qt::ISODate)},
                      {u"step"_s, 4}});
        QVERIFY(pointsOf(result, u"busy"_s, u"cpu"_s).size() >= 3);
        QVERIFY(pointsOf(result, u"mem"_s, u"memory"_s).size() >= 3);
        QCOMPARE(result.value(u"step"_s).toInt(), 4);
        // Still the publisher's only.
        auto keeper = connectAs(u"keeper"_s, &error);
        QVERIFY2(keeper, qPrintable(error));
        QCOMPARE(codeOf(call(*keeper, u"pod.metrics"_s, {{u"deployment"_s, m_deployment}})),
                 RpcErrorCode::Forbidden);
        // And gone from /metrics' live series.
        QTest::qWait(3000);
        const auto page = scrape();
        QVERIFY(page.ok());
        QVERIFY(!page->body.contains(QByteArray("deployment=\"" + m_deployment.toUtf8() + "\"")));
    }
};

QTEST_GUILESS_MAIN(TestMonitoring)
#include "tst_monitoring.moc"
