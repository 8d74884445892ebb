#pragma once

#include "chainsession.h"
#include "commandcontext.h"

#include <QCommandLineParser>

#include <memory>

namespace berth::cli {

// The parsing every chain-facing subcommand shares: description, --help, the
// ChainSession options, the command's own options, then the opened session.
// When `exitCode` is set (help printed, usage error, no profile), the command
// returns it at once.
struct ChainCommandLine
{
    QCommandLineParser parser;
    std::unique_ptr<ChainSession> session;
    int exitCode = -1;

    // `name` is the full subcommand ("escrow open"); `positional` names the
    // positional arguments for --help ("CHANNEL").
    bool parse(CommandContext &context, const QString &name, const QString &description,
               bool signing, const QString &positional = {});
};

// Parses `context.arguments` for the subcommand `name` ("chain use"): prints
// --help or a usage error itself and then returns false with `exitCode` set.
bool parseCommandLine(QCommandLineParser &parser, CommandContext &context, const QString &name,
                      int &exitCode);

// Dispatches `group SUB ...` to a table of subcommands, with a usage text for
// `group`, `group --help` and unknown subcommands.
struct Subcommand
{
    QString name;
    QString summary;
    int (*run)(CommandContext &context);
};
int dispatchSubcommand(CommandContext &context, const QString &group,
                       const QList<Subcommand> &subcommands);

} // namespace berth::cli
