#include "imagecommand.h"

#include "chaincommandline.h"
#include "chainsession.h"
#include "commandoutput.h"
#include "crypto/walletdirectory.h"
#include "passwordprompt.h"
#include "publisher/blobrecords.h"
#include "publisher/imagepusher.h"
#include "publisher/publisherstore.h"
#include "publisher/recordskey.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QLocale>
#include <QStandardPaths>

#include <cstdio>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace berth::cli {

namespace {

QString dataDirOf(const QCommandLineParser &parser)
{
    const QString dir = parser.value(u"data-dir"_s);
    return dir.isEmpty() ? publisher::PublisherStore::dataDir() : dir;
}

// The publisher's records share one database with its deployments and channels.
QString databaseOf(const QString &dataDir)
{
    return QDir(dataDir).filePath(u"publisher.sqlite"_s);
}

QString humanSize(qint64 bytes)
{
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeIecFormat);
}

QString isoTime(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODate);
}

void addCommonOptions(QCommandLineParser &parser)
{
    parser.addHelpOption();
    parser.addOption({u"data-dir"_s,
                      u"Where blobs and their records live (default: %1)."_s.arg(
                          publisher::PublisherStore::dataDir()),
                      u"dir"_s});
    parser.addOption({u"json"_s, u"Print the result as JSON."_s});
}

QJsonObject recordJson(const publisher::BlobRecord &record)
{
    return QJsonObject{{u"sha256"_s, record.sha256},
                       {u"size"_s, record.size},
                       {u"image"_s, record.imageRef},
                       {u"imageId"_s, record.imageId},
                       {u"createdAt"_s, isoTime(record.createdAt)},
                       {u"file"_s, record.path},
                       {u"url"_s, record.url}};
}

int runPush(CommandContext &context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Exports IMAGE from Podman (podman save, by its id), encrypts it once with a new "
        "random key (XChaCha20-Poly1305) into a blob named by its SHA-256, and records the "
        "blob and its key (encrypted with a key derived from the wallet account). Pushing "
        "the same image again reuses its blob. With --publish DIR --url URL the blob is also "
        "copied to DIR, which a web server serves at URL, so providers fetch it themselves."_s);
    addCommonOptions(parser);
    parser.addOption({u"account"_s,
                      u"Wallet account whose key protects the records (default: the only one)."_s,
                      u"address"_s});
    parser.addOption({u"keystore-dir"_s,
                      u"Wallet folder (default: %1)."_s.arg(crypto::WalletDirectory::defaultPath()),
                      u"dir"_s});
    parser.addOption(
        {u"password-file"_s, u"File holding the keystore password (mode 600)."_s, u"file"_s});
    parser.addOption({u"publish"_s, u"Also copy the blob into this folder."_s, u"dir"_s});
    parser.addOption({u"url"_s,
                      u"Where the --publish folder's copy is served (a URL ending in / gets "
                      "<sha256>.blob appended)."_s,
                      u"url"_s});
    parser.addPositionalArgument(u"IMAGE"_s, u"A Podman image reference or id."_s);
    int exitCode = -1;
    if (!parseCommandLine(parser, context, u"image push"_s, exitCode))
        return exitCode;
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return context.usageError(u"give one IMAGE (a Podman image reference or id)"_s,
                                  u"image push"_s);
    if (parser.isSet(u"publish"_s) != parser.isSet(u"url"_s))
        return context.usageError(
            u"--publish DIR and --url URL go together: the folder, and where it is served"_s,
            u"image push"_s);
    const bool json = parser.isSet(u"json"_s);
    const bool showProgress = !json && ::isatty(STDERR_FILENO);

    auto key = unlockWalletKey(parser.value(u"keystore-dir"_s), parser.value(u"account"_s),
                               PasswordOptions{parser.value(u"password-file"_s), false, {}},
                               u"image keys"_s);
    if (!key)
        return context.fail(key.error());
    const QString dataDir = dataDirOf(parser);
    auto records = publisher::BlobRecords::open(databaseOf(dataDir), publisher::recordsKey(*key));
    if (!records)
        return context.fail(records.error());
    publisher::ImagePusher pusher(dataDir, **records);
    bool progressShown = false;
    const auto progress = [&](qint64 done, qint64) {
        if (!showProgress)
            return;
        context.err << "\rEncrypting " << positional.first() << ": " << humanSize(done) << "   ";
        context.err.flush();
        progressShown = true;
    };
    auto record = pusher.prepare(positional.first(), progress);
    if (progressShown)
        context.err << "\n";
    if (!record)
        return context.fail(record.error());
    if (parser.isSet(u"publish"_s)) {
        auto published =
            pusher.publish(*record, parser.value(u"publish"_s), parser.value(u"url"_s));
        if (!published)
            return context.fail(published.error());
        record = std::move(published).value();
    }

    const bool reused = pusher.lastPrepareReused();
    CommandOutput output(context, json);
    QJsonObject object = recordJson(*record);
    for (auto it = object.constBegin(); it != object.constEnd(); ++it)
        output.field(it.key(), it.value());
    output.field(u"reused"_s, reused)
        .line(u"%1 %2 (image %3) as blob %4"_s.arg(reused ? u"Reused"_s : u"Pushed"_s,
                                                   record->imageRef, record->imageId.left(12),
                                                   record->sha256))
        .line(u"Blob: %1 (%2)"_s.arg(QDir::toNativeSeparators(record->path),
                                     humanSize(record->size)));
    if (!record->url.isEmpty())
        output.line(u"Published: %1"_s.arg(record->url));
    output.line(record->url.isEmpty() ? u"In a manifest: image: {sha256: %1}"_s.arg(record->sha256)
                                      : u"In a manifest: image: {sha256: %1, url: %2}"_s.arg(
                                            record->sha256, record->url));
    output.print();
    return ExitOk;
}

