#include "provider/logstore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <algorithm>
#include <deque>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

constexpr QFile::Permissions OwnerOnlyFile = QFile::ReadOwner | QFile::WriteOwner;
constexpr QFile::Permissions OwnerOnlyFolder =
    QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;

const QString CurrentFile = u"current.jsonl"_s;
const QString PreviousFile = u"previous.jsonl"_s;
const QString CursorsFile = u"cursors.json"_s;

using BoundaryKey = std::pair<QString, QString>;

Error ioError(const QString &path, const QString &what)
{
    return Error(ErrorCode::IoFailed, u"%1: %2"_s.arg(what, path));
}

QList<QByteArray> linesOf(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll().split('\n');
}

// Runs one line through a container's cursor: false when it is stored already
// (older than the cursor, or one of the boundary lines not yet matched in this
// batch), else the cursor moves on to include it.
bool advance(LogCursor &cursor, QList<BoundaryKey> &unmatched, const LogLine &line)
{
    BoundaryKey key{line.stream, line.text};
    if (cursor.last.isValid() && line.time < cursor.last)
        return false;
    if (cursor.last.isValid() && line.time == cursor.last) {
        if (unmatched.removeOne(key))
            return false;
        cursor.boundary.append(std::move(key));
        return true;
    }
    cursor.last = line.time;
    cursor.boundary = {std::move(key)};
    unmatched.clear();
    return true;
}

// Cuts a line's text so that its encoded form stays within a line's limit
// (the same input always gives the same cut, so a cut line deduplicates).
LogLine cut(LogLine line)
{
    QByteArray encoded = LogStore::encodeLine(line);
    while (encoded.size() > LogStore::MaxTextBytes + 256 && !line.text.isEmpty()) {
        qsizetype keep = line.text.size() * (LogStore::MaxTextBytes) / encoded.size();
        keep = qMin(keep, line.text.size() - 1);
        if (keep > 0 && line.text.at(keep - 1).isHighSurrogate())
            --keep;
        line.text.truncate(qMax(qsizetype(0), keep));
        encoded = LogStore::encodeLine(line);
    }
    return line;
}

} // namespace

LogStore::LogStore(QString root, qint64 maxBytesPerDeployment)
    : m_root(std::move(root))
    , m_maxBytes(qMax(maxBytesPerDeployment, MinBytesPerDeployment))
{}

QString LogStore::folderOf(const QString &deploymentId) const
{
    return QDir(m_root).filePath(deploymentId);
}

