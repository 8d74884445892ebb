#include "crypto/passwordfile.h"

#include <QFile>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace berth::crypto {

namespace {

struct FileDescriptor
{
    explicit FileDescriptor(int f)
        : fd(f)
    {}
    ~FileDescriptor()
    {
        if (fd >= 0)
            ::close(fd);
    }
    FileDescriptor(const FileDescriptor &) = delete;
    FileDescriptor &operator=(const FileDescriptor &) = delete;
    int fd;
};

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

// Opens once and checks the opened file (fstat), so the file checked is the file read.
Result<SecretBytes> readSecretFile(const QString &path, bool requirePrivate,
                                   const QString &whatToFix)
{
    const QByteArray native = QFile::encodeName(path);
    FileDescriptor file(::open(native.constData(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (file.fd < 0) {
        const int error = errno;
        if (error == ENOENT)
            return Error{ErrorCode::NotFound,
                         u"the password file %1 does not exist: %2"_s.arg(path, whatToFix)};
        return Error{ErrorCode::IoFailed, u"cannot open the password file %1 (%2): %3"_s.arg(
                                              path, errnoText(error), whatToFix)};
    }
    struct stat st
    {};
    if (::fstat(file.fd, &st) != 0)
        return Error{ErrorCode::IoFailed,
                     u"cannot inspect the password file %1 (%2)"_s.arg(path, errnoText(errno))};
    if (!S_ISREG(st.st_mode))
        return Error{ErrorCode::InvalidArgument,
                     u"the password file %1 is not a regular file: %2"_s.arg(path, whatToFix)};
    if (requirePrivate && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        return Error{ErrorCode::ValidationFailed,
                     u"the password file %1 can be accessed by other users (mode %2): run "
                     u"\"chmod 600 %1\" and try again"_s.arg(path)
                         .arg(uint(st.st_mode & 07777), 4, 8, QChar(u'0'))};
    if (st.st_size > MaxPasswordFileSize)
        return Error{ErrorCode::TooLarge,
                     u"the password file %1 is %2 bytes; a password file holds one password of "
                     u"at most %3 bytes"_s.arg(path)
                         .arg(qint64(st.st_size))
                         .arg(MaxPasswordFileSize)};

    // One byte more than the limit, so a file that grew since fstat is caught.
    SecretBytes buffer(MaxPasswordFileSize + 1);
    qsizetype total = 0;
    for (;;) {
        const ssize_t n = ::read(file.fd, buffer.data() + total, size_t(buffer.size() - total));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return Error{ErrorCode::IoFailed,
                         u"cannot read the password file %1 (%2)"_s.arg(path, errnoText(errno))};
        if (n == 0)
            break;
        total += n;
        if (total == buffer.size())
            return Error{ErrorCode::TooLarge,
                         u"the password file %1 is larger than %2 bytes; a password file holds "
                         u"one password"_s.arg(path)
                             .arg(MaxPasswordFileSize)};
    }
    qsizetype length = total;
    if (length > 0 && buffer.data()[length - 1] == '\n') {
        --length;
        if (length > 0 && buffer.data()[length - 1] == '\r')
            --length;
    }
    if (length == 0)
        return Error{
            ErrorCode::InvalidArgument,
            u"the password file %1 is empty: write the keystore password into it"_s.arg(path)};
    return SecretBytes(buffer.view().first(length));
}

} // namespace

Result<SecretBytes> readPasswordFile(const QString &path)
{
    if (path.isEmpty())
        return Error{ErrorCode::InvalidArgument,
                     u"no password file given: set the password file in the config (berthd: "
                     u"wallet.passwordFile) or pass "
                     u"--password-file"_s};
    return readSecretFile(
        path, true,
        u"fix the password file setting (berthd: wallet.passwordFile) or the --password-file option"_s);
}

Result<SecretBytes> readSystemdCredential(const QString &name)
{
    if (name.isEmpty() || name.contains(u'/') || name == u"." || name == u"..")
        return Error{ErrorCode::InvalidArgument,
                     u"\"%1\" is not a systemd credential name: use the name given to "
                     u"LoadCredential= in the unit"_s.arg(name)};
    const QByteArray dir = qgetenv("CREDENTIALS_DIRECTORY");
    if (dir.isEmpty())
        return Error{ErrorCode::NotFound,
                     u"cannot read the systemd credential \"%1\": CREDENTIALS_DIRECTORY is not "
                     u"set (the service was not started by systemd with LoadCredential=%1:...); "
                     u"use a password file (berthd: wallet.passwordFile) instead"_s.arg(name)};
    const QString path = QFile::decodeName(dir) + u'/' + name;
    auto secret = readSecretFile(path, false,
                                 u"add LoadCredential=%1:FILE to the service's unit"_s.arg(name));
    if (!secret && secret.error().code == ErrorCode::NotFound)
        return Error{ErrorCode::NotFound,
                     u"the systemd credential \"%1\" is not in %2: add LoadCredential=%1:FILE to "
                     u"the service's unit"_s.arg(name, QFile::decodeName(dir))};
    return secret;
}

} // namespace berth::crypto
