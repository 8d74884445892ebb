#include "crypto/kdfparams.h"

#include <QString>

using namespace Qt::StringLiterals;

namespace berth::crypto {

KdfParams KdfParams::standard()
{
    return KdfParams{};
}

KdfParams KdfParams::light()
{
    KdfParams params;
    params.n = 4096;
    return params;
}

KdfParams KdfParams::pbkdf2(quint64 iterations)
{
    KdfParams params;
    params.function = Function::Pbkdf2HmacSha256;
    params.n = 0;
    params.r = 0;
    params.p = 0;
    params.c = iterations;
    return params;
}

quint64 KdfParams::scryptMemory() const
{
    if (function != Function::Scrypt || r > MaxScryptRTimesP || p > MaxScryptRTimesP ||
        n > MaxScryptN)
        return function == Function::Scrypt ? ~quint64(0) : 0;
    // The n-block table plus the p blocks being mixed, 128·r bytes each (OpenSSL's
    // accounting; the portable engine needs slightly less).
    return 128 * r * (n + p + 2);
}

Result<void> KdfParams::check() const
{
    if (dklen != DerivedKeyLength)
        return Error{ErrorCode::Unsupported,
                     u"the derived key length (dklen) must be 32 bytes, not %1"_s.arg(dklen)};
    if (function == Function::Pbkdf2HmacSha256) {
        if (c < 1 || c > MaxPbkdf2Iterations)
            return Error{
                ErrorCode::Unsupported,
                u"PBKDF2 iterations (c) must be between 1 and %1, not %2"_s.arg(MaxPbkdf2Iterations)
                    .arg(c)};
        return {};
    }
    if (n < 2 || n > MaxScryptN || (n & (n - 1)) != 0)
        return Error{
            ErrorCode::Unsupported,
            u"scrypt n must be a power of two between 2 and %1 (2^20), not %2"_s.arg(MaxScryptN)
                .arg(n)};
    if (r < 1 || p < 1 || r * p > MaxScryptRTimesP)
        return Error{ErrorCode::Unsupported,
                     u"scrypt r and p must be at least 1 with r·p at most %1, not r=%2 p=%3"_s
                         .arg(MaxScryptRTimesP)
                         .arg(r)
                         .arg(p)};
    if (scryptMemory() > MaxScryptMemory)
        return Error{
            ErrorCode::Unsupported,
            u"scrypt n=%1 r=%2 p=%3 needs %4 MiB of memory; Berth allows at most %5 MiB"_s.arg(n)
                .arg(r)
                .arg(p)
                .arg(scryptMemory() >> 20)
                .arg(MaxScryptMemory >> 20)};
    if (n * r * p > MaxScryptWork)
        return Error{
            ErrorCode::Unsupported,
            u"scrypt n·r·p is %1; Berth allows at most %2 (n=2^20 with r=8, p=1)"_s.arg(n * r * p)
                .arg(MaxScryptWork)};
    return {};
}

} // namespace berth::crypto
