#include "walletcommand.h"

#include "chaincommandline.h"
#include "cliwait.h"
#include "commandoutput.h"
#include "core/tokenamount.h"
#include "crypto/keychainsecretstore.h"
#include "crypto/keystore.h"
#include "crypto/passwordfile.h"
#include "crypto/walletdirectory.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QSaveFile>

using namespace Qt::StringLiterals;

namespace berth::cli {

using namespace berth::chain;

namespace {

struct Parsed
{
    QCommandLineParser parser;
    int exitCode = -1; // >= 0: stop with this code (help printed or usage error)
};

// Shared parsing: the wallet folder, --json, the password options, plus the
// command's own options; prints help or a usage error itself.
void parse(Parsed &p, CommandContext &context, const QString &command, const QString &description,
           const QList<QCommandLineOption> &extra, const QString &positional = {})
{
    p.parser.setApplicationDescription(description);
    p.parser.addHelpOption();
    p.parser.addOption(
        {u"keystore-dir"_s,
         u"Wallet folder (default: %1)."_s.arg(crypto::WalletDirectory::defaultPath()), u"dir"_s});
    p.parser.addOption({u"json"_s, u"Print the result as JSON."_s});
    p.parser.addOptions(extra);
    if (!positional.isEmpty())
        p.parser.addPositionalArgument(positional, u"See the description."_s,
                                       u"["_s + positional + u']');
    parseCommandLine(p.parser, context, u"wallet "_s + command, p.exitCode);
}

crypto::WalletDirectory walletOf(const QCommandLineParser &parser)
{
    const QString dir = parser.value(u"keystore-dir"_s);
    return crypto::WalletDirectory(dir.isEmpty() ? crypto::WalletDirectory::defaultPath() : dir);
}

QCommandLineOption passwordFileOption()
{
    return {u"password-file"_s, u"File holding the keystore password (mode 600)."_s, u"file"_s};
}

// Stores the new account's password in the desktop keychain when asked to.
Result<void> rememberInKeychain(const crypto::Address &address, const crypto::SecretBytes &password)
{
    crypto::KeychainSecretStore keychain;
    return waitFor<void>([&](QObject *context, auto done) {
        keychain.write(keychainKeyFor(address.toChecksumString()), password, context, done);
    });
}

int saveNewAccount(CommandContext &context, const QCommandLineParser &parser,
                   const crypto::PrivateKey &key, const QString &verb)
{
    PasswordOptions passwordOptions{parser.value(u"password-file"_s), true, {}};
    auto password = obtainPassword(passwordOptions, u"the new keystore"_s);
    if (!password)
        return context.fail(password.error());
    auto json = crypto::Keystore::encrypt(key, *password);
    if (!json)
        return context.fail(json.error());
    auto stored = walletOf(parser).store(key.address(), *json);
    if (!stored)
        return context.fail(stored.error());
    bool inKeychain = false;
    if (parser.isSet(u"keychain"_s)) {
        auto remembered = rememberInKeychain(key.address(), *password);
        if (!remembered)
            return context.fail(Error{remembered.error().code,
                                      u"the keystore was written to %1, but its password could "
                                      u"not be stored in the keychain: %2"_s.arg(
                                          stored->path, remembered.error().message)});
        inKeychain = true;
    }
    CommandOutput(context, parser.isSet(u"json"_s))
        .field(u"address"_s, key.address().toChecksumString())
        .field(u"keystore"_s, stored->path)
        .field(u"keychain"_s, inKeychain)
        .line(u"%1 %2"_s.arg(verb, key.address().toChecksumString()))
        .line(
            u"Keystore: %1%2"_s.arg(QDir::toNativeSeparators(stored->path),
                                    inKeychain ? u" (password kept in the keychain)"_s : QString()))
        .print();
    return ExitOk;
}

int runNew(CommandContext &context)
{
    Parsed p;
    parse(p, context, u"new"_s,
          u"Creates an account: a new secp256k1 key in an encrypted keystore (scrypt)."_s,
          {passwordFileOption(),
           {u"keychain"_s, u"Also keep the password in the desktop keychain."_s}});
    if (p.exitCode >= 0)
        return p.exitCode;
    return saveNewAccount(context, p.parser, crypto::PrivateKey::generate(), u"Created"_s);
}

int runImport(CommandContext &context)
{
    Parsed p;
    parse(p, context, u"import"_s,
          u"Imports an account from a keystore FILE (geth, Foundry, MetaMask exports; its "
          u"password is checked) or, with --private-key-file, from a file holding a raw hex "
          u"key, which is encrypted under a new password."_s,
          {passwordFileOption(),
           {u"private-key-file"_s, u"File holding a raw private key (hex)."_s, u"file"_s},
           {u"keychain"_s, u"Also keep the password in the desktop keychain."_s}},
          u"FILE"_s);
    if (p.exitCode >= 0)
        return p.exitCode;
    const QStringList args = p.parser.positionalArguments();
    if (p.parser.isSet(u"private-key-file"_s)) {
        if (!args.isEmpty())
            return context.usageError(u"give either a keystore FILE or --private-key-file"_s,
                                      u"wallet import"_s);
        // The raw key file is read like a password file: owner-only, bounded.
        auto raw = crypto::readPasswordFile(p.parser.value(u"private-key-file"_s));
        if (!raw)
            return context.fail(raw.error());
        auto key = crypto::PrivateKey::fromHexSecret(*raw);
        if (!key)
            return context.fail(key.error());
        return saveNewAccount(context, p.parser, *key, u"Imported"_s);
    }
    if (args.size() != 1)
        return context.usageError(u"give the keystore FILE to import"_s, u"wallet import"_s);
    QFile file(args.first());
    if (!file.open(QIODevice::ReadOnly))
        return context.fail(Error{ErrorCode::NotFound,
                                  u"cannot read %1: %2"_s.arg(args.first(), file.errorString())});
    const QByteArray json = file.read(crypto::Keystore::MaxFileSize + 1);
    PasswordOptions passwordOptions{p.parser.value(u"password-file"_s), false, {}};
    auto password = obtainPassword(passwordOptions, args.first());
    if (!password)
        return context.fail(password.error());
    auto key = crypto::Keystore::decrypt(json, *password);
    if (!key)
        return context.fail(key.error());
    auto stored = walletOf(p.parser).store(key->address(), json);
    if (!stored)
        return context.fail(stored.error());
    CommandOutput(context, p.parser.isSet(u"json"_s))
        .field(u"address"_s, key->address().toChecksumString())
        .field(u"keystore"_s, stored->path)
        .line(u"Imported %1"_s.arg(key->address().toChecksumString()))
        .line(u"Keystore: %1"_s.arg(QDir::toNativeSeparators(stored->path)))
        .print();
    return ExitOk;
}

Result<crypto::WalletDirectory::Account> selectAccount(const QCommandLineParser &parser)
{
    const crypto::WalletDirectory wallet = walletOf(parser);
    if (!parser.value(u"account"_s).isEmpty()) {
        auto address = crypto::Address::fromHex(parser.value(u"account"_s));
        if (!address)
            return address.error();
        return wallet.find(*address);
    }
    return wallet.single();
}

int runExport(CommandContext &context)
{
    Parsed p;
    parse(p, context, u"export"_s,
          u"Writes an account's keystore to --out (a Web3 Secret Storage v3 file that geth, "
          u"Foundry and MetaMask import). The password is checked first."_s,
          {passwordFileOption(),
           {u"account"_s, u"The account (default: the only one)."_s, u"address"_s},
           {u"out"_s, u"Where to write the keystore."_s, u"file"_s}});
    if (p.exitCode >= 0)
        return p.exitCode;
    if (p.parser.value(u"out"_s).isEmpty())
        return context.usageError(u"give --out FILE"_s, u"wallet export"_s);
    auto account = selectAccount(p.parser);
    if (!account)
        return context.fail(account.error());
    QFile file(account->path);
    if (!file.open(QIODevice::ReadOnly))
        return context.fail(Error{ErrorCode::IoFailed, file.errorString()});
    const QByteArray json = file.read(crypto::Keystore::MaxFileSize + 1);
    PasswordOptions passwordOptions{p.parser.value(u"password-file"_s), false,
                                    keychainKeyFor(account->address.toChecksumString())};
    auto password = obtainPassword(passwordOptions, account->address.toChecksumString());
    if (!password)
        return context.fail(password.error());
    if (auto key = crypto::Keystore::decrypt(json, *password); !key)
        return context.fail(key.error());
    QSaveFile out(p.parser.value(u"out"_s));
    if (!out.open(QIODevice::WriteOnly))
        return context.fail(Error{ErrorCode::IoFailed,
                                  u"cannot write %1: %2"_s.arg(out.fileName(), out.errorString())});
    out.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    out.write(json);
    if (!out.commit())
        return context.fail(Error{ErrorCode::IoFailed, out.errorString()});
    CommandOutput(context, p.parser.isSet(u"json"_s))
        .field(u"address"_s, account->address.toChecksumString())
        .field(u"file"_s, out.fileName())
        .line(u"Exported %1 to %2"_s.arg(account->address.toChecksumString(),
                                         QDir::toNativeSeparators(out.fileName())))
        .print();
    return ExitOk;
}

int runAddress(CommandContext &context)
{
    Parsed p;
    parse(p, context, u"address"_s, u"Prints the account's address (no password needed)."_s,
          {{u"account"_s, u"The account (default: the only one)."_s, u"address"_s}});
    if (p.exitCode >= 0)
        return p.exitCode;
    auto account = selectAccount(p.parser);
    if (!account)
        return context.fail(account.error());
    CommandOutput(context, p.parser.isSet(u"json"_s))
        .field(u"address"_s, account->address.toChecksumString())
        .field(u"keystore"_s, account->path)
        .line(account->address.toChecksumString())
        .print();
    return ExitOk;
}

int runList(CommandContext &context)
{
    Parsed p;
    parse(p, context, u"list"_s, u"Lists the accounts in the wallet folder."_s, {});
    if (p.exitCode >= 0)
        return p.exitCode;
    const crypto::WalletDirectory wallet = walletOf(p.parser);
    QJsonArray accounts;
    CommandOutput out(context, p.parser.isSet(u"json"_s));
    for (const auto &a : wallet.accounts()) {
        accounts.append(
            QJsonObject{{u"address"_s, a.address.toChecksumString()}, {u"keystore"_s, a.path}});
        out.line(u"%1  %2"_s.arg(a.address.toChecksumString(), QDir::toNativeSeparators(a.path)));
    }
    if (accounts.isEmpty())
        out.line(u"No accounts in %1: create one with `berthctl wallet new`"_s.arg(
            QDir::toNativeSeparators(wallet.path())));
    out.field(u"accounts"_s, accounts).print();
    return ExitOk;
}

int runBalance(CommandContext &context)
{
    ChainCommandLine c;
    if (!c.parse(context, u"wallet balance"_s,
                 u"Prints the native (gas) balance and the payment token balance of ADDRESS, or "
                 u"of the wallet's account."_s,
                 false, u"ADDRESS"_s))
        return c.exitCode;
    const QCommandLineParser &parser = c.parser;
    ChainSession &s = *c.session;
    auto address = parser.positionalArguments().isEmpty()
                       ? s.account()
                       : crypto::Address::fromHex(parser.positionalArguments().first());
    if (!address)
        return context.fail(address.error());
    auto native = waitFor<UInt256>(
        [&](QObject *ctx, auto done) { s.eth()->getBalance(*address, u"latest"_s, ctx, done); });
    if (!native)
        return context.fail(native.error());
    auto token = s.contract(u"TestToken"_s);
    if (!token)
        return context.fail(token.error());
    auto tokenBalance = s.read(*token, u"balanceOf"_s, {AbiValue::fromAddress(*address)});
    if (!tokenBalance)
        return context.fail(tokenBalance.error());
    const UInt256 units = *tokenBalance->constFirst().toUInt();
    const ChainProfile &profile = s.profile();
    const QString tokenText = formatTokenAmount(units, profile.tokenDecimals);
    const QString nativeText = formatTokenAmount(*native, 18);
    CommandOutput(context, s.json())
        .field(u"address"_s, address->toChecksumString())
        .field(u"native"_s, QJsonObject{{u"amount"_s, nativeText},
                                        {u"baseUnits"_s, toDecimalString(*native)},
                                        {u"decimals"_s, 18}})
        .field(u"token"_s, QJsonObject{{u"address"_s, profile.token.toChecksumString()},
                                       {u"symbol"_s, profile.tokenSymbol},
                                       {u"amount"_s, tokenText},
                                       {u"baseUnits"_s, toDecimalString(units)},
                                       {u"decimals"_s, profile.tokenDecimals}})
        .line(address->toChecksumString())
        .line(u"  %1 %2"_s.arg(tokenText, profile.tokenSymbol))
        .line(u"  %1 ETH (for gas)"_s.arg(nativeText))
        .print();
    return ExitOk;
}

} // namespace

int runWalletCommand(CommandContext &context)
{
    return dispatchSubcommand(
        context, u"wallet"_s,
        {{u"new"_s, u"create an account in an encrypted keystore"_s, runNew},
         {u"import"_s, u"import a keystore file or a raw key file"_s, runImport},
         {u"export"_s, u"write an account's keystore file"_s, runExport},
         {u"address"_s, u"print the account's address"_s, runAddress},
         {u"balance"_s, u"print gas and token balances"_s, runBalance},
         {u"list"_s, u"list the wallet's accounts"_s, runList}});
}

} // namespace berth::cli
