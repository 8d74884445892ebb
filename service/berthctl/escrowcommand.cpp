#include "escrowcommand.h"

#include "chain/escrowcontract.h"
#include "chain/priceunits.h"
#include "chaincommandline.h"
#include "commandoutput.h"
#include "core/hex.h"
#include "crypto/secretbytes.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>

using namespace Qt::StringLiterals;

namespace berth::cli {

using namespace berth::chain;

namespace {

constexpr int quoteDocumentVersion = 1;
constexpr qint64 maxQuoteFileBytes = 64 * 1024;

Result<QByteArray> parseChannelId(const QStringList &positional)
{
    if (positional.size() != 1)
        return Error{ErrorCode::InvalidArgument, u"give the CHANNEL id (0x + 64 hex digits)"_s};
    const QString text = positional.first();
    const QByteArray id = QByteArray::fromHex(text.mid(2).toLatin1());
    if (!text.startsWith(u"0x") || text.size() != 66 || id.size() != 32)
        return Error{ErrorCode::InvalidArgument,
                     u"'%1' is not a channel id: write 0x followed by 64 hexadecimal digits, as "
                     u"`escrow open` printed it"_s.arg(text.left(80))};
    return id;
}

int runQuote(CommandContext &context)
{
    ChainCommandLine c;
    c.parser.addOption({u"publisher"_s, u"The publisher the quote is for."_s, u"address"_s});
    c.parser.addOption({u"deployment"_s, u"Deployment name or 0x id (32 bytes)."_s, u"name"_s});
    c.parser.addOption({u"rate"_s, u"Price in tokens per --per period."_s, u"tokens"_s});
    c.parser.addOption({u"per"_s, u"Period of --rate: second, hour or month (30 days)."_s,
                        u"period"_s, u"hour"_s});
    c.parser.addOption(
        {u"notice"_s, u"Notice period a close must give (default 1h)."_s, u"duration"_s, u"1h"_s});
    c.parser.addOption({u"valid-for"_s, u"How long the quote can be used (default 15m)."_s,
                        u"duration"_s, u"15m"_s});
    c.parser.addOption({u"nonce"_s, u"Quote nonce (default: random)."_s, u"n"_s});
    c.parser.addOption({u"out"_s, u"Write the signed quote to this file."_s, u"file"_s});
    if (!c.parse(context, u"escrow quote"_s,
                 u"Signs, with the provider's key and without touching the chain, a quote a "
                 u"publisher can open a channel with (EIP-712, as Escrow verifies it)."_s,
                 true))
        return c.exitCode;
    ChainSession &s = *c.session;
    const QCommandLineParser &p = c.parser;
    for (const auto &required : {u"publisher"_s, u"deployment"_s, u"rate"_s})
        if (!p.isSet(required))
            return context.usageError(u"escrow quote needs --%1"_s.arg(required),
                                      u"escrow quote"_s);
    EscrowQuote quote;
    auto publisher = crypto::Address::fromHex(p.value(u"publisher"_s));
    if (!publisher)
        return context.usageError(publisher.error().message, u"escrow quote"_s);
    quote.publisher = *publisher;
    quote.deploymentId = EscrowQuote::deploymentIdFrom(p.value(u"deployment"_s));
    quote.token = s.profile().token;
    const QString per = p.value(u"per"_s);
    const quint64 period = per == u"second"  ? PricePeriod::Second
                           : per == u"hour"  ? PricePeriod::Hour
                           : per == u"month" ? PricePeriod::Month
                                             : 0;
    if (period == 0)
        return context.usageError(u"--per takes second, hour or month"_s, u"escrow quote"_s);
    auto rate = scaledRateFromTokens(p.value(u"rate"_s), s.profile().tokenDecimals, period);
    if (!rate)
        return context.usageError(u"--rate: "_s + rate.error().message, u"escrow quote"_s);
    quote.ratePerSecond = *rate;
    auto notice = parseDuration(p.value(u"notice"_s));
    auto validFor = parseDuration(p.value(u"valid-for"_s));
    if (!notice || !validFor)
        return context.usageError((!notice ? notice : validFor).error().message, u"escrow quote"_s);
    quote.noticePeriod = *notice;
    // Escrow checks validUntil against block time: count from the chain's clock
    // when it answers, else from this computer's (the quote is signed offline).
    const auto now = s.chainTime();
    quote.validUntil = (now ? *now : quint64(QDateTime::currentSecsSinceEpoch())) + *validFor;
    if (p.isSet(u"nonce"_s)) {
        auto nonce = parseUInt256(p.value(u"nonce"_s));
        if (!nonce)
            return context.usageError(u"--nonce: "_s + nonce.error().message, u"escrow quote"_s);
        quote.nonce = *nonce;
    } else {
        quote.nonce = *uint256FromBigEndian(crypto::randomBytes(8));
    }
    if (auto unlocked = s.unlock(u"sign a quote"_s); !unlocked)
        return context.fail(unlocked.error());
    // unlock() made the key the session's signer; sign with the same account.
    auto provider = s.account();
    auto signature = s.signTypedData(quote.typedData(s.profile().chainId, s.profile().escrow));
    if (!signature)
        return context.fail(signature.error());
    const QJsonObject document{{u"version"_s, quoteDocumentVersion},
                               {u"chainId"_s, QString::number(s.profile().chainId)},
                               {u"escrow"_s, s.profile().escrow.toChecksumString()},
                               {u"provider"_s, provider->toChecksumString()},
                               {u"quote"_s, quote.toJson()},
                               {u"signature"_s, hexString(*signature)}};
    const QByteArray bytes = QJsonDocument(document).toJson(QJsonDocument::Indented);
    const QString outPath = p.value(u"out"_s);
    if (!outPath.isEmpty()) {
        QSaveFile file(outPath);
        if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
            return context.fail(Error{ErrorCode::IoFailed,
                                      u"cannot write %1: %2"_s.arg(outPath, file.errorString())});
    }
    if (s.json() || outPath.isEmpty()) {
        context.out << QString::fromUtf8(bytes);
        return ExitOk;
    }
    CommandOutput(context, false)
        .line(u"Quote for %1: %2 %3/hour, notice %4, valid until %5 (UTC)"_s.arg(
            quote.publisher.toChecksumString(),
            tokensPerPeriod(quote.ratePerSecond, s.profile().tokenDecimals, PricePeriod::Hour),
            s.profile().tokenSymbol, formatDuration(quote.noticePeriod),
            QDateTime::fromSecsSinceEpoch(qint64(quote.validUntil), Qt::UTC).toString(Qt::ISODate)))
        .line(u"Written to %1"_s.arg(QDir::toNativeSeparators(outPath)))
        .print();
    return ExitOk;
}

int runOpen(CommandContext &context)
{
    ChainCommandLine c;
    c.parser.addOption({u"deposit"_s, u"Tokens to escrow."_s, u"amount"_s});
    c.parser.addOption(
        {u"duration"_s, u"Escrow enough for this long at the quoted rate (7d)."_s, u"duration"_s});
    if (!c.parse(context, u"escrow open"_s,
                 u"Opens a channel with a provider's signed QUOTE file, escrowing a deposit "
                 u"(approving the token first when needed)."_s,
                 true, u"QUOTE"_s))
        return c.exitCode;
    ChainSession &s = *c.session;
    if (c.parser.positionalArguments().size() != 1)
        return context.usageError(u"give the QUOTE file"_s, u"escrow open"_s);
    auto document = readQuoteDocument(c.parser.positionalArguments().first(), s);
    if (!document)
        return context.fail(document.error());
    auto deposit = amountFromOptions(s, c.parser, u"deposit"_s, document->quote.ratePerSecond);
    if (!deposit)
        return context.usageError(deposit.error().message, u"escrow open"_s);
    if (*deposit == 0)
        return context.usageError(u"the deposit must be more than zero"_s, u"escrow open"_s);
    auto opened = openChannel(s, *document, *deposit);
    if (!opened)
        return context.fail(opened.error());
    auto escrowClient = s.contract(u"Escrow"_s);
    if (!escrowClient)
        return context.fail(escrowClient.error());
    const QByteArray id = opened->channelId;
    const QString transaction = hexString(opened->transaction);
    auto view = viewChannel(s, *escrowClient, id);
    if (!view)
        return context.fail(view.error());
    CommandOutput out(context, s.json());
    out.field(u"transaction"_s, transaction);
    out.line(u"Opened:"_s);
    describe(out, s, *view);
    out.print();
    return ExitOk;
}

// Shared by the one-transaction channel commands.
int runChannelTransaction(CommandContext &context, const QString &name, const QString &description,
                          const QString &function, const QString &done)
{
    ChainCommandLine c;
    if (!c.parse(context, u"escrow "_s + name, description, true, u"CHANNEL"_s))
        return c.exitCode;
    ChainSession &s = *c.session;
    auto id = parseChannelId(c.parser.positionalArguments());
    if (!id)
        return context.usageError(id.error().message, u"escrow "_s + name);
    CommandOutput out(context, s.json());
    const int code = channelTransaction(context, out, s, *id, name, function, done);
    if (code == ExitOk)
        out.print();
    return code;
}

int runTopUp(CommandContext &context)
{
    ChainCommandLine c;
    addTopUpOptions(c.parser);
    if (!c.parse(context, u"escrow topup"_s, u"Adds to a channel's deposit."_s, true, u"CHANNEL"_s))
        return c.exitCode;
    auto id = parseChannelId(c.parser.positionalArguments());
    if (!id)
        return context.usageError(id.error().message, u"escrow topup"_s);
    CommandOutput out(context, c.session->json());
    const int code = topUpChannel(context, out, *c.session, c.parser, *id, u"escrow topup"_s);
    if (code == ExitOk)
        out.print();
    return code;
}

int runShow(CommandContext &context)
{
    ChainCommandLine c;
    if (!c.parse(context, u"escrow show"_s,
                 u"Shows a channel: rate, deposit, what accrued, runway."_s, false, u"CHANNEL"_s))
        return c.exitCode;
    ChainSession &s = *c.session;
    auto id = parseChannelId(c.parser.positionalArguments());
    if (!id)
        return context.usageError(id.error().message, u"escrow show"_s);
    auto escrowClient = s.contract(u"Escrow"_s);
    if (!escrowClient)
        return context.fail(escrowClient.error());
    auto view = viewChannel(s, *escrowClient, *id);
    if (!view)
        return context.fail(view.error());
    CommandOutput out(context, s.json());
    describe(out, s, *view);
    out.print();
    return ExitOk;
}

} // namespace

// The deposit for `seconds` at `rate` (scaled per-second), rounded up so the
// channel lasts at least that long.
UInt256 depositFor(const UInt256 &rate, quint64 seconds)
{
    const boost::multiprecision::uint512_t total = boost::multiprecision::uint512_t(rate) * seconds;
    const boost::multiprecision::uint512_t scale(rateScale());
    return UInt256((total + scale - 1) / scale);
}

// --deposit AMOUNT or --duration D (at `rate`).
Result<UInt256> amountFromOptions(ChainSession &s, const QCommandLineParser &parser,
                                  const QString &amountOption, const UInt256 &rate)
{
    const bool byAmount = parser.isSet(amountOption);
    const bool byDuration = parser.isSet(u"duration"_s);
    if (byAmount == byDuration)
        return Error{ErrorCode::InvalidArgument,
                     u"give either --%1 AMOUNT (in %2) or --duration D (such as 7d)"_s.arg(
                         amountOption, s.profile().tokenSymbol)};
    if (byAmount)
        return s.parseTokens(parser.value(amountOption), u"--"_s + amountOption);
    auto seconds = parseDuration(parser.value(u"duration"_s));
    if (!seconds)
        return seconds.error();
    if (rate == 0)
        return Error{ErrorCode::InvalidArgument,
                     u"the rate is zero, so --duration cannot size the deposit: use --%1"_s.arg(
                         amountOption)};
    return depositFor(rate, *seconds);
}

Result<EscrowChannel> readChannel(ChainSession &s, const ContractClient &escrow,
                                  const QByteArray &id)
{
    auto raw = s.read(escrow, u"channel"_s, {AbiValue::fromBytes(id)});
    if (!raw)
        return raw.error();
    EscrowChannel channel = EscrowChannel::fromAbi(id, raw->constFirst());
    if (channel.status == EscrowChannel::Status::None)
        return Error{ErrorCode::NotFound, u"no channel %1 on this chain's Escrow (%2)"_s.arg(
                                              hexString(id), escrow.address().toChecksumString())};
    return channel;
}

// What the channel is doing now: the contract's status says open until it is
// settled, even after its stop time has passed.
QString channelState(const ChannelView &v)
{
    const EscrowChannel &c = v.channel;
    if (c.status != EscrowChannel::Status::Open)
        return EscrowChannel::statusName(c.status);
    if (c.stopAt == 0)
        return u"open"_s;
    return v.now >= c.stopAt ? u"stopped"_s : u"stopping"_s;
}

Result<ChannelView> viewChannel(ChainSession &s, const ContractClient &escrow, const QByteArray &id)
{
    auto channel = readChannel(s, escrow, id);
    if (!channel)
        return channel.error();
    auto now = s.chainTime();
    if (!now)
        return now.error();
    ChannelView view{*channel, 0, 0, 0, 0, *now};
    for (const auto &[function, out] :
         {std::pair{u"accrued"_s, &view.accrued}, std::pair{u"claimable"_s, &view.claimable},
          std::pair{u"refundable"_s, &view.refundable}, std::pair{u"runway"_s, &view.runway}}) {
        auto value = s.read(escrow, function, {AbiValue::fromBytes(id)});
        if (!value)
            return value.error();
        *out = value->constFirst().toUInt().value();
    }
    // Runway is what the deposit covers; a stop ends the channel sooner.
    if (view.channel.stopAt != 0)
        view.runway =
            std::min(view.runway,
                     UInt256(view.channel.stopAt > view.now ? view.channel.stopAt - view.now : 0));
    return view;
}

QString runwayText(const UInt256 &runway)
{
    if (runway == std::numeric_limits<UInt256>::max())
        return u"unlimited (zero rate)"_s;
    auto seconds = toUInt64(runway);
    return seconds ? formatDuration(*seconds) : u"unlimited"_s;
}

void describe(CommandOutput &out, ChainSession &s, const ChannelView &v)
{
    const EscrowChannel &c = v.channel;
    const QString perHour = tokensPerPeriod(c.rate, s.profile().tokenDecimals, PricePeriod::Hour);
    const QString perMonth = tokensPerPeriod(c.rate, s.profile().tokenDecimals, PricePeriod::Month);
    QJsonObject json{{u"channelId"_s, hexString(c.id)},
                     {u"status"_s, EscrowChannel::statusName(c.status)},
                     {u"state"_s, channelState(v)},
                     {u"publisher"_s, c.publisher.toChecksumString()},
                     {u"provider"_s, c.provider.toChecksumString()},
                     {u"deploymentId"_s, hexString(c.deploymentId)},
                     {u"token"_s, c.token.toChecksumString()},
                     {u"ratePerSecond"_s, toDecimalString(c.rate)},
                     {u"ratePerHour"_s, perHour},
                     {u"ratePerMonth"_s, perMonth},
                     {u"noticePeriod"_s, QString::number(c.noticePeriod)},
                     {u"start"_s, QString::number(c.start)},
                     {u"stopAt"_s, QString::number(c.stopAt)},
                     {u"deposit"_s, s.tokensJson(c.deposit)},
                     {u"claimed"_s, s.tokensJson(c.claimed)},
                     {u"accrued"_s, s.tokensJson(v.accrued)},
                     {u"claimable"_s, s.tokensJson(v.claimable)},
                     {u"refundable"_s, s.tokensJson(v.refundable)},
                     {u"runwaySeconds"_s, toDecimalString(v.runway)}};
    out.field(u"channel"_s, json);
    const QString state = channelState(v);
    out.line(u"Channel %1 (%2)"_s.arg(hexString(c.id), state == u"stopped"
                                                           ? u"stopped: settle it with "
                                                             u"`berthctl escrow settle`"_s
                                                           : state));
    out.line(u"  publisher  %1"_s.arg(c.publisher.toChecksumString()));
    out.line(u"  provider   %1"_s.arg(c.provider.toChecksumString()));
    out.line(
        u"  rate       %1 %3/hour (%2 %3/month)"_s.arg(perHour, perMonth, s.profile().tokenSymbol));
    out.line(u"  deposit    %1, claimed %2"_s.arg(s.tokens(c.deposit), s.tokens(c.claimed)));
    out.line(u"  accrued    %1, claimable %2, refundable %3"_s.arg(
        s.tokens(v.accrued), s.tokens(v.claimable), s.tokens(v.refundable)));
    out.line(u"  runway     %1"_s.arg(runwayText(v.runway)));
    if (c.stopAt != 0)
        out.line(u"  stops at   %1 (UTC)"_s.arg(
            QDateTime::fromSecsSinceEpoch(qint64(c.stopAt), Qt::UTC).toString(Qt::ISODate)));
}

Result<QuoteDocument> readQuoteDocument(const QString &path, const ChainSession &s)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{ErrorCode::NotFound,
                     u"cannot read the quote %1: %2"_s.arg(path, file.errorString())};
    if (file.size() > maxQuoteFileBytes)
        return Error{ErrorCode::TooLarge, u"%1 is too large to be a quote"_s.arg(path)};
    QJsonParseError parseError;
    const QJsonObject doc = QJsonDocument::fromJson(file.readAll(), &parseError).object();
    if (doc.isEmpty())
        return Error{ErrorCode::ParseFailed,
                     u"%1 is not a quote document (%2): ask the provider for the file `berthctl "
                     u"escrow quote` writes"_s.arg(path, parseError.errorString())};
    return quoteDocumentFromJson(doc, s);
}

