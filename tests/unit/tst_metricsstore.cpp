// berthd's monitoring pieces without Podman: the time-series store (raw
// samples, 5-minute rollups with min/avg/max, retention, queries by step) with
// injected clocks, the Prometheus text it exports and the /metrics server.
#include "protocol/protocolstats.h"
#include "provider/metricsstore.h"
#include "provider/prometheusexporter.h"
#include "provider/prometheustext.h"

#include <QDeadlineTimer>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using berth::ErrorCode;
using berth::provider::MetricSample;
using berth::provider::MetricSeries;
using berth::provider::MetricsQuery;
using berth::provider::MetricsStore;
using berth::provider::PrometheusExporter;
using berth::provider::PrometheusText;

namespace {

// A multiple of 5 minutes, so bucket arithmetic in the test reads plainly.
constexpr qint64 T0 = 1'700'000'100;
static_assert(T0 % 300 == 0);

MetricSample sampleAt(const QString &deployment, const QString &container, qint64 t, double cpu,
                      double memory)
{
    MetricSample sample;
    sample.deployment = deployment;
    sample.container = container;
    sample.time = t;
    sample[MetricSeries::Cpu] = cpu;
    sample[MetricSeries::Memory] = memory;
    return sample;
}

// 15 minutes of one sample every 10 s for web (cpu = i, memory = 1000 + i) and
// db (cpu = 2i) of deployment "shop".
QList<MetricSample> quarterHour()
{
    QList<MetricSample> samples;
    for (int i = 0; i < 90; ++i) {
        samples.append(sampleAt(u"shop"_s, u"web"_s, T0 + 10 * i, i, 1000 + i));
        samples.append(sampleAt(u"shop"_s, u"db"_s, T0 + 10 * i, 2 * i, 5000));
    }
    return samples;
}

// One HTTP exchange on loopback, driven by the event loop (the server runs on
// this thread); the whole answer once Content-Length bytes of body arrived.
QByteArray httpExchange(quint16 port, const QByteArray &request)
{
    QTcpSocket socket;
    QByteArray answer;
    QObject::connect(&socket, &QTcpSocket::connected, &socket, [&] { socket.write(request); });
    QObject::connect(&socket, &QTcpSocket::readyRead, &socket, [&] { answer += socket.readAll(); });
    socket.connectToHost(QHostAddress::LocalHost, port);
    const auto complete = [&answer] {
        const qsizetype headerEnd = answer.indexOf("\r\n\r\n");
        if (headerEnd < 0)
            return false;
        const qsizetype at = answer.toLower().indexOf("content-length:");
        if (at < 0 || at > headerEnd)
            return true;
        const qsizetype lineEnd = answer.indexOf("\r\n", at);
        const qsizetype length = answer.mid(at + 15, lineEnd - at - 15).trimmed().toLongLong();
        return answer.size() >= headerEnd + 4 + length;
    };
    QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired() && !complete())
        QTest::qWait(10);
    return answer;
}

} // namespace

class TestMetricsStore : public QObject
{
    Q_OBJECT

private slots:
    void rawQueryAveragesPerStep()
    {
        QTemporaryDir dir;
        auto store = MetricsStore::open(dir.path(), {});
        QVERIFY2(store, qPrintable(store ? QString() : store.error().message));
        QVERIFY((*store)->insert(quarterHour()));
        QCOMPARE(*(*store)->rawSampleCount(), 180);

        MetricsQuery query{u"shop"_s, {MetricSeries::Cpu}, T0, T0 + 120, 60, T0 + 900};
        auto result = (*store)->query(query);
        QVERIFY(result);
        QCOMPARE(result->rollups, false);
        QCOMPARE(result->step, 60);
        QCOMPARE(result->series.size(), 2); // db, web: sorted by container
        QCOMPARE(result->series.at(0).container, u"db"_s);
        QCOMPARE(result->series.at(1).container, u"web"_s);
        const auto &web = result->series.at(1).points;
        QCOMPARE(web.size(), 2);
        QCOMPARE(web.at(0).time, T0);
        QCOMPARE(web.at(0).value, 2.5); // 0..5
        QCOMPARE(web.at(1).time, T0 + 60);
        QCOMPARE(web.at(1).value, 8.5); // 6..11
        QVERIFY(!web.at(0).min);
        // Memory was not asked for; a deployment with no samples has no series.
        QCOMPARE(result->series.at(0).series, MetricSeries::Cpu);
        auto other = (*store)->query({u"other"_s, {}, T0, T0 + 900, 10, T0 + 900});
        QVERIFY(other);
        QVERIFY(other->series.isEmpty());
    }

