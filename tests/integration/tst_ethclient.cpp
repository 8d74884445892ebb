// EthClient, TransactionManager and AnvilNode against a real Anvil on a free
// loopback port.
#include "chain/anvilnode.h"
#include "chain/ethclient.h"
#include "chain/filenoncestore.h"
#include "chain/jsonrpcclient.h"
#include "chain/transaction.h"
#include "chain/transactionmanager.h"
#include "crypto/keccak.h"
#include "crypto/privatekey.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;
using berth::Error;
using berth::ErrorCode;
using berth::Result;
using berth::UInt256;
using namespace berth::chain;
namespace crypto = berth::crypto;

namespace {

const QString kKey0 = u"0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"_s;
const QString kKey1 = u"0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"_s;
const UInt256 kEther = UInt256(1'000'000'000'000'000'000ULL);

crypto::PrivateKey key(const QString &hex)
{
    return crypto::PrivateKey::fromHex(hex).value();
}

// Runs an asynchronous call and waits for its callback.
template<typename T, typename Start> Result<T> wait(Start start, int timeoutMs = 30000)
{
    std::optional<Result<T>> outcome;
    QObject context;
    start(&context, [&outcome](Result<T> r) { outcome.emplace(std::move(r)); });
    if (!QTest::qWaitFor([&] { return outcome.has_value(); }, timeoutMs))
        return Error(ErrorCode::Timeout, u"the test gave up waiting"_s);
    return std::move(*outcome);
}

template<typename T> QString why(const Result<T> &result)
{
    return result.ok() ? QString() : result.error().message;
}

QByteArray selector(const char *signature)
{
    return crypto::keccak256(QByteArray(signature)).left(4);
}

QByteArray addressWord(const crypto::Address &address)
{
    return QByteArray(12, '\0') + address.bytes();
}

QByteArray readArtifact(const char *name)
{
    QFile file(QStringLiteral(BERTH_CONTRACTS_DIR "/artifacts/") + QLatin1StringView(name));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

std::shared_ptr<const ContractAbi> testTokenAbi()
{
    Result<ContractAbi> abi = ContractAbi::fromJsonDocument(readArtifact("TestToken.json"));
    if (!abi)
        return {};
    return std::make_shared<const ContractAbi>(std::move(abi).value());
}

// TestToken's init code with constructor("Test USD", "tUSD").
QByteArray testTokenInitCode()
{
    const auto abi = testTokenAbi();
    const QString hex =
        QJsonDocument::fromJson(readArtifact("TestToken.json")).object()[u"bytecode"_s].toString();
    if (!abi || !hex.startsWith(u"0x"))
        return {};
    const Result<QByteArray> args = abi->encodeConstructor(
        {AbiValue::fromString(u"Test USD"_s), AbiValue::fromString(u"tUSD"_s)});
    if (!args)
        return {};
    return QByteArray::fromHex(hex.mid(2).toLatin1()) + *args;
}

struct SentLog
{
    QList<QByteArray> hashes;
    std::optional<Result<TransactionReceipt>> done;
};

// Sends through `manager` and records what comes back.
std::shared_ptr<SentLog> sendTx(TransactionManager &manager, const TxRequest &request,
                                QObject *context)
{
    auto log = std::make_shared<SentLog>();
    manager.send(request, context,
                 {[log](const QByteArray &hash) { log->hashes.append(hash); },
                  [log](Result<TransactionReceipt> r) { log->done.emplace(std::move(r)); }});
    return log;
}

TransactionManager::Options fastOptions()
{
    TransactionManager::Options options;
    options.pollIntervalMs = 50;
    return options;
}

} // namespace

class TestEthClient : public QObject
{
    Q_OBJECT

private:
    std::optional<AnvilNode> m_node;
    EthClient *m_eth = nullptr;
    QTemporaryDir m_dir;
    crypto::Address m_token;

    Result<TransactionReceipt> sendAndWait(TransactionManager &manager, const TxRequest &request)
    {
        QObject context;
        const auto log = sendTx(manager, request, &context);
        if (!QTest::qWaitFor([&] { return log->done.has_value(); }, 30000))
            return Error(ErrorCode::Timeout, u"the test gave up waiting"_s);
        return *log->done;
    }