Result<QuoteDocument> quoteDocumentFromJson(const QJsonObject &doc, const ChainSession &s)
{
    const QString path = u"the quote"_s;
    if (doc.value(u"version"_s).toInt() != quoteDocumentVersion)
        return Error{ErrorCode::Unsupported, u"%1: unsupported quote version"_s.arg(path)};
    if (doc.value(u"chainId"_s).toString() != QString::number(s.profile().chainId))
        return Error{ErrorCode::WrongChain,
                     u"the quote is for chain %1 but the profile is chain %2: use the right "
                     u"--chain"_s.arg(doc.value(u"chainId"_s).toString(),
                                      QString::number(s.profile().chainId))};
    auto escrow = crypto::Address::fromHex(doc.value(u"escrow"_s).toString());
    if (!escrow || *escrow != s.profile().escrow)
        return Error{ErrorCode::WrongChain,
                     u"the quote is for the Escrow at %1, not this chain's %2"_s.arg(
                         doc.value(u"escrow"_s).toString(), s.profile().escrow.toChecksumString())};
    auto provider = crypto::Address::fromHex(doc.value(u"provider"_s).toString());
    if (!provider)
        return Error{ErrorCode::ValidationFailed, u"provider: "_s + provider.error().message};
    auto quote = EscrowQuote::fromJson(doc.value(u"quote"_s).toObject());
    if (!quote)
        return quote.error();
    const QString sigHex = doc.value(u"signature"_s).toString();
    QuoteDocument out{*quote, *provider, QByteArray::fromHex(sigHex.mid(2).toLatin1())};
    // Check the signature here: a mismatch then names the signer instead of
    // Escrow's bare InvalidSignature().
    auto signer =
        quote->typedData(s.profile().chainId, s.profile().escrow).recoverSigner(out.signature);
    if (!signer)
        return Error{ErrorCode::AuthFailed,
                     u"the quote's signature is invalid: "_s + signer.error().message};
    if (*signer != *provider)
        return Error{
            ErrorCode::AuthFailed,
            u"the quote was signed by %1, not by the provider %2 it names: do not use it"_s.arg(
                signer->toChecksumString(), provider->toChecksumString())};
    return out;
}