    void rollupsKeepMinAvgMax()
    {
        QTemporaryDir dir;
        auto store = MetricsStore::open(dir.path(), {});
        QVERIFY(store);
        QVERIFY((*store)->insert(quarterHour()));
        // At T0 + 899 only the first two buckets are complete.
        QCOMPARE(*(*store)->rollUp(T0 + 899), 4);
        QCOMPARE(*(*store)->rollUp(T0 + 900), 2);
        QCOMPARE(*(*store)->rollUp(T0 + 900), 0); // nothing twice
        QCOMPARE(*(*store)->rollupCount(), 6);

        auto result = (*store)->query(
            {u"shop"_s, {MetricSeries::Cpu, MetricSeries::Memory}, T0, T0 + 900, 300, T0 + 900});
        QVERIFY(result);
        QCOMPARE(result->rollups, true);
        QCOMPARE(result->step, 300);
        QCOMPARE(result->series.size(), 4);
        const auto &webCpu = result->series.at(2);
        QCOMPARE(webCpu.container, u"web"_s);
        QCOMPARE(webCpu.series, MetricSeries::Cpu);
        QCOMPARE(webCpu.points.size(), 3);
        QCOMPARE(webCpu.points.at(0).value, 14.5); // 0..29
        QCOMPARE(*webCpu.points.at(0).min, 0.0);
        QCOMPARE(*webCpu.points.at(0).max, 29.0);
        QCOMPARE(webCpu.points.at(2).time, T0 + 600);
        QCOMPARE(*webCpu.points.at(2).max, 89.0);
        const auto &webMemory = result->series.at(3);
        QCOMPARE(webMemory.series, MetricSeries::Memory);
        QCOMPARE(*webMemory.points.at(1).min, 1030.0);

        // A 15-minute step merges three rollups: a count-weighted average.
        auto merged =
            (*store)->query({u"shop"_s, {MetricSeries::Cpu}, T0, T0 + 900, 900, T0 + 900});
        QVERIFY(merged);
        QCOMPARE(merged->series.at(1).points.size(), 1);
        QCOMPARE(merged->series.at(1).points.at(0).value, 44.5);
        QCOMPARE(*merged->series.at(1).points.at(0).max, 89.0);

        // A step under 5 minutes is raised to one when raw samples are gone.
        auto old =
            (*store)->query({u"shop"_s, {MetricSeries::Cpu}, T0, T0 + 900, 10, T0 + 2 * 86400});
        QVERIFY(old);
        QCOMPARE(old->rollups, true);
        QCOMPARE(old->step, 300);
    }

    void retentionDropsRawThenRollups()
    {
        QTemporaryDir dir;
        auto store = MetricsStore::open(dir.path(), {3600, 86400});
        QVERIFY(store);
        QVERIFY((*store)->insert(quarterHour()));
        QVERIFY((*store)->rollUp(T0 + 900));
        // An hour and 5 minutes on: the first 5 minutes of raw samples are gone.
        QVERIFY((*store)->prune(T0 + 3600 + 300));
        QCOMPARE(*(*store)->rawSampleCount(), 120);
        QCOMPARE(*(*store)->rollupCount(), 6);
        // Deleted deployments are not special: their history stays until retention.
        auto recent =
            (*store)->query({u"shop"_s, {MetricSeries::Cpu}, T0, T0 + 900, 300, T0 + 3600 + 300});
        QVERIFY(recent);
        QCOMPARE(recent->series.size(), 2);
        // A day after the last sample everything is gone, container names too.
        QVERIFY((*store)->prune(T0 + 900 + 86400 + 600));
        QCOMPARE(*(*store)->rawSampleCount(), 0);
        QCOMPARE(*(*store)->rollupCount(), 0);
        auto gone = (*store)->query({u"shop"_s, {}, T0, T0 + 900, 300, T0 + 86400 * 2});
        QVERIFY(gone);
        QVERIFY(gone->series.isEmpty());
        // New samples after the prune are stored under fresh names.
        QVERIFY((*store)->insert({sampleAt(u"shop"_s, u"web"_s, T0 + 90000, 1, 2)}));
        QCOMPARE(*(*store)->rawSampleCount(), 1);
    }

