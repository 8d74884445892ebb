#include "marketcommand.h"

#include "chain/escrowquote.h"
#include "chain/marketcontract.h"
#include "chain/priceunits.h"
#include "chaincommandline.h"
#include "cliwait.h"
#include "commandoutput.h"
#include "core/hex.h"
#include "crypto/keccak.h"
#include "manifest/quantity.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace berth::cli {

using namespace berth::chain;

namespace {

constexpr quint64 listPageSize = 20;
constexpr quint64 bidPageSize = 100;     // Market.MAX_PAGE_SIZE
constexpr qsizetype maxRegionBytes = 32; // Market.MAX_REGION_LENGTH

Result<MarketContract> marketContract(const ChainSession &s)
{
    auto client = s.contract(u"Market"_s);
    if (!client)
        return client.error();
    return MarketContract(std::move(client).value());
}

Result<MarketOrder> readOrder(ChainSession &s, const MarketContract &market, const UInt256 &id)
{
    auto raw = s.read(market.client(), u"order"_s, {AbiValue::fromUInt(id)});
    if (!raw)
        return raw.error();
    return MarketOrder::fromAbi(id, raw->constFirst());
}

Result<quint64> ratePeriod(const QString &per)
{
    if (per == u"second")
        return PricePeriod::Second;
    if (per == u"hour")
        return PricePeriod::Hour;
    if (per == u"month")
        return PricePeriod::Month;
    return Error{ErrorCode::InvalidArgument, u"--per takes second, hour or month"_s};
}

Result<UInt256> rateOption(const ChainSession &s, const QCommandLineParser &p,
                           const QString &option)
{
    auto period = ratePeriod(p.value(u"per"_s));
    if (!period)
        return period.error();
    auto rate = scaledRateFromTokens(p.value(option), s.profile().tokenDecimals, *period);
    if (!rate)
        return Error{ErrorCode::InvalidArgument, u"--%1: %2"_s.arg(option, rate.error().message)};
    return rate;
}

QJsonObject orderJson(const ChainSession &s, const MarketOrder &o)
{
    const OrderTerms &t = o.terms;
    const int d = s.profile().tokenDecimals;
    return {{u"orderId"_s, toDecimalString(o.id)},
            {u"publisher"_s, o.publisher.toChecksumString()},
            {u"postedAt"_s, QString::number(o.postedAt)},
            {u"status"_s, MarketOrder::statusName(o.status)},
            {u"acceptedBidId"_s, toDecimalString(o.acceptedBidId)},
            {u"channelId"_s, hexString(o.channelId)},
            {u"manifestHash"_s, hexString(t.manifestHash)},
            {u"deploymentId"_s, hexString(t.deploymentId)},
            {u"resources"_s, t.resources.toJson()},
            {u"token"_s, t.token.toChecksumString()},
            {u"maxRatePerHour"_s, tokensPerPeriod(t.maxRatePerSecond, d, PricePeriod::Hour)},
            {u"maxNoticePeriod"_s, QString::number(t.maxNoticePeriod)},
            {u"expiry"_s, QString::number(t.expiry)},
            {u"minStake"_s, s.tokensJson(t.minStake)},
            {u"deposit"_s, s.tokensJson(t.deposit)},
            {u"region"_s, t.region}};
}

QString orderLine(const QJsonObject &o, const ChainSession &s)
{
    const QJsonObject r = o.value(u"resources"_s).toObject();
    return u"order %1 (%2) by %3: %4 CPU, %5 memory, region %6, up to %7 %8/hour, deposit %9"_s.arg(
        o.value(u"orderId"_s).toString(), o.value(u"status"_s).toString(),
        o.value(u"publisher"_s).toString(),
        manifest::quantity::formatCpuMillis(r.value(u"cpuMillis"_s).toString().toLongLong()),
        manifest::quantity::formatBytes(r.value(u"memoryBytes"_s).toString().toLongLong()),
        o.value(u"region"_s).toString().isEmpty() ? u"any"_s : o.value(u"region"_s).toString(),
        o.value(u"maxRatePerHour"_s).toString(), s.profile().tokenSymbol,
        o.value(u"deposit"_s).toObject().value(u"amount"_s).toString() + u' ' +
            s.profile().tokenSymbol);
}

int runOrder(CommandContext &context)
{
    ChainCommandLine c;
    QCommandLineParser &p = c.parser;
    p.addOption({u"deployment"_s, u"Deployment name or 0x id."_s, u"name"_s});
    p.addOption({u"manifest"_s, u"The pod manifest; its keccak256 is posted."_s, u"file"_s});
    p.addOption({u"cpu"_s, u"CPU wanted (cores: 2, 0.5 or 500m)."_s, u"cores"_s});
    p.addOption({u"memory"_s, u"Memory wanted (512Mi)."_s, u"bytes"_s});
    p.addOption({u"storage"_s, u"Storage wanted (10Gi)."_s, u"bytes"_s, u"0"_s});
    p.addOption({u"gpus"_s, u"GPUs wanted."_s, u"n"_s, u"0"_s});
    p.addOption({u"max-rate"_s, u"Highest price accepted, in tokens per --per."_s, u"tokens"_s});
    p.addOption({u"per"_s, u"Period of rates: second, hour or month."_s, u"period"_s, u"hour"_s});
    p.addOption(
        {u"notice"_s, u"Longest notice period accepted (default 1h)."_s, u"duration"_s, u"1h"_s});
    p.addOption(
        {u"expires-in"_s, u"How long providers may bid (default 1h)."_s, u"duration"_s, u"1h"_s});
    p.addOption({u"min-stake"_s, u"Minimum provider stake, in tokens."_s, u"amount"_s, u"0"_s});
    p.addOption({u"deposit"_s, u"Tokens to escrow."_s, u"amount"_s});
    p.addOption({u"duration"_s, u"Escrow enough for this long at --max-rate."_s, u"duration"_s});
    p.addOption({u"region"_s, u"Region wanted (empty: any)."_s, u"name"_s});
    if (!c.parse(context, u"market order"_s,
                 u"Publisher: posts an order providers bid on; the deposit is held by the "
                 u"market until a bid is accepted or the order is cancelled."_s,
                 true))
        return c.exitCode;
    ChainSession &s = *c.session;
    for (const auto &required : {u"deployment"_s, u"cpu"_s, u"memory"_s, u"max-rate"_s})
        if (!p.isSet(required))
            return context.usageError(u"market order needs --%1"_s.arg(required),
                                      u"market order"_s);
    Resources resources;
    auto cpu = manifest::quantity::parseCpuMillis(p.value(u"cpu"_s));
    auto memory = manifest::quantity::parseBytes(p.value(u"memory"_s));
    auto storage = manifest::quantity::parseBytes(p.value(u"storage"_s));
    bool gpusOk = false;
    resources.gpuCount = p.value(u"gpus"_s).toULongLong(&gpusOk);
    if (!cpu || !memory || !storage || !gpusOk)
        return context.usageError(!cpu       ? u"--cpu: "_s + cpu.error().message
                                  : !memory  ? u"--memory: "_s + memory.error().message
                                  : !storage ? u"--storage: "_s + storage.error().message
                                             : u"--gpus takes a whole number"_s,
                                  u"market order"_s);
    resources.cpuMillis = quint64(*cpu);
    resources.memoryBytes = quint64(*memory);
    resources.storageBytes = quint64(*storage);
    auto maxRate = rateOption(s, p, u"max-rate"_s);
    auto notice = parseDuration(p.value(u"notice"_s));
    auto expiresIn = parseDuration(p.value(u"expires-in"_s));
    auto minStake = s.parseTokens(p.value(u"min-stake"_s), u"--min-stake"_s);
    for (const Error *e :
         {maxRate ? nullptr : &maxRate.error(), notice ? nullptr : &notice.error(),
          expiresIn ? nullptr : &expiresIn.error(), minStake ? nullptr : &minStake.error()})
        if (e)
            return context.usageError(e->message, u"market order"_s);
    UInt256 deposit;
    if (p.isSet(u"deposit"_s) == p.isSet(u"duration"_s))
        return context.usageError(u"give either --deposit AMOUNT or --duration D"_s,
                                  u"market order"_s);
    if (p.isSet(u"deposit"_s)) {
        auto amount = s.parseTokens(p.value(u"deposit"_s), u"--deposit"_s);
        if (!amount)
            return context.usageError(amount.error().message, u"market order"_s);
        deposit = *amount;
    } else {
        auto seconds = parseDuration(p.value(u"duration"_s));
        if (!seconds)
            return context.usageError(seconds.error().message, u"market order"_s);
        deposit = baseUnitsPerPeriod(*maxRate, *seconds);
    }
    OrderTerms terms;
    terms.deploymentId = EscrowQuote::deploymentIdFrom(p.value(u"deployment"_s));
    terms.resources = resources;
    terms.token = s.profile().token;
    terms.maxRatePerSecond = *maxRate;
    terms.maxNoticePeriod = *notice;
    terms.minStake = *minStake;
    terms.deposit = deposit;
    terms.region = p.value(u"region"_s);
    if (terms.region.toUtf8().size() > maxRegionBytes)
        return context.usageError(u"--region: at most %1 bytes"_s.arg(maxRegionBytes),
                                  u"market order"_s);
    if (p.isSet(u"manifest"_s)) {
        QFile file(p.value(u"manifest"_s));
        if (!file.open(QIODevice::ReadOnly))
            return context.fail(
                Error{ErrorCode::NotFound,
                      u"cannot read %1: %2"_s.arg(file.fileName(), file.errorString())});
        terms.manifestHash = crypto::keccak256(file.readAll());
    }
    auto market = marketContract(s);
    if (!market)
        return context.fail(market.error());
    // The expiry is checked against block time, which differs from this
    // machine's clock on a devnet whose time was moved forward.
    auto now = s.chainTime();
    if (!now)
        return context.fail(now.error());
    terms.expiry = *now + *expiresIn;
    auto request = market->postOrder(terms);
    if (!request)
        return context.fail(request.error());
    if (auto unlocked = s.unlock(u"post an order"_s); !unlocked)
        return context.fail(unlocked.error());
    if (auto allowed =
            s.ensureAllowance(market->client().address(), deposit, u"the order's deposit"_s);
        !allowed)
        return context.fail(allowed.error());
    auto receipt = s.send(*request);
    if (!receipt)
        return context.fail(receipt.error());
    auto posted = market->client().event(*receipt, u"OrderPosted"_s);
    if (!posted)
        return context.fail(Error{ErrorCode::BadResponse, u"postOrder emitted no OrderPosted"_s});
    auto order = readOrder(s, *market, posted->arg(u"orderId"_s)->toUInt().value());
    if (!order)
        return context.fail(order.error());
    const QJsonObject json = orderJson(s, *order);
    CommandOutput(context, s.json())
        .field(u"transaction"_s, hexString(receipt->transactionHash))
        .field(u"order"_s, json)
        .line(u"Posted "_s + orderLine(json, s))
        .print();
    return ExitOk;
}

int runBid(CommandContext &context)
{
    ChainCommandLine c;
    c.parser.addOption({u"rate"_s, u"The price, in tokens per --per."_s, u"tokens"_s});
    c.parser.addOption(
        {u"per"_s, u"Period of --rate: second, hour or month."_s, u"period"_s, u"hour"_s});
    c.parser.addOption(
        {u"notice"_s, u"Notice period offered (default 1h)."_s, u"duration"_s, u"1h"_s});
    if (!c.parse(context, u"market bid"_s,
                 u"Provider: bids on ORDER; a lower bid replaces the provider's earlier one."_s,
                 true, u"ORDER"_s))
        return c.exitCode;
    ChainSession &s = *c.session;
    if (c.parser.positionalArguments().size() != 1 || !c.parser.isSet(u"rate"_s))
        return context.usageError(u"give the ORDER id and --rate"_s, u"market bid"_s);
    auto orderId = parseUInt256(c.parser.positionalArguments().first());
    auto rate = rateOption(s, c.parser, u"rate"_s);
    auto notice = parseDuration(c.parser.value(u"notice"_s));
    if (!orderId || !rate || !notice)
        return context.usageError(!orderId ? orderId.error().message
                                  : !rate  ? rate.error().message
                                           : notice.error().message,
                                  u"market bid"_s);
    auto market = marketContract(s);
    if (!market)
        return context.fail(market.error());
    auto request = market->bid(*orderId, *rate, *notice);
    if (!request)
        return context.fail(request.error());
    if (auto unlocked = s.unlock(u"bid"_s); !unlocked)
        return context.fail(unlocked.error());
    auto receipt = s.send(*request);
    if (!receipt)
        return context.fail(receipt.error());
    auto placed = market->client().event(*receipt, u"BidPlaced"_s);
    const QString bidId =
        placed ? toDecimalString(placed->arg(u"bidId"_s)->toUInt().value()) : QString();
    CommandOutput(context, s.json())
        .field(u"transaction"_s, hexString(receipt->transactionHash))
        .field(u"orderId"_s, toDecimalString(*orderId))
        .field(u"bidId"_s, bidId)
        .line(u"Bid %1 on order %2: %3 %4/hour, notice %5"_s.arg(
            bidId, toDecimalString(*orderId),
            tokensPerPeriod(*rate, s.profile().tokenDecimals, PricePeriod::Hour),
            s.profile().tokenSymbol, formatDuration(*notice)))
        .print();
    return ExitOk;
}

int runAccept(CommandContext &context)
{
    ChainCommandLine c;
    if (!c.parse(context, u"market accept"_s,
                 u"Publisher: accepts BID on ORDER, which opens the escrow channel with the "
                 u"order's deposit at the bid's rate."_s,
                 true, u"ORDER BID"_s))
        return c.exitCode;
    ChainSession &s = *c.session;
    const QStringList args = c.parser.positionalArguments();
    if (args.size() != 2)
        return context.usageError(u"give the ORDER and BID ids"_s, u"market accept"_s);
    auto orderId = parseUInt256(args[0]);
    auto bidId = parseUInt256(args[1]);
    if (!orderId || !bidId)
        return context.usageError((!orderId ? orderId : bidId).error().message, u"market accept"_s);
    auto market = marketContract(s);
    if (!market)
        return context.fail(market.error());
    auto request = market->accept(*orderId, *bidId);
    if (!request)
        return context.fail(request.error());
    if (auto unlocked = s.unlock(u"accept a bid"_s); !unlocked)
        return context.fail(unlocked.error());
    auto receipt = s.send(*request);
    if (!receipt)
        return context.fail(receipt.error());
    auto accepted = market->client().event(*receipt, u"OrderAccepted"_s);
    const QString channel =
        accepted ? hexString(accepted->arg(u"channelId"_s)->toBytes().value()) : QString();
    CommandOutput(context, s.json())
        .field(u"transaction"_s, hexString(receipt->transactionHash))
        .field(u"channelId"_s, channel)
        .line(u"Accepted bid %1 on order %2: channel %3 is open (see `berthctl escrow show %3`)"_s
                  .arg(toDecimalString(*bidId), toDecimalString(*orderId), channel))
        .print();
    return ExitOk;
}

int runCancel(CommandContext &context)
{
    ChainCommandLine c;
    if (!c.parse(context, u"market cancel"_s,
                 u"Publisher: cancels an open ORDER and gets its deposit back."_s, true,
                 u"ORDER"_s))
        return c.exitCode;
    ChainSession &s = *c.session;
    if (c.parser.positionalArguments().size() != 1)
        return context.usageError(u"give the ORDER id"_s, u"market cancel"_s);
    auto orderId = parseUInt256(c.parser.positionalArguments().first());
    if (!orderId)
        return context.usageError(orderId.error().message, u"market cancel"_s);
    auto market = marketContract(s);
    if (!market)
        return context.fail(market.error());
    auto request = market->cancel(*orderId);
    if (!request)
        return context.fail(request.error());
    if (auto unlocked = s.unlock(u"cancel an order"_s); !unlocked)
        return context.fail(unlocked.error());
    auto receipt = s.send(*request);
    if (!receipt)
        return context.fail(receipt.error());
    auto cancelled = market->client().event(*receipt, u"OrderCancelled"_s);
    const UInt256 refund = cancelled ? cancelled->arg(u"refund"_s)->toUInt().value() : UInt256(0);
    CommandOutput(context, s.json())
        .field(u"transaction"_s, hexString(receipt->transactionHash))
        .field(u"refund"_s, s.tokensJson(refund))
        .line(
            u"Cancelled order %1; %2 refunded."_s.arg(toDecimalString(*orderId), s.tokens(refund)))
        .print();
    return ExitOk;
}

int runList(CommandContext &context)
{
    ChainCommandLine c;
    c.parser.addOption({u"open"_s, u"Only orders still open."_s});
    c.parser.addOption({u"bids"_s, u"List the bids of this order instead."_s, u"order"_s});
    if (!c.parse(context, u"market list"_s,
                 u"Lists the most recent orders (or the bids of one order)."_s, false))
        return c.exitCode;
    ChainSession &s = *c.session;
    auto market = marketContract(s);
    if (!market)
        return context.fail(market.error());
    CommandOutput out(context, s.json());
    if (c.parser.isSet(u"bids"_s)) {
        auto orderId = parseUInt256(c.parser.value(u"bids"_s));
        if (!orderId)
            return context.usageError(u"--bids: "_s + orderId.error().message, u"market list"_s);
        QJsonArray bids;
        // Pages of at most Market.MAX_PAGE_SIZE, in the order the bids were placed.
        for (UInt256 offset = 0;;) {
            auto page = s.read(market->client(), u"bidsOfOrder"_s,
                               {AbiValue::fromUInt(*orderId), AbiValue::fromUInt(offset),
                                AbiValue::fromUInt(bidPageSize)});
            if (!page)
                return context.fail(page.error());
            const QList<MarketBid> entries = MarketContract::bidsFromAbi(*page);
            for (const MarketBid &b : entries) {
                const QString rate =
                    tokensPerPeriod(b.ratePerSecond, s.profile().tokenDecimals, PricePeriod::Hour);
                const QString status = MarketBid::statusName(b.status);
                bids.append(QJsonObject{{u"bidId"_s, toDecimalString(b.id)},
                                        {u"provider"_s, b.provider.toChecksumString()},
                                        {u"noticePeriod"_s, QString::number(b.noticePeriod)},
                                        {u"placedAt"_s, QString::number(b.placedAt)},
                                        {u"status"_s, status},
                                        {u"ratePerHour"_s, rate}});
                out.line(u"bid %1 (%2) by %3: %4 %5/hour, notice %6"_s.arg(
                    toDecimalString(b.id), status, b.provider.toChecksumString(), rate,
                    s.profile().tokenSymbol, formatDuration(b.noticePeriod)));
            }
            offset += entries.size();
            auto total = page->value(2).toUInt();
            if (entries.isEmpty() || !total || offset >= *total)
                break;
        }
        if (bids.isEmpty())
            out.line(u"No bids on order %1."_s.arg(toDecimalString(*orderId)));
        out.field(u"bids"_s, bids).print();
        return ExitOk;
    }
    auto count = s.read(market->client(), u"orderCount"_s, {});
    if (!count)
        return context.fail(count.error());
    const UInt256 total = count->constFirst().toUInt().value();
    QJsonArray orders;
    // Order ids start at 1; newest first.
    for (UInt256 id = total; id >= 1 && quint64(orders.size()) < listPageSize; --id) {
        auto order = readOrder(s, *market, id);
        if (!order)
            return context.fail(order.error());
        if (c.parser.isSet(u"open"_s) && order->status != MarketOrder::Status::Open)
            continue;
        const QJsonObject json = orderJson(s, *order);
        orders.append(json);
        out.line(orderLine(json, s));
    }
    if (orders.isEmpty())
        out.line(u"No orders."_s);
    out.field(u"orders"_s, orders).print();
    return ExitOk;
}

} // namespace

int runMarketCommand(CommandContext &context)
{
    return dispatchSubcommand(
        context, u"market"_s,
        {{u"order"_s, u"publisher: post an order"_s, runOrder},
         {u"bid"_s, u"provider: bid on an order"_s, runBid},
         {u"accept"_s, u"publisher: accept a bid (opens the channel)"_s, runAccept},
         {u"cancel"_s, u"publisher: cancel an open order"_s, runCancel},
         {u"list"_s, u"list orders or bids"_s, runList}});
}

} // namespace berth::cli
