#include "provider/imagearchive.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

constexpr qint64 Block = 512;
constexpr qint64 MaxManifestBytes = 1024 * 1024;
constexpr int MaxEntries = 100000;

// A tar header's octal number field (NUL or space terminated).
std::optional<qint64> octal(QByteArrayView field)
{
    qint64 value = 0;
    bool any = false;
    for (char c : field) {
        if (c == '\0' || c == ' ') {
            if (any)
                break;
            continue;
        }
        if (c < '0' || c > '7' || value > (std::numeric_limits<qint64>::max() >> 3))
            return std::nullopt;
        value = value * 8 + (c - '0');
        any = true;
    }
    return value;
}

QByteArray cString(QByteArrayView field)
{
    const qsizetype end = field.indexOf('\0');
    return (end < 0 ? field : field.first(end)).toByteArray();
}

Error notAnArchive(const QString &path, const QString &why)
{
    return Error(ErrorCode::ParseFailed,
                 u"%1 is not an image archive as `podman save` writes it: %2"_s.arg(path, why));
}

} // namespace

Result<QStringList> imageArchiveNames(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(ErrorCode::IoFailed, u"cannot read %1: %2"_s.arg(path, file.errorString()));
    QByteArray longName; // from a GNU ././@LongLink entry, for the next header
    for (int entry = 0; entry < MaxEntries; ++entry) {
        const QByteArray header = file.read(Block);
        if (header.size() < Block)
            return notAnArchive(path, u"it ends inside a tar header"_s);
        if (header.count('\0') == Block)
            return QStringList(); // end of archive: no manifest.json (an OCI layout)
        const auto size = octal(QByteArrayView(header).sliced(124, 12));
        if (!size || *size < 0)
            return notAnArchive(path, u"a tar header has no valid size"_s);
        const char type = header.at(156);
        QByteArray name =
            longName.isEmpty() ? cString(QByteArrayView(header).first(100)) : longName;
        longName.clear();
        const QByteArray prefix = cString(QByteArrayView(header).sliced(345, 155));
        if (header.sliced(257, 5) == "ustar" && !prefix.isEmpty())
            name = prefix + '/' + name;
        const qint64 padded = (*size + Block - 1) / Block * Block;
        if (type == 'L') { // GNU long name of the next entry
            if (*size > 4096)
                return notAnArchive(path, u"a long file name is too long"_s);
            longName = cString(file.read(padded).left(*size));
            continue;
        }
        if (name == "manifest.json" || name == "./manifest.json") {
            if (*size > MaxManifestBytes)
                return notAnArchive(path, u"manifest.json is larger than 1 MiB"_s);
            QJsonParseError error;
            const QJsonDocument manifest = QJsonDocument::fromJson(file.read(*size), &error);
            if (!manifest.isArray())
                return notAnArchive(path, u"manifest.json is not a JSON array"_s);
            QStringList names;
            for (const QJsonValue &image : manifest.array())
                for (const QJsonValue &tag : image.toObject().value(u"RepoTags"_s).toArray())
                    names.append(tag.toString());
            names.removeAll(QString());
            names.removeDuplicates();
            return names;
        }
        if (!file.seek(file.pos() + padded))
            return notAnArchive(path, u"it ends inside an entry"_s);
    }
    return notAnArchive(path, u"more than %1 entries"_s.arg(MaxEntries));
}

} // namespace berth::provider