    void queryLimitsPointsAndRejectsEmptyRange()
    {
        QTemporaryDir dir;
        auto store = MetricsStore::open(dir.path(), {});
        QVERIFY(store);
        auto wide = (*store)->query({u"shop"_s, {}, T0 - 30 * 86400, T0, 1, T0});
        QVERIFY(wide);
        QVERIFY(wide->step * MetricsStore::MaxPoints >= 30 * 86400);
        auto empty = (*store)->query({u"shop"_s, {}, T0, T0, 10, T0});
        QVERIFY(!empty);
        QCOMPARE(empty.error().code, ErrorCode::InvalidArgument);
    }

    void storeSurvivesReopen()
    {
        QTemporaryDir dir;
        {
            auto store = MetricsStore::open(dir.path(), {});
            QVERIFY(store);
            QVERIFY((*store)->insert(quarterHour()));
            QVERIFY((*store)->rollUp(T0 + 600));
        }
        auto store = MetricsStore::open(dir.path(), {});
        QVERIFY(store);
        QCOMPARE(*(*store)->rawSampleCount(), 180);
        // The rollup mark was kept: only the third bucket is new.
        QCOMPARE(*(*store)->rollUp(T0 + 900), 2);
        QCOMPARE(QFileInfo((*store)->filePath()).permissions() & 0x0077,
                 QFileDevice::Permissions());
    }

    void prometheusTextFormat()
    {
        PrometheusText text;
        text.family("berth_container_memory_bytes"_L1, PrometheusText::Type::Gauge,
                    u"Memory.\nSecond line with \\ backslash");
        text.sample("berth_container_memory_bytes"_L1,
                    {{"deployment"_L1, u"web-1a2b3c4d"_s}, {"container"_L1, u"a\"b\\c\nd"_s}},
                    1048576);
        text.family("berth_requests_total"_L1, PrometheusText::Type::Counter, u"Requests.");
        text.sample("berth_requests_total"_L1, {}, 0.25);
        text.family("berth_latency_seconds"_L1, PrometheusText::Type::Histogram, u"Latency.");
        text.histogram("berth_latency_seconds"_L1, {{"method"_L1, u"pod.status"_s}}, {0.1, 1},
                       {2, 3}, 1.5, 4);
        const QByteArray expected =
            "# HELP berth_container_memory_bytes Memory.\\nSecond line with \\\\ backslash\n"
            "# TYPE berth_container_memory_bytes gauge\n"
            "berth_container_memory_bytes{deployment=\"web-1a2b3c4d\",container="
            "\"a\\\"b\\\\c\\nd\"}"
            " 1048576\n"
            "# HELP berth_requests_total Requests.\n"
            "# TYPE berth_requests_total counter\n"
            "berth_requests_total 0.25\n"
            "# HELP berth_latency_seconds Latency.\n"
            "# TYPE berth_latency_seconds histogram\n"
            "berth_latency_seconds_bucket{method=\"pod.status\",le=\"0.1\"} 2\n"
            "berth_latency_seconds_bucket{method=\"pod.status\",le=\"1\"} 3\n"
            "berth_latency_seconds_bucket{method=\"pod.status\",le=\"+Inf\"} 4\n"
            "berth_latency_seconds_sum{method=\"pod.status\"} 1.5\n"
            "berth_latency_seconds_count{method=\"pod.status\"} 4\n";
        QCOMPARE(text.text(), expected);
        QCOMPARE(PrometheusText::formatValue(qInf()), "+Inf");
        QCOMPARE(PrometheusText::formatValue(-qInf()), "-Inf");
        QCOMPARE(PrometheusText::formatValue(qQNaN()), "NaN");
        QCOMPARE(PrometheusText::formatValue(0.1), "0.1");
        QCOMPARE(PrometheusText::formatValue(123456789012.0), "123456789012");
    }

