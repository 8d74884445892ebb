#pragma once

// A local Anvil with Berth's contracts for the market index test and bench:
// zero base fee (so fresh keys need no ether), a large block gas limit, and
// transactions signed here with explicit nonces and gas, so thousands of
// providers can be registered quickly (tst_marketindex, bench_market).

#include "chain/anvilnode.h"
#include "chain/chainprofile.h"
#include "chain/contractartifact.h"
#include "chain/contractclient.h"
#include "chain/ethclient.h"
#include "chain/jsonrpcclient.h"
#include "chain/registrycontract.h"
#include "chain/transaction.h"
#include "crypto/privatekey.h"

#include <QHash>
#include <QJsonArray>
#include <QObject>
#include <QTest>

#include <map>
#include <memory>
#include <optional>
#include <tuple>

namespace berth::test {

using namespace Qt::StringLiterals;

// Runs an asynchronous call and waits for its callback (tests and benches only).
template<typename T, typename Start> Result<T> waitResult(Start start, int timeoutMs = 120000)
{
    std::optional<Result<T>> outcome;
    QObject context;
    start(&context, [&outcome](Result<T> r) { outcome.emplace(std::move(r)); });
    if (!QTest::qWaitFor([&] { return outcome.has_value(); }, timeoutMs))
        return Error(ErrorCode::Timeout, u"gave up waiting"_s);
    return std::move(*outcome);
}

class MarketChain
{
public:
    // Anvil's first development key: deploys the contracts.
    static inline const QString deployerKey =
        u"0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"_s;

