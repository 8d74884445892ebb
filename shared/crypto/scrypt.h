#pragma once

#include "core/result.h"
#include "crypto/secretbytes.h"

#include <QByteArrayView>

namespace berth::crypto {

enum class ScryptEngine
{
    Auto,     // OpenSSL's EVP_PBE_scrypt, or Portable where OpenSSL refuses the parameters
    Portable, // Berth's own RFC 7914 ROMix (tests compare it with OpenSSL)
};

// scrypt (RFC 7914) into a dkLen-byte key. The caller bounds n, r and p (KdfParams::check).
// OpenSSL refuses n >= 2^(16·r), which RFC 7914 asks for but geth and Go do not: the
// Web3 Secret Storage scrypt test vector itself uses n = 2^18 with r = 1. Those
// parameters run on the portable engine.
Result<SecretBytes> scrypt(const SecretBytes &password, QByteArrayView salt, quint64 n, quint64 r,
                           quint64 p, qsizetype dkLen, ScryptEngine engine = ScryptEngine::Auto);

} // namespace berth::crypto
