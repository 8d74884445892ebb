#include "admin/admintoken.h"

#include "crypto/passwordfile.h"

#include <QDir>
#include <QFile>
#include <QStandardPaths>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace berth::admin {

namespace {

bool isTokenText(QByteArrayView text)
{
    if (text.size() != 2 * AdminToken::Bytes)
        return false;
    for (const char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    return true;
}

} // namespace

QString AdminToken::fileIn(const QString &dataDir)
{
    return QDir(dataDir).filePath(u"admin.token"_s);
}

QString AdminToken::defaultFile()
{
    if (::geteuid() == 0)
        return fileIn(u"/var/lib/berth"_s);
    return fileIn(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
                  u"/berth"_s);
}

Result<AdminToken> AdminToken::read(const QString &path)
{
    auto text = crypto::readPasswordFile(path);
    if (!text)
        return text.error();
    if (!isTokenText(text->view()))
        return Error(ErrorCode::ParseFailed,
                     u"%1 does not hold an admin token (64 hex digits): delete it and restart "
                     "berthd to make a new one"_s.arg(path));
    return AdminToken(std::move(text).value());
}

Result<AdminToken> AdminToken::loadOrCreate(const QString &path)
{
    if (QFile::exists(path))
        return read(path);
    const crypto::SecretBytes random = crypto::randomSecret(Bytes);
    QByteArray hex =
        QByteArray(reinterpret_cast<const char *>(random.data()), random.size()).toHex();
    hex.append('\n');
    const QByteArray native = QFile::encodeName(path);
    // O_EXCL: a file that appeared since the check above is read, not replaced.
    const int fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        crypto::secureZero(hex);
        if (errno == EEXIST)
            return read(path);
        return Error(ErrorCode::IoFailed, u"cannot create %1: %2"_s.arg(
                                              path, QString::fromLocal8Bit(std::strerror(errno))));
    }
    qsizetype written = 0;
    while (written < hex.size()) {
        const ssize_t n = ::write(fd, hex.constData() + written, size_t(hex.size() - written));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        written += n;
    }
    const bool ok = written == hex.size() && ::fsync(fd) == 0;
    ::close(fd);
    crypto::secureZero(hex);
    if (!ok) {
        QFile::remove(path);
        return Error(ErrorCode::IoFailed, u"cannot write %1"_s.arg(path));
    }
    return read(path);
}

bool AdminToken::matches(QByteArrayView presented) const
{
    return crypto::constantTimeEquals(presented, m_text.view());
}

} // namespace berth::admin