    // Starts Anvil and deploys TestToken, Registry, Escrow, Staking and Market.
    // Empty on success, else what went wrong.
    QString start()
    {
        chain::AnvilNode::Options options;
        options.binary = QStringLiteral(BERTH_ANVIL_PATH);
        auto node = chain::AnvilNode::start(options);
        if (!node)
            return node.error().message;
        m_node.emplace(std::move(node).value());
        chain::JsonRpcClient::Options rpcOptions;
        rpcOptions.maxResponseBytes = 512 * 1024 * 1024;
        rpcOptions.requestTimeoutMs = 120000;
        m_rpc = std::make_unique<chain::JsonRpcClient>(m_node->rpcUrl(), rpcOptions);
        m_eth = std::make_unique<chain::EthClient>(m_rpc.get());

        // Base fee 0 and room for thousands of transactions per block.
        if (auto r = rpc(u"evm_setBlockGasLimit"_s, {u"0xe8d4a51000"_s}); !r)
            return r.error().message;
        if (auto r = rpc(u"anvil_setNextBlockBaseFeePerGas"_s, {u"0x0"_s}); !r)
            return r.error().message;
        if (auto r = mine(); !r)
            return r.error().message;

        profile.name = u"market-test"_s;
        profile.rpcUrl = m_node->rpcUrl();
        profile.chainId = m_node->chainId();
        profile.tokenSymbol = u"tUSD"_s;
        profile.tokenDecimals = 6;
        const crypto::PrivateKey deployer = crypto::PrivateKey::fromHex(deployerKey).value();
        using chain::AbiValue;
        auto token = deploy(deployer, u"TestToken"_s,
                            {AbiValue::fromString(u"Test USD"_s), AbiValue::fromString(u"tUSD"_s)});
        auto registry = deploy(deployer, u"Registry"_s, {});
        auto escrow = deploy(deployer, u"Escrow"_s, {});
        if (!token || !registry || !escrow)
            return u"cannot deploy the token, Registry or Escrow"_s;
        auto staking = deploy(deployer, u"Staking"_s,
                              {AbiValue::fromAddress(*token), AbiValue::fromAddress(*escrow),
                               AbiValue::fromUInt(86400), AbiValue::fromUInt(3600),
                               AbiValue::fromUInt(10'000'000), AbiValue::fromUInt(3600),
                               AbiValue::fromUInt(50'000'000)});
        auto market = deploy(deployer, u"Market"_s,
                             {AbiValue::fromAddress(*registry), AbiValue::fromAddress(*escrow)});
        if (!staking || !market)
            return u"cannot deploy Staking or Market"_s;
        profile.token = *token;
        profile.registry = *registry;
        profile.escrow = *escrow;
        profile.staking = *staking;
        profile.market = *market;
        const std::map<QString, crypto::Address> deployed = {{u"Registry"_s, *registry},
                                                             {u"Staking"_s, *staking},
                                                             {u"TestToken"_s, *token},
                                                             {u"Escrow"_s, *escrow},
                                                             {u"Market"_s, *market}};
        for (const auto &[name, at] : deployed) {
            auto client = chain::ContractClient::fromArtifact(name, at, m_eth.get());
            if (!client)
                return client.error().message;
            m_clients.emplace(name, std::move(client).value());
        }
        // Wire Escrow, Staking and Market together, as `berthctl chain devnet` does.
        for (const auto &[contractName, function, target] :
             {std::tuple{u"Escrow"_s, u"setStaking"_s, *staking},
              std::tuple{u"Escrow"_s, u"setMarket"_s, *market},
              std::tuple{u"Market"_s, u"setStaking"_s, *staking}}) {
            if (auto r = send(call(deployer, contractName, function,
                                   {AbiValue::fromAddress(target)}, 200'000));
                !r)
                return u"%1.%2: %3"_s.arg(contractName, function, r.error().message);
        }
        return {};
    }

    chain::EthClient &eth() { return *m_eth; }
    chain::AnvilNode &node() { return *m_node; }
    const chain::ContractClient &contract(const QString &name) const { return m_clients.at(name); }

    Result<QJsonValue> rpc(const QString &method, const QJsonArray &params)
    {
        return waitResult<QJsonValue>(
            [&](QObject *c, auto done) { m_rpc->call(method, params, c, done); });
    }
    Result<void> mine()
    {
        return waitResult<void>([&](QObject *c, auto done) { m_eth->mine(c, done); });
    }
    Result<void> setAutomine(bool on)
    {
        return waitResult<void>([&](QObject *c, auto done) { m_eth->setAutomine(on, c, done); });
    }
    Result<chain::BlockHeader> latest()
    {
        return waitResult<chain::BlockHeader>(
            [&](QObject *c, auto done) { m_eth->latestBlock(c, done); });
    }

    // A signed zero-fee transaction from `key` with the key's next nonce.
    QByteArray sign(const crypto::PrivateKey &key, const std::optional<crypto::Address> &to,
                    const QByteArray &data, quint64 gas)
    {
        chain::Eip1559Transaction tx;
        tx.chainId = profile.chainId;
        tx.nonce = m_nonces[key.address().toLowerHex()]++;
        tx.maxFeePerGas = 0;
        tx.maxPriorityFeePerGas = 0;
        tx.gasLimit = gas;
        tx.to = to;
        tx.data = data;
        return tx.sign(key);
    }

    QByteArray call(const crypto::PrivateKey &key, const QString &contractName,
                    const QString &function, const chain::ContractClient::Values &args,
                    quint64 gas = 3'000'000)
    {
        const chain::ContractClient &client = contract(contractName);
        auto request = client.transaction(function, args);
        return sign(key, client.address(), request ? request->data : QByteArray(), gas);
    }

    // Sends one raw transaction and waits for its receipt (automine).
    Result<chain::TransactionReceipt> send(const QByteArray &raw)
    {
        auto hash = waitResult<QByteArray>(
            [&](QObject *c, auto done) { m_eth->sendRawTransaction(raw, c, done); });
        if (!hash)
            return hash.error();
        for (int attempt = 0; attempt < 100; ++attempt) {
            auto receipt = waitResult<std::optional<chain::TransactionReceipt>>(
                [&](QObject *c, auto done) { m_eth->getTransactionReceipt(*hash, c, done); });
            if (!receipt)
                return receipt.error();
            if (*receipt) {
                if (!(*receipt)->succeeded())
                    return Error(ErrorCode::Reverted, u"a test transaction reverted"_s);
                return **receipt;
            }
            QTest::qWait(20);
        }
        return Error(ErrorCode::Timeout, u"no receipt"_s);
    }

    // Sends raw transactions without waiting for them to be mined, `parallel`
    // at a time; the first error, if any.
    Result<void> sendAll(const QList<QByteArray> &raws, int parallel = 6)
    {
        qsizetype next = 0;
        int inFlight = 0;
        std::optional<Error> failure;
        QObject context;
        std::function<void()> pump = [&]() {
            while (inFlight < parallel && next < raws.size() && !failure) {
                ++inFlight;
                m_eth->sendRawTransaction(raws[next++], &context, [&](Result<QByteArray> hash) {
                    --inFlight;
                    if (!hash && !failure)
                        failure = hash.error();
                    pump();
                });
            }
        };
        pump();
        if (!QTest::qWaitFor([&] { return inFlight == 0 && (next == raws.size() || failure); },
                             600000))
            return Error(ErrorCode::Timeout, u"gave up sending"_s);
        if (failure)
            return *failure;
        return {};
    }

    // A listing's profile with the given regions and attributes.
    static chain::ProviderProfile listing(const QString &endpoint, const QStringList &regions,
                                          const QList<std::pair<QString, QString>> &attributes)
    {
        chain::ProviderProfile p;
        p.endpoint = endpoint;
        p.regions = regions;
        p.attributes = attributes;
        p.capacity = {64000, quint64(256) << 30, quint64(2) << 40, 0};
        p.encryptionKeyHash = QByteArray(32, '\x11');
        return p;
    }

private:
    Result<crypto::Address> deploy(const crypto::PrivateKey &key, const QString &name,
                                   const chain::ContractClient::Values &args)
    {
        auto artifact = chain::ContractArtifact::load(name);
        if (!artifact)
            return artifact.error();
        auto encoded = artifact->abi.encodeConstructor(args);
        if (!encoded)
            return encoded.error();
        auto receipt = send(sign(key, std::nullopt, artifact->bytecode + *encoded, 8'000'000));
        if (!receipt)
            return receipt.error();
        if (!receipt->contractAddress)
            return Error(ErrorCode::BadResponse, u"no contract address"_s);
        return *receipt->contractAddress;
    }

public:
    chain::ChainProfile profile;

private:
    std::optional<chain::AnvilNode> m_node;
    std::unique_ptr<chain::JsonRpcClient> m_rpc;
    std::unique_ptr<chain::EthClient> m_eth;
    std::map<QString, chain::ContractClient> m_clients;
    QHash<QString, quint64> m_nonces;
};

} // namespace berth::test
