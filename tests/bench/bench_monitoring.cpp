// The collector's cost (issue 7, point 7): berthd with 0, 50 and 200 idle pods
// (busybox `sleep`) on a private Podman, each level measured over a window:
// berthd's CPU time per minute (all of it, from /proc), the collector's own
// (berth_collector_cpu_seconds_total on /metrics: its Podman calls and storing
// the samples) and berthd's resident memory. The pods are played through
// PodmanRuntime with Berth's labels, so the collector sees them as berthd's
// own; billing and the chain are not involved. Prints the numbers beside the
// goals (at most 40 MB resident idle, 60 MB at 100 pods); never fails on them.
// The Podman service's CPU time in the same window is printed too: it does the
// cgroup reading the collector's two calls ask for.
// Usage: bench_monitoring [--pods 0,50,200] [--seconds 60] [--interval 10]
#include "manifest/manifestcodec.h"
#include "provider/httpclient.h"
#include "provider/podmanapi.h"
#include "provider/podmanruntime.h"
#include "providerstack.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QRegularExpression>

#include <cstdio>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace berth;
using berth::test::PodmanFixture;
using berth::test::ProviderStack;

namespace {

class BenchStack : public ProviderStack
{
public:
    qint64 berthdPid() const { return m_berthd.processId(); }
};

QByteArray idleManifest(const QString &name)
{
    return QStringLiteral(R"(apiVersion: berth/v1
kind: Pod
metadata: {name: %1}
containers:
  - name: idle
    image: localhost/berth-test/busybox:1
    command: ["/bin/sleep", "1000000"]
    resources: {cpu: 50m, memory: 16Mi}
)")
        .arg(name)
        .toUtf8();
}

// utime + stime of a process, in seconds.
double cpuSecondsOf(qint64 pid)
{
    QFile stat(u"/proc/%1/stat"_s.arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray text = stat.readAll();
    // Fields after the command name (which may hold spaces): state is field 3.
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return -1;
    return (fields.at(11).toDouble() + fields.at(12).toDouble()) / double(::sysconf(_SC_CLK_TCK));
}

// The process whose command line names `text` (the fixture's Podman service
// names its socket), or 0.
qint64 processNaming(const QString &text)
{
    const QByteArray needle = QFile::encodeName(text);
    const QStringList pids = QDir(u"/proc"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &pid : pids) {
        bool number = false;
        const qint64 id = pid.toLongLong(&number);
        if (!number)
            continue;
        QFile cmdline(u"/proc/%1/cmdline"_s.arg(pid));
        if (!cmdline.open(QIODevice::ReadOnly))
            continue;
        const QByteArray args = cmdline.readAll();
        if (args.contains(needle) && args.contains("service"))
            return id;
    }
    return 0;
}

// VmRSS of a process, in MiB.
double residentMiBOf(qint64 pid)
{
    QFile status(u"/proc/%1/status"_s.arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    // Files in /proc report size 0: read it whole rather than trusting atEnd().
    const QList<QByteArray> lines = status.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    }
    return -1;
}

QByteArray scrape(quint16 port)
{
    provider::HttpClient http(u"berthd /metrics"_s);
    provider::HttpRequest request;
    request.url = u"http://127.0.0.1:%1/metrics"_s.arg(port);
    const auto page = http.send(request);
    return page && page->status == 200 ? page->body : QByteArray();
}

// One sample value of /metrics, or -1.
double scraped(quint16 port, const QByteArray &name)
{
    for (const QByteArray &line : scrape(port).split('\n'))
        if (line.startsWith(QByteArray(name + ' ')))
            return line.mid(name.size() + 1).toDouble();
    return -1;
}

// Containers the collector reported running at its last pass.
int runningContainers(quint16 port)
{
    int running = 0;
    for (const QByteArray &line : scrape(port).split('\n'))
        if (line.startsWith("berth_container_running{") && line.endsWith(" 1"))
            ++running;
    return running;
}

void idle(int milliseconds)
{
    QDeadlineTimer deadline(milliseconds);
    while (!deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 100);
}

int runBench(BenchStack &stack, const QList<int> &levels, int seconds, int interval)
{
    static const QRegularExpression url(u"metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics"_s);
    const auto match = url.match(stack.berthdLog());
    if (!match.hasMatch()) {
        std::fprintf(stderr, "berthd did not log its metrics URL\n");
        return 1;
    }
    const quint16 port = quint16(match.captured(1).toInt());
    auto runtime =
        provider::PodmanRuntime::create({stack.podmanFixture().socketPath(), QString(),
                                         stack.podmanFixture().tmpfsDir() + u"/bench-secrets"_s});
    if (!runtime) {
        std::fprintf(stderr, "PodmanRuntime: %s\n", qPrintable(runtime.error().message));
        return 1;
    }
    const qint64 pid = stack.berthdPid();
    // Podman does the reading for the collector's calls: its service's CPU time
    // counts too (nothing else calls it while a window is measured).
    const qint64 podmanPid = processNaming(stack.podmanFixture().socketPath());
    std::printf("collector every %d s; each level measured over %d s\n", interval, seconds);
    std::printf("%6s %10s %18s %21s %22s %14s\n", "pods", "collected", "berthd CPU s/min",
                "collector CPU s/min", "Podman service s/min", "berthd RSS MB");
    std::fflush(stdout);
    int running = 0;
    QStringList ids;
    for (int level : levels) {
        QElapsedTimer playing;
        playing.start();
        while (running < level) {
            const QString id = u"idle-%1"_s.arg(running, 3, 10, QChar(u'0'));
            const manifest::ParseResult parsed = manifest::loadManifest(idleManifest(id));
            if (!parsed.ok()) {
                std::fprintf(stderr, "the idle manifest does not validate\n");
                return 1;
            }
            provider::RuntimeSpec spec;
            spec.deploymentId = id;
            spec.pod = parsed.pod;
            spec.stopGraceSeconds = 1;
            if (auto applied = (*runtime)->apply(spec); !applied) {
                std::fprintf(stderr, "playing %s: %s\n", qPrintable(id),
                             qPrintable(applied.error().message));
                return 1;
            }
            ids.append(id);
            ++running;
        }
        if (playing.elapsed() > 1000)
            std::fprintf(stderr, "(%d pods running after %.0f s)\n", running,
                         double(playing.elapsed()) / 1000);
        idle(2 * interval * 1000); // a pass or two that sees them all
        const double cpuBefore = cpuSecondsOf(pid);
        const double podmanBefore = podmanPid ? cpuSecondsOf(podmanPid) : 0;
        const double collectorBefore = scraped(port, "berth_collector_cpu_seconds_total");
        QElapsedTimer window;
        window.start();
        idle(seconds * 1000);
        const double minutes = double(window.elapsed()) / 60000.0;
        const double cpu = (cpuSecondsOf(pid) - cpuBefore) / minutes;
        const double podman = podmanPid ? (cpuSecondsOf(podmanPid) - podmanBefore) / minutes : -1;
        const double collector =
            (scraped(port, "berth_collector_cpu_seconds_total") - collectorBefore) / minutes;
        const double rss = residentMiBOf(pid) * 1.048576; // MB as the goal states it
        const QString goal = level == 0     ? u"(goal <= 40 MB idle)"_s
                             : level <= 100 ? u"(goal <= 60 MB at 100 pods)"_s
                                            : QString();
        std::printf("%6d %10d %18.3f %21.3f %22.3f %14.1f %s\n", level, runningContainers(port),
                    cpu, collector, podman, rss, qPrintable(goal));
        std::fflush(stdout);
    }
    // `sleep` as PID 1 ignores SIGTERM: kill the pods first, or each removal
    // waits out its grace period.
    provider::PodmanApi api(stack.podmanFixture().socketPath());
    for (const QString &id : std::as_const(ids)) {
        (void)api.call("POST", u"/pods/%1/kill"_s.arg(provider::podNameFor(id)));
        (void)(*runtime)->remove(id, true);
    }
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QList<int> levels{0, 50, 200};
    int seconds = 60;
    int interval = 10;
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i + 1 < args.size(); i += 2) {
        if (args.at(i) == u"--pods"_s) {
            levels.clear();
            for (const QString &n : args.at(i + 1).split(u',', Qt::SkipEmptyParts))
                levels.append(std::max(0, n.toInt()));
            std::sort(levels.begin(), levels.end());
        } else if (args.at(i) == u"--seconds"_s) {
            seconds = std::max(5, args.at(i + 1).toInt());
        } else if (args.at(i) == u"--interval"_s) {
            interval = std::max(1, args.at(i + 1).toInt());
        } else {
            std::fprintf(stderr, "usage: bench_monitoring [--pods 0,50,200] [--seconds 60] "
                                 "[--interval 10]\n");
            return 2;
        }
    }
    if (!PodmanFixture::available()) {
        std::fprintf(stderr, "podman is not installed\n");
        return 1;
    }
    int status = 1;
    {
        BenchStack stack;
        stack.setPortRanges({44000, 44100, 100});
        stack.setExtraConfig(
            u"metrics: {intervalSeconds: %1, listen: {port: 0}}\n"_s.arg(interval).toUtf8());
        QString error;
        if (stack.start(&error))
            status = runBench(stack, levels, seconds, interval);
        else
            std::fprintf(stderr, "cannot start the provider stack: %s\n", qPrintable(error));
        if (!stack.stop())
            std::fprintf(stderr, "the devnet did not stop\n");
    }
    return status;
}
