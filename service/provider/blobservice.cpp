#include "provider/blobservice.h"

#include "crypto/blobcipher.h"
#include "manifest/kuberenderer.h"
#include "protocol/rpcerror.h"
#include "provider/httpclient.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QTemporaryFile>
#include <QUrl>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

using protocol::makeRpcError;
using protocol::RpcErrorCode;

Result<QString> shaParam(const QJsonObject &params)
{
    const QString sha = params.value(u"sha256"_s).toString();
    if (!BlobStore::isValidSha256(sha))
        return makeRpcError(
            RpcErrorCode::InvalidParams,
            u"params.sha256 must be the blob's SHA-256 as 64 lower-case hex digits"_s);
    return sha;
}

// BlobStore errors as the protocol reports them (a wrong offset carries the
// expected one so the publisher can resume from it).
Error protocolError(const Error &error)
{
    switch (error.code) {
    case ErrorCode::Conflict:
        return makeRpcError(
            RpcErrorCode::Conflict, error.message,
            QJsonObject{{u"offset"_s, QString::fromLatin1(error.data).toLongLong()}});
    case ErrorCode::TooLarge:
        return makeRpcError(RpcErrorCode::TooLarge, error.message);
    case ErrorCode::NotFound:
        return makeRpcError(RpcErrorCode::NotFound, error.message);
    case ErrorCode::InvalidArgument:
        return makeRpcError(RpcErrorCode::InvalidParams, error.message);
    default:
        return error;
    }
}

constexpr int FetchTimeoutMs = 10 * 60 * 1000;

bool isLoopbackHost(const QString &host)
{
    if (host.compare(u"localhost"_s, Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

// The URLs berthd fetches blobs from: https, or http to this machine only.
// Messages name the host at most (a URL's path or query may hold a token).
Result<QUrl> fetchableUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty())
        return makeRpcError(RpcErrorCode::InvalidParams, u"a blob's url must be an https:// URL"_s);
    const QString scheme = url.scheme().toLower();
    if (scheme == u"https"_s)
        return url;
    if (scheme == u"http"_s && isLoopbackHost(url.host()))
        return url;
    return makeRpcError(RpcErrorCode::InvalidParams,
                        u"berthd fetches blobs over https:// only (http:// only from this "
                        "machine), not from %1://%2"_s.arg(scheme, url.host()));
}

} // namespace

BlobService::BlobService(BlobStore store, SealOpener openSealed, qint64 maxChunkBytes)
    : m_store(std::move(store))
    , m_openSealed(std::move(openSealed))
    , m_maxChunkBytes(qMin(maxChunkBytes, m_store.limits().maxChunkBytes))
{}

QJsonObject BlobService::stateJson(const UploadState &state) const
{
    return QJsonObject{{u"sha256"_s, state.sha256},
                       {u"size"_s, state.totalSize},
                       {u"offset"_s, state.offset},
                       {u"complete"_s, state.complete},
                       {u"maxChunkBytes"_s, m_maxChunkBytes}};
}

void BlobService::begin(const Caller &, const QJsonObject &params, Reply reply)
{
    auto sha = shaParam(params);
    if (!sha)
        return reply(sha.error());
    const QJsonValue size = params.value(u"size"_s);
    if (!size.isDouble() || size.toInteger(-1) < 0)
        return reply(makeRpcError(RpcErrorCode::InvalidParams,
                                  u"params.size must be the blob's size in bytes"_s));
    auto state = m_store.begin(*sha, size.toInteger());
    if (!state)
        return reply(protocolError(state.error()));
    reply(stateJson(*state));
}

void BlobService::append(const Caller &, const QJsonObject &params, Reply reply)
{
    auto sha = shaParam(params);
    if (!sha)
        return reply(sha.error());
    const QJsonValue offset = params.value(u"offset"_s);
    if (!offset.isDouble() || offset.toInteger(-1) < 0)
        return reply(makeRpcError(RpcErrorCode::InvalidParams,
                                  u"params.offset must be where this chunk starts in the blob"_s));
    const auto data = QByteArray::fromBase64Encoding(params.value(u"data"_s).toString().toLatin1(),
                                                     QByteArray::AbortOnBase64DecodingErrors);
    if (!data || data.decoded.isEmpty())
        return reply(makeRpcError(RpcErrorCode::InvalidParams,
                                  u"params.data must be a non-empty base64 chunk"_s));
    if (data.decoded.size() > m_maxChunkBytes)
        return reply(makeRpcError(
            RpcErrorCode::TooLarge,
            u"a chunk may hold at most %1 bytes; this one has %2"_s.arg(
                QString::number(m_maxChunkBytes), QString::number(data.decoded.size()))));
    auto state = m_store.append(*sha, offset.toInteger(), *data);
    if (!state)
        return reply(protocolError(state.error()));
    reply(stateJson(*state));
}