Result<OpenedChannel> openChannel(ChainSession &s, const QuoteDocument &document,
                                  const UInt256 &deposit)
{
    auto escrowClient = s.contract(u"Escrow"_s);
    if (!escrowClient)
        return escrowClient.error();
    const EscrowContract escrow(*escrowClient);
    auto me = s.account();
    if (!me)
        return me.error();
    if (document.quote.publisher != *me)
        return Error{ErrorCode::AuthFailed,
                     u"the quote is for the publisher %1, not for this account %2: "
                     u"if %1 is yours, choose it with --account; otherwise ask the "
                     u"provider for a quote for %2"_s.arg(
                         document.quote.publisher.toChecksumString(), me->toChecksumString())};
    // Refuse what Escrow would refuse before anything (an approval) is sent.
    auto now = s.chainTime();
    if (!now)
        return now.error();
    if (document.quote.validUntil < *now)
        return Error{ErrorCode::InvalidArgument,
                     u"the quote expired %1 ago (chain time): ask the provider for a "
                     u"new quote"_s.arg(formatDuration(*now - document.quote.validUntil))};
    auto used = s.read(
        *escrowClient, u"usedNonce"_s,
        {AbiValue::fromAddress(document.provider), AbiValue::fromUInt(document.quote.nonce)});
    if (!used)
        return used.error();
    if (used->constFirst().toBool().value())
        return Error{ErrorCode::Conflict,
                     u"this quote was used already (its nonce %1 is spent): ask the "
                     u"provider for a new quote"_s.arg(toDecimalString(document.quote.nonce))};
    if (auto unlocked = s.unlock(u"open a channel"_s); !unlocked)
        return unlocked.error();
    if (auto allowed = s.ensureAllowance(s.profile().escrow, deposit, u"opening the channel"_s);
        !allowed)
        return allowed.error();
    auto tx = escrow.open(document.quote, document.provider, document.signature, deposit);
    if (!tx)
        return tx.error();
    auto receipt = s.send(*tx);
    if (!receipt)
        return escrowClient->explain(receipt.error(), u"open"_s);
    return OpenedChannel{
        EscrowContract::channelIdOf(*me, document.provider, document.quote.deploymentId),
        receipt->transactionHash};
}
void addTopUpOptions(QCommandLineParser &parser)
{
    parser.addOption({u"amount"_s, u"Tokens to add."_s, u"amount"_s});
    parser.addOption(
        {u"duration"_s, u"Add enough for this long at the channel's rate."_s, u"duration"_s});
}