    QString storePath(const char *name) const { return m_dir.filePath(QString::fromLatin1(name)); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        AnvilNode::Options options;
        options.binary = QStringLiteral(BERTH_ANVIL_PATH);
        options.accounts = 3;
        Result<AnvilNode> node = AnvilNode::start(options);
        QVERIFY2(node.ok(), qPrintable(why(node)));
        m_node.emplace(std::move(node).value());
        QVERIFY(m_node->port() > 0);
        QVERIFY(m_node->isRunning());
        m_eth = new EthClient(m_node->rpcUrl(), this);
    }

    void cleanup()
    {
        // Tests that stop automining leave transactions in the pool: mine them.
        const Result<void> automine =
            wait<void>([&](QObject *c, auto done) { m_eth->setAutomine(true, c, done); });
        QVERIFY2(automine.ok(), qPrintable(why(automine)));
        const Result<void> mined = wait<void>([&](QObject *c, auto done) { m_eth->mine(c, done); });
        QVERIFY2(mined.ok(), qPrintable(why(mined)));
    }

    void cleanupTestCase()
    {
        delete m_eth;
        m_eth = nullptr;
        m_node.reset();
    }

    void chainIdBalancesAndBlock()
    {
        const Result<quint64> chainId =
            wait<quint64>([&](QObject *c, auto done) { m_eth->chainId(c, done); });
        QVERIFY2(chainId.ok(), qPrintable(why(chainId)));
        QCOMPARE(*chainId, quint64(31337));

        for (const QString &hex : {kKey0, kKey1}) {
            const Result<UInt256> balance = wait<UInt256>([&](QObject *c, auto done) {
                m_eth->getBalance(key(hex).address(), u"latest"_s, c, done);
            });
            QVERIFY2(balance.ok(), qPrintable(why(balance)));
            QCOMPARE(*balance, kEther * 10000); // Anvil's dev accounts hold 10000 ETH
        }

        const Result<BlockHeader> block =
            wait<BlockHeader>([&](QObject *c, auto done) { m_eth->latestBlock(c, done); });
        QVERIFY2(block.ok(), qPrintable(why(block)));
        QVERIFY(block->baseFeePerGas.has_value());
        QVERIFY(block->timestamp > 1'600'000'000u);
        QCOMPARE(block->hash.size(), 32);

        const Result<BlockHeader> future = wait<BlockHeader>([&](QObject *c, auto done) {
            m_eth->blockByNumber(EthClient::blockTag(1'000'000), c, done);
        });
        QVERIFY(!future.ok());
        QCOMPARE(future.error().code, ErrorCode::NotFound);
    }

    void plainTransferThroughManager()
    {
        const crypto::Address recipient = crypto::PrivateKey::generate().address();
        FileNonceStore nonces(storePath("transfer.json"));
        TransactionManager manager(m_eth, key(kKey0), 31337, &nonces, fastOptions());
        QObject context;
        const auto log = sendTx(manager, {recipient, kEther, {}, {}, u"pay"_s, {}}, &context);
        QTRY_VERIFY_WITH_TIMEOUT(log->done.has_value(), 30000);
        QVERIFY2(log->done->ok(), qPrintable(why(*log->done)));
        const TransactionReceipt &receipt = log->done->value();
        QCOMPARE(log->hashes.size(), 1);
        QCOMPARE(receipt.transactionHash, log->hashes.first());
        QVERIFY(receipt.succeeded());
        QCOMPARE(receipt.gasUsed, quint64(21000));
        QCOMPARE(receipt.from, key(kKey0).address());
        QCOMPARE(receipt.to, std::optional<crypto::Address>(recipient));
        QVERIFY(receipt.effectiveGasPrice > 0);

        const Result<UInt256> balance = wait<UInt256>(
            [&](QObject *c, auto done) { m_eth->getBalance(recipient, u"latest"_s, c, done); });
        QCOMPARE(balance.value(), kEther);

        const Result<quint64> count = wait<quint64>([&](QObject *c, auto done) {
            m_eth->getTransactionCount(key(kKey0).address(), u"latest"_s, c, done);
        });
        QCOMPARE(nonces.nextNonce(31337, key(kKey0).address()), std::optional(count.value()));
    }

    void sendRawTransactionAndReceipt()
    {
        // The manager signs; here EthClient sends the raw bytes itself.
        const Result<quint64> nonce = wait<quint64>([&](QObject *c, auto done) {
            m_eth->getTransactionCount(key(kKey1).address(), u"pending"_s, c, done);
        });
        QVERIFY2(nonce.ok(), qPrintable(why(nonce)));
        berth::chain::Eip1559Transaction tx;
        tx.chainId = 31337;
        tx.nonce = *nonce;
        tx.maxPriorityFeePerGas = 1'000'000'000;
        tx.maxFeePerGas = UInt256(100'000'000'000ULL);
        tx.gasLimit = 21000;
        tx.to = key(kKey0).address();
        tx.value = 12345;
        const QByteArray raw = tx.sign(key(kKey1));
        const Result<QByteArray> hash = wait<QByteArray>(
            [&](QObject *c, auto done) { m_eth->sendRawTransaction(raw, c, done); });
        QVERIFY2(hash.ok(), qPrintable(why(hash)));
        QCOMPARE(*hash, Eip1559Transaction::hashOfRaw(raw));
        const Result<std::optional<TransactionReceipt>> receipt =
            wait<std::optional<TransactionReceipt>>(
                [&](QObject *c, auto done) { m_eth->getTransactionReceipt(*hash, c, done); });
        QVERIFY2(receipt.ok(), qPrintable(why(receipt)));
        QVERIFY(receipt->has_value());
        QVERIFY((*receipt)->succeeded());

        // Sending the same bytes again is refused as a conflict (already known / nonce too low).
        const Result<QByteArray> again = wait<QByteArray>(
            [&](QObject *c, auto done) { m_eth->sendRawTransaction(raw, c, done); });
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code, ErrorCode::Conflict);

        const Result<std::optional<TransactionReceipt>> unknown =
            wait<std::optional<TransactionReceipt>>([&](QObject *c, auto done) {
                m_eth->getTransactionReceipt(QByteArray(32, '\x11'), c, done);
            });
        QVERIFY2(unknown.ok(), qPrintable(why(unknown)));
        QVERIFY(!unknown->has_value());
    }

    void waitsForConfirmations()
    {
        TransactionManager::Options options = fastOptions();
        options.confirmations = 3;
        TransactionManager manager(m_eth, key(kKey0), 31337, nullptr, options);
        QObject context;
        const auto log = sendTx(manager, {key(kKey1).address(), 1, {}, {}, u"pay"_s, {}}, &context);
        QTRY_COMPARE_WITH_TIMEOUT(log->hashes.size(), 1, 30000);
        QTest::qWait(400); // mined (automine) but only 1 confirmation
        QVERIFY(!log->done.has_value());
        QVERIFY(wait<void>([&](QObject *c, auto done) { m_eth->mine(c, done); }).ok());
        QTest::qWait(400); // 2 confirmations
        QVERIFY(!log->done.has_value());
        QVERIFY(wait<void>([&](QObject *c, auto done) { m_eth->mine(c, done); }).ok());
        QTRY_VERIFY_WITH_TIMEOUT(log->done.has_value(), 30000);
        QVERIFY2(log->done->ok(), qPrintable(why(*log->done)));
        const Result<quint64> head =
            wait<quint64>([&](QObject *c, auto done) { m_eth->blockNumber(c, done); });
        QCOMPARE(head.value() - log->done->value().blockNumber + 1, quint64(3));
    }

    void deployTokenMintAndLogs()
    {
        const QByteArray initCode = testTokenInitCode();
        QVERIFY(initCode.size() > 1000);
        TransactionManager manager(m_eth, key(kKey0), 31337, nullptr, fastOptions());
        const Result<TransactionReceipt> deployed =
            sendAndWait(manager, {std::nullopt, 0, initCode, {}, u"deploy TestToken"_s, {}});
        QVERIFY2(deployed.ok(), qPrintable(why(deployed)));
        QVERIFY(deployed->contractAddress.has_value());
        m_token = *deployed->contractAddress;

        const QByteArray mint = selector("mint(address,uint256)") +
                                addressWord(key(kKey0).address()) + berth::toBigEndian32(5'000'000);
        const Result<TransactionReceipt> minted =
            sendAndWait(manager, {m_token, 0, mint, {}, u"mint"_s, {}});
        QVERIFY2(minted.ok(), qPrintable(why(minted)));
        QCOMPARE(minted->logs.size(), 1);

        const QByteArray transferTopic = crypto::keccak256("Transfer(address,address,uint256)");
        LogFilter filter;
        filter.addresses = {m_token};
        filter.topics = {{transferTopic}, {}, {addressWord(key(kKey0).address())}};
        const Result<QList<LogEntry>> logs =
            wait<QList<LogEntry>>([&](QObject *c, auto done) { m_eth->getLogs(filter, c, done); });
        QVERIFY2(logs.ok(), qPrintable(why(logs)));
        QCOMPARE(logs->size(), 1);
        const LogEntry &entry = logs->first();
        QCOMPARE(entry.address, m_token);
        QCOMPARE(entry.topics.size(), 3);
        QCOMPARE(entry.topics.at(1), QByteArray(32, '\0')); // minted: from the zero address
        QCOMPARE(entry.data, berth::toBigEndian32(5'000'000));
        QCOMPARE(entry.transactionHash, minted->transactionHash);
        QCOMPARE(entry.blockNumber, minted->blockNumber);

        // balanceOf through eth_call
        const CallRequest balanceOf{
            std::nullopt, m_token, 0,
            selector("balanceOf(address)") + addressWord(key(kKey0).address()), std::nullopt};
        const Result<QByteArray> balance = wait<QByteArray>(
            [&](QObject *c, auto done) { m_eth->call(balanceOf, u"latest"_s, c, done); });
        QCOMPARE(balance.value(), berth::toBigEndian32(5'000'000));
    }

    void revertDuringEstimationSendsNothing()
    {
        QVERIFY(!m_token.isZero());
        const QByteArray transfer = selector("transfer(address,uint256)") +
                                    addressWord(key(kKey0).address()) + berth::toBigEndian32(1);
        const QByteArray insufficient =
            selector("ERC20InsufficientBalance(address,uint256,uint256)");

        // eth_call returns the revert data
        const CallRequest call{key(kKey1).address(), m_token, 0, transfer, std::nullopt};
        const Result<QByteArray> simulated = wait<QByteArray>(
            [&](QObject *c, auto done) { m_eth->call(call, u"latest"_s, c, done); });
        QVERIFY(!simulated.ok());
        QCOMPARE(simulated.error().code, ErrorCode::Reverted);
        QCOMPARE(simulated.error().data.left(4), insufficient);

        const auto pendingCount = [&] {
            return wait<quint64>([&](QObject *c, auto done) {
                       m_eth->getTransactionCount(key(kKey1).address(), u"pending"_s, c, done);
                   })
                .value();
        };
        const quint64 before = pendingCount();
        FileNonceStore nonces(storePath("revert.json"));
        TransactionManager manager(m_eth, key(kKey1), 31337, &nonces, fastOptions());
        QObject context;
        const auto log = sendTx(
            manager, {m_token, 0, transfer, {}, u"transfer tokens"_s, testTokenAbi()}, &context);
        QTRY_VERIFY_WITH_TIMEOUT(log->done.has_value(), 30000);
        QVERIFY(!log->done->ok());
        const Error &error = log->done->error();
        QCOMPARE(error.code, ErrorCode::Reverted);
        QCOMPARE(error.data.left(4), insufficient);
        QCOMPARE(error.data.size(), 4 + 3 * 32);
        QVERIFY2(error.message.startsWith(u"transfer tokens would fail, so nothing was sent: "
                                          u"ERC20InsufficientBalance("_s),
                 qPrintable(error.message));
        QVERIFY(log->hashes.isEmpty());
        QCOMPARE(pendingCount(), before);
        QVERIFY(!nonces.nextNonce(31337, key(kKey1).address()).has_value());
    }

    void revertOnChainRecoversRevertData()
    {
        QVERIFY(!m_token.isZero());
        const QByteArray transfer = selector("transfer(address,uint256)") +
                                    addressWord(key(kKey0).address()) + berth::toBigEndian32(1);
        TransactionManager manager(m_eth, key(kKey1), 31337, nullptr, fastOptions());
        QObject context;
        // A fixed gas limit skips estimation, so the failing transaction is mined.
        const auto log =
            sendTx(manager, {m_token, 0, transfer, 100000, u"transfer tokens"_s, {}}, &context);
        QTRY_VERIFY_WITH_TIMEOUT(log->done.has_value(), 30000);
        QCOMPARE(log->hashes.size(), 1);
        QVERIFY(!log->done->ok());
        const Error &error = log->done->error();
        QCOMPARE(error.code, ErrorCode::Reverted);
        QCOMPARE(error.data.left(4), selector("ERC20InsufficientBalance(address,uint256,uint256)"));
        const QString hash = u"0x"_s + QString::fromLatin1(log->hashes.first().toHex());
        QVERIFY2(error.message.contains(u"failed on chain in transaction "_s + hash),
                 qPrintable(error.message));
    }

    void wrongChainIsRefused()
    {
        TransactionManager manager(m_eth, key(kKey0), 1, nullptr, fastOptions());
        const Result<TransactionReceipt> result =
            sendAndWait(manager, {key(kKey1).address(), 1, {}, {}, u"pay"_s, {}});
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, ErrorCode::WrongChain);
        QCOMPARE(result.error().message,
                 u"the RPC endpoint is chain 31337 but the profile says 1; use the right --rpc "
                 u"or `berthctl chain use`"_s);
    }

