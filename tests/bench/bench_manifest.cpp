// Prints how fast manifests are read, validated and written: a provider parses
// every manifest it is sent, so this bounds what one core can accept.
// Run: build/ci/tests/bench/bench_manifest [ITERATIONS]
#include "manifest/manifestcodec.h"

#include <QCoreApplication>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QTextStream>

using namespace Qt::StringLiterals;
using namespace berth::manifest;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int iterations = argc > 1 ? QByteArray(argv[1]).toInt() : 2000;
    QList<QByteArray> manifests;
    QDirIterator it(QStringLiteral(BERTH_EXAMPLES_DIR), {u"*.yaml"_s}, QDir::Files);
    while (it.hasNext()) {
        QFile file(it.next());
        if (file.open(QIODevice::ReadOnly))
            manifests.append(file.readAll());
    }
    QTextStream out(stdout);
    if (manifests.isEmpty() || iterations <= 0) {
        out << "no examples found in " << BERTH_EXAMPLES_DIR << "\n";
        return 1;
    }
    qint64 bytes = 0;
    for (const auto &m : manifests)
        bytes += m.size();

    const auto measure = [&](const char *what, auto &&work) {
        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < iterations; ++i)
            for (const auto &m : manifests)
                work(m);
        const double seconds = double(timer.nsecsElapsed()) / 1e9;
        const double perManifest = seconds / (double(iterations) * double(manifests.size()));
        out << qSetFieldWidth(28) << Qt::left << what << qSetFieldWidth(0)
            << QString::number(perManifest * 1e6, 'f', 1) << " us/manifest  "
            << QString::number(double(bytes) * iterations / seconds / 1e6, 'f', 1) << " MB/s\n";
        return perManifest;
    };
    QList<Pod> pods;
    for (const auto &m : manifests)
        pods.append(loadManifest(m).pod);
    out << manifests.size() << " example manifests, " << bytes << " bytes, " << iterations
        << " iterations\n";
    const double load = measure("parse + validate (YAML)",
                                [](const QByteArray &m) { return loadManifest(m).ok(); });
    qsizetype index = 0;
    const double write = measure("write canonical YAML", [&](const QByteArray &) {
        return writeManifest(pods[index++ % pods.size()], ManifestFormat::Yaml).size();
    });
    out << "ratio parse/write: " << QString::number(load / write, 'f', 2) << "\n";
    return 0;
}
