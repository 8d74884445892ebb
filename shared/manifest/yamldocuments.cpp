#include "manifest/yamldocuments.h"

namespace berth::manifest {

namespace {

bool isMarker(QByteArrayView line, QByteArrayView marker)
{
    return line.startsWith(marker) && (line.size() == marker.size() || line[marker.size()] == ' ' ||
                                       line[marker.size()] == '\t' || line[marker.size()] == '\r');
}

bool isContent(QByteArrayView line)
{
    const QByteArrayView trimmed = line.trimmed();
    return !trimmed.isEmpty() && !trimmed.startsWith('#') && !line.startsWith('%');
}

struct Range
{
    qsizetype firstLine = 0; // 0-based, inclusive
    qsizetype lastLine = -1; // inclusive
    qsizetype firstContent = -1;
};

} // namespace

QList<YamlDocument> splitYamlDocuments(const QByteArray &text, qsizetype maxDocuments)
{
    const QList<QByteArray> lines = text.split('\n');
    QList<Range> ranges;
    Range current;
    const auto close = [&](qsizetype last) {
        current.lastLine = last;
        if (current.firstContent >= 0)
            ranges.append(current);
    };
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QByteArrayView line = lines[i];
        if (isMarker(line, "---")) {
            close(i - 1);
            current = Range{i, -1, -1};
            // "--- {a: 1}" carries content on the marker line itself.
            if (isContent(line.sliced(3)))
                current.firstContent = i;
            continue;
        }
        if (isMarker(line, "...")) {
            close(i);
            current = Range{i + 1, -1, -1};
            continue;
        }
        if (isContent(line) && current.firstContent < 0)
            current.firstContent = i;
    }
    close(lines.size() - 1);

    QList<YamlDocument> documents;
    // Beyond the limit only the count matters: materialise one more document so
    // callers can tell "too many" apart from "exactly the limit".
    if (ranges.size() > maxDocuments + 1)
        ranges.resize(maxDocuments + 1);
    for (const Range &range : std::as_const(ranges)) {
        QByteArray blanked;
        blanked.reserve(text.size());
        for (qsizetype i = 0; i < lines.size(); ++i) {
            if (i >= range.firstLine && i <= range.lastLine)
                blanked.append(lines[i]);
            if (i + 1 < lines.size())
                blanked.append('\n');
        }
        documents.append(YamlDocument{blanked, int(range.firstContent + 1)});
    }
    return documents;
}

} // namespace berth::manifest
