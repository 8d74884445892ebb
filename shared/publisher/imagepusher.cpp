#include "publisher/imagepusher.h"

#include "crypto/blobcipher.h"
#include "crypto/sealedbox.h"
#include "protocol/methodnames.h"
#include "protocol/protocolclient.h"
#include "protocol/rpcerror.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryFile>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <memory>

using namespace Qt::StringLiterals;

namespace berth::publisher {

Q_LOGGING_CATEGORY(lcImages, "berth.publisher.images", QtWarningMsg)

namespace {

constexpr int InspectTimeoutMs = 60000;
constexpr qsizetype MaxUrlLength = 2048; // docs/manifest.md, limits
constexpr int MaxOffsetCorrections = 3;
constexpr int MaxRateLimitedWaits = 100;

const QFileDevice::Permissions OwnerOnlyFile = QFile::ReadOwner | QFile::WriteOwner;
const QFileDevice::Permissions OwnerOnlyFolder =
    QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;

// Writes through to a file and reports the bytes written (the encryption's progress).
class ProgressWriter : public QIODevice
{
public:
    ProgressWriter(QIODevice &target, const ImagePusher::Progress &progress)
        : m_target(target)
        , m_progress(progress)
    {
        open(QIODevice::WriteOnly);
    }

protected:
    qint64 readData(char *, qint64) override { return -1; }
    qint64 writeData(const char *data, qint64 size) override
    {
        const qint64 written = m_target.write(data, size);
        if (written > 0) {
            m_written += written;
            // Every 8 MiB is often enough for a terminal.
            if (m_progress && m_written / ReportEvery != (m_written - written) / ReportEvery)
                m_progress(m_written, 0);
        }
        if (written < 0)
            setErrorString(m_target.errorString());
        return written;
    }

private:
    static constexpr qint64 ReportEvery = 8 * 1024 * 1024;
    QIODevice &m_target;
    const ImagePusher::Progress &m_progress;
    qint64 m_written = 0;
};

QString firstLines(const QByteArray &text)
{
    QString out = QString::fromUtf8(text).trimmed();
    if (out.size() > 500)
        out = out.left(500) + u"…"_s;
    return out;
}

// An error with context in front of its message (code and data kept, so a
// protocol error still names its protocol code).
Error withContext(const Error &error, const QString &context)
{
    return Error(error.code, context + u": "_s + error.message, error.data);
}

// One upload in flight: owned by the callbacks the client holds.
struct Upload
{
    protocol::ProtocolClient *client = nullptr;
    BlobRecords *records = nullptr;
    crypto::Address provider;
    QString sha256;
    QFile file;
    qint64 chunk = 0;
    qint64 cap = 0;
    qint64 offset = 0;
    int corrections = 0;
    int waits = 0;
    UploadOutcome outcome;
    ImagePusher::Progress progress;
    ImagePusher::UploadDone done;

    void finish(Result<UploadOutcome> result)
    {
        file.close();
        if (done) {
            const ImagePusher::UploadDone callback = std::move(done);
            done = nullptr;
            callback(std::move(result));
        }
    }

    void completed()
    {
        outcome.size = outcome.size > 0 ? outcome.size : file.size();
        if (auto recorded = records->addUpload(provider, sha256); !recorded)
            qCWarning(lcImages, "blob %s is uploaded, but not recorded: %s", qPrintable(sha256),
                      qPrintable(recorded.error().message));
        finish(outcome);
    }

