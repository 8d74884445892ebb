#pragma once

#include "chain/escrowcontract.h"
#include "chain/escrowquote.h"
#include "chainsession.h"
#include "commandcontext.h"
#include "core/uint256.h"

#include <QCommandLineParser>

namespace berth::cli {

class CommandOutput;

// berthctl escrow quote | open | topup | close | settle | claim | show
int runEscrowCommand(CommandContext &context);

// What `escrow` and the deployment commands share.

// The deposit for `seconds` at `rate` (scaled per-second), rounded up so the
// channel lasts at least that long.
UInt256 depositFor(const UInt256 &rate, quint64 seconds);
// --AMOUNTOPTION AMOUNT or --duration D (at `rate`); exactly one must be set.
Result<UInt256> amountFromOptions(ChainSession &s, const QCommandLineParser &parser,
                                  const QString &amountOption, const UInt256 &rate);

Result<chain::EscrowChannel> readChannel(ChainSession &s, const chain::ContractClient &escrow,
                                         const QByteArray &id);

// The channel and what the contract says it owes right now.
struct ChannelView
{
    chain::EscrowChannel channel;
    UInt256 accrued, claimable, refundable, runway;
    quint64 now = 0; // chain time of the reading
};
// open, stopping, stopped (not settled yet), settled.
QString channelState(const ChannelView &v);
Result<ChannelView> viewChannel(ChainSession &s, const chain::ContractClient &escrow,
                                const QByteArray &id);
QString runwayText(const UInt256 &runway);
// The channel as text lines and as the "channel" JSON field.
void describe(CommandOutput &out, ChainSession &s, const ChannelView &v);

// A provider's signed quote, as `escrow quote` writes it and pod.quote answers.
struct QuoteDocument
{
    chain::EscrowQuote quote;
    crypto::Address provider;
    QByteArray signature;
};
Result<QuoteDocument> readQuoteDocument(const QString &path, const ChainSession &s);
// Checks the chain, the Escrow and the provider's signature.
Result<QuoteDocument> quoteDocumentFromJson(const QJsonObject &document, const ChainSession &s);

struct OpenedChannel
{
    QByteArray channelId;   // 32 bytes
    QByteArray transaction; // its hash
};
// Opens the channel the quote describes with `deposit`, after refusing what
// Escrow would refuse (another publisher, expired, spent nonce) and approving
// the token when the allowance is short. Unlocks the account.
Result<OpenedChannel> openChannel(ChainSession &s, const QuoteDocument &document,
                                  const UInt256 &deposit);

// --amount AMOUNT | --duration D, and the top-up itself, described into `out`
// (the caller prints it when the result is ExitOk; errors are printed here).
void addTopUpOptions(QCommandLineParser &parser);
int topUpChannel(CommandContext &context, CommandOutput &out, ChainSession &s,
                 const QCommandLineParser &parser, const QByteArray &id, const QString &command);

// One channel transaction (`close`: requestClose for the publisher, terminate
// for the provider; `settle`; `claim`), sent and described into `out` as above.
int channelTransaction(CommandContext &context, CommandOutput &out, ChainSession &s,
                       const QByteArray &id, const QString &name, const QString &function,
                       const QString &done);

} // namespace berth::cli
