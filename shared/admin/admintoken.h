#pragma once

#include "core/result.h"
#include "crypto/secretbytes.h"

#include <QByteArrayView>
#include <QString>

namespace berth::admin {

// The secret that opens berthd's admin API (docs/provider.md, "Admin API"): 32
// random bytes written as 64 lower-case hex digits in <dataDir>/admin.token, an
// owner-only file (0600) berthd creates on its first start and keeps across
// restarts. Whoever can read the file is the provider's operator.
class AdminToken
{
public:
    static constexpr qsizetype Bytes = 32;

    // <dataDir>/admin.token
    static QString fileIn(const QString &dataDir);
    // The file in berthd's default dataDir: /var/lib/berth/admin.token for
    // root, else <XDG data>/berth/admin.token.
    static QString defaultFile();

    // Reads the token file; refuses one that group or others can access, and
    // one that does not hold 64 hex digits (one trailing newline allowed).
    static Result<AdminToken> read(const QString &path);
    // read(), or when the file does not exist: a new random token written to it
    // with mode 0600 (never replacing a file that appeared meanwhile).
    static Result<AdminToken> loadOrCreate(const QString &path);

    // Whether `presented` is this token, in constant time.
    bool matches(QByteArrayView presented) const;
    // The 64 hex digits (what a client presents).
    QByteArrayView text() const { return m_text.view(); }

private:
    explicit AdminToken(crypto::SecretBytes text)
        : m_text(std::move(text))
    {}

    crypto::SecretBytes m_text;
};

} // namespace berth::admin
