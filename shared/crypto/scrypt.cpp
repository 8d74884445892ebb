#include "crypto/scrypt.h"

#include <QString>

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <openssl/evp.h>
#include <vector>

using namespace Qt::StringLiterals;

namespace berth::crypto {

namespace {

using Word = std::uint32_t;

constexpr Word rotl(Word x, int n)
{
    return (x << n) | (x >> (32 - n));
}

// Salsa20/8 core on 16 words, in place.
void salsa208(Word b[16])
{
    Word x[16];
    std::memcpy(x, b, sizeof x);
    for (int round = 0; round < 8; round += 2) {
        x[4] ^= rotl(x[0] + x[12], 7);
        x[8] ^= rotl(x[4] + x[0], 9);
        x[12] ^= rotl(x[8] + x[4], 13);
        x[0] ^= rotl(x[12] + x[8], 18);
        x[9] ^= rotl(x[5] + x[1], 7);
        x[13] ^= rotl(x[9] + x[5], 9);
        x[1] ^= rotl(x[13] + x[9], 13);
        x[5] ^= rotl(x[1] + x[13], 18);
        x[14] ^= rotl(x[10] + x[6], 7);
        x[2] ^= rotl(x[14] + x[10], 9);
        x[6] ^= rotl(x[2] + x[14], 13);
        x[10] ^= rotl(x[6] + x[2], 18);
        x[3] ^= rotl(x[15] + x[11], 7);
        x[7] ^= rotl(x[3] + x[15], 9);
        x[11] ^= rotl(x[7] + x[3], 13);
        x[15] ^= rotl(x[11] + x[7], 18);

        x[1] ^= rotl(x[0] + x[3], 7);
        x[2] ^= rotl(x[1] + x[0], 9);
        x[3] ^= rotl(x[2] + x[1], 13);
        x[0] ^= rotl(x[3] + x[2], 18);
        x[6] ^= rotl(x[5] + x[4], 7);
        x[7] ^= rotl(x[6] + x[5], 9);
        x[4] ^= rotl(x[7] + x[6], 13);
        x[5] ^= rotl(x[4] + x[7], 18);
        x[11] ^= rotl(x[10] + x[9], 7);
        x[8] ^= rotl(x[11] + x[10], 9);
        x[9] ^= rotl(x[8] + x[11], 13);
        x[10] ^= rotl(x[9] + x[8], 18);
        x[12] ^= rotl(x[15] + x[14], 7);
        x[13] ^= rotl(x[12] + x[15], 9);
        x[14] ^= rotl(x[13] + x[12], 13);
        x[15] ^= rotl(x[14] + x[13], 18);
    }
    for (int i = 0; i < 16; ++i)
        b[i] += x[i];
    secureZero(x, sizeof x);
}

// BlockMix_{Salsa20/8, r}: in (2r 64-byte blocks) -> out, even blocks first, then odd.
void blockMix(const Word *in, Word *out, quint64 r)
{
    Word x[16];
    std::memcpy(x, in + (2 * r - 1) * 16, sizeof x);
    for (quint64 i = 0; i < 2 * r; ++i) {
        for (int k = 0; k < 16; ++k)
            x[k] ^= in[i * 16 + k];
        salsa208(x);
        const quint64 slot = (i % 2 == 0 ? i / 2 : r + i / 2);
        std::memcpy(out + slot * 16, x, sizeof x);
    }
    secureZero(x, sizeof x);
}

// ROMix on one 128·r-byte block B (little-endian words), with scratch V of n blocks.
void roMix(unsigned char *block, quint64 n, quint64 r, Word *v)
{
    const quint64 words = 32 * r;
    std::vector<Word> x(words), y(words);
    for (quint64 k = 0; k < words; ++k)
        x[k] = Word(block[4 * k]) | Word(block[4 * k + 1]) << 8 | Word(block[4 * k + 2]) << 16 |
               Word(block[4 * k + 3]) << 24;
    for (quint64 i = 0; i < n; ++i) {
        std::memcpy(v + i * words, x.data(), words * sizeof(Word));
        blockMix(x.data(), y.data(), r);
        x.swap(y);
    }
    for (quint64 i = 0; i < n; ++i) {
        // Integerify: the first word of the last 64-byte block; n <= 2^32 needs no more.
        const quint64 j = x[(2 * r - 1) * 16] & (n - 1);
        for (quint64 k = 0; k < words; ++k)
            x[k] ^= v[j * words + k];
        blockMix(x.data(), y.data(), r);
        x.swap(y);
    }
    for (quint64 k = 0; k < words; ++k) {
        block[4 * k] = static_cast<unsigned char>(x[k]);
        block[4 * k + 1] = static_cast<unsigned char>(x[k] >> 8);
        block[4 * k + 2] = static_cast<unsigned char>(x[k] >> 16);
        block[4 * k + 3] = static_cast<unsigned char>(x[k] >> 24);
    }
    secureZero(x.data(), words * sizeof(Word));
    secureZero(y.data(), words * sizeof(Word));
}

bool pbkdf2Sha256(const SecretBytes &password, QByteArrayView salt, unsigned char *out,
                  qsizetype outLen)
{
    static const char empty = 0;
    const char *pass =
        password.isEmpty() ? &empty : reinterpret_cast<const char *>(password.data());
    return PKCS5_PBKDF2_HMAC(pass, int(password.size()),
                             reinterpret_cast<const unsigned char *>(salt.data()), int(salt.size()),
                             1, EVP_sha256(), int(outLen), out) == 1;
}

Result<SecretBytes> portableScrypt(const SecretBytes &password, QByteArrayView salt, quint64 n,
                                   quint64 r, quint64 p, qsizetype dkLen)
{
    const quint64 blockBytes = 128 * r;
    SecretBytes b(qsizetype(blockBytes * p));
    if (!pbkdf2Sha256(password, salt, b.data(), b.size()))
        return Error{ErrorCode::Internal, u"PBKDF2 failed in OpenSSL: report this as a bug"_s};
    const quint64 vWords = 32 * r * n;
    std::unique_ptr<Word[]> v(new (std::nothrow) Word[vWords]);
    if (!v)
        return Error{ErrorCode::Unavailable,
                     u"scrypt needs %1 MiB of memory that could not be allocated: free some "
                     u"memory and try again"_s.arg((vWords * sizeof(Word)) >> 20)};
    for (quint64 i = 0; i < p; ++i)
        roMix(b.data() + i * blockBytes, n, r, v.get());
    secureZero(v.get(), vWords * sizeof(Word));
    SecretBytes key(dkLen);
    if (!pbkdf2Sha256(password, b.view(), key.data(), key.size()))
        return Error{ErrorCode::Internal, u"PBKDF2 failed in OpenSSL: report this as a bug"_s};
    return key;
}

} // namespace

Result<SecretBytes> scrypt(const SecretBytes &password, QByteArrayView salt, quint64 n, quint64 r,
                           quint64 p, qsizetype dkLen, ScryptEngine engine)
{
    if (n < 2 || (n & (n - 1)) != 0 || r < 1 || p < 1 || dkLen < 1)
        return Error{ErrorCode::InvalidArgument,
                     u"scrypt needs n a power of two of at least 2, and r, p at least 1"_s};
    const bool opensslAccepts = 16 * r >= 64 || n < (quint64(1) << (16 * r));
    if (engine == ScryptEngine::Portable || !opensslAccepts)
        return portableScrypt(password, salt, n, r, p, dkLen);

    static const char empty = 0;
    const char *pass =
        password.isEmpty() ? &empty : reinterpret_cast<const char *>(password.data());
    SecretBytes key(dkLen);
    // OpenSSL needs 128·r·(n + p + 2) bytes; allow that plus slack.
    const quint64 maxMemory = 128 * r * (n + p + 2) + (quint64(1) << 20);
    if (EVP_PBE_scrypt(pass, size_t(password.size()),
                       reinterpret_cast<const unsigned char *>(salt.data()), size_t(salt.size()), n,
                       r, p, maxMemory, key.data(), size_t(key.size())) != 1)
        return Error{ErrorCode::Unavailable,
                     u"scrypt (n=%1 r=%2 p=%3) failed in OpenSSL, most likely for lack of "
                     u"memory: free some memory and try again"_s.arg(n)
                         .arg(r)
                         .arg(p)};
    return key;
}

} // namespace berth::crypto