int runLs(CommandContext &context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Lists the pushed images: each blob's SHA-256, size, image, when it was made, where "
        "it is published and which providers hold it. Needs no password."_s);
    addCommonOptions(parser);
    int exitCode = -1;
    if (!parseCommandLine(parser, context, u"image ls"_s, exitCode))
        return exitCode;
    if (!parser.positionalArguments().isEmpty())
        return context.usageError(u"image ls takes no arguments"_s, u"image ls"_s);
    const QString dataDir = dataDirOf(parser);
    const QString database = databaseOf(dataDir);
    QList<publisher::BlobRecord> blobs;
    std::unique_ptr<publisher::BlobRecords> records;
    if (QFile::exists(database)) {
        auto opened = publisher::BlobRecords::open(database, crypto::SecretBytes());
        if (!opened)
            return context.fail(opened.error());
        records = std::move(opened).value();
        auto listed = records->list();
        if (!listed)
            return context.fail(listed.error());
        blobs = std::move(listed).value();
    }
    CommandOutput output(context, parser.isSet(u"json"_s));
    QJsonArray array;
    for (const publisher::BlobRecord &blob : std::as_const(blobs)) {
        auto uploads = records->uploadsOf(blob.sha256);
        if (!uploads)
            return context.fail(uploads.error());
        QJsonArray providers;
        QStringList names;
        for (const publisher::BlobUpload &upload : std::as_const(*uploads)) {
            providers.append(upload.provider.toChecksumString());
            names.append(upload.provider.toChecksumString());
        }
        QJsonObject object = recordJson(blob);
        object.insert(u"fileExists"_s, QFile::exists(blob.path));
        object.insert(u"providers"_s, providers);
        array.append(object);
        output.line(u"%1  %2  %3  %4"_s.arg(blob.sha256, humanSize(blob.size).rightJustified(9),
                                            isoTime(blob.createdAt), blob.imageRef));
        if (!blob.url.isEmpty())
            output.line(u"    url: %1"_s.arg(blob.url));
        if (!names.isEmpty())
            output.line(u"    uploaded to: %1"_s.arg(names.join(u", "_s)));
        if (!QFile::exists(blob.path))
            output.line(u"    file missing: %1 (push the image again)"_s.arg(blob.path));
    }
    if (blobs.isEmpty())
        output.line(u"No images pushed yet: push one with `berthctl image push IMAGE`"_s);
    output.field(u"blobs"_s, array).print();
    return ExitOk;
}

} // namespace

int runImageCommand(CommandContext &context)
{
    return dispatchSubcommand(context, u"image"_s,
                              {{u"push"_s, u"export, encrypt once and record an image"_s, runPush},
                               {u"ls"_s, u"list the pushed images"_s, runLs}});
}

} // namespace berth::cli
