#pragma once

#include "core/result.h"

#include <QtGlobal>

namespace berth::crypto {

// The key-derivation settings of a Web3 Secret Storage (v3) keystore. The salt
// is per file and lives in KeystoreFile; these are the cost parameters.
struct KdfParams
{
    enum class Function
    {
        Scrypt,
        Pbkdf2HmacSha256,
    };

    // Bounds that keep a hostile keystore file from exhausting memory or CPU.
    static constexpr quint64 MaxScryptN = quint64(1) << 20;
    static constexpr quint64 MaxScryptRTimesP = 64;
    static constexpr quint64 MaxScryptMemory = quint64(1126) << 20; // ~1.1 GiB
    // n·r·p bounds the time: at most one pass of the largest table (n=2^20, r=8, p=1).
    static constexpr quint64 MaxScryptWork = quint64(1) << 23;
    static constexpr quint64 MaxPbkdf2Iterations = 10'000'000;
    static constexpr int DerivedKeyLength = 32;

    // What geth and Berth write by default: scrypt n=262144 r=8 p=1 (~256 MiB, ~1 s).
    static KdfParams standard();
    // scrypt n=4096 r=8 p=1: for tests and throwaway keys only.
    static KdfParams light();
    static KdfParams pbkdf2(quint64 iterations);

    // Memory scrypt needs for these parameters, in bytes (0 for PBKDF2).
    quint64 scryptMemory() const;
    // InvalidArgument naming the offending parameter when outside the bounds above.
    Result<void> check() const;

    Function function = Function::Scrypt;
    quint64 n = quint64(1) << 18; // scrypt CPU/memory cost, a power of two
    quint64 r = 8;                // scrypt block size
    quint64 p = 1;                // scrypt parallelism
    quint64 c = 0;                // PBKDF2 iterations
    int dklen = DerivedKeyLength;
};

} // namespace berth::crypto
