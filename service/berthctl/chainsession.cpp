#include "chainsession.h"

#include "chain/erc20contract.h"
#include "cliwait.h"
#include "core/tokenamount.h"
#include "crypto/keystore.h"
#include "crypto/walletdirectory.h"

#include <QFile>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

namespace berth::cli {

using namespace berth::chain;

void ChainSession::addOptions(QCommandLineParser &parser, bool signing)
{
    parser.addOption({u"chain"_s,
                      u"Chain profile to use (default: %1)."_s.arg(ChainProfile::defaultPath()),
                      u"file"_s});
    parser.addOption({u"rpc"_s, u"RPC URL to use instead of the profile's."_s, u"url"_s});
    parser.addOption(
        {u"account"_s, u"Wallet account to act for (default: the only one)."_s, u"address"_s});
    parser.addOption({u"keystore-dir"_s,
                      u"Wallet folder (default: %1)."_s.arg(crypto::WalletDirectory::defaultPath()),
                      u"dir"_s});
    parser.addOption({u"json"_s, u"Print the result as JSON."_s});
    if (signing) {
        parser.addOption(
            {u"password-file"_s, u"File holding the keystore password (mode 600)."_s, u"file"_s});
        parser.addOption({u"confirmations"_s,
                          u"Blocks to wait for after a transaction is mined (default 1)."_s, u"n"_s,
                          u"1"_s});
    }
}

Result<ChainSession::Options> ChainSession::readOptions(const QCommandLineParser &parser,
                                                        bool signing)
{
    Options o;
    o.chainFile = parser.value(u"chain"_s);
    o.rpcUrl = parser.value(u"rpc"_s);
    o.account = parser.value(u"account"_s);
    o.keystoreDir = parser.value(u"keystore-dir"_s);
    o.json = parser.isSet(u"json"_s);
    if (!signing)
        return o; // the signing options were not added to this parser
    o.password.passwordFile = parser.value(u"password-file"_s);
    bool ok = true;
    o.confirmations = parser.value(u"confirmations"_s).toInt(&ok);
    if (!ok || o.confirmations < 1 || o.confirmations > 64)
        return Error{ErrorCode::InvalidArgument, u"--confirmations takes a number from 1 to 64"_s};
    return o;
}

Result<std::unique_ptr<ChainSession>> ChainSession::open(const Options &options, CommandContext &io)
{
    auto profile = ChainProfile::load(options.chainFile.isEmpty() ? ChainProfile::defaultPath()
                                                                  : options.chainFile);
    if (!profile)
        return profile.error();
    return std::make_unique<ChainSession>(std::move(profile).value(), options, io);
}

ChainSession::ChainSession(ChainProfile profile, Options options, CommandContext &io)
    : m_profile(std::move(profile))
    , m_options(std::move(options))
    , m_io(io)
{
    if (!m_options.rpcUrl.isEmpty())
        m_profile.rpcUrl = QUrl(m_options.rpcUrl);
    m_eth = std::make_unique<EthClient>(m_profile.rpcUrl);
}

ChainSession::~ChainSession() = default;

Result<ContractClient> ChainSession::contract(const QString &name) const
{
    const crypto::Address address = name == u"Registry"    ? m_profile.registry
                                    : name == u"Escrow"    ? m_profile.escrow
                                    : name == u"Staking"   ? m_profile.staking
                                    : name == u"Market"    ? m_profile.market
                                    : name == u"TestToken" ? m_profile.token
                                                           : crypto::Address();
    return ContractClient::fromArtifact(name, address, m_eth.get());
}

Result<crypto::Address> ChainSession::account() const
{
    if (m_transactions)
        return m_transactions->address();
    if (!m_options.account.isEmpty())
        return crypto::Address::fromHex(m_options.account);
    const crypto::WalletDirectory wallet(m_options.keystoreDir.isEmpty()
                                             ? crypto::WalletDirectory::defaultPath()
                                             : m_options.keystoreDir);
    auto single = wallet.single();
    if (!single)
        return single.error();
    return single->address;
}

Result<crypto::PrivateKey> unlockWalletKey(const QString &keystoreDir, const QString &account,
                                           PasswordOptions password, const QString &purpose)
{
    const crypto::WalletDirectory wallet(
        keystoreDir.isEmpty() ? crypto::WalletDirectory::defaultPath() : keystoreDir);
    crypto::WalletDirectory::Account entry;
    if (!account.isEmpty()) {
        auto address = crypto::Address::fromHex(account);
        if (!address)
            return address.error();
        auto found = wallet.find(*address);
        if (!found)
            return found.error();
        entry = *found;
    } else {
        auto single = wallet.single();
        if (!single)
            return single.error();
        entry = *single;
    }
    QFile file(entry.path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{ErrorCode::IoFailed,
                     u"cannot read %1: %2"_s.arg(entry.path, file.errorString())};
    const QString checksum = entry.address.toChecksumString();
    password.keychainKey = keychainKeyFor(checksum);
    auto secret = obtainPassword(password, u"%1 (%2)"_s.arg(checksum, purpose));
    if (!secret)
        return secret.error();
    return crypto::Keystore::decrypt(file.read(crypto::Keystore::MaxFileSize), *secret);
}

Result<void> ChainSession::unlock(const QString &purpose)
{
    auto address = account();
    if (!address)
        return address.error();
    auto key = unlockWalletKey(m_options.keystoreDir, address->toChecksumString(),
                               m_options.password, purpose);
    if (!key)
        return key.error();
    useKey(*key);
    return {};
}

Result<QByteArray> ChainSession::signTypedData(const crypto::TypedData &typed) const
{
    if (!m_key)
        return Error{ErrorCode::Internal, u"no signing key: unlock the account first"_s};
    auto signature = typed.sign(*m_key);
    if (!signature)
        return signature.error();
    return signature->toRsv();
}

void ChainSession::useKey(const crypto::PrivateKey &key)
{
    m_key = key;
    auto genesis = waitFor<BlockHeader>([&](QObject *context, auto done) {
        m_eth->blockByNumber(EthClient::blockTag(0), context, done);
    });
    // Without an answer the chain is down: sending fails later with that error.
    m_nonces = std::make_unique<FileNonceStore>(
        nonceStorePath(m_profile.chainId, genesis ? genesis->hash : QByteArray()));
    TransactionManager::Options options;
    options.confirmations = m_options.confirmations;
    options.pollIntervalMs = 200;
    m_transactions = std::make_unique<TransactionManager>(m_eth.get(), key, m_profile.chainId,
                                                          m_nonces.get(), options);
}

QString ChainSession::nonceStorePath(quint64 chainId, const QByteArray &genesisHash)
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
           u"/berth/nonces/%1-%2.json"_s.arg(QString::number(chainId),
                                             QString::fromLatin1(genesisHash.left(8).toHex()));
}

Result<ContractClient::Values> ChainSession::read(const ContractClient &contract,
                                                  const QString &function,
                                                  const ContractClient::Values &args)
{
    std::optional<crypto::Address> from;
    if (auto a = account())
        from = *a;
    return waitFor<ContractClient::Values>(
        [&](QObject *context, auto done) { contract.call(function, args, context, done, from); });
}

Result<TransactionReceipt> ChainSession::send(const ContractClient &contract,
                                              const QString &function,
                                              const ContractClient::Values &args)
{
    auto request = contract.transaction(function, args);
    if (!request)
        return request.error();
    auto receipt = send(*request);
    if (!receipt)
        return contract.explain(receipt.error(), function);
    return receipt;
}

Result<TransactionReceipt> ChainSession::send(const TxRequest &request)
{
    if (!m_transactions)
        return Error{ErrorCode::Internal, u"no signing key: unlock the account first"_s};
    const bool quiet = m_options.json;
    QTextStream &err = m_io.err;
    return waitFor<TransactionReceipt>([&](QObject *context, auto done) {
        TxCallbacks callbacks;
        callbacks.onSent = [&err, quiet, label = request.label](const QByteArray &hash) {
            if (!quiet)
                err << label << ": sent 0x" << hash.toHex() << ", waiting for it to be mined\n"
                    << Qt::flush;
        };
        callbacks.onDone = done;
        m_transactions->send(request, context, callbacks);
    });
}

Result<quint64> ChainSession::chainTime()
{
    auto block = waitFor<BlockHeader>(
        [&](QObject *context, auto done) { m_eth->latestBlock(context, done); });
    if (!block)
        return block.error();
    return block->timestamp;
}

QString ChainSession::tokens(const UInt256 &baseUnits) const
{
    return formatTokenAmount(baseUnits, m_profile.tokenDecimals) + u' ' + m_profile.tokenSymbol;
}

QJsonObject ChainSession::tokensJson(const UInt256 &baseUnits) const
{
    return {{u"amount"_s, formatTokenAmount(baseUnits, m_profile.tokenDecimals)},
            {u"baseUnits"_s, toDecimalString(baseUnits)},
            {u"symbol"_s, m_profile.tokenSymbol}};
}

Result<UInt256> ChainSession::parseTokens(const QString &text, const QString &option) const
{
    QString amount = text.trimmed();
    if (!m_profile.tokenSymbol.isEmpty() && amount.endsWith(m_profile.tokenSymbol))
        amount = amount.chopped(m_profile.tokenSymbol.size()).trimmed();
    auto parsed = parseTokenAmount(amount, m_profile.tokenDecimals);
    if (!parsed)
        return Error{ErrorCode::InvalidArgument, u"%1: %2"_s.arg(option, parsed.error().message)};
    return parsed;
}

Result<void> ChainSession::ensureAllowance(const crypto::Address &spender, const UInt256 &amount,
                                           const QString &purpose)
{
    auto owner = account();
    if (!owner)
        return owner.error();
    auto token = contract(u"TestToken"_s);
    if (!token)
        return token.error();
    auto balance = read(*token, u"balanceOf"_s, {AbiValue::fromAddress(*owner)});
    if (!balance)
        return balance.error();
    const UInt256 have = balance->constFirst().toUInt().value();
    if (have < amount)
        return Error{ErrorCode::InsufficientFunds,
                     u"%1 needs %2 but %3 holds %4: add %5 to the account first"_s.arg(
                         purpose, tokens(amount), owner->toChecksumString(), tokens(have),
                         tokens(amount - have))};
    auto allowance = read(*token, u"allowance"_s,
                          {AbiValue::fromAddress(*owner), AbiValue::fromAddress(spender)});
    if (!allowance)
        return allowance.error();
    if (allowance->constFirst().toUInt().value() >= amount)
        return {};
    auto request = Erc20Contract(*token).approve(spender, amount);
    if (!request)
        return request.error();
    auto approved = send(*request);
    if (!approved)
        return Error{approved.error().code,
                     u"approving %1 for %2 failed: %3"_s.arg(tokens(amount), purpose,
                                                             approved.error().message),
                     approved.error().data};
    return {};
}

} // namespace berth::cli