    void noncePersistsAcrossRestart()
    {
        const QString path = storePath("restart/nonces.json");
        const crypto::Address sender = key(kKey0).address();
        {
            FileNonceStore nonces(path);
            TransactionManager manager(m_eth, key(kKey0), 31337, &nonces, fastOptions());
            const Result<TransactionReceipt> first =
                sendAndWait(manager, {key(kKey1).address(), 1, {}, {}, u"pay"_s, {}});
            QVERIFY2(first.ok(), qPrintable(why(first)));
        }
        const quint64 count = wait<quint64>([&](QObject *c, auto done) {
                                  m_eth->getTransactionCount(sender, u"latest"_s, c, done);
                              }).value();
        const QFileDevice::Permissions permissions = QFile(path).permissions();
        QVERIFY(permissions.testFlag(QFileDevice::ReadOwner));
        QVERIFY(permissions.testFlag(QFileDevice::WriteOwner));
        const QFileDevice::Permissions others = QFileDevice::ReadGroup | QFileDevice::WriteGroup |
                                                QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                                QFileDevice::WriteOther | QFileDevice::ExeOther;
        QVERIFY(!(permissions & others)); // created 0600

        // A new process: a new store object on the same file, a new manager.
        FileNonceStore reopened(path);
        QCOMPARE(reopened.nextNonce(31337, sender), std::optional<quint64>(count));
        QVERIFY(!reopened.nextNonce(1, sender).has_value());
        TransactionManager manager(m_eth, key(kKey0), 31337, &reopened, fastOptions());
        const Result<TransactionReceipt> second =
            sendAndWait(manager, {key(kKey1).address(), 1, {}, {}, u"pay"_s, {}});
        QVERIFY2(second.ok(), qPrintable(why(second)));
        QCOMPARE(FileNonceStore(path).nextNonce(31337, sender), std::optional<quint64>(count + 1));
    }