void BlobService::status(const Caller &, const QJsonObject &params, Reply reply)
{
    auto sha = shaParam(params);
    if (!sha)
        return reply(sha.error());
    if (m_store.has(*sha))
        return reply(QJsonObject{{u"sha256"_s, *sha}, {u"complete"_s, true}});
    reply(makeRpcError(
        RpcErrorCode::NotFound,
        u"blob %1 is not here yet: upload it with blob.begin and blob.append"_s.arg(*sha)));
}

Result<QList<BlobImage>> BlobService::imagesFor(const manifest::Pod &pod,
                                                const QJsonValue &sealedKeys) const
{
    QList<BlobImage> images;
    const QJsonObject keys = sealedKeys.toObject();
    for (const manifest::Container &container : pod.containers) {
        const QString sha = container.image.blobSha256;
        if (sha.isEmpty() || std::any_of(images.cbegin(), images.cend(),
                                         [&](const BlobImage &i) { return i.sha256 == sha; }))
            continue;
        const bool stored = m_store.has(sha);
        const QString url = stored ? QString() : container.image.blobUrl;
        if (!stored && url.isEmpty())
            return makeRpcError(RpcErrorCode::NotFound,
                                u"container %1 runs blob %2, which is not uploaded here: upload it "
                                "with blob.begin and blob.append first (or name its url)"_s.arg(
                                    container.name, sha));
        if (!url.isEmpty())
            if (auto fetchable = fetchableUrl(url); !fetchable)
                return makeRpcError(
                    RpcErrorCode::InvalidParams,
                    u"container %1: %2"_s.arg(container.name, fetchable.error().message));
        const auto sealed = QByteArray::fromBase64Encoding(keys.value(sha).toString().toLatin1(),
                                                           QByteArray::AbortOnBase64DecodingErrors);
        if (!sealed || sealed.decoded.isEmpty())
            return makeRpcError(RpcErrorCode::InvalidParams,
                                u"params.images.%1 must be the blob's key sealed to this "
                                "provider (base64)"_s.arg(sha));
        auto key = m_openSealed(*sealed);
        if (!key)
            return makeRpcError(RpcErrorCode::InvalidParams,
                                u"params.images.%1: %2"_s.arg(sha, key.error().message));
        // The key must open this blob, also when its image is loaded already: a
        // key that opens is what entitles a publisher to run a private image.
        // A blob still to be fetched is checked after the fetch.
        if (!url.isEmpty()) {
            images.append({sha, std::move(key).value(), manifest::blobImageName(sha), url});
            continue;
        }
        if (auto opens = checkKey(sha, *key); !opens)
            return opens.error();
        images.append({sha, std::move(key).value(), manifest::blobImageName(sha), QString()});
    }
    return images;
}

Result<void> BlobService::checkKey(const QString &sha256, const crypto::SecretBytes &key) const
{
    QFile blob(m_store.path(sha256));
    if (!blob.open(QIODevice::ReadOnly))
        return Error(ErrorCode::IoFailed,
                     u"cannot read blob %1: %2"_s.arg(sha256, blob.errorString()));
    if (auto opens = crypto::BlobCipher::checkKey(key, blob); !opens)
        return makeRpcError(RpcErrorCode::InvalidParams,
                            u"params.images.%1: that key does not open this blob (%2)"_s.arg(
                                sha256, opens.error().message));
    return {};
}