    // Reads a blob.begin / blob.append answer.
    static Result<QJsonObject> answer(const Result<QJsonValue> &result)
    {
        if (!result)
            return result.error();
        const QJsonObject object = result->toObject();
        if (!object.value(u"offset"_s).isDouble() || !object.value(u"complete"_s).isBool())
            return Error(ErrorCode::BadResponse,
                         u"the provider answered without offset and complete"_s);
        return object;
    }
};

void sendNext(const std::shared_ptr<Upload> &upload);
bool waitIfRateLimited(const std::shared_ptr<Upload> &upload, const Error &error,
                       const std::function<void()> &again);

void onAppended(const std::shared_ptr<Upload> &upload, qint64 sent, Result<QJsonValue> result)
{
    if (!result) {
        if (waitIfRateLimited(upload, result.error(), [upload] { sendNext(upload); }))
            return;
        const protocol::RpcError rpc = protocol::toRpcError(result.error());
        const QJsonValue offset = rpc.data.toObject().value(u"offset"_s);
        if (rpc.code == protocol::RpcErrorCode::Conflict && offset.isDouble() &&
            upload->corrections < MaxOffsetCorrections) {
            // The provider holds another offset (another client appended, or an
            // answer was lost): go on from where it stands.
            ++upload->corrections;
            upload->offset = offset.toInteger();
            sendNext(upload);
            return;
        }
        upload->finish(withContext(result.error(), u"uploading blob %1"_s.arg(upload->sha256)));
        return;
    }
    auto answered = Upload::answer(result);
    if (!answered) {
        upload->finish(answered.error());
        return;
    }
    upload->corrections = 0;
    upload->waits = 0;
    ++upload->outcome.appendCalls;
    upload->outcome.bytesSent += sent;
    upload->offset = answered->value(u"offset"_s).toInteger();
    if (upload->progress)
        upload->progress(upload->offset, upload->outcome.size);
    if (answered->value(u"complete"_s).toBool()) {
        upload->completed();
        return;
    }
    sendNext(upload);
}

void sendNext(const std::shared_ptr<Upload> &upload)
{
    const qint64 size = upload->outcome.size;
    if (upload->offset < 0 || upload->offset >= size) {
        upload->finish(
            Error(ErrorCode::BadResponse,
                  u"the provider asked for byte %1 of blob %2, which has %3"_s.arg(upload->offset)
                      .arg(upload->sha256)
                      .arg(size)));
        return;
    }
    if (!upload->file.seek(upload->offset)) {
        upload->finish(
            Error(ErrorCode::IoFailed, u"cannot read %1: %2"_s.arg(upload->file.fileName(),
                                                                   upload->file.errorString())));
        return;
    }
    const QByteArray data = upload->file.read(std::min(upload->chunk, size - upload->offset));
    if (data.isEmpty()) {
        upload->finish(
            Error(ErrorCode::IoFailed, u"cannot read %1: %2"_s.arg(upload->file.fileName(),
                                                                   upload->file.errorString())));
        return;
    }
    const qint64 sent = data.size();
    upload->client->call(
        protocol::method::BlobAppend,
        {{u"sha256"_s, upload->sha256},
         {u"offset"_s, upload->offset},
         {u"data"_s, QString::fromLatin1(data.toBase64())}},
        [upload, sent](Result<QJsonValue> result) { onAppended(upload, sent, std::move(result)); });
}

// Whether the provider's answer was RateLimited: then `again` runs once it has
// room (within bounds), and true.
bool waitIfRateLimited(const std::shared_ptr<Upload> &upload, const Error &error,
                       const std::function<void()> &again)
{
    const protocol::RpcError rpc = protocol::toRpcError(error);
    if (rpc.code != protocol::RpcErrorCode::RateLimited || upload->waits >= MaxRateLimitedWaits)
        return false;
    ++upload->waits;
    const qint64 wait = rpc.data.toObject().value(u"retryAfterMs"_s).toInteger(100);
    QTimer::singleShot(std::chrono::milliseconds(std::clamp<qint64>(wait, 1, 5000)), upload->client,
                       again);
    return true;
}

void sendBegin(const std::shared_ptr<Upload> &upload)
{
    upload->client->call(
        protocol::method::BlobBegin,
        {{u"sha256"_s, upload->sha256}, {u"size"_s, upload->outcome.size}},
        [upload](Result<QJsonValue> result) {
            if (!result &&
                waitIfRateLimited(upload, result.error(), [upload] { sendBegin(upload); }))
                return;
            upload->waits = 0;
            auto answered = Upload::answer(result);
            if (!answered) {
                upload->finish(withContext(
                    answered.error(), u"starting the upload of blob %1"_s.arg(upload->sha256)));
                return;
            }
            if (answered->value(u"complete"_s).toBool()) {
                upload->outcome.skipped = true;
                upload->outcome.resumedFrom = upload->outcome.size;
                upload->completed();
                return;
            }
            const qint64 maxChunk = answered->value(u"maxChunkBytes"_s).toInteger(0);
            qint64 chunk = maxChunk > 0 ? std::min(maxChunk, ImagePusher::DefaultChunkBytes)
                                        : ImagePusher::DefaultChunkBytes;
            if (upload->cap > 0)
                chunk = std::min(chunk, upload->cap);
            upload->chunk = chunk;
            upload->offset = answered->value(u"offset"_s).toInteger();
            upload->outcome.resumedFrom = upload->offset;
            if (upload->progress)
                upload->progress(upload->offset, upload->outcome.size);
            sendNext(upload);
        });
}

} // namespace

ImagePusher::ImagePusher(QString dataDir, BlobRecords &records)
    : ImagePusher(std::move(dataDir), records, Podman())
{}

ImagePusher::ImagePusher(QString dataDir, BlobRecords &records, Podman podman)
    : m_dataDir(std::move(dataDir))
    , m_records(records)
    , m_podman(std::move(podman))
{}

QString ImagePusher::blobsDir() const
{
    return QDir(m_dataDir).filePath(u"blobs"_s);
}

QString ImagePusher::podmanProgram() const
{
    if (!m_podman.program.isEmpty())
        return m_podman.program;
    const QString fromEnv = qEnvironmentVariable("BERTH_PODMAN");
    if (!fromEnv.isEmpty())
        return fromEnv;
    return QStandardPaths::findExecutable(u"podman"_s);
}

Result<QString> ImagePusher::imageId(const QString &imageRef) const
{
    const QString program = podmanProgram();
    if (program.isEmpty())
        return Error(ErrorCode::Unavailable,
                     u"podman is not installed: install it, or name it with BERTH_PODMAN"_s);
    QProcess inspect;
    inspect.setProcessEnvironment(m_podman.environment);
    inspect.start(program,
                  m_podman.globalArgs +
                      QStringList{u"image"_s, u"inspect"_s, u"--format"_s, u"{{.Id}}"_s, imageRef});
    if (!inspect.waitForStarted(InspectTimeoutMs))
        return Error(ErrorCode::Unavailable,
                     u"cannot run %1: %2"_s.arg(program, inspect.errorString()));
    if (!inspect.waitForFinished(InspectTimeoutMs)) {
        inspect.kill();
        inspect.waitForFinished(5000);
        return Error(ErrorCode::Timeout, u"podman image inspect %1 did not finish"_s.arg(imageRef));
    }
    const QByteArray output = inspect.readAllStandardOutput().trimmed();
    if (inspect.exitStatus() != QProcess::NormalExit || inspect.exitCode() != 0)
        return Error(ErrorCode::NotFound,
                     u"Podman has no image %1 (%2): build or pull it first"_s.arg(
                         imageRef, firstLines(inspect.readAllStandardError())));
    static const QRegularExpression id(u"^[0-9a-f]{64}$"_s);
    const QString text = QString::fromLatin1(output.split('\n').constFirst()).trimmed();
    if (!id.match(text).hasMatch())
        return Error(
            ErrorCode::BadResponse,
            u"podman image inspect %1 printed no image id: %2"_s.arg(imageRef, firstLines(output)));
    return text;
}

Result<BlobRecord> ImagePusher::prepare(const QString &imageRef, const Progress &progress)
{
    m_reused = false;
    auto id = imageId(imageRef);
    if (!id)
        return id.error();
    auto known = m_records.byImageId(*id);
    if (!known && known.error().code != ErrorCode::AuthFailed)
        return known.error();
    // AuthFailed: only other accounts pushed this image; this one gets its own blob.
    if (known && known->has_value()) {
        const QFileInfo file((*known)->path);
        if (file.isFile() && file.size() == (*known)->size) {
            m_reused = true;
            return std::move(**known);
        }
        qCInfo(lcImages, "the blob of image %s is gone (%s): encrypting it again", qPrintable(*id),
               qPrintable((*known)->path));
    }
    return exportAndEncrypt(imageRef, *id, progress);
}

Result<BlobRecord> ImagePusher::exportAndEncrypt(const QString &imageRef, const QString &id,
                                                 const Progress &progress)
{
    const QString folder = blobsDir();
    if (!QDir().mkpath(folder))
        return Error(ErrorCode::IoFailed, u"cannot create the folder %1"_s.arg(folder));
    QFile::setPermissions(folder, OwnerOnlyFolder);
    if (QFileInfo(m_dataDir).isDir())
        QFile::setPermissions(m_dataDir, OwnerOnlyFolder);

    // Written under a temporary name (0600), renamed once its SHA-256 is known.
    QTemporaryFile temporary(QDir(folder).filePath(u".push-XXXXXX.part"_s));
    if (!temporary.open())
        return Error(ErrorCode::IoFailed,
                     u"cannot write in %1: %2"_s.arg(folder, temporary.errorString()));

    const QString program = podmanProgram();
    QProcess save;
    save.setProcessEnvironment(m_podman.environment);
    save.setReadChannel(QProcess::StandardOutput);
    // By id: the archive then names no image, so a provider that holds an
    // image of the same name still loads it (docs/protocol.md, pod.provision).
    save.start(program,
               m_podman.globalArgs +
                   QStringList{u"save"_s, u"--quiet"_s, u"--format"_s, u"docker-archive"_s, id},
               QIODevice::ReadOnly);
    if (!save.waitForStarted(InspectTimeoutMs))
        return Error(ErrorCode::Unavailable,
                     u"cannot run %1: %2"_s.arg(program, save.errorString()));
    ProgressWriter writer(temporary, progress);
    auto blob = crypto::BlobCipher::encrypt(save, writer);
    save.waitForFinished(-1);
    const QByteArray errors = save.readAllStandardError();
    if (!blob) {
        if (save.state() != QProcess::NotRunning) {
            save.kill();
            save.waitForFinished(5000);
        }
        return withContext(blob.error(), u"encrypting image %1"_s.arg(imageRef));
    }
    // The end of podman's output ended the plaintext: only its exit status
    // tells a whole archive from one cut short.
    if (save.exitStatus() != QProcess::NormalExit || save.exitCode() != 0)
        return Error(ErrorCode::Unavailable,
                     u"podman save %1 (image %2) failed: %3"_s.arg(
                         id.left(12), imageRef,
                         errors.trimmed().isEmpty() ? save.errorString() : firstLines(errors)));
    if (!temporary.flush())
        return Error(ErrorCode::IoFailed,
                     u"cannot write %1: %2"_s.arg(temporary.fileName(), temporary.errorString()));
    temporary.close();

    const QString path = QDir(folder).filePath(blob->sha256 + u".blob"_s);
    QFile::remove(path);
    if (!temporary.rename(path))
        return Error(ErrorCode::IoFailed,
                     u"cannot move the blob to %1: %2"_s.arg(path, temporary.errorString()));
    temporary.setAutoRemove(false);
    QFile::setPermissions(path, OwnerOnlyFile);

    BlobRecord record;
    record.sha256 = blob->sha256;
    record.size = blob->size;
    record.imageRef = imageRef;
    record.imageId = id;
    // Whole seconds, as the records keep it.
    record.createdAt = QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch(), Qt::UTC);
    record.path = path;
    record.key = std::move(blob->key);
    if (auto added = m_records.add(record); !added) {
        QFile::remove(path); // a blob whose key is lost is useless
        return added.error();
    }
    if (progress)
        progress(record.size, record.size);
    qCInfo(lcImages, "image %s (%s) encrypted into blob %s, %lld bytes", qPrintable(imageRef),
           qPrintable(id.left(12)), qPrintable(record.sha256), record.size);
    return record;
}

