#pragma once

// A base for tests that drive the berthctl binary against its own
// `berthctl chain devnet` (real Anvil) in a private home (XDG folders), with
// wallets for Anvil's well-known development accounts, and that read the chain
// back with Foundry's cast as an independent client.

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>

#include <map>

namespace berth::test {

using namespace Qt::StringLiterals;

// Anvil's well-known development accounts (its public test mnemonic); 0 deploys the devnet.
struct DevAccount
{
    QString key;
    QString address;
};
inline const std::map<QString, DevAccount> &devAccounts()
{
    static const std::map<QString, DevAccount> accounts{
        {u"provider"_s,
         {u"0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"_s,
          u"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"_s}},
        {u"publisher"_s,
         {u"0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"_s,
          u"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"_s}},
        {u"keeper"_s,
         {u"0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"_s,
          u"0x90F79bf6EB2c4f870365E785982E1f101E93b906"_s}},
        {u"provider2"_s,
         {u"0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a"_s,
          u"0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"_s}}};
    return accounts;
}

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
    QJsonObject json() const { return QJsonDocument::fromJson(out.toUtf8()).object(); }
};

class DevnetTest : public QObject
{
protected:
    QTemporaryDir m_home;
    QString m_rpc;
    QJsonObject m_chain;

    static inline const QString password = u"correct horse battery staple"_s;

    QProcessEnvironment environment() const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"XDG_CONFIG_HOME"_s, m_home.filePath(u"config"_s));
        env.insert(u"XDG_DATA_HOME"_s, m_home.filePath(u"data"_s));
        env.insert(u"XDG_STATE_HOME"_s, m_home.filePath(u"state"_s));
        env.insert(u"BERTH_ANVIL"_s, QStringLiteral(BERTH_ANVIL_PATH));
        env.remove(u"BERTH_CHAIN"_s);
        env.remove(u"BERTH_PASSWORD_FILE"_s);
        env.remove(u"BERTH_KEYSTORE_DIR"_s);
        env.remove(u"DBUS_SESSION_BUS_ADDRESS"_s); // no desktop keychain in these tests
        return env;
    }

    Run run(const QString &program, const QStringList &args, int timeoutMs = 120000) const
    {
        QProcess p;
        p.setProcessEnvironment(environment());
        p.setStandardInputFile(QProcess::nullDevice());
        p.start(program, args);
        Run r;
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished();
            r.err = u"timed out: "_s + program + u' ' + args.join(u' ');
            return r;
        }
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }

    Run berthctl(const QStringList &args) const
    {
        return run(QStringLiteral(BERTH_BIN_DIR "/berthctl"), args);
    }

    // berthctl as one of the accounts, with its own wallet folder and password.
    Run as(const QString &who, QStringList args) const
    {
        args << u"--keystore-dir"_s << m_home.filePath(who + u"-keys"_s) << u"--password-file"_s
             << m_home.filePath(u"password"_s);
        return berthctl(args);
    }

    // A read-only command as one of the accounts (no password needed).
    Run reading(const QString &who, QStringList args) const
    {
        args << u"--keystore-dir"_s << m_home.filePath(who + u"-keys"_s);
        return berthctl(args);
    }

    Run cast(const QStringList &args) const
    {
        return run(QStringLiteral(BERTH_CAST_PATH), args + QStringList{u"--rpc-url"_s, m_rpc});
    }

    QString contract(const QString &name) const
    {
        return m_chain.value(u"contracts"_s).toObject().value(name).toString();
    }

    QString tokenAddress() const
    {
        return m_chain.value(u"token"_s).toObject().value(u"address"_s).toString();
    }

    // The token balance as cast reads it (base units, decimal).
    QString castTokenBalance(const QString &address) const
    {
        const Run r = cast({u"call"_s, tokenAddress(), u"balanceOf(address)(uint256)"_s, address});
        return r.out.split(u' ').value(0).trimmed();
    }

    QString berthTokenBalance(const QString &address) const
    {
        const Run r = berthctl({u"wallet"_s, u"balance"_s, address, u"--json"_s});
        return r.json().value(u"token"_s).toObject().value(u"baseUnits"_s).toString();
    }

    // Moves the chain's clock forward with cast and mines a block.
    bool timePasses(int seconds) const
    {
        return cast({u"rpc"_s, u"evm_increaseTime"_s, QString::number(seconds)}).exitCode == 0 &&
               cast({u"rpc"_s, u"evm_mine"_s}).exitCode == 0;
    }

    bool writeSecretFile(const QString &name, const QString &content) const
    {
        QFile f(m_home.filePath(name));
        if (!f.open(QIODevice::WriteOnly))
            return false;
        f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        return f.write(content.toUtf8() + '\n') > 0;
    }

    // Starts the devnet and imports the named accounts; empty on success,
    // else what went wrong.
    QString startDevnet(const QStringList &accounts)
    {
        if (!m_home.isValid())
            return u"no temporary folder"_s;
        if (!QFile::exists(QStringLiteral(BERTH_ANVIL_PATH)) ||
            !QFile::exists(QStringLiteral(BERTH_CAST_PATH)))
            return u"anvil or cast is missing: run scripts/test (it runs npm ci in contracts/)"_s;
        const Run devnet = berthctl({u"chain"_s, u"devnet"_s, u"--json"_s});
        if (devnet.exitCode != 0)
            return u"chain devnet: "_s + devnet.err;
        m_chain = devnet.json().value(u"chain"_s).toObject();
        m_rpc = m_chain.value(u"rpcUrl"_s).toString();
        if (!writeSecretFile(u"password"_s, password))
            return u"cannot write the password file"_s;
        for (const QString &who : accounts) {
            if (!writeSecretFile(who + u".key"_s, devAccounts().at(who).key))
                return u"cannot write a key file"_s;
            const Run imported = as(who, {u"wallet"_s, u"import"_s, u"--private-key-file"_s,
                                          m_home.filePath(who + u".key"_s), u"--json"_s});
            if (imported.exitCode != 0)
                return u"wallet import: "_s + imported.err;
        }
        return {};
    }

    bool stopDevnet() const
    {
        return berthctl({u"chain"_s, u"devnet"_s, u"--stop"_s}).exitCode == 0;
    }
};

} // namespace berth::test