    void queuedSendsGetConsecutiveNonces()
    {
        TransactionManager manager(m_eth, key(kKey0), 31337, nullptr, fastOptions());
        QObject context;
        QList<std::shared_ptr<SentLog>> logs;
        for (int i = 0; i < 3; ++i)
            logs.append(sendTx(manager, {key(kKey1).address(), 1, {}, {}, u"pay"_s, {}}, &context));
        QCOMPARE(manager.pending(), 3);
        for (const auto &log : logs) {
            QTRY_VERIFY_WITH_TIMEOUT(log->done.has_value(), 30000);
            QVERIFY2(log->done->ok(), qPrintable(why(*log->done)));
        }
        QCOMPARE(manager.pending(), 0);
        QVERIFY(logs.at(0)->done->value().blockNumber < logs.at(1)->done->value().blockNumber);
        QVERIFY(logs.at(1)->done->value().blockNumber < logs.at(2)->done->value().blockNumber);
    }

    void noCallbacksAfterContextOrManagerIsGone()
    {
        const auto pendingCount = [&] {
            return wait<quint64>([&](QObject *c, auto done) {
                       m_eth->getTransactionCount(key(kKey0).address(), u"pending"_s, c, done);
                   })
                .value();
        };
        const quint64 before = pendingCount();
        {
            // The caller is gone before anything was sent: nothing is sent.
            TransactionManager manager(m_eth, key(kKey0), 31337, nullptr, fastOptions());
            auto *context = new QObject;
            const auto log =
                sendTx(manager, {key(kKey1).address(), 1, {}, {}, u"pay"_s, {}}, context);
            delete context;
            QTRY_COMPARE(manager.pending(), 0);
            QVERIFY(log->hashes.isEmpty());
            QVERIFY(!log->done.has_value());
        }
        QCOMPARE(pendingCount(), before);

        // The manager is destroyed after sending: the transaction still goes through,
        // but no callback fires into the dead manager's caller.
        auto *manager = new TransactionManager(m_eth, key(kKey0), 31337, nullptr, fastOptions());
        QObject context;
        const auto log =
            sendTx(*manager, {key(kKey1).address(), 1, {}, {}, u"pay"_s, {}}, &context);
        QTRY_COMPARE_WITH_TIMEOUT(log->hashes.size(), 1, 30000);
        delete manager;
        QTest::qWait(300);
        QVERIFY(!log->done.has_value());
        QCOMPARE(pendingCount(), before + 1);
    }

