#include "provider/blobservice.h"

#include "crypto/blobcipher.h"
#include "manifest/kuberenderer.h"
#include "protocol/rpcerror.h"

#include <QFile>

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
        if (!m_store.has(sha))
            return makeRpcError(RpcErrorCode::NotFound,
                                u"container %1 runs blob %2, which is not uploaded here: upload it "
                                "with blob.begin and blob.append first"_s.arg(container.name, sha));
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
        QFile blob(m_store.path(sha));
        if (!blob.open(QIODevice::ReadOnly))
            return Error(ErrorCode::IoFailed,
                         u"cannot read blob %1: %2"_s.arg(sha, blob.errorString()));
        if (auto opens = crypto::BlobCipher::checkKey(*key, blob); !opens)
            return makeRpcError(RpcErrorCode::InvalidParams,
                                u"params.images.%1: that key does not open this blob (%2)"_s.arg(
                                    sha, opens.error().message));
        images.append({sha, std::move(key).value(), manifest::blobImageName(sha)});
    }
    return images;
}

Result<QString> BlobService::decryptToTemp(const BlobImage &image) const
{
    return m_store.decryptToTemp(image.sha256, image.key);
}

} // namespace berth::provider
