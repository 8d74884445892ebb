#include "provider/podmanlogstream.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

constexpr qint64 MaxLogFrame = 1024 * 1024;

} // namespace

Result<QList<LogLine>> decodePodmanLogStream(const QByteArray &body, const QString &container)
{
    QList<LogLine> lines;
    struct Partial
    {
        QDateTime time; // invalid: none
        QByteArray text;
    };
    Partial partials[2]; // stdout, stderr
    qsizetype pos = 0;
    const auto bad = [&](const QString &what) {
        return Error(ErrorCode::BadResponse,
                     u"Podman's log stream for %1 is malformed at byte %2: %3"_s.arg(
                         container, QString::number(pos), what));
    };
    while (pos < body.size()) {
        if (body.size() - pos < 8)
            return bad(u"truncated frame header"_s);
        const auto byte = [&](qsizetype i) { return quint8(body.at(pos + i)); };
        const quint8 stream = byte(0);
        if (stream != 1 && stream != 2)
            return bad(u"unknown stream %1"_s.arg(QString::number(stream)));
        if (byte(1) != 0 || byte(2) != 0 || byte(3) != 0)
            return bad(u"reserved header bytes are not zero"_s);
        const qint64 length = (qint64(byte(4)) << 24) | (qint64(byte(5)) << 16) |
                              (qint64(byte(6)) << 8) | qint64(byte(7));
        if (length > MaxLogFrame)
            return bad(u"frame of %1 bytes"_s.arg(QString::number(length)));
        if (body.size() - pos - 8 < length)
            return bad(u"truncated frame"_s);
        QByteArray payload = body.mid(pos + 8, length);
        // A frame without a final newline is a partial line (conmon split it at
        // its read buffer): the stream's next frame continues it.
        const bool complete = payload.endsWith('\n');
        if (complete)
            payload.chop(1);
        Partial &open = partials[stream - 1];
        const QList<QByteArray> rawLines = payload.split('\n');
        for (qsizetype i = 0; i < rawLines.size(); ++i) {
            const QByteArray &rawLine = rawLines.at(i);
            const qsizetype space = rawLine.indexOf(' ');
            const QByteArray stamp = space < 0 ? rawLine : rawLine.first(space);
            LogLine line;
            line.container = container;
            line.stream = stream == 1 ? u"stdout"_s : u"stderr"_s;
            line.time = parsePodmanTime(QString::fromLatin1(stamp));
            if (!line.time.isValid())
                return bad(u"a line without a timestamp"_s);
            QByteArray text = space >= 0 ? rawLine.sliced(space + 1) : QByteArray();
            if (i == 0 && open.time.isValid()) {
                line.time = open.time;
                text.prepend(open.text);
                open = Partial();
            }
            if (!complete && i == rawLines.size() - 1) {
                open = Partial{line.time, text};
                continue;
            }
            line.text = QString::fromUtf8(text);
            lines.append(line);
        }
        pos += 8 + length;
    }
    // The rest is not written yet, or never will be: keep what there is.
    for (int i = 0; i < 2; ++i)
        if (partials[i].time.isValid())
            lines.append(LogLine{container, partials[i].time, i == 0 ? u"stdout"_s : u"stderr"_s,
                                 QString::fromUtf8(partials[i].text)});
    return lines;
}

QDateTime parsePodmanTime(QStringView text)
{
    static const QRegularExpression pattern(
        u"^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d)(?:\\.(\\d{1,9}))?(Z|[+-]\\d\\d:\\d\\d)$"_s);
    const auto match = pattern.match(text);
    if (!match.hasMatch())
        return {};
    QString normalized = match.captured(1);
    const QString fraction = match.captured(2);
    if (!fraction.isEmpty())
        normalized += u'.' + QString(fraction + u"00"_s).left(3);
    normalized += match.captured(3);
    return QDateTime::fromString(normalized, Qt::ISODateWithMs).toUTC();
}

} // namespace berth::provider
