#include "crypto/walletdirectory.h"

#include "crypto/keystore.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

namespace berth::crypto {

WalletDirectory::WalletDirectory(QString path)
    : m_path(std::move(path))
{}

QString WalletDirectory::defaultPath()
{
    const QString fromEnv = qEnvironmentVariable("BERTH_KEYSTORE_DIR");
    if (!fromEnv.isEmpty())
        return fromEnv;
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
           u"/berth/keystore"_s;
}

QList<WalletDirectory::Account> WalletDirectory::accounts() const
{
    QList<Account> out;
    const QDir dir(m_path);
    const QStringList names = dir.entryList(QDir::Files, QDir::Name);
    for (const QString &name : names) {
        QFile file(dir.filePath(name));
        if (file.size() > Keystore::MaxFileSize || !file.open(QIODevice::ReadOnly))
            continue;
        auto address = Keystore::peekAddress(file.readAll());
        if (address)
            out.append({*address, file.fileName()});
    }
    return out;
}

Result<WalletDirectory::Account> WalletDirectory::find(const Address &address) const
{
    const QList<Account> all = accounts();
    for (const Account &a : all)
        if (a.address == address)
            return a;
    QStringList known;
    for (const Account &a : all)
        known << a.address.toChecksumString();
    return Error{ErrorCode::NotFound,
                 u"no keystore for %1 in %2 (%3). Create one with `berthctl wallet new` or "
                 u"import one with `berthctl wallet import`"_s.arg(
                     address.toChecksumString(), QDir::toNativeSeparators(m_path),
                     known.isEmpty() ? u"it holds none"_s : u"it holds "_s + known.join(u", "_s))};
}

Result<WalletDirectory::Account> WalletDirectory::single() const
{
    const QList<Account> all = accounts();
    if (all.size() == 1)
        return all.first();
    if (all.isEmpty())
        return Error{ErrorCode::NotFound,
                     u"no account yet in %1: create one with `berthctl wallet new` or import one "
                     u"with `berthctl wallet import`"_s.arg(QDir::toNativeSeparators(m_path))};
    QStringList known;
    for (const Account &a : all)
        known << a.address.toChecksumString();
    return Error{
        ErrorCode::InvalidArgument,
        u"%1 accounts in %2 (%3): choose one with --account ADDRESS"_s.arg(
            QString::number(all.size()), QDir::toNativeSeparators(m_path), known.join(u", "_s))};
}

Result<WalletDirectory::Account> WalletDirectory::store(const Address &address,
                                                        const QByteArray &keystoreJson) const
{
    if (find(address))
        return Error{ErrorCode::Conflict,
                     u"%1 is already in the wallet (%2)"_s.arg(address.toChecksumString(),
                                                               QDir::toNativeSeparators(m_path))};
    if (!QDir().mkpath(m_path))
        return Error{ErrorCode::IoFailed, u"cannot create the keystore folder %1"_s.arg(m_path)};
    QFile::setPermissions(m_path,
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    const QString stamp = QDateTime::currentDateTimeUtc().toString(u"yyyy-MM-ddTHH-mm-ss.zzz"_s);
    const QString path =
        QDir(m_path).filePath(u"UTC--%1Z--%2"_s.arg(stamp, address.toLowerHex().mid(2)));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error{ErrorCode::IoFailed, u"cannot write %1: %2"_s.arg(path, file.errorString())};
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(keystoreJson);
    if (!file.commit())
        return Error{ErrorCode::IoFailed, u"cannot write %1: %2"_s.arg(path, file.errorString())};
    return Account{address, path};
}

} // namespace berth::crypto
