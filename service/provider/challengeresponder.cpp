#include "provider/challengeresponder.h"

#include "chain/blockheader.h"
#include "chain/ethclient.h"
#include "chain/logfilter.h"
#include "chain/stakingcontract.h"
#include "chain/transactionmanager.h"
#include "core/hex.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSaveFile>

#include <algorithm>
#include <memory>

using namespace Qt::StringLiterals;

namespace berth::provider {

Q_LOGGING_CATEGORY(lcChallenges, "berth.challenges")

namespace {

// Runs `done` once every step added has finished (and the caller's own share).
class Steps
{
public:
    explicit Steps(std::function<void()> done)
        : m_done(std::move(done))
    {}
    void add() { ++m_outstanding; }
    void finishOne()
    {
        if (--m_outstanding == 0 && m_done)
            std::exchange(m_done, nullptr)();
    }

private:
    int m_outstanding = 1;
    std::function<void()> m_done;
};

QString utc(quint64 seconds)
{
    return QDateTime::fromSecsSinceEpoch(qint64(seconds), Qt::UTC)
        .toString(u"yyyy-MM-dd HH:mm:ss"_s);
}

QByteArray addressTopic(const crypto::Address &address)
{
    return QByteArray(12, '\0') + address.bytes();
}

} // namespace

ChallengeResponder::ChallengeResponder(ChallengeResponderConfig config,
                                       chain::ContractClient staking, chain::EthClient *eth,
                                       chain::TransactionManager *transactions, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_staking(std::move(staking))
    , m_eth(eth)
    , m_transactions(transactions)
    , m_provider(transactions->address())
{
    m_progress = loadProgress();
    m_timer.setInterval(qMax(1, m_config.pollSeconds) * 1000);
    connect(&m_timer, &QTimer::timeout, this, [this] { pollOnce(); });
}

QString ChallengeResponder::stateFileIn(const QString &dataDir, quint64 chainId,
                                        const crypto::Address &staking)
{
    return QDir(dataDir).filePath(
        u"challenges-%1-%2.json"_s.arg(QString::number(chainId), staking.toLowerHex()));
}

void ChallengeResponder::start()
{
    qCInfo(lcChallenges).noquote()
        << u"answering Staking challenges against %1 (Staking %2), reading every %3 s"_s
               .arg(m_provider.toChecksumString(), m_staking.address().toChecksumString())
               .arg(m_config.pollSeconds);
    pollOnce();
    m_timer.start();
}

ChallengeResponder::Progress ChallengeResponder::loadProgress() const
{
    Progress progress;
    QFile file(m_config.stateFile);
    if (m_config.stateFile.isEmpty() || !file.exists())
        return progress;
    QJsonParseError error;
    const QJsonDocument doc = file.open(QIODevice::ReadOnly)
                                  ? QJsonDocument::fromJson(file.read(1024 * 1024), &error)
                                  : QJsonDocument();
    const QJsonObject json = doc.object();
    bool ok = false;
    const quint64 last = json.value(u"lastBlock"_s).toString().toULongLong(&ok);
    if (!doc.isObject() || !ok) {
        qCWarning(lcChallenges).noquote()
            << u"%1 is unreadable; reading challenges again from recent blocks"_s.arg(
                   m_config.stateFile);
        return progress;
    }
    progress.lastBlock = last;
    for (const QJsonValue &id : json.value(u"unsettled"_s).toArray())
        if (parseUInt256(id.toString()))
            progress.unsettled.insert(id.toString());
    return progress;
}

bool ChallengeResponder::saveProgress() const
{
    if (m_config.stateFile.isEmpty() || !m_progress.lastBlock)
        return true;
    QStringList ids(m_progress.unsettled.cbegin(), m_progress.unsettled.cend());
    ids.sort();
    const QJsonObject json{{u"lastBlock"_s, QString::number(*m_progress.lastBlock)},
                           {u"unsettled"_s, QJsonArray::fromStringList(ids)}};
    QSaveFile file(m_config.stateFile);
    if (!file.open(QIODevice::WriteOnly) ||
        !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) ||
        file.write(QJsonDocument(json).toJson(QJsonDocument::Compact)) < 0 || !file.commit()) {
        qCWarning(lcChallenges).noquote()
            << u"cannot save %1 (%2): after a restart, challenges are read again from "
               "recent blocks; check that berthd may write its data folder"_s.arg(
                   m_config.stateFile, file.errorString());
        return false;
    }
    return true;
}

void ChallengeResponder::pollOnce(std::function<void(Result<ChallengePass>)> done)
{
    if (m_running) {
        if (done)
            done(ChallengePass{});
        return;
    }
    m_running = true;
    const auto finish = [this, done](Result<ChallengePass> pass) {
        m_running = false;
        if (!pass)
            qCWarning(lcChallenges).noquote()
                << u"cannot read Staking challenges: %1; trying again in %2 s (check the "
                   "chain profile's RPC endpoint)"_s.arg(pass.error().message)
                       .arg(m_config.pollSeconds);
        if (done)
            done(std::move(pass));
    };
    m_eth->latestBlock(this, [this, finish](Result<chain::BlockHeader> head) {
        if (!head)
            return finish(head.error());
        const quint64 lookback = m_config.firstStartLookbackBlocks;
        const quint64 recent = head->number > lookback ? head->number - lookback : 0;
        quint64 from = recent;
        if (m_progress.lastBlock && *m_progress.lastBlock <= head->number) {
            from = *m_progress.lastBlock + 1;
        } else if (m_progress.lastBlock) {
            qCWarning(lcChallenges).noquote()
                << u"the chain is at block %1, below block %2 read before (a new chain?); "
                   "reading challenges again from block %3"_s.arg(head->number)
                       .arg(*m_progress.lastBlock)
                       .arg(from);
        }
        auto pass = std::make_shared<ChallengePass>();
        pass->fromBlock = from;
        pass->toBlock = head->number;
        const chain::BlockHeader header = *head;
        readLogs(from, head->number, [this, header, pass, finish](Result<QStringList> opened) {
            if (!opened)
                return finish(opened.error());
            for (const QString &id : std::as_const(*opened)) {
                if (!m_progress.unsettled.contains(id))
                    qCInfo(lcChallenges).noquote()
                        << u"challenge %1 was opened against this provider"_s.arg(id);
                m_progress.unsettled.insert(id);
            }
            // Saved before anything is sent: a crash from here on neither
            // misses these challenges nor reads their blocks again.
            m_progress.lastBlock = header.number;
            saveProgress();
            settle(header, pass, [this, pass, finish] {
                saveProgress();
                finish(*pass);
            });
        });
    });
}

void ChallengeResponder::readLogs(quint64 from, quint64 to,
                                  std::function<void(Result<QStringList>)> done)
{
    if (from > to)
        return done(QStringList());
    auto event = m_staking.abi().event(u"ChallengeOpened"_s);
    if (!event)
        return done(event.error());
    const quint64 range = qMax<quint64>(1, m_config.maxBlockRange);
    const quint64 last = to - from >= range ? from + range - 1 : to;
    chain::LogFilter filter;
    filter.addresses = {m_staking.address()};
    // ChallengeOpened(challengeId indexed, channelId indexed, provider indexed, ...)
    filter.topics = {{event->topic0()}, {}, {}, {addressTopic(m_provider)}};
    filter.fromBlock = chain::EthClient::blockTag(from);
    filter.toBlock = chain::EthClient::blockTag(last);
    m_eth->getLogs(filter, this, [this, last, to, done](Result<QList<chain::LogEntry>> logs) {
        if (!logs)
            return done(logs.error());
        QStringList ids;
        for (const chain::LogEntry &log : std::as_const(*logs)) {
            if (log.removed)
                continue;
            auto decoded = m_staking.abi().decodeLog(log.topics, log.data);
            const chain::AbiValue *id = decoded ? decoded->arg(u"challengeId"_s) : nullptr;
            if (id && id->toUInt())
                ids << toDecimalString(*id->toUInt());
        }
        if (last >= to)
            return done(ids);
        readLogs(last + 1, to, [ids, done](Result<QStringList> more) {
            if (!more)
                return done(more.error());
            done(ids + *more);
        });
    });
}

void ChallengeResponder::settle(const chain::BlockHeader &head,
                                const std::shared_ptr<ChallengePass> &pass,
                                std::function<void()> done)
{
    QStringList ids(m_progress.unsettled.cbegin(), m_progress.unsettled.cend());
    std::sort(ids.begin(), ids.end(), [](const QString &a, const QString &b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;
    });
    auto steps = std::make_shared<Steps>(std::move(done));
    for (const QString &id : std::as_const(ids)) {
        steps->add();
        const UInt256 number = parseUInt256(id).value_or(0);
        m_staking.call(
            u"challengeOf"_s, {chain::AbiValue::fromUInt(number)}, this,
            [this, id, number, now = head.timestamp, pass,
             steps](Result<chain::ContractClient::Values> values) {
                if (!values || values->isEmpty()) {
                    qCWarning(lcChallenges).noquote()
                        << u"cannot read challenge %1: %2; trying again in %3 s"_s
                               .arg(id, values ? u"empty answer"_s : values.error().message)
                               .arg(m_config.pollSeconds);
                    pass->failed << id;
                    return steps->finishOne();
                }
                const auto challenge = chain::LivenessChallenge::fromAbi(number, values->first());
                using Status = chain::LivenessChallenge::Status;
                QString why;
                if (challenge.status != Status::Open)
                    why = u"it is %1"_s.arg(chain::LivenessChallenge::statusName(challenge.status));
                else if (challenge.provider != m_provider)
                    why = u"it names another provider"_s;
                else if (challenge.deadline < now)
                    why = u"its window ended at %1 UTC, before berthd saw it; the publisher "
                          "may slash the stake"_s.arg(utc(challenge.deadline));
                if (!why.isEmpty()) {
                    m_progress.unsettled.remove(id);
                    pass->skipped << id;
                    if (challenge.status == Status::Open && challenge.provider == m_provider)
                        qCCritical(lcChallenges).noquote()
                            << u"challenge %1 was not answered: %2"_s.arg(id, why);
                    else
                        qCInfo(lcChallenges).noquote()
                            << u"challenge %1 needs no answer: %2"_s.arg(id, why);
                    return steps->finishOne();
                }
                answer(id, challenge.deadline, pass, [steps] { steps->finishOne(); });
            },
            m_provider);
    }
    steps->finishOne();
}

void ChallengeResponder::answer(const QString &id, quint64 deadline,
                                const std::shared_ptr<ChallengePass> &pass,
                                std::function<void()> done)
{
    const chain::StakingContract staking(m_staking);
    auto request = staking.respond(parseUInt256(id).value_or(0));
    if (!request) {
        pass->failed << id;
        qCWarning(lcChallenges).noquote()
            << u"cannot answer challenge %1: %2"_s.arg(id, request.error().message);
        return done();
    }
    chain::TxRequest tx = *request;
    tx.label = u"answer challenge %1"_s.arg(id);
    qCInfo(lcChallenges).noquote()
        << u"answering challenge %1 (window ends %2 UTC)"_s.arg(id, utc(deadline));
    chain::TxCallbacks callbacks;
    callbacks.onDone = [this, id, deadline, pass, done](Result<chain::TransactionReceipt> receipt) {
        if (!receipt) {
            // Kept unsettled: the next pass reads challengeOf again and retries
            // while the window lasts.
            pass->failed << id;
            qCWarning(lcChallenges).noquote()
                << u"answering challenge %1 failed: %2; trying again in %3 s until %4 UTC "
                   "(check the provider account's ETH for gas)"_s
                       .arg(id, m_staking.explain(receipt.error(), u"respond"_s).message)
                       .arg(m_config.pollSeconds)
                       .arg(utc(deadline));
            return done();
        }
        m_progress.unsettled.remove(id);
        pass->answered << id;
        QString bond;
        if (auto answered = m_staking.event(*receipt, u"ChallengeAnswered"_s))
            if (const auto *value = answered->arg(u"bond"_s); value && value->toUInt())
                bond = toDecimalString(*value->toUInt());
        qCInfo(lcChallenges).noquote()
            << u"answered challenge %1 in %2; the bond (%3 base units) is the provider's"_s.arg(
                   id, hexString(receipt->transactionHash), bond.isEmpty() ? u"?"_s : bond);
        emit challengeAnswered(id, receipt->transactionHash);
        done();
    };
    m_transactions->send(tx, this, std::move(callbacks));
}

} // namespace berth::provider
