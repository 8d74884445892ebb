#include "crypto/blobcipher.h"

#include <QCryptographicHash>
#include <QIODevice>

#include <sodium.h>
#include <utility>

using namespace Qt::StringLiterals;

namespace berth::crypto {

static_assert(BlobCipher::KeySize == crypto_secretstream_xchacha20poly1305_KEYBYTES);
static_assert(BlobCipher::ChunkOverhead == crypto_secretstream_xchacha20poly1305_ABYTES);
static_assert(BlobCipher::StreamHeaderSize == crypto_secretstream_xchacha20poly1305_HEADERBYTES);
static_assert(BlobCipher::Magic.size() == 9);

namespace {

// The magic and the version byte: authenticated as associated data by every chunk.
constexpr qsizetype PreambleSize = 10;

unsigned char *bytes(QByteArray &data)
{
    return reinterpret_cast<unsigned char *>(data.data());
}

const unsigned char *bytes(const QByteArray &data)
{
    return reinterpret_cast<const unsigned char *>(data.constData());
}

QString deviceName(const QIODevice &device, const QString &role)
{
    const QString error = device.errorString();
    return error.isEmpty() ? role : u"%1 (%2)"_s.arg(role, error);
}

// Reads up to size bytes, waiting on a sequential device until it has them all
// or its stream ended; returns how many were read (fewer only at the end).
Result<qint64> readFull(QIODevice &in, char *buffer, qint64 size, const QString &role)
{
    qint64 got = 0;
    while (got < size) {
        const qint64 read = in.read(buffer + got, size - got);
        if (read < 0) {
            // A sequential device (pipe, socket) reports its end of stream as -1.
            if (in.isSequential())
                break;
            return Error(ErrorCode::IoFailed, u"cannot read the %1"_s.arg(deviceName(in, role)));
        }
        if (read == 0) {
            if (!in.isSequential() || (!in.waitForReadyRead(-1) && in.bytesAvailable() == 0))
                break;
            continue;
        }
        got += read;
    }
    return got;
}

Result<void> writeAll(QIODevice &out, const char *data, qint64 size, const QString &role)
{
    if (size > 0 && out.write(data, size) != size)
        return Error(ErrorCode::IoFailed, u"cannot write the %1"_s.arg(deviceName(out, role)));
    return {};
}

QByteArray preamble()
{
    QByteArray result = BlobCipher::Magic.toByteArray();
    result.append(char(BlobCipher::Version));
    return result;
}

// Wipes a plaintext buffer when it goes out of scope (an image can be private).
struct WipeOnExit
{
    QByteArray &buffer;
    ~WipeOnExit() { secureZero(buffer); }
};

// Wipes the stream state (it holds the key) on every way out.
struct StateWipe
{
    crypto_secretstream_xchacha20poly1305_state &state;
    ~StateWipe() { sodium_memzero(&state, sizeof state); }
};

} // namespace

qint64 BlobCipher::encryptedSize(qint64 plainSize)
{
    const qint64 chunks = plainSize <= 0 ? 1 : (plainSize + ChunkSize - 1) / ChunkSize;
    return HeaderSize + chunks * ChunkOverhead + (plainSize > 0 ? plainSize : 0);
}

Result<EncryptedBlob> BlobCipher::encrypt(QIODevice &in, QIODevice &out)
{
    return encrypt(in, out, randomSecret(KeySize));
}

Result<EncryptedBlob> BlobCipher::encrypt(QIODevice &in, QIODevice &out, const SecretBytes &key)
{
    if (sodium_init() < 0)
        return Error(ErrorCode::Internal, u"libsodium failed to initialise"_s);
    if (key.size() != KeySize)
        return Error(ErrorCode::InvalidArgument,
                     u"a blob key has %1 bytes, not %2"_s.arg(KeySize).arg(key.size()));

    const QString input = u"input"_s;
    const QString output = u"encrypted blob output"_s;
    QCryptographicHash hash(QCryptographicHash::Sha256);
    EncryptedBlob blob;

    crypto_secretstream_xchacha20poly1305_state state;
    const StateWipe wipeState{state};
    QByteArray header = preamble();
    header.resize(HeaderSize);
    crypto_secretstream_xchacha20poly1305_init_push(&state, bytes(header) + PreambleSize,
                                                    key.data());
    const QByteArray associated = header.first(PreambleSize);
    if (auto written = writeAll(out, header.constData(), header.size(), output); !written)
        return written.error();
    hash.addData(header);
    blob.size = header.size();

    QByteArray current(ChunkSize, Qt::Uninitialized);
    QByteArray next(ChunkSize, Qt::Uninitialized);
    QByteArray sealed(ChunkSize + ChunkOverhead, Qt::Uninitialized);
    const WipeOnExit wipeCurrent{current};
    const WipeOnExit wipeNext{next};

    auto currentRead = readFull(in, current.data(), ChunkSize, input);
    if (!currentRead)
        return currentRead.error();
    qint64 currentSize = *currentRead;
    for (;;) {
        // One chunk of look-ahead: a full chunk is FINAL only when nothing follows.
        qint64 nextSize = 0;
        if (currentSize == ChunkSize) {
            auto nextRead = readFull(in, next.data(), ChunkSize, input);
            if (!nextRead)
                return nextRead.error();
            nextSize = *nextRead;
        }
        const bool final = nextSize == 0;
        unsigned long long sealedSize = 0;
        crypto_secretstream_xchacha20poly1305_push(
            &state, bytes(sealed), &sealedSize, bytes(std::as_const(current)),
            static_cast<unsigned long long>(currentSize), bytes(associated),
            static_cast<unsigned long long>(associated.size()),
            final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                  : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
        const auto chunkSize = static_cast<qint64>(sealedSize);
        if (auto written = writeAll(out, sealed.constData(), chunkSize, output); !written)
            return written.error();
        hash.addData(QByteArrayView(sealed.constData(), chunkSize));
        blob.size += chunkSize;
        blob.plainSize += currentSize;
        if (final)
            break;
        std::swap(current, next);
        currentSize = nextSize;
    }

    blob.key = key;
    blob.sha256 = QString::fromLatin1(hash.result().toHex());
    return blob;
}

Result<qint64> BlobCipher::decrypt(const SecretBytes &key, QIODevice &in, QIODevice &out)
{
    return pull(key, in, &out, false);
}

Result<void> BlobCipher::checkKey(const SecretBytes &key, QIODevice &in)
{
    auto pulled = pull(key, in, nullptr, true);
    if (!pulled)
        return pulled.error();
    return {};
}

Result<qint64> BlobCipher::pull(const SecretBytes &key, QIODevice &in, QIODevice *out,
                                bool firstChunkOnly)
{
    if (sodium_init() < 0)
        return Error(ErrorCode::Internal, u"libsodium failed to initialise"_s);
    if (key.size() != KeySize)
        return Error(ErrorCode::InvalidArgument,
                     u"a blob key has %1 bytes, not %2"_s.arg(KeySize).arg(key.size()));

    const QString input = u"encrypted blob"_s;
    const QString output = u"decrypted output"_s;

    QByteArray header(HeaderSize, Qt::Uninitialized);
    auto headerRead = readFull(in, header.data(), HeaderSize, input);
    if (!headerRead)
        return headerRead.error();
    const qint64 headerSize = *headerRead;
    const qsizetype magicSeen = qsizetype(qMin<qint64>(headerSize, Magic.size()));
    if (QByteArrayView(header.constData(), magicSeen) != Magic.first(magicSeen) || headerSize == 0)
        return Error(ErrorCode::ParseFailed,
                     u"not a Berth blob: it does not start with \"BERTHBLOB\""_s);
    if (headerSize > Magic.size() && quint8(header.at(Magic.size())) != Version)
        return Error(ErrorCode::ParseFailed,
                     u"the blob is in format version %1, which this Berth does not read (it "
                     u"reads version %2): update Berth"_s.arg(quint8(header.at(Magic.size())))
                         .arg(Version));
    if (headerSize < HeaderSize)
        return Error(
            ErrorCode::ParseFailed,
            u"the blob is cut short: %1 bytes, less than its %2-byte header"_s.arg(headerSize)
                .arg(HeaderSize));

    crypto_secretstream_xchacha20poly1305_state state;
    const StateWipe wipeState{state};
    if (crypto_secretstream_xchacha20poly1305_init_pull(&state, bytes(header) + PreambleSize,
                                                        key.data()) != 0)
        return Error(ErrorCode::AuthFailed, u"the blob's stream header is invalid"_s);
    const QByteArray associated = header.first(PreambleSize);

    QByteArray sealed(ChunkSize + ChunkOverhead, Qt::Uninitialized);
    QByteArray plain(ChunkSize, Qt::Uninitialized);
    const WipeOnExit wipePlain{plain};
    qint64 written = 0;
    for (qint64 chunk = 1;; ++chunk) {
        auto sealedRead = readFull(in, sealed.data(), sealed.size(), input);
        if (!sealedRead)
            return sealedRead.error();
        const qint64 sealedSize = *sealedRead;
        if (sealedSize < ChunkOverhead)
            return Error(ErrorCode::AuthFailed,
                         u"the blob is cut short: it ends before its final chunk (chunk %1 "
                         u"is missing or incomplete); upload it again"_s.arg(chunk));
        unsigned long long plainSize = 0;
        unsigned char tag = 0;
        if (crypto_secretstream_xchacha20poly1305_pull(
                &state, bytes(plain), &plainSize, &tag, bytes(std::as_const(sealed)),
                static_cast<unsigned long long>(sealedSize), bytes(associated),
                static_cast<unsigned long long>(associated.size())) != 0)
            return Error(ErrorCode::AuthFailed,
                         u"chunk %1 of the blob failed authentication: the key is wrong, or "
                         u"the blob was damaged or changed"_s.arg(chunk));
        const bool final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
        if (!final && (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE ||
                       qint64(plainSize) != ChunkSize))
            return Error(ErrorCode::ParseFailed,
                         u"chunk %1 of the blob is not laid out as blob format version %2 "
                         u"requires (tag %3, %4 bytes)"_s.arg(chunk)
                             .arg(Version)
                             .arg(tag)
                             .arg(plainSize));
        if (out)
            if (auto done = writeAll(*out, plain.constData(), qint64(plainSize), output); !done)
                return done.error();
        written += qint64(plainSize);
        if (firstChunkOnly)
            return written;
        if (final)
            break;
    }

    char extra = 0;
    auto extraRead = readFull(in, &extra, 1, input);
    if (!extraRead)
        return extraRead.error();
    if (*extraRead > 0)
        return Error(ErrorCode::AuthFailed,
                     u"the blob has data after its final chunk: it was changed after "
                     u"encryption"_s);
    return written;
}

} // namespace berth::crypto
