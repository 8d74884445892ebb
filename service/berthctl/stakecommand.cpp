#include "stakecommand.h"

#include "chain/abicodec.h"
#include "chain/stakingcontract.h"
#include "chaincommandline.h"
#include "commandoutput.h"
#include "core/hex.h"

#include <QDateTime>

#include <limits>

using namespace Qt::StringLiterals;

namespace berth::cli {

using namespace berth::chain;

namespace {

QString utc(quint64 seconds)
{
    return QDateTime::fromSecsSinceEpoch(qint64(seconds), Qt::UTC).toString(Qt::ISODate);
}

// The reverts that name a moment (a Unix time) say it as a date, and what it allows.
QString whenHint(const ContractAbi &abi, const QByteArray &revertData)
{
    struct Timed
    {
        QString error;
        qsizetype argument;
        QString text;
    };
    static const QList<Timed> timed{
        {u"StillUnbonding"_s, 0, u"the unbonding stake becomes withdrawable at %1 UTC"_s},
        {u"ChallengeTooSoon"_s, 1, u"the next challenge on this channel may open at %1 UTC"_s},
        {u"WindowNotOver"_s, 1, u"the provider may respond until %1 UTC; slash after that"_s},
        {u"WindowOver"_s, 1, u"the response window closed at %1 UTC"_s}};
    for (const AbiError &e : abi.errors()) {
        if (!revertData.startsWith(e.selector()))
            continue;
        for (const Timed &t : timed) {
            if (e.name != t.error)
                continue;
            auto args = abiDecode(e.inputs, QByteArrayView(revertData).sliced(4));
            if (!args || args->size() <= t.argument)
                return {};
            auto seconds = args->at(t.argument).toUInt();
            if (!seconds || *seconds > UInt256(std::numeric_limits<qint64>::max()))
                return {};
            return u"; "_s + t.text.arg(utc(quint64(*seconds)));
        }
    }
    return {};
}

Result<StakingContract> stakingContract(const ChainSession &s)
{
    auto client = s.contract(u"Staking"_s);
    if (!client)
        return client.error();
    return StakingContract(std::move(client).value());
}

Result<StakeInfo> readStake(ChainSession &s, const StakingContract &staking,
                            const crypto::Address &provider)
{
    auto raw = s.read(staking.client(), u"stakeOf"_s, {AbiValue::fromAddress(provider)});
    if (!raw)
        return raw.error();
    return StakeInfo::fromAbi(raw->constFirst());
}

// Prints the stake of `provider` (and its challenge counters) into `out`.
Result<void> describeStake(ChainSession &s, const StakingContract &staking,
                           const crypto::Address &provider, CommandOutput &out)
{
    auto stake = readStake(s, staking, provider);
    if (!stake)
        return stake.error();
    auto open = s.read(staking.client(), u"openChallenges"_s, {AbiValue::fromAddress(provider)});
    if (!open)
        return open.error();
    const QString openCount = toDecimalString(open->constFirst().toUInt().value());
    out.field(u"stake"_s, QJsonObject{{u"provider"_s, provider.toChecksumString()},
                                      {u"active"_s, s.tokensJson(stake->active)},
                                      {u"unbonding"_s, s.tokensJson(stake->unbonding)},
                                      {u"readyAt"_s, QString::number(stake->readyAt)},
                                      {u"openChallenges"_s, openCount}});
    out.line(u"Stake of %1"_s.arg(provider.toChecksumString()));
    out.line(u"  active     %1"_s.arg(s.tokens(stake->active)));
    out.line(u"  unbonding  %1%2"_s.arg(
        s.tokens(stake->unbonding),
        stake->unbonding == 0 ? QString()
                              : u" (withdrawable from %1 UTC)"_s.arg(utc(stake->readyAt))));
    out.line(u"  open challenges: %1"_s.arg(openCount));
    return {};
}

Result<void> describeChallenge(ChainSession &s, const StakingContract &staking,
                               const UInt256 &challengeId, CommandOutput &out)
{
    auto raw = s.read(staking.client(), u"challengeOf"_s, {AbiValue::fromUInt(challengeId)});
    if (!raw)
        return raw.error();
    const LivenessChallenge c = LivenessChallenge::fromAbi(challengeId, raw->constFirst());
    if (c.status == LivenessChallenge::Status::None)
        return Error{ErrorCode::NotFound,
                     u"there is no challenge %1 (see `berthctl stake show`)"_s.arg(
                         toDecimalString(challengeId))};
    const QString status = LivenessChallenge::statusName(c.status);
    out.field(u"challenge"_s, QJsonObject{{u"id"_s, toDecimalString(c.id)},
                                          {u"channelId"_s, hexString(c.channelId)},
                                          {u"publisher"_s, c.publisher.toChecksumString()},
                                          {u"openedAt"_s, QString::number(c.openedAt)},
                                          {u"provider"_s, c.provider.toChecksumString()},
                                          {u"deadline"_s, QString::number(c.deadline)},
                                          {u"status"_s, status},
                                          {u"bond"_s, s.tokensJson(c.bond)}});
    out.line(u"Challenge %1 (%2) on channel %3"_s.arg(toDecimalString(c.id), status,
                                                      hexString(c.channelId)));
    out.line(u"  provider %1 must respond by %2 UTC"_s.arg(c.provider.toChecksumString(),
                                                           utc(c.deadline)));
    out.line(u"  bond %1 by %2"_s.arg(s.tokens(c.bond), c.publisher.toChecksumString()));
    return {};
}

// One staking transaction: parse, unlock, optionally approve, send, describe.
struct StakeAction
{
    enum class Kind
    {
        Stake,
        RequestUnstake,
        Withdraw,
        Challenge,
        Respond,
        Slash,
    };
    QString name;
    QString description;
    QString positional; // "AMOUNT", "CHANNEL", "CHALLENGE" or empty
    Kind kind;
};

Result<TxRequest> actionRequest(const StakingContract &staking, StakeAction::Kind kind,
                                const UInt256 &number, const QByteArray &channelId)
{
    switch (kind) {
    case StakeAction::Kind::Stake:
        return staking.stake(number);
    case StakeAction::Kind::RequestUnstake:
        return staking.requestUnstake(number);
    case StakeAction::Kind::Withdraw:
        return staking.withdraw();
    case StakeAction::Kind::Challenge:
        return staking.challenge(channelId);
    case StakeAction::Kind::Respond:
        return staking.respond(number);
    case StakeAction::Kind::Slash:
        return staking.slash(number);
    }
    return Error{ErrorCode::Internal, u"unknown staking action"_s};
}

int runAction(CommandContext &context, const StakeAction &action)
{
    ChainCommandLine c;
    if (!c.parse(context, u"stake "_s + action.name, action.description, true, action.positional))
        return c.exitCode;
    ChainSession &s = *c.session;
    const QString help = u"stake "_s + action.name;
    auto staking = stakingContract(s);
    if (!staking)
        return context.fail(staking.error());
    const QStringList args = c.parser.positionalArguments();
    UInt256 number; // the AMOUNT or the CHALLENGE id
    QByteArray channelId;
    std::optional<UInt256> approve;
    if (action.positional.isEmpty()) {
        if (!args.isEmpty())
            return context.usageError(u"stake %1 takes no arguments"_s.arg(action.name), help);
    } else if (action.positional == u"AMOUNT") {
        if (args.size() != 1)
            return context.usageError(u"give the AMOUNT in %1"_s.arg(s.profile().tokenSymbol),
                                      help);
        auto amount = s.parseTokens(args.first(), u"AMOUNT"_s);
        if (!amount)
            return context.usageError(amount.error().message, help);
        number = *amount;
        if (action.kind == StakeAction::Kind::Stake)
            approve = *amount;
    } else if (action.positional == u"CHANNEL") {
        const QString text = args.value(0);
        channelId = QByteArray::fromHex(text.mid(2).toLatin1());
        if (args.size() != 1 || !text.startsWith(u"0x") || channelId.size() != 32 ||
            text.size() != 66)
            return context.usageError(u"give the CHANNEL id (0x + 64 hex digits)"_s, help);
        auto bond = s.read(staking->client(), u"challengeBond"_s, {});
        if (!bond)
            return context.fail(bond.error());
        approve = bond->constFirst().toUInt().value();
    } else if (action.positional == u"CHALLENGE") {
        if (args.size() != 1)
            return context.usageError(u"give the CHALLENGE id"_s, help);
        auto id = parseUInt256(args.first());
        if (!id)
            return context.usageError(u"CHALLENGE: "_s + id.error().message, help);
        number = *id;
    }
    auto request = actionRequest(*staking, action.kind, number, channelId);
    if (!request)
        return context.fail(request.error());
    if (auto unlocked = s.unlock(help); !unlocked)
        return context.fail(unlocked.error());
    if (approve && *approve > 0) {
        if (auto allowed = s.ensureAllowance(staking->client().address(), *approve, help); !allowed)
            return context.fail(allowed.error());
    }
    auto receipt = s.send(*request);
    if (!receipt) {
        Error error = receipt.error();
        if (error.code == ErrorCode::Reverted)
            error.message += whenHint(staking->client().abi(), error.data);
        return context.fail(error);
    }
    const ContractClient &client = staking->client();
    CommandOutput out(context, s.json());
    out.field(u"transaction"_s, hexString(receipt->transactionHash));
    if (auto opened = client.event(*receipt, u"ChallengeOpened"_s)) {
        const UInt256 id = opened->arg(u"challengeId"_s)->toUInt().value();
        if (auto r = describeChallenge(s, *staking, id, out); !r)
            return context.fail(r.error());
    } else if (auto slashed = client.event(*receipt, u"Slashed"_s)) {
        const UInt256 compensation = slashed->arg(u"compensation"_s)->toUInt().value();
        const UInt256 bond = slashed->arg(u"bondReturned"_s)->toUInt().value();
        out.field(u"compensation"_s, s.tokensJson(compensation));
        out.field(u"bondReturned"_s, s.tokensJson(bond));
        out.field(u"publisher"_s, slashed->arg(u"publisher"_s)->toAddress()->toChecksumString());
        out.line(u"Slashed: %1 compensation and the %2 bond paid to the publisher %3."_s.arg(
            s.tokens(compensation), s.tokens(bond),
            slashed->arg(u"publisher"_s)->toAddress()->toChecksumString()));
    } else if (auto withdrawn = client.event(*receipt, u"Withdrawn"_s)) {
        const UInt256 amount = withdrawn->arg(u"amount"_s)->toUInt().value();
        out.field(u"withdrawn"_s, s.tokensJson(amount));
        out.line(u"Withdrew %1."_s.arg(s.tokens(amount)));
    } else if (action.positional == u"CHALLENGE") {
        if (auto r = describeChallenge(s, *staking, number, out); !r)
            return context.fail(r.error());
    } else if (auto r = describeStake(s, *staking, *s.account(), out); !r) {
        return context.fail(r.error());
    }
    out.print();
    return ExitOk;
}

int runShow(CommandContext &context)
{
    ChainCommandLine c;
    c.parser.addOption({u"challenge"_s, u"Show this challenge instead."_s, u"id"_s});
    if (!c.parse(context, u"stake show"_s,
                 u"Shows a provider's stake (default: the account's) or one challenge."_s, false,
                 u"ADDRESS"_s))
        return c.exitCode;
    ChainSession &s = *c.session;
    auto staking = stakingContract(s);
    if (!staking)
        return context.fail(staking.error());
    CommandOutput out(context, s.json());
    if (c.parser.isSet(u"challenge"_s)) {
        auto id = parseUInt256(c.parser.value(u"challenge"_s));
        if (!id)
            return context.usageError(u"--challenge: "_s + id.error().message, u"stake show"_s);
        if (auto r = describeChallenge(s, *staking, *id, out); !r)
            return context.fail(r.error());
    } else {
        const QStringList args = c.parser.positionalArguments();
        if (args.size() > 1)
            return context.usageError(u"give at most one ADDRESS"_s, u"stake show"_s);
        if (!args.isEmpty() && !crypto::Address::fromHex(args.first()))
            return context.usageError(u"ADDRESS: "_s +
                                          crypto::Address::fromHex(args.first()).error().message,
                                      u"stake show"_s);
        auto provider = args.isEmpty() ? s.account() : crypto::Address::fromHex(args.first());
        if (!provider)
            return context.fail(provider.error());
        if (auto r = describeStake(s, *staking, *provider, out); !r)
            return context.fail(r.error());
    }
    out.print();
    return ExitOk;
}

} // namespace

int runStakeCommand(CommandContext &context)
{
    static const StakeAction deposit{u"deposit"_s, u"Provider: locks AMOUNT tokens as stake."_s,
                                     u"AMOUNT"_s, StakeAction::Kind::Stake};
    static const StakeAction unstake{
        u"unstake"_s, u"Provider: asks AMOUNT of the stake back; it unbonds first."_s, u"AMOUNT"_s,
        StakeAction::Kind::RequestUnstake};
    static const StakeAction withdraw{u"withdraw"_s,
                                      u"Provider: withdraws stake whose unbonding has ended."_s,
                                      QString(), StakeAction::Kind::Withdraw};
    static const StakeAction challenge{
        u"challenge"_s,
        u"Publisher: opens a bonded liveness challenge against the provider of CHANNEL."_s,
        u"CHANNEL"_s, StakeAction::Kind::Challenge};
    static const StakeAction respond{u"respond"_s,
                                     u"Provider: answers a challenge on-chain, in its window."_s,
                                     u"CHALLENGE"_s, StakeAction::Kind::Respond};
    static const StakeAction slash{u"slash"_s,
                                   u"Anyone: slashes a provider whose challenge window passed "
                                   u"unanswered; the publisher is repaid."_s,
                                   u"CHALLENGE"_s, StakeAction::Kind::Slash};
    return dispatchSubcommand(
        context, u"stake"_s,
        {{u"deposit"_s, u"lock stake"_s, [](CommandContext &c) { return runAction(c, deposit); }},
         {u"unstake"_s, u"start unbonding stake"_s,
          [](CommandContext &c) { return runAction(c, unstake); }},
         {u"withdraw"_s, u"withdraw unbonded stake"_s,
          [](CommandContext &c) { return runAction(c, withdraw); }},
         {u"challenge"_s, u"challenge a provider's liveness"_s,
          [](CommandContext &c) { return runAction(c, challenge); }},
         {u"respond"_s, u"answer a challenge"_s,
          [](CommandContext &c) { return runAction(c, respond); }},
         {u"slash"_s, u"slash after an unanswered challenge"_s,
          [](CommandContext &c) { return runAction(c, slash); }},
         {u"show"_s, u"show a stake or a challenge"_s, runShow}});
}

} // namespace berth::cli