QByteArray LogStore::encodeLine(const LogLine &line)
{
    const QJsonObject object{{u"t"_s, line.time.toUTC().toString(Qt::ISODateWithMs)},
                             {u"c"_s, line.container},
                             {u"s"_s, line.stream == "stderr"_L1 ? u"err"_s : u"out"_s},
                             {u"x"_s, line.text}};
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

std::optional<LogLine> LogStore::decodeLine(QByteArrayView bytes)
{
    if (bytes.isEmpty() || bytes.front() != '{')
        return std::nullopt;
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(bytes.toByteArray(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return std::nullopt;
    const QJsonObject object = document.object();
    const QString stream = object.value(u"s"_s).toString();
    if (!object.value(u"c"_s).isString() || !object.value(u"x"_s).isString() ||
        (stream != "out"_L1 && stream != "err"_L1))
        return std::nullopt;
    LogLine line;
    line.time = QDateTime::fromString(object.value(u"t"_s).toString(), Qt::ISODateWithMs);
    if (!line.time.isValid())
        return std::nullopt;
    line.time = line.time.toUTC();
    line.container = object.value(u"c"_s).toString();
    line.stream = stream == "err"_L1 ? u"stderr"_s : u"stdout"_s;
    line.text = object.value(u"x"_s).toString();
    return line;
}

LogStore::Kept &LogStore::load(const QString &deploymentId)
{
    Kept &kept = m_kept[deploymentId];
    if (kept.loaded)
        return kept;
    kept = Kept();
    kept.loaded = true;
    const QDir folder(folderOf(deploymentId));
    QFile cursorsFile(folder.filePath(CursorsFile));
    if (cursorsFile.open(QIODevice::ReadOnly)) {
        const QJsonObject all = QJsonDocument::fromJson(cursorsFile.readAll()).object();
        for (auto it = all.begin(); it != all.end(); ++it) {
            const QJsonObject one = it.value().toObject();
            LogCursor cursor;
            cursor.last =
                QDateTime::fromString(one.value(u"t"_s).toString(), Qt::ISODateWithMs).toUTC();
            for (const QJsonValue &entry : one.value(u"b"_s).toArray())
                cursor.boundary.append({entry[0].toString() == "err"_L1 ? u"stderr"_s : u"stdout"_s,
                                        entry[1].toString()});
            if (cursor.last.isValid())
                kept.cursors.insert(it.key(), cursor);
        }
    }
    // The files may hold lines the saved cursors include already: run them
    // through the same deduplication as new lines.
    QHash<QString, QList<BoundaryKey>> unmatched;
    for (auto it = kept.cursors.cbegin(); it != kept.cursors.cend(); ++it)
        unmatched.insert(it.key(), it->boundary);
    for (const QString &name : {PreviousFile, CurrentFile}) {
        for (const QByteArray &bytes : linesOf(folder.filePath(name))) {
            const auto line = decodeLine(bytes);
            if (line)
                advance(kept.cursors[line->container], unmatched[line->container], *line);
        }
    }
    // A line torn by a crash must not swallow the next one.
    QFile current(folder.filePath(CurrentFile));
    if (current.open(QIODevice::ReadWrite) && current.size() > 0 &&
        current.seek(current.size() - 1) && current.read(1) != "\n") {
        current.seek(current.size());
        current.write("\n");
    }
    kept.currentBytes = current.size();
    return kept;
}

QHash<QString, LogCursor> LogStore::cursors(const QString &deploymentId)
{
    return load(deploymentId).cursors;
}

Result<void> LogStore::ensureFolder(const QString &deploymentId) const
{
    for (const QString &path : {m_root, folderOf(deploymentId)}) {
        if (QFileInfo(path).isDir())
            continue;
        if (!QDir().mkpath(path))
            return ioError(path, u"cannot create the log folder"_s);
        if (!QFile::setPermissions(path, OwnerOnlyFolder))
            return ioError(path, u"cannot make the log folder private (0700)"_s);
    }
    return {};
}

Result<void> LogStore::rotate(const QString &deploymentId, Kept &kept)
{
    const QDir folder(folderOf(deploymentId));
    // The cursors first: previous.jsonl may hold the last lines of a container.
    QJsonObject all;
    for (auto it = kept.cursors.cbegin(); it != kept.cursors.cend(); ++it) {
        QJsonArray boundary;
        for (const auto &[stream, text] : it->boundary)
            boundary.append(
                QJsonArray{stream == "stderr"_L1 ? u"err"_s : u"out"_s, QJsonValue(text)});
        all.insert(it.key(),
                   QJsonObject{{u"t"_s, it->last.toString(Qt::ISODateWithMs)}, {u"b"_s, boundary}});
    }
    QByteArray json = QJsonDocument(all).toJson(QJsonDocument::Compact);
    if (json.size() > MaxCursorsBytes) {
        // Only where each container stopped, without the lines at that time.
        for (auto it = all.begin(); it != all.end(); ++it)
            it.value() = QJsonObject{{u"t"_s, it.value()[u"t"_s]}};
        json = QJsonDocument(all).toJson(QJsonDocument::Compact);
    }
    QSaveFile cursors(folder.filePath(CursorsFile));
    if (!cursors.open(QIODevice::WriteOnly))
        return ioError(cursors.fileName(), u"cannot write"_s);
    cursors.setPermissions(OwnerOnlyFile);
    cursors.write(json);
    if (!cursors.commit())
        return ioError(cursors.fileName(), u"cannot write"_s);

    const QString previous = folder.filePath(PreviousFile);
    if (QFile::exists(previous) && !QFile::remove(previous))
        return ioError(previous, u"cannot remove"_s);
    if (!QFile::rename(folder.filePath(CurrentFile), previous))
        return ioError(previous, u"cannot rotate the log into"_s);
    kept.currentBytes = 0;
    return {};
}

Result<QList<LogLine>> LogStore::append(const QString &deploymentId, const QList<LogLine> &lines)
{
    if (!isValidDeploymentId(deploymentId))
        return Error(ErrorCode::InvalidArgument,
                     u"invalid deployment id \"%1\""_s.arg(deploymentId));
    if (lines.isEmpty())
        return QList<LogLine>();
    Kept &kept = load(deploymentId);
    QList<LogLine> fresh;
    QHash<QString, QList<BoundaryKey>> unmatched;
    for (const LogLine &raw : lines) {
        if (!raw.time.isValid() || raw.container.isEmpty())
            continue;
        LogLine line = cut(raw);
        line.time = line.time.toUTC();
        auto pending = unmatched.find(line.container);
        if (pending == unmatched.end())
            pending = unmatched.insert(line.container, kept.cursors.value(line.container).boundary);
        if (advance(kept.cursors[line.container], *pending, line))
            fresh.append(std::move(line));
    }
    if (fresh.isEmpty())
        return fresh;

    const auto failed = [&](const Error &error) -> Result<QList<LogLine>> {
        kept.loaded = false; // the cursors moved past what was written: read them again
        return error;
    };
    if (auto folder = ensureFolder(deploymentId); !folder)
        return failed(folder.error());
    const QString path = QDir(folderOf(deploymentId)).filePath(CurrentFile);
    // Two files and the cursors within the cap.
    const qint64 half = (m_maxBytes - MaxCursorsBytes) / 2;
    QByteArray pending;
    const auto flush = [&]() -> Result<void> {
        if (pending.isEmpty())
            return {};
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Append, OwnerOnlyFile))
            return ioError(path, u"cannot open"_s);
        if (file.write(pending) != pending.size() || !file.flush())
            return ioError(path, u"cannot write"_s);
        kept.currentBytes = file.size();
        pending.clear();
        return {};
    };
    for (const LogLine &line : std::as_const(fresh)) {
        QByteArray encoded = encodeLine(line);
        encoded.append('\n');
        if (kept.currentBytes + pending.size() + encoded.size() > half) {
            if (auto flushed = flush(); !flushed)
                return failed(flushed.error());
            if (kept.currentBytes > 0)
                if (auto rotated = rotate(deploymentId, kept); !rotated)
                    return failed(rotated.error());
        }
        pending.append(encoded);
    }
    if (auto flushed = flush(); !flushed)
        return failed(flushed.error());
    return fresh;
}

Result<QList<LogLine>> LogStore::read(const QString &deploymentId, const LogQuery &query) const
{
    if (!isValidDeploymentId(deploymentId))
        return Error(ErrorCode::InvalidArgument,
                     u"invalid deployment id \"%1\""_s.arg(deploymentId));
    QList<LogLine> lines;
    if (query.tail <= 0)
        return lines;
    const QDir folder(folderOf(deploymentId));
    const QDateTime since = query.since.isValid() ? query.since.toUTC() : QDateTime();
    QHash<QString, std::deque<LogLine>> byContainer;
    for (const QString &name : {PreviousFile, CurrentFile}) {
        for (const QByteArray &bytes : linesOf(folder.filePath(name))) {
            auto line = decodeLine(bytes);
            if (!line || (!query.container.isEmpty() && line->container != query.container) ||
                (since.isValid() && line->time < since))
                continue;
            std::deque<LogLine> &own = byContainer[line->container];
            own.push_back(std::move(*line));
            if (qsizetype(own.size()) > query.tail)
                own.pop_front();
        }
    }
    for (auto it = byContainer.cbegin(); it != byContainer.cend(); ++it)
        lines.append(QList<LogLine>(it->cbegin(), it->cend()));
    // Containers in name order first, so that lines at the same time keep one order.
    std::stable_sort(lines.begin(), lines.end(),
                     [](const LogLine &a, const LogLine &b) { return a.container < b.container; });
    std::stable_sort(lines.begin(), lines.end(),
                     [](const LogLine &a, const LogLine &b) { return a.time < b.time; });
    return lines;
}

QStringList LogStore::containers(const QString &deploymentId) const
{
    auto found = m_kept.constFind(deploymentId);
    QStringList names;
    if (found != m_kept.cend() && found->loaded) {
        names = found->cursors.keys();
    } else {
        LogQuery all;
        all.tail = 1;
        auto lines = read(deploymentId, all);
        if (lines)
            for (const LogLine &line : std::as_const(*lines))
                names.append(line.container);
    }
    names.sort();
    names.removeDuplicates();
    return names;
}

bool LogStore::holds(const QString &deploymentId) const
{
    return isValidDeploymentId(deploymentId) && QFileInfo(folderOf(deploymentId)).isDir();
}

QStringList LogStore::deployments() const
{
    QStringList ids = QDir(m_root).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    ids.removeIf([](const QString &id) { return !isValidDeploymentId(id); });
    return ids;
}

QDateTime LogStore::lastWritten(const QString &deploymentId) const
{
    QDateTime newest;
    const QDir folder(folderOf(deploymentId));
    for (const QFileInfo &info : folder.entryInfoList(QDir::Files)) {
        const QDateTime modified = info.lastModified().toUTC();
        if (!newest.isValid() || modified > newest)
            newest = modified;
    }
    if (!newest.isValid() && folder.exists())
        newest = QFileInfo(folder.path()).lastModified().toUTC();
    return newest;
}

qint64 LogStore::bytesOf(const QString &deploymentId) const
{
    qint64 total = 0;
    for (const QFileInfo &info : QDir(folderOf(deploymentId)).entryInfoList(QDir::Files))
        total += info.size();
    return total;
}

Result<void> LogStore::remove(const QString &deploymentId)
{
    if (!isValidDeploymentId(deploymentId))
        return Error(ErrorCode::InvalidArgument,
                     u"invalid deployment id \"%1\""_s.arg(deploymentId));
    m_kept.remove(deploymentId);
    QDir folder(folderOf(deploymentId));
    if (folder.exists() && !folder.removeRecursively())
        return ioError(folder.path(), u"cannot remove the logs in"_s);
    return {};
}

} // namespace berth::provider
