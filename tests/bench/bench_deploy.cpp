// Time to the first HTTP 200 of a one-container busybox httpd pod, two ways in
// the same run on the same private Podman (issue 5, point 9):
//   berth: pod.provision over wss:// to a real berthd (its Escrow channel paid
//          beforehand), then GET through Caddy by the deployment's host name;
//   raw:   POST /v4.0.0/libpod/play/kube of the same rendered Pod
//          (PodmanRuntime::podObject with a loopback host port) on Podman's
//          socket, then GET 127.0.0.1:<port>.
// Each clock starts when the request is sent and stops at the first 200 whose
// body is the pod's own page (Caddy answers an unrouted host with an empty 200).
// Deletion and payment are outside the timing. One warm-up round of each is not
// counted; rounds alternate which way goes first. Prints each round, both
// medians and the ratio berth/raw (the goal is at most 1.25).
// Usage: bench_deploy [rounds, default 5]
#include "manifest/manifestcodec.h"
#include "provider/httpclient.h"
#include "provider/podmanruntime.h"
#include "providerstack.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <functional>

using namespace Qt::StringLiterals;
using namespace berth;
using berth::test::pageOf;
using berth::test::plainManifest;
using berth::test::PodmanFixture;
using berth::test::ProviderStack;

namespace {

constexpr int PollIntervalMs = 5;
constexpr int FirstPageTimeoutMs = 60000;

// Polls fetch() until it answers 200 with `page` in the body; false on timeout.
bool pollFirstPage(const std::function<Result<provider::HttpResponse>()> &fetch,
                   const QByteArray &page)
{
    QDeadlineTimer deadline(FirstPageTimeoutMs);
    while (!deadline.hasExpired()) {
        const auto answer = fetch();
        if (answer && answer->status == 200 && answer->body.contains(page))
            return true;
        QThread::msleep(PollIntervalMs);
    }
    return false;
}

struct Timing
{
    qint64 firstPageMs = -1; // request sent → first 200 with the page
    qint64 answeredMs = -1;  // request sent → its answer (provision / play)
};

class DeployBench
{
public:
    explicit DeployBench(ProviderStack &stack)
        : m_stack(stack)
    {}

    bool prepare(QString *error)
    {
        m_client = m_stack.connectAs(u"publisher"_s, error);
        if (!m_client)
            return false;
        auto runtime = provider::PodmanRuntime::create(
            {m_stack.podmanFixture().socketPath(), QString(),
             m_stack.podmanFixture().tmpfsDir() + u"/raw-secrets"_s});
        if (!runtime) {
            *error = u"PodmanRuntime: "_s + runtime.error().message;
            return false;
        }
        m_runtime = std::move(runtime).value();
        return true;
    }

    // Quote and open the Escrow channel that pays for `name` (not timed).
    bool pay(const QString &name, QString *error)
    {
        const auto quote = m_stack.quoteAndPay(*m_client, name, plainManifest(name), u"5"_s);
        if (!quote)
            *error = u"quote and pay %1: %2"_s.arg(name, quote.error().message);
        return quote.ok();
    }

    Timing berth(const QString &name, QString *error)
    {
        Timing timing;
        QElapsedTimer clock;
        clock.start();
        const auto provisioned = ProviderStack::call(
            *m_client, u"pod.provision"_s,
            {{u"name"_s, name}, {u"manifest"_s, QString::fromUtf8(plainManifest(name))}}, 120000);
        timing.answeredMs = clock.elapsed();
        if (!provisioned) {
            *error = u"pod.provision %1: %2"_s.arg(name, provisioned.error().message);
            return {};
        }
        const QJsonObject result = provisioned->toObject();
        const QString host = result.value(u"endpoints"_s)[0][u"hosts"_s][0].toString();
        if (!pollFirstPage([&] { return m_stack.fetch(host, 2000); }, pageOf(name))) {
            *error =
                u"no page through Caddy at %1 within %2 ms"_s.arg(host).arg(FirstPageTimeoutMs);
            return {};
        }
        timing.firstPageMs = clock.elapsed();
        const QString deployment = result.value(u"deployment"_s).toString();
        const auto removed = ProviderStack::call(*m_client, u"pod.delete"_s,
                                                 {{u"deployment"_s, deployment}}, 120000);
        if (!removed)
            std::fprintf(stderr, "pod.delete %s: %s\n", qPrintable(deployment),
                         qPrintable(removed.error().message));
        return timing;
    }

