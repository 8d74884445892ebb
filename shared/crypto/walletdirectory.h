#pragma once

#include "core/result.h"
#include "crypto/address.h"

#include <QList>
#include <QString>

namespace berth::crypto {

// A folder of Web3 Secret Storage keystores, one account per file, named as geth
// names them (UTC--<time>--<address>) so that other tools can use the folder too.
// Files are owner-only; the folder holds only ciphertext.
class WalletDirectory
{
public:
    struct Account
    {
        Address address;
        QString path;
    };

    explicit WalletDirectory(QString path);

    // $BERTH_KEYSTORE_DIR if set, else <XDG data>/berth/keystore.
    static QString defaultPath();

    const QString &path() const { return m_path; }
    // Every readable keystore in the folder, sorted by file name (oldest first).
    QList<Account> accounts() const;
    // The account with this address; NotFound lists what exists.
    Result<Account> find(const Address &address) const;
    // The only account, or an error that says to choose one with --account.
    Result<Account> single() const;

    // Stores keystore JSON (already encrypted) for `address`; Conflict if present.
    Result<Account> store(const Address &address, const QByteArray &keystoreJson) const;

private:
    QString m_path;
};

} // namespace berth::crypto