int topUpChannel(CommandContext &context, CommandOutput &out, ChainSession &s,
                 const QCommandLineParser &parser, const QByteArray &id, const QString &command)
{
    auto escrowClient = s.contract(u"Escrow"_s);
    if (!escrowClient)
        return context.fail(escrowClient.error());
    auto before = viewChannel(s, *escrowClient, id);
    if (!before)
        return context.fail(before.error());
    auto amount = amountFromOptions(s, parser, u"amount"_s, before->channel.rate);
    if (!amount)
        return context.usageError(amount.error().message, command);
    if (auto unlocked = s.unlock(u"top up a channel"_s); !unlocked)
        return context.fail(unlocked.error());
    if (auto allowed = s.ensureAllowance(s.profile().escrow, *amount, u"the top-up"_s); !allowed)
        return context.fail(allowed.error());
    auto tx = EscrowContract(*escrowClient).topUp(id, *amount);
    if (!tx)
        return context.fail(tx.error());
    auto receipt = s.send(*tx);
    if (!receipt)
        return context.fail(escrowClient->explain(receipt.error(), u"topUp"_s));
    auto after = viewChannel(s, *escrowClient, id);
    if (!after)
        return context.fail(after.error());
    out.field(u"transaction"_s, hexString(receipt->transactionHash));
    out.field(u"added"_s, s.tokensJson(*amount));
    out.line(u"Added %1."_s.arg(s.tokens(*amount)));
    describe(out, s, *after);
    return ExitOk;
}

