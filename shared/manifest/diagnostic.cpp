#include "manifest/diagnostic.h"

#include <algorithm>
#include <utility>

using namespace Qt::StringLiterals;

namespace berth::manifest {

namespace {

// "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a" -> ""
QString parentPath(const QString &path)
{
    const auto cut = std::max(path.lastIndexOf(u'.'), path.lastIndexOf(u'['));
    return cut < 0 ? QString() : path.left(cut);
}

} // namespace

SourceLocation SourceMap::locate(const QString &path) const
{
    for (QString p = path;; p = parentPath(p)) {
        const auto it = m_locations.constFind(p);
        if (it != m_locations.cend())
            return *it;
        if (p.isEmpty())
            return {};
    }
}

QString formatDiagnostic(const QString &file, const Diagnostic &diagnostic)
{
    const QString path = diagnostic.path.isEmpty() ? u"(document)"_s : diagnostic.path;
    return u"%1:%2:%3: %4: %5"_s.arg(file)
        .arg(diagnostic.location.line)
        .arg(diagnostic.location.column)
        .arg(path, diagnostic.message);
}

bool hasErrors(const QList<Diagnostic> &diagnostics)
{
    return std::any_of(diagnostics.cbegin(), diagnostics.cend(),
                       [](const Diagnostic &d) { return d.severity == Severity::Error; });
}

void sortByLocation(QList<Diagnostic> &diagnostics)
{
    std::stable_sort(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic &a, const Diagnostic &b) {
                         return std::pair(a.location.line, a.location.column) <
                                std::pair(b.location.line, b.location.column);
                     });
}

void locateAll(QList<Diagnostic> &diagnostics, const SourceMap &map)
{
    for (auto &d : diagnostics) {
        if (!d.location.isKnown())
            d.location = map.locate(d.path);
    }
}

QString joinPath(const QString &parent, const QString &field)
{
    return parent.isEmpty() ? field : parent + u'.' + field;
}

QString joinPath(const QString &parent, qsizetype index)
{
    return parent + u'[' + QString::number(index) + u']';
}

} // namespace berth::manifest
