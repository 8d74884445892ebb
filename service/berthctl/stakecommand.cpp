#include "stakecommand.h"

#include "chain/priceunits.h"
#include "chaincommandline.h"
#include "commandoutput.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace berth::cli {

using namespace berth::chain;

namespace {

QString hex(const QByteArray &bytes)
{
    return u"0x"_s + QString::fromLatin1(bytes.toHex());
}

QString utc(quint64 seconds)
{
    return QDateTime::fromSecsSinceEpoch(qint64(seconds), Qt::UTC).toString(Qt::ISODate);
}

QString challengeStatus(quint64 status)
{
    switch (status) {
    case 1:
        return u"open"_s;
    case 2:
        return u"answered"_s;
    case 3:
        return u"slashed"_s;
    default:
        return u"none"_s;
    }
}

// Prints the stake of `provider` (and its challenge counters) into `out`.
Result<void> describeStake(ChainSession &s, const ContractClient &staking,
                           const crypto::Address &provider, CommandOutput &out)
{
    auto stake = s.read(staking, u"stakeOf"_s, {AbiValue::fromAddress(provider)});
    if (!stake)
        return stake.error();
    auto open = s.read(staking, u"openChallenges"_s, {AbiValue::fromAddress(provider)});
    if (!open)
        return open.error();
    const auto &fields = stake->constFirst().items();
    const UInt256 active = fields[0].toUInt().value();
    const UInt256 unbonding = fields[1].toUInt().value();
    const quint64 readyAt = quint64(fields[2].toUInt().value());
    const QString openCount = toDecimalString(open->constFirst().toUInt().value());
    out.field(u"stake"_s, QJsonObject{{u"provider"_s, provider.toChecksumString()},
                                      {u"active"_s, s.tokensJson(active)},
                                      {u"unbonding"_s, s.tokensJson(unbonding)},
                                      {u"readyAt"_s, QString::number(readyAt)},
                                      {u"openChallenges"_s, openCount}});
    out.line(u"Stake of %1"_s.arg(provider.toChecksumString()));
    out.line(u"  active     %1"_s.arg(s.tokens(active)));
    out.line(u"  unbonding  %1%2"_s.arg(
        s.tokens(unbonding),
        unbonding == 0 ? QString() : u" (withdrawable from %1 UTC)"_s.arg(utc(readyAt))));
    out.line(u"  open challenges: %1"_s.arg(openCount));
    return {};
}

Result<void> describeChallenge(ChainSession &s, const ContractClient &staking,
                               const UInt256 &challengeId, CommandOutput &out)
{
    auto raw = s.read(staking, u"challengeOf"_s, {AbiValue::fromUInt(challengeId)});
    if (!raw)
        return raw.error();
    const auto &f = raw->constFirst().items();
    const QString status = challengeStatus(quint64(f[5].toUInt().value()));
    out.field(u"challenge"_s,
              QJsonObject{{u"id"_s, toDecimalString(challengeId)},
                          {u"channelId"_s, hex(f[0].toBytes().value())},
                          {u"publisher"_s, f[1].toAddress().value().toChecksumString()},
                          {u"openedAt"_s, toDecimalString(f[2].toUInt().value())},
                          {u"provider"_s, f[3].toAddress().value().toChecksumString()},
                          {u"deadline"_s, toDecimalString(f[4].toUInt().value())},
                          {u"status"_s, status},
                          {u"bond"_s, s.tokensJson(f[6].toUInt().value())}});
    out.line(u"Challenge %1 (%2) on channel %3"_s.arg(toDecimalString(challengeId), status,
                                                      hex(f[0].toBytes().value())));
    out.line(u"  provider %1 must respond by %2 UTC"_s.arg(
        f[3].toAddress().value().toChecksumString(), utc(quint64(f[4].toUInt().value()))));
    out.line(u"  bond %1 by %2"_s.arg(s.tokens(f[6].toUInt().value()),
                                      f[1].toAddress().value().toChecksumString()));
    return {};
}

Result<UInt256> parseId(const QStringList &positional, const QString &what)
{
    if (positional.size() != 1)
        return Error{ErrorCode::InvalidArgument, u"give the %1"_s.arg(what)};
    return parseUInt256(positional.first());
}

// One staking transaction: parse, unlock, optionally approve, send, describe.
struct StakeAction
{
    QString name;
    QString description;
    QString positional; // "AMOUNT", "CHANNEL", "CHALLENGE" or empty
    QString function;   // Staking function
};

int runAction(CommandContext &context, const StakeAction &action)
{
    ChainCommandLine c;
    if (!c.parse(context, u"stake "_s + action.name, action.description, true, action.positional))
        return c.exitCode;
    ChainSession &s = *c.session;
    auto staking = s.contract(u"Staking"_s);
    if (!staking)
        return context.fail(staking.error());
    const QStringList args = c.parser.positionalArguments();
    ContractClient::Values callArgs;
    std::optional<UInt256> approve;
    if (action.positional == u"AMOUNT") {
        if (args.size() != 1)
            return context.usageError(u"give the AMOUNT in %1"_s.arg(s.profile().tokenSymbol),
                                      u"stake "_s + action.name);
        auto amount = s.parseTokens(args.first(), u"AMOUNT"_s);
        if (!amount)
            return context.usageError(amount.error().message, u"stake "_s + action.name);
        callArgs << AbiValue::fromUInt(*amount);
        if (action.function == u"stake")
            approve = *amount;
    } else if (action.positional == u"CHANNEL") {
        const QString text = args.value(0);
        const QByteArray id = QByteArray::fromHex(text.mid(2).toLatin1());
        if (args.size() != 1 || !text.startsWith(u"0x") || id.size() != 32 || text.size() != 66)
            return context.usageError(u"give the CHANNEL id (0x + 64 hex digits)"_s,
                                      u"stake "_s + action.name);
        callArgs << AbiValue::fromBytes(id);
        auto bond = s.read(*staking, u"challengeBond"_s, {});
        if (!bond)
            return context.fail(bond.error());
        approve = bond->constFirst().toUInt().value();
    } else if (action.positional == u"CHALLENGE") {
        auto id = parseId(args, u"CHALLENGE id"_s);
        if (!id)
            return context.usageError(id.error().message, u"stake "_s + action.name);
        callArgs << AbiValue::fromUInt(*id);
    }
    if (auto unlocked = s.unlock(u"stake "_s + action.name); !unlocked)
        return context.fail(unlocked.error());
    if (approve && *approve > 0) {
        if (auto allowed =
                s.ensureAllowance(staking->address(), *approve, u"stake "_s + action.name);
            !allowed)
            return context.fail(allowed.error());
    }
    auto receipt = s.send(*staking, action.function, callArgs);
    if (!receipt)
        return context.fail(receipt.error());
    CommandOutput out(context, s.json());
    out.field(u"transaction"_s, hex(receipt->transactionHash));
    if (auto opened = staking->event(*receipt, u"ChallengeOpened"_s)) {
        const UInt256 id = opened->arg(u"challengeId"_s)->toUInt().value();
        if (auto r = describeChallenge(s, *staking, id, out); !r)
            return context.fail(r.error());
    } else if (auto slashed = staking->event(*receipt, u"Slashed"_s)) {
        const UInt256 compensation = slashed->arg(u"compensation"_s)->toUInt().value();
        out.field(u"compensation"_s, s.tokensJson(compensation));
        out.line(u"Slashed: %1 paid to the publisher."_s.arg(s.tokens(compensation)));
    } else if (auto withdrawn = staking->event(*receipt, u"Withdrawn"_s)) {
        const UInt256 amount = withdrawn->arg(u"amount"_s)->toUInt().value();
        out.field(u"withdrawn"_s, s.tokensJson(amount));
        out.line(u"Withdrew %1."_s.arg(s.tokens(amount)));
    } else if (action.positional == u"CHALLENGE") {
        if (auto r = describeChallenge(s, *staking, callArgs.constFirst().toUInt().value(), out);
            !r)
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
    auto staking = s.contract(u"Staking"_s);
    if (!staking)
        return context.fail(staking.error());
    CommandOutput out(context, s.json());
    if (c.parser.isSet(u"challenge"_s)) {
        auto id = parseUInt256(c.parser.value(u"challenge"_s));
        if (!id)
            return context.usageError(id.error().message, u"stake show"_s);
        if (auto r = describeChallenge(s, *staking, *id, out); !r)
            return context.fail(r.error());
    } else {
        auto provider = c.parser.positionalArguments().isEmpty()
                            ? s.account()
                            : crypto::Address::fromHex(c.parser.positionalArguments().first());
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
                                     u"AMOUNT"_s, u"stake"_s};
    static const StakeAction unstake{
        u"unstake"_s, u"Provider: asks AMOUNT of the stake back; it unbonds first."_s, u"AMOUNT"_s,
        u"requestUnstake"_s};
    static const StakeAction withdraw{u"withdraw"_s,
                                      u"Provider: withdraws stake whose unbonding has ended."_s,
                                      QString(), u"withdraw"_s};
    static const StakeAction challenge{
        u"challenge"_s,
        u"Publisher: opens a bonded liveness challenge against the provider of CHANNEL."_s,
        u"CHANNEL"_s, u"challenge"_s};
    static const StakeAction respond{u"respond"_s,
                                     u"Provider: answers a challenge on-chain, in its window."_s,
                                     u"CHALLENGE"_s, u"respond"_s};
    static const StakeAction slash{u"slash"_s,
                                   u"Anyone: slashes a provider whose challenge window passed "
                                   u"unanswered; the publisher is repaid."_s,
                                   u"CHALLENGE"_s, u"slash"_s};
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
