#pragma once

#include "core/result.h"
#include "crypto/secretbytes.h"

#include <QString>

namespace berth::cli {

// Where a keystore password comes from, in this order: --password-file, the
// BERTH_PASSWORD_FILE variable, the systemd credential "berth-keystore-password"
// (LoadCredential= in a unit), the desktop keychain entry that `wallet new
// --keychain` made for this account, then a prompt on the terminal without echo.
// There is no plaintext fallback: with none of these, it is an error that says
// which to use.
struct PasswordOptions
{
    QString passwordFile; // --password-file
    bool confirm = false; // ask twice (new passwords)
    QString keychainKey;  // look here in the OS keychain (empty: do not)
};

// The keychain entry that holds an account's keystore password.
QString keychainKeyFor(const QString &checksumAddress);

Result<crypto::SecretBytes> obtainPassword(const PasswordOptions &options, const QString &purpose);

} // namespace berth::cli
