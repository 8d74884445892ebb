#pragma once

#include "chain/chainprofile.h"
#include "chain/contractclient.h"
#include "chain/ethclient.h"
#include "chain/filenoncestore.h"
#include "chain/transactionmanager.h"
#include "commandcontext.h"
#include "crypto/typeddata.h"
#include "passwordprompt.h"

#include <QCommandLineParser>

#include <memory>

namespace berth::cli {

// A wallet account's private key, decrypted with its password (--password-file,
// BERTH_PASSWORD_FILE, the systemd credential, the keychain or the terminal;
// `purpose` is shown in the prompt): `account` (hex), or the only account in
// the keystore directory (default when empty).
Result<crypto::PrivateKey> unlockWalletKey(const QString &keystoreDir, const QString &account,
                                           PasswordOptions password, const QString &purpose);

// What every money command shares: the chain profile, an Eth client on its RPC
// URL, the selected wallet account and, once unlocked, a transaction manager
// that signs with it. Text progress goes to stderr; --json keeps stdout clean.
class ChainSession
{
public:
    struct Options
    {
        QString chainFile;   // --chain
        QString rpcUrl;      // --rpc (overrides the profile's)
        QString account;     // --account
        QString keystoreDir; // --keystore-dir
        PasswordOptions password;
        int confirmations = 1;
        bool json = false;
    };

    static void addOptions(QCommandLineParser &parser, bool signing);
    static Result<Options> readOptions(const QCommandLineParser &parser, bool signing);

    // Loads the profile (it must exist) and connects lazily.
    static Result<std::unique_ptr<ChainSession>> open(const Options &options, CommandContext &io);
    // A session on an explicit profile (chain devnet, before the file exists).
    ChainSession(chain::ChainProfile profile, Options options, CommandContext &io);
    ~ChainSession();

    const chain::ChainProfile &profile() const { return m_profile; }
    chain::EthClient *eth() const { return m_eth.get(); }
    bool json() const { return m_options.json; }
    CommandContext &io() const { return m_io; }

    Result<chain::ContractClient> contract(const QString &name) const;
    // The account commands act for: --account, or the wallet's only account.
    Result<crypto::Address> account() const;
    // Decrypts the account's keystore (asking for its password) and prepares signing.
    Result<void> unlock(const QString &purpose);
    // Signs with an explicit key instead (the devnet's well-known deployer).
    void useKey(const crypto::PrivateKey &key);
    // The unlocked key (null before unlock): session logins and local records.
    const crypto::PrivateKey *key() const { return m_key ? &*m_key : nullptr; }
    // An EIP-712 signature (r || s || v) by the unlocked key.
    Result<QByteArray> signTypedData(const crypto::TypedData &typed) const;

    // Blocking helpers for the command layer.
    Result<chain::ContractClient::Values> read(const chain::ContractClient &contract,
                                               const QString &function,
                                               const chain::ContractClient::Values &args);
    Result<chain::TransactionReceipt> send(const chain::ContractClient &contract,
                                           const QString &function,
                                           const chain::ContractClient::Values &args);
    Result<chain::TransactionReceipt> send(const chain::TxRequest &request);

    // The latest block's timestamp: the clock contracts judge expiry and
    // notice periods by (a devnet's clock may run ahead of this computer's).
    Result<quint64> chainTime();

    // Token amounts for people and for --json: "12.5 tUSD" and
    // {"amount": "12.5", "baseUnits": "12500000", "symbol": "tUSD"}.
    QString tokens(const UInt256 &baseUnits) const;
    QJsonObject tokensJson(const UInt256 &baseUnits) const;
    // Reads an amount given in tokens ("12.5") with the chain token's decimals.
    Result<UInt256> parseTokens(const QString &text, const QString &option) const;

    // Makes sure the account holds `amount` tokens and has approved `spender`
    // for at least that much, sending an approval when needed. The error says
    // how much is missing.
    Result<void> ensureAllowance(const crypto::Address &spender, const UInt256 &amount,
                                 const QString &purpose);

    // Where nonces of one chain are remembered between runs: keyed by chain id
    // and genesis block, so a restarted devnet (same chain id, new genesis)
    // never inherits the nonces of the last one.
    static QString nonceStorePath(quint64 chainId, const QByteArray &genesisHash);

private:
    chain::ChainProfile m_profile;
    Options m_options;
    CommandContext &m_io;
    std::unique_ptr<chain::EthClient> m_eth;
    std::unique_ptr<chain::FileNonceStore> m_nonces;
    std::optional<crypto::PrivateKey> m_key;
    std::unique_ptr<chain::TransactionManager> m_transactions;
};

} // namespace berth::cli