    Timing raw(const QString &name, QString *error)
    {
        const manifest::ParseResult parsed = manifest::loadManifest(plainManifest(name));
        if (!parsed.ok()) {
            *error = u"the bench manifest does not validate"_s;
            return {};
        }
        const int port = ProviderStack::freePort();
        provider::RuntimeSpec spec;
        spec.deploymentId = u"raw-"_s + name;
        spec.pod = parsed.pod;
        spec.ports = {provider::PortBinding{u"http"_s, 8080, u"127.0.0.1"_s, port}};
        spec.stopGraceSeconds = 1; // as berthd's podman.stopTimeoutSeconds here
        const auto pod = m_runtime->podObject(spec);
        if (!pod) {
            *error = u"podObject: "_s + pod.error().message;
            return {};
        }
        provider::HttpRequest play;
        play.method = "POST";
        play.url = u"http://d/v4.0.0/libpod/play/kube"_s;
        play.headers.append(
            {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
        play.body = QJsonDocument(*pod).toJson(QJsonDocument::Compact);
        play.timeoutMs = 120000;
        provider::HttpClient podman(u"Podman"_s, m_stack.podmanFixture().socketPath());

        Timing timing;
        QElapsedTimer clock;
        clock.start();
        const auto played = podman.send(play);
        timing.answeredMs = clock.elapsed();
        if (!played || !played->ok()) {
            *error = u"play/kube: "_s +
                     (played ? provider::httpErrorText(*played) : played.error().message);
            (void)m_runtime->remove(spec.deploymentId, true);
            return {};
        }
        const QString url = u"http://127.0.0.1:%1/"_s.arg(port);
        const bool served = pollFirstPage(
            [&] {
                provider::HttpClient http(u"the raw pod"_s);
                provider::HttpRequest request;
                request.url = url;
                request.timeoutMs = 2000;
                return http.send(request);
            },
            pageOf(name));
        if (served)
            timing.firstPageMs = clock.elapsed();
        else
            *error = u"no page at %1 within %2 ms"_s.arg(url).arg(FirstPageTimeoutMs);
        if (const auto removed = m_runtime->remove(spec.deploymentId, true); !removed)
            std::fprintf(stderr, "remove %s: %s\n", qPrintable(spec.deploymentId),
                         qPrintable(removed.error().message));
        return served ? timing : Timing{};
    }

private:
    ProviderStack &m_stack;
    std::unique_ptr<protocol::ProtocolClient> m_client;
    std::unique_ptr<provider::PodmanRuntime> m_runtime;
};

double median(QList<qint64> values)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const qsizetype mid = values.size() / 2;
    return values.size() % 2 ? double(values[mid]) : (values[mid - 1] + values[mid]) / 2.0;
}

int runBench(ProviderStack &stack, int rounds)
{
    QString error;
    DeployBench bench(stack);
    if (!bench.prepare(&error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    // Every round's deployment has its own paid channel, opened before any timing.
    QStringList names{u"warmup"_s};
    for (int round = 1; round <= rounds; ++round)
        names.append(u"bench%1"_s.arg(round));
    for (const QString &name : std::as_const(names)) {
        if (!bench.pay(name, &error)) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return 1;
        }
    }

    QList<qint64> berthTimes;
    QList<qint64> rawTimes;
    for (int round = 0; round <= rounds; ++round) {
        const QString &name = names.at(round);
        Timing berth;
        Timing raw;
        const bool berthFirst = round % 2 == 1;
        if (berthFirst)
            berth = bench.berth(name, &error);
        if (error.isEmpty())
            raw = bench.raw(name, &error);
        if (!berthFirst && error.isEmpty())
            berth = bench.berth(name, &error);
        if (!error.isEmpty()) {
            std::fprintf(stderr, "round %d: %s\n", round, qPrintable(error));
            return 1;
        }
        std::printf("%-8s berth %5lld ms (pod.provision answered at %5lld ms)   "
                    "raw %5lld ms (play/kube answered at %5lld ms)   %s first\n",
                    round == 0 ? "warm-up" : qPrintable(u"round %1"_s.arg(round)),
                    berth.firstPageMs, berth.answeredMs, raw.firstPageMs, raw.answeredMs,
                    berthFirst ? "berth" : "raw");
        std::fflush(stdout);
        if (round > 0) {
            berthTimes.append(berth.firstPageMs);
            rawTimes.append(raw.firstPageMs);
        }
    }
    const double berthMedian = median(berthTimes);
    const double rawMedian = median(rawTimes);
    std::printf("median over %d rounds: berth %.0f ms, raw Podman %.0f ms\n", rounds, berthMedian,
                rawMedian);
    std::printf("ratio berth/raw: %.2f (goal <= 1.25)\n",
                rawMedian > 0 ? berthMedian / rawMedian : 0.0);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int rounds = argc > 1 ? std::max(1, QByteArray(argv[1]).toInt()) : 5;
    if (!PodmanFixture::available()) {
        std::fprintf(stderr, "podman is not installed\n");
        return 1;
    }
    int status = 1;
    {
        ProviderStack stack;
        // Port ranges apart from the provider integration test's, which may run
        // at the same time (berthd skips busy ports either way).
        stack.setPortRanges({43000, 43100, 100});
        QString error;
        if (stack.start(&error))
            status = runBench(stack, rounds);
        else
            std::fprintf(stderr, "cannot start the provider stack: %s\n", qPrintable(error));
        if (!stack.stop())
            std::fprintf(stderr, "the devnet did not stop\n");
    }
    return status;
}