int channelTransaction(CommandContext &context, CommandOutput &out, ChainSession &s,
                       const QByteArray &id, const QString &name, const QString &function,
                       const QString &done)
{
    auto escrowClient = s.contract(u"Escrow"_s);
    if (!escrowClient)
        return context.fail(escrowClient.error());
    auto before = viewChannel(s, *escrowClient, id);
    if (!before)
        return context.fail(before.error());
    if (auto unlocked = s.unlock(u"escrow "_s + name); !unlocked)
        return context.fail(unlocked.error());
    QString chosen = function;
    if (name == u"close")
        chosen = *s.account() == before->channel.provider ? u"terminate"_s : u"requestClose"_s;
    auto tx = EscrowContract(*escrowClient).onChannel(chosen, id);
    if (!tx)
        return context.fail(tx.error());
    auto receipt = s.send(*tx);
    if (!receipt)
        return context.fail(escrowClient->explain(receipt.error(), chosen));
    auto after = viewChannel(s, *escrowClient, id);
    if (!after)
        return context.fail(after.error());
    out.field(u"transaction"_s, hexString(receipt->transactionHash));
    bool reported = false;
    if (auto claimed = escrowClient->event(*receipt, u"Claimed"_s)) {
        reported = true;
        const UInt256 amount = claimed->arg(u"amount"_s)->toUInt().value();
        out.field(u"claimed"_s, s.tokensJson(amount));
        out.line(u"Claimed %1."_s.arg(s.tokens(amount)));
    }
    if (auto settled = escrowClient->event(*receipt, u"Settled"_s)) {
        reported = true;
        const UInt256 paid = settled->arg(u"paidToProvider"_s)->toUInt().value();
        const UInt256 refund = settled->arg(u"refundedToPublisher"_s)->toUInt().value();
        out.field(u"paidToProvider"_s, s.tokensJson(paid));
        out.field(u"refundedToPublisher"_s, s.tokensJson(refund));
        out.line(u"Settled: %1 to the provider, %2 back to the publisher."_s.arg(s.tokens(paid),
                                                                                 s.tokens(refund)));
    }
    if (!reported)
        out.line(done);
    describe(out, s, *after);
    return ExitOk;
}

