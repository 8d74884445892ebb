#pragma once

#include "core/result.h"
#include "crypto/secretbytes.h"

#include <QByteArrayView>
#include <QString>

class QIODevice;

namespace berth::crypto {

// What BlobCipher::encrypt made: the random key the blob opens with (sealed to
// each provider, never stored in clear), and the blob's content address.
struct EncryptedBlob
{
    SecretBytes key;      // KeySize bytes
    QString sha256;       // SHA-256 of the whole ciphertext, 64 lower-case hex digits
    qint64 size = 0;      // bytes of ciphertext written
    qint64 plainSize = 0; // bytes of plaintext read
};

// An image (or any stream) encrypted for upload once and deployment anywhere:
// XChaCha20-Poly1305 secretstream in fixed chunks, behind a small versioned
// header. docs/protocol.md, "Blob format", is the specification:
//
//   "BERTHBLOB" (9 bytes) | version 0x01 | secretstream header (24 bytes)
//   then chunks of ChunkSize plaintext bytes + 17 bytes each; the last chunk
//   (0..ChunkSize plaintext bytes) carries the FINAL tag and nothing follows it.
//
// Every chunk authenticates the first 10 header bytes as associated data.
// Both directions stream with memory bounded by one chunk. A sequential input
// (a QProcess's output) is waited on with waitForReadyRead, so run these on a
// worker thread or at the top level of a command, never inside the event loop;
// its end of stream ends the plaintext, so check the producer's exit status
// (a `podman save` that failed half-way still gives a well-formed blob).
class BlobCipher
{
public:
    static constexpr QByteArrayView Magic = "BERTHBLOB";
    static constexpr quint8 Version = 1;
    static constexpr qsizetype KeySize = 32;
    static constexpr qsizetype ChunkSize = 64 * 1024; // plaintext bytes per chunk
    static constexpr qsizetype ChunkOverhead = 17;    // encrypted tag + MAC
    static constexpr qsizetype StreamHeaderSize = 24; // secretstream header
    static constexpr qsizetype HeaderSize = 9 + 1 + StreamHeaderSize;

    // Encrypts all of in into out with a fresh random key. IoFailed when either
    // device fails (the message says which).
    static Result<EncryptedBlob> encrypt(QIODevice &in, QIODevice &out);
    // The same with a given key (KeySize bytes): the same plaintext and key give
    // a different blob each time (the stream header is random).
    static Result<EncryptedBlob> encrypt(QIODevice &in, QIODevice &out, const SecretBytes &key);

    // Decrypts in into out, writing each chunk only after it authenticated.
    // ParseFailed: not a Berth blob (bad magic), an unknown format version, or a
    // header cut short. AuthFailed: wrong key, or a chunk damaged, reordered,
    // dropped or added (including a blob cut short before its FINAL chunk).
    // On any failure out may already hold the chunks before the bad one: discard
    // it. Returns the number of plaintext bytes written.
    static Result<qint64> decrypt(const SecretBytes &key, QIODevice &in, QIODevice &out);
    // Whether `key` opens the blob: its header and first chunk authenticate
    // (nothing is written). The same errors as decrypt for what it reads.
    static Result<void> checkKey(const SecretBytes &key, QIODevice &in);

    // The ciphertext size for a plaintext size (header + chunks), e.g. for a
    // quota check before encrypting.
    static qint64 encryptedSize(qint64 plainSize);

private:
    static Result<qint64> pull(const SecretBytes &key, QIODevice &in, QIODevice *out,
                               bool firstChunkOnly);
};

} // namespace berth::crypto