void ImagePusher::upload(protocol::ProtocolClient &client, const BlobRecord &record,
                         const Progress &progress, const UploadDone &done)
{
    auto upload = std::make_shared<Upload>();
    upload->client = &client;
    upload->records = &m_records;
    upload->sha256 = record.sha256;
    upload->cap = m_chunkCap;
    upload->progress = progress;
    upload->done = done;
    upload->outcome.sha256 = record.sha256;
    upload->outcome.size = record.size;

    const auto failSoon = [&client, upload](const Error &error) {
        // done never runs from inside upload() (like ProtocolClient::call).
        QMetaObject::invokeMethod(
            &client, [upload, error] { upload->finish(error); }, Qt::QueuedConnection);
    };
    auto provider = crypto::Address::fromHex(client.helloResult().value(u"provider"_s).toString());
    if (!client.publisher() || !provider) {
        failSoon(Error(ErrorCode::InvalidArgument,
                       u"uploading blob %1: log in to the provider first"_s.arg(record.sha256)));
        return;
    }
    upload->provider = *provider;
    upload->file.setFileName(record.path);
    if (!upload->file.open(QIODevice::ReadOnly)) {
        failSoon(Error(ErrorCode::NotFound,
                       u"cannot read blob %1 (%2): %3; push the image again"_s.arg(
                           record.sha256, record.path, upload->file.errorString())));
        return;
    }
    if (upload->file.size() != record.size) {
        failSoon(
            Error(ErrorCode::Conflict,
                  u"%1 has %2 bytes, but blob %3 has %4: push the image again"_s.arg(record.path)
                      .arg(upload->file.size())
                      .arg(record.sha256)
                      .arg(record.size)));
        return;
    }
    sendBegin(upload);
}

