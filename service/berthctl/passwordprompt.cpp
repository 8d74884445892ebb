#include "passwordprompt.h"

#include "cliwait.h"
#include "crypto/keychainsecretstore.h"
#include "crypto/passwordfile.h"

#include <QDir>

#include <cstdio>
#include <string>
#include <termios.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace berth::cli {

namespace {

constexpr auto credentialName = "berth-keystore-password";

// Reads one line from the terminal with echo off; the buffer is wiped.
Result<crypto::SecretBytes> promptOnce(const QString &prompt)
{
    std::fputs(prompt.toLocal8Bit().constData(), stderr);
    std::fflush(stderr);
    termios saved{};
    const bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
    if (tty) {
        termios quiet = saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::string line;
    int c = 0;
    while ((c = std::fgetc(stdin)) != EOF && c != '\n' && line.size() < 4096)
        line.push_back(char(c));
    if (tty)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::fputs("\n", stderr);
    crypto::SecretBytes secret(QByteArrayView(line.data(), qsizetype(line.size())));
    crypto::secureZero(line.data(), line.size());
    if (c == EOF && line.empty() && secret.isEmpty())
        return Error{ErrorCode::InvalidArgument, u"no password was entered"_s};
    return secret;
}

} // namespace

QString keychainKeyFor(const QString &checksumAddress)
{
    return u"keystore-password/"_s + checksumAddress;
}

Result<crypto::SecretBytes> obtainPassword(const PasswordOptions &options, const QString &purpose)
{
    if (!options.passwordFile.isEmpty())
        return crypto::readPasswordFile(options.passwordFile);
    const QString fromEnv = qEnvironmentVariable("BERTH_PASSWORD_FILE");
    if (!fromEnv.isEmpty())
        return crypto::readPasswordFile(fromEnv);
    if (!qEnvironmentVariable("CREDENTIALS_DIRECTORY").isEmpty()) {
        auto credential = crypto::readSystemdCredential(QString::fromLatin1(credentialName));
        if (credential || credential.error().code != ErrorCode::NotFound)
            return credential;
    }
    if (!options.keychainKey.isEmpty() &&
        !qEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS").isEmpty()) {
        crypto::KeychainSecretStore keychain;
        auto stored = waitFor<crypto::SecretBytes>([&](QObject *context, auto done) {
            keychain.read(options.keychainKey, context, done);
        });
        if (stored)
            return stored;
    }
    if (!isatty(STDIN_FILENO))
        return Error{ErrorCode::InvalidArgument,
                     u"%1 needs a password and no terminal is attached: give --password-file "
                     u"FILE (mode 600), set BERTH_PASSWORD_FILE, or provide the systemd "
                     u"credential %2"_s.arg(purpose, QString::fromLatin1(credentialName))};
    auto first = promptOnce(u"Password for %1: "_s.arg(purpose));
    if (!first || !options.confirm)
        return first;
    auto second = promptOnce(u"Repeat the password: "_s);
    if (!second)
        return second;
    if (!(*first == *second))
        return Error{ErrorCode::InvalidArgument,
                     u"the two passwords differ; nothing was changed"_s};
    return first;
}

} // namespace berth::cli