    void stuckTransactionIsReplaced()
    {
        QVERIFY(
            wait<void>([&](QObject *c, auto done) { m_eth->setAutomine(false, c, done); }).ok());
        TransactionManager::Options options = fastOptions();
        options.stuckAfterMs = 300;
        TransactionManager manager(m_eth, key(kKey0), 31337, nullptr, options);
        QObject context;
        const auto log = sendTx(manager, {key(kKey1).address(), 7, {}, {}, u"pay"_s, {}}, &context);
        QTRY_VERIFY_WITH_TIMEOUT(log->hashes.size() >= 2, 30000);
        QVERIFY(!log->done.has_value());
        QVERIFY(wait<void>([&](QObject *c, auto done) { m_eth->mine(c, done); }).ok());
        QTRY_VERIFY_WITH_TIMEOUT(log->done.has_value(), 30000);
        QVERIFY2(log->done->ok(), qPrintable(why(*log->done)));
        // The pool kept only the newest version: that is the one mined.
        QVERIFY(log->hashes.contains(log->done->value().transactionHash));
        QCOMPARE(log->done->value().transactionHash, log->hashes.last());
        QVERIFY(log->hashes.first() != log->hashes.last());
    }

    void givesUpAfterMaxReplacements()
    {
        QVERIFY(
            wait<void>([&](QObject *c, auto done) { m_eth->setAutomine(false, c, done); }).ok());
        TransactionManager::Options options = fastOptions();
        options.stuckAfterMs = 200;
        options.maxReplacements = 1;
        TransactionManager manager(m_eth, key(kKey0), 31337, nullptr, options);
        QObject context;
        const auto log = sendTx(manager, {key(kKey1).address(), 9, {}, {}, u"pay"_s, {}}, &context);
        QTRY_VERIFY_WITH_TIMEOUT(log->done.has_value(), 30000);
        QVERIFY(!log->done->ok());
        const Error &error = log->done->error();
        QCOMPARE(error.code, ErrorCode::Timeout);
        QCOMPARE(log->hashes.size(), 2); // the first version and one replacement
        QCOMPARE(error.data, log->hashes.last());
        QVERIFY2(error.message.contains(u"it may still confirm"_s), qPrintable(error.message));
        QVERIFY(error.message.startsWith(u"pay was sent as 0x"_s));
    }