    void protocolStatsBucketsByMethod()
    {
        berth::protocol::ProtocolStats stats;
        stats.setKnown({u"pod.status"_s});
        stats.record(u"pod.status"_s, true, 0.003);
        stats.record(u"pod.status"_s, false, 0.2);
        stats.record(u"made.up"_s, true, 20);
        QCOMPARE(stats.methods().size(), 2);
        const auto status = stats.methods().value(u"pod.status"_s);
        QCOMPARE(status.requests, 2u);
        QCOMPARE(status.errors, 1u);
        QCOMPARE(status.buckets[1], 1u);                          // <= 0.005
        QCOMPARE(status.buckets[6], 1u);                          // <= 0.25
        QCOMPARE(stats.methods().value(u"other"_s).requests, 1u); // over every bound
    }

    void exporterServesOnlyGetMetrics()
    {
        PrometheusExporter exporter([] { return QByteArray("berth_up 1\n"); });
        QVERIFY(exporter.listen(QHostAddress::LocalHost, 0));
        const quint16 port = exporter.port();
        QVERIFY(port != 0);
        const QByteArray host = "Host: 127.0.0.1:" + QByteArray::number(port) + "\r\n";

        const QByteArray ok = httpExchange(port, "GET /metrics HTTP/1.1\r\n" + host + "\r\n");
        QVERIFY2(ok.startsWith("HTTP/1.1 200"), ok.constData());
        QVERIFY(ok.contains("text/plain; version=0.0.4"));
        QVERIFY(ok.endsWith("berth_up 1\n"));
        QCOMPARE(exporter.scrapes(), 1u);

        const auto statusOf = [port](const QByteArray &request) {
            return httpExchange(port, request).left(12);
        };
        QCOMPARE(statusOf("POST /metrics HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n"),
                 "HTTP/1.1 405");
        QCOMPARE(statusOf("GET /other HTTP/1.1\r\n" + host + "\r\n"), "HTTP/1.1 404");
        QCOMPARE(statusOf("GET /metrics HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\nhello"),
                 "HTTP/1.1 413");
        QCOMPARE(statusOf("GET /metrics HTTP/1.1\r\nHost: attacker.example:80\r\n\r\n"),
                 "HTTP/1.1 403");
        QCOMPARE(statusOf("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n"), "HTTP/1.1 200");
        QCOMPARE(exporter.scrapes(), 2u);

        // With a token (metrics.tokenFile), only a scrape that sends it is answered.
        exporter.setBearerToken(berth::crypto::SecretBytes(QByteArrayView("s3cret-token")));
        const QByteArray refused = httpExchange(port, "GET /metrics HTTP/1.1\r\n" + host + "\r\n");
        QVERIFY2(refused.startsWith("HTTP/1.1 401"), refused.constData());
        QVERIFY(refused.contains("WWW-Authenticate: Bearer realm=\"berthd\""));
        QVERIFY(refused.contains("metrics.tokenFile"));
        QCOMPARE(statusOf("GET /metrics HTTP/1.1\r\n" + host +
                          "Authorization: Bearer s3cret-tokeX\r\n\r\n"),
                 "HTTP/1.1 401");
        QCOMPARE(statusOf("GET /metrics HTTP/1.1\r\n" + host +
                          "Authorization: Bearer s3cret-token-and-more\r\n\r\n"),
                 "HTTP/1.1 401");
        QCOMPARE(statusOf("GET /metrics HTTP/1.1\r\n" + host +
                          "Authorization: Basic czNjcmV0LXRva2Vu\r\n\r\n"),
                 "HTTP/1.1 401");
        QCOMPARE(exporter.scrapes(), 2u);
        const QByteArray allowed =
            httpExchange(port, "GET /metrics HTTP/1.1\r\n" + host +
                                   "Authorization: Bearer s3cret-token\r\n\r\n");
        QVERIFY2(allowed.startsWith("HTTP/1.1 200"), allowed.constData());
        QVERIFY(allowed.endsWith("berth_up 1\n"));
        QCOMPARE(exporter.scrapes(), 3u);

        PrometheusExporter second([] { return QByteArray(); });
        QTest::ignoreMessage(QtCriticalMsg, QRegularExpression(u"listen failed"_s));
        auto taken = second.listen(QHostAddress::LocalHost, port);
        QVERIFY(!taken);
        QCOMPARE(taken.error().code, ErrorCode::Unavailable);
        QVERIFY(taken.error().message.contains(u"metrics.listen.port"_s));
    }
};

QTEST_GUILESS_MAIN(TestMetricsStore)
#include "tst_metricsstore.moc"