Result<void> BlobService::fetchIfMissing(const BlobImage &image) const
{
    if (!m_store.has(image.sha256)) {
        if (image.url.isEmpty())
            return makeRpcError(RpcErrorCode::NotFound,
                                u"blob %1 is not uploaded here"_s.arg(image.sha256));
        if (auto fetched = fetchFromUrl(image.sha256, image.url); !fetched)
            return fetched.error();
    }
    return checkKey(image.sha256, image.key);
}

Result<void> BlobService::fetchFromUrl(const QString &sha256, const QString &url) const
{
    if (!BlobStore::isValidSha256(sha256))
        return makeRpcError(RpcErrorCode::InvalidParams,
                            u"a blob is named by its SHA-256 as 64 lower-case hex digits"_s);
    auto source = fetchableUrl(url);
    if (!source)
        return source.error();
    const QString host = source->port() < 0
                             ? source->host()
                             : u"%1:%2"_s.arg(source->host(), QString::number(source->port()));
    const QString target = m_store.path(sha256);
    if (QFileInfo(target).isFile())
        return {}; // fetched or uploaded meanwhile

    const BlobStoreLimits &limits = m_store.limits();
    const qint64 room = qMin(limits.maxBlobBytes, limits.quotaBytes - m_store.usedBytes());
    if (room <= 0)
        return makeRpcError(RpcErrorCode::TooLarge,
                            u"cannot fetch blob %1: the blob store is full"_s.arg(sha256));

    const QString tempFolder = QFileInfo(m_store.folder()).absolutePath() + u"/tmp"_s;
    if (!QDir().mkpath(tempFolder) ||
        !QFile::setPermissions(tempFolder, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner))
        return Error(ErrorCode::IoFailed, u"cannot create %1"_s.arg(tempFolder));
    QTemporaryFile temp(tempFolder + u"/fetch-XXXXXX.part"_s);
    if (!temp.open())
        return Error(ErrorCode::IoFailed,
                     u"cannot create a file in %1: %2"_s.arg(tempFolder, temp.errorString()));
    temp.close(); // HttpClient writes it; QTemporaryFile still removes it unless renamed

    HttpClient client(u"the server"_s);
    HttpRequest request;
    request.url = source->toString(QUrl::FullyEncoded);
    request.where = host;
    request.timeoutMs = FetchTimeoutMs;
    request.maxResponseBytes = room;
    request.responseFile = temp.fileName();
    auto response = client.send(request);
    if (!response) {
        Error error = response.error();
        const QString message =
            u"cannot fetch blob %1 from %2: %3"_s.arg(sha256, host, error.message);
        if (error.code == ErrorCode::TooLarge)
            return makeRpcError(RpcErrorCode::TooLarge,
                                u"cannot fetch blob %1 from %2: it is larger than the %3 bytes "
                                "this provider takes"_s.arg(sha256, host, QString::number(room)));
        return Error(error.code, message);
    }
    if (!response->ok()) {
        const bool gone = response->status == 404 || response->status == 410;
        return makeRpcError(gone ? RpcErrorCode::NotFound : RpcErrorCode::Unavailable,
                            u"cannot fetch blob %1: %2 answered HTTP %3"_s.arg(
                                sha256, host, QString::number(response->status)));
    }

    QFile file(temp.fileName());
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!file.open(QIODevice::ReadOnly) || !hash.addData(&file) || ::fsync(file.handle()) != 0)
        return Error(ErrorCode::IoFailed, u"cannot read the blob fetched from %1 back: %2"_s.arg(
                                              host, file.errorString()));
    file.close();
    const QString actual = QString::fromLatin1(hash.result().toHex());
    if (actual != sha256)
        return makeRpcError(
            RpcErrorCode::InvalidParams,
            u"the blob at %1 is not sha256 %2 (it is %3)"_s.arg(host, sha256, actual));
    if (::rename(QFile::encodeName(temp.fileName()).constData(),
                 QFile::encodeName(target).constData()) != 0)
        return Error(ErrorCode::IoFailed,
                     u"cannot move the blob fetched from %1 into %2: %3"_s.arg(
                         host, m_store.folder(), QString::fromLocal8Bit(std::strerror(errno))));
    temp.setAutoRemove(false); // it is the blob now
    return {};
}

Result<QString> BlobService::decryptToTemp(const BlobImage &image) const
{
    return m_store.decryptToTemp(image.sha256, image.key);
}

} // namespace berth::provider