int runEscrowCommand(CommandContext &context)
{
    // The one-transaction channel commands: name, help, Escrow function, closing line.
    static const auto claim = [](CommandContext &c) {
        return runChannelTransaction(c, u"claim"_s,
                                     u"Provider: claims what the channel has accrued so far."_s,
                                     u"claim"_s, u"Claimed."_s);
    };
    static const auto close = [](CommandContext &c) {
        return runChannelTransaction(
            c, u"close"_s,
            u"Asks to close the channel: the publisher requests a close, the provider "
            u"terminates. The notice period is paid; settle afterwards."_s,
            u"requestClose"_s, u"Close requested."_s);
    };
    static const auto settle = [](CommandContext &c) {
        return runChannelTransaction(c, u"settle"_s,
                                     u"After the channel stopped: pays the provider what accrued "
                                     u"and refunds the rest to the publisher."_s,
                                     u"settle"_s, u"Done."_s);
    };
    return dispatchSubcommand(
        context, u"escrow"_s,
        {{u"quote"_s, u"provider: sign a quote offline"_s, runQuote},
         {u"open"_s, u"publisher: open a channel with a signed quote"_s, runOpen},
         {u"topup"_s, u"add to a channel's deposit"_s, runTopUp},
         {u"close"_s, u"request a close (publisher) or terminate (provider)"_s, close},
         {u"settle"_s, u"pay out a stopped channel"_s, settle},
         {u"claim"_s, u"provider: claim what accrued"_s, claim},
         {u"show"_s, u"show a channel"_s, runShow}});
}

} // namespace berth::cli
