#pragma once

#include "core/result.h"
#include "crypto/secretbytes.h"

#include <QString>

namespace berth::crypto {

// Largest password file or credential Berth reads (a password, not a document).
inline constexpr qsizetype MaxPasswordFileSize = 4096;

// Reads a keystore password from a file for headless use (`wallet.passwordFile` in the
// config, `--password-file`). Refuses a file that group or others can access
// ("chmod 600 FILE"), an empty or over-long one, and anything but a regular
// file. One trailing newline ("\n" or "\r\n") is stripped; other whitespace is
// part of the password.
Result<SecretBytes> readPasswordFile(const QString &path);

// Reads the systemd credential NAME from $CREDENTIALS_DIRECTORY (LoadCredential=
// or SetCredential= in the unit). systemd makes that directory private to the
// service, so the file's mode is not checked. Strips one trailing newline.
Result<SecretBytes> readSystemdCredential(const QString &name);

} // namespace berth::crypto