    void givesUpAtTheReceiptTimeout()
    {
        QVERIFY(
            wait<void>([&](QObject *c, auto done) { m_eth->setAutomine(false, c, done); }).ok());
        TransactionManager::Options options = fastOptions();
        options.receiptTimeoutMs = 400;
        TransactionManager manager(m_eth, key(kKey0), 31337, nullptr, options);
        QObject context;
        const auto log =
            sendTx(manager, {key(kKey1).address(), 11, {}, {}, u"top up"_s, {}}, &context);
        QTRY_VERIFY_WITH_TIMEOUT(log->done.has_value(), 30000);
        QVERIFY(!log->done->ok());
        QCOMPARE(log->done->error().code, ErrorCode::Timeout);
        QCOMPARE(log->hashes.size(), 1); // not stuck long enough to be replaced
        QCOMPARE(log->done->error().data, log->hashes.first());
        const QString expected = u"top up was sent as 0x"_s +
                                 QString::fromLatin1(log->hashes.first().toHex()) +
                                 u" but not mined within 0.4 s; it may still confirm"_s;
        QVERIFY2(log->done->error().message.startsWith(expected),
                 qPrintable(log->done->error().message));
    }

    void devnetHelpers()
    {
        const crypto::Address account = crypto::PrivateKey::generate().address();
        QVERIFY(wait<void>([&](QObject *c, auto done) {
                    m_eth->setBalance(account, kEther * 3, c, done);
                }).ok());
        QCOMPARE(wait<UInt256>([&](QObject *c, auto done) {
                     m_eth->getBalance(account, u"latest"_s, c, done);
                 }).value(),
                 kEther * 3);

        const quint64 before =
            wait<BlockHeader>([&](QObject *c, auto done) { m_eth->latestBlock(c, done); })
                .value()
                .timestamp;
        QVERIFY(
            wait<void>([&](QObject *c, auto done) { m_eth->increaseTime(3600, c, done); }).ok());
        const quint64 after =
            wait<BlockHeader>([&](QObject *c, auto done) { m_eth->latestBlock(c, done); })
                .value()
                .timestamp;
        QVERIFY(after >= before + 3600);
    }

