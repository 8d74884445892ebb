#pragma once

// Shared by the importer tests: test data, diagnostics in failure messages, and
// the check that a file yields exactly the warnings a user should see.

#include "manifest/importer.h"

#include <QFile>
#include <QTest>

#include <cstdint>

namespace importtest {

using namespace Qt::StringLiterals;
using namespace berth::manifest;

inline constexpr std::int64_t MiB = 1024 * 1024;
inline constexpr std::int64_t GiB = 1024 * MiB;

inline QByteArray readData(const QString &name)
{
    QFile file(QStringLiteral(BERTH_TEST_DATA_DIR "/import/") + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read test data %s", qPrintable(name));
    return file.readAll();
}

inline QString describe(const QList<Diagnostic> &list)
{
    QStringList lines;
    for (const auto &d : list)
        lines.append((d.severity == Severity::Error ? u"error "_s : u"warning "_s) +
                     formatDiagnostic(u"file"_s, d));
    return lines.join(u'\n');
}

inline QList<Diagnostic> ofSeverity(const ImportResult &result, Severity severity)
{
    QList<Diagnostic> list;
    for (const auto &d : result.diagnostics) {
        if (d.severity == severity)
            list.append(d);
    }
    return list;
}

// The diagnostics of that severity at exactly path whose message has fragment.
inline qsizetype count(const ImportResult &result, Severity severity, const QString &path,
                       const QString &fragment)
{
    qsizetype n = 0;
    for (const auto &d : result.diagnostics) {
        if (d.severity == severity && d.path == path && d.message.contains(fragment))
            ++n;
    }
    return n;
}

inline const Container &containerNamed(const Pod &pod, const QString &name)
{
    for (const auto &container : pod.containers) {
        if (container.name == name)
            return container;
    }
    qFatal("no container %s", qPrintable(name));
}

inline const Volume &volumeNamed(const Pod &pod, const QString &name)
{
    for (const auto &volume : pod.volumes) {
        if (volume.name == name)
            return volume;
    }
    qFatal("no volume %s", qPrintable(name));
}

struct Expected
{
    QString path;
    QString fragment;
};

} // namespace importtest

// One warning at path with fragment, and exactly as many warnings as expected.
#define VERIFY_WARNINGS(result, ...)                                                               \
    do {                                                                                           \
        const QList<importtest::Expected> expected{__VA_ARGS__};                                   \
        const QString all = importtest::describe((result).diagnostics);                            \
        for (const importtest::Expected &e : expected)                                             \
            QVERIFY2(importtest::count(result, Severity::Warning, e.path, e.fragment) == 1,        \
                     qPrintable(u"want one warning at %1 with \"%2\", got:\n%3"_s.arg(             \
                         e.path, e.fragment, all)));                                               \
        QVERIFY2(importtest::ofSeverity(result, Severity::Warning).size() == expected.size(),      \
                 qPrintable(all));                                                                 \
    } while (false)

#define VERIFY_NO_ERRORS(result)                                                                   \
    QVERIFY2(!berth::manifest::hasErrors((result).diagnostics),                                    \
             qPrintable(importtest::describe((result).diagnostics)))