Result<QString> ImagePusher::sealKey(const BlobRecord &record, QByteArrayView x25519PublicKey)
{
    if (record.key.size() != crypto::BlobCipher::KeySize)
        return Error(
            ErrorCode::InvalidArgument,
            u"blob %1 has no key here: look it up with the records key"_s.arg(record.sha256));
    auto sealed = crypto::SealedBox::seal(record.key.view(), x25519PublicKey);
    if (!sealed)
        return sealed.error();
    return QString::fromLatin1(sealed->toBase64());
}

Result<BlobRecord> ImagePusher::publish(const BlobRecord &record, const QString &directory,
                                        const QString &url)
{
    const QString fileName = record.sha256 + u".blob"_s;
    QString full = url;
    if (full.endsWith(u'/'))
        full += fileName;
    const QUrl parsed(full, QUrl::StrictMode);
    if (!parsed.isValid() || parsed.host().isEmpty() ||
        (parsed.scheme() != u"https" && parsed.scheme() != u"http"))
        return Error(
            ErrorCode::InvalidArgument,
            u"%1 is not an https:// (or http://) URL where the blob can be fetched"_s.arg(url));
    if (full.size() > MaxUrlLength)
        return Error(ErrorCode::InvalidArgument,
                     u"a blob URL may have at most %1 characters"_s.arg(MaxUrlLength));
    if (!QDir().mkpath(directory))
        return Error(ErrorCode::IoFailed, u"cannot create the folder %1"_s.arg(directory));
    const QString target = QDir(directory).filePath(fileName);
    const QFileInfo existing(target);
    // Content-addressed: a file of that name and size is this blob already.
    if (!existing.isFile() || existing.size() != record.size) {
        const QString partial = target + u".part"_s;
        QFile::remove(partial);
        if (!QFile::copy(record.path, partial))
            return Error(ErrorCode::IoFailed,
                         u"cannot copy %1 to %2"_s.arg(record.path, directory));
        QFile::remove(target);
        if (!QFile::rename(partial, target)) {
            QFile::remove(partial);
            return Error(ErrorCode::IoFailed, u"cannot write %1"_s.arg(target));
        }
    }
    // Ciphertext: any web server may read it.
    QFile::setPermissions(target, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup |
                                      QFile::ReadOther);
    if (auto recorded = m_records.setUrl(record.sha256, full); !recorded)
        return recorded.error();
    BlobRecord published = record;
    published.url = full;
    return published;
}

} // namespace berth::publisher