    void detachedNodeAndStopPid()
    {
        AnvilNode::Options options;
        options.binary = QStringLiteral(BERTH_ANVIL_PATH);
        options.accounts = 1;
        options.chainId = 4242;
        options.detached = true;
        options.logFile = m_dir.filePath(u"detached.log"_s);
        Result<AnvilNode> node = AnvilNode::start(options);
        QVERIFY2(node.ok(), qPrintable(why(node)));
        const qint64 pid = node->pid();
        QVERIFY(pid > 0);
        {
            EthClient eth(node->rpcUrl());
            QCOMPARE(wait<quint64>([&](QObject *c, auto done) { eth.chainId(c, done); }).value(),
                     quint64(4242));
        }
        // Refuses to kill something that is not Anvil (this test process).
        const Result<void> notAnvil = AnvilNode::stopPid(QCoreApplication::applicationPid());
        QVERIFY(!notAnvil.ok());
        QCOMPARE(notAnvil.error().code, ErrorCode::Conflict);

        QVERIFY(AnvilNode::stopPid(pid).ok());
        QVERIFY(!node->isRunning());
        QVERIFY(AnvilNode::stopPid(pid).ok()); // gone already: fine
    }

    void missingBinaryIsExplained()
    {
        AnvilNode::Options options;
        options.binary = m_dir.filePath(u"no-such-anvil"_s);
        const Result<AnvilNode> node = AnvilNode::start(options);
        QVERIFY(!node.ok());
        QCOMPARE(node.error().code, ErrorCode::NotFound);
        QVERIFY2(node.error().message.contains(u"`npm ci` in contracts/"_s),
                 qPrintable(node.error().message));
    }

    void takenPortIsExplained()
    {
        AnvilNode::Options options;
        options.binary = QStringLiteral(BERTH_ANVIL_PATH);
        options.accounts = 1;
        options.port = m_node->port();
        options.logFile = m_dir.filePath(u"taken.log"_s);
        const Result<AnvilNode> node = AnvilNode::start(options);
        QVERIFY(!node.ok());
        QCOMPARE(node.error().code, ErrorCode::Unavailable);
        QVERIFY2(node.error().message.contains(
                     u"Anvil exited before it listened (is port %1 on 127.0.0.1 taken?)"_s.arg(
                         m_node->port())),
                 qPrintable(node.error().message));
        QVERIFY(node.error().message.contains(options.logFile));
    }

    void stoppedNodeIsUnavailable()
    {
        AnvilNode::Options options;
        options.binary = QStringLiteral(BERTH_ANVIL_PATH);
        options.accounts = 1;
        Result<AnvilNode> node = AnvilNode::start(options);
        QVERIFY2(node.ok(), qPrintable(why(node)));
        const QUrl url = node->rpcUrl();
        node.value().stop();
        node.value().stop(); // safe twice
        QVERIFY(!node->isRunning());

        JsonRpcClient::Options rpcOptions;
        rpcOptions.retries = 1;
        rpcOptions.backoffBaseMs = 10;
        auto *rpc = new JsonRpcClient(url, rpcOptions);
        EthClient eth(rpc);
        rpc->setParent(&eth);
        TransactionManager manager(&eth, key(kKey0), 31337, nullptr, fastOptions());
        const Result<TransactionReceipt> result =
            sendAndWait(manager, {key(kKey1).address(), 1, {}, {}, u"pay"_s, {}});
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, ErrorCode::Unavailable);
        QVERIFY2(result.error().message.contains(u"cannot reach the chain at "_s + url.toString()),
                 qPrintable(result.error().message));
    }
};

QTEST_GUILESS_MAIN(TestEthClient)
#include "tst_ethclient.moc"
