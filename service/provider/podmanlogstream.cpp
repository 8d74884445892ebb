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
        if (payload.endsWith('\n'))
            payload.chop(1);
        const QList<QByteArray> rawLines = payload.split('\n');
        for (const QByteArray &rawLine : rawLines) {
            const qsizetype space = rawLine.indexOf(' ');
            const QByteArray stamp = space < 0 ? rawLine : rawLine.first(space);
            LogLine line;
            line.container = container;
            line.stream = stream == 1 ? u"stdout"_s : u"stderr"_s;
            line.time = parsePodmanTime(QString::fromLatin1(stamp));
            if (!line.time.isValid())
                return bad(u"a line without a timestamp"_s);
            if (space >= 0)
                line.text = QString::fromUtf8(rawLine.sliced(space + 1));
            lines.append(line);
        }
        pos += 8 + length;
    }
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
