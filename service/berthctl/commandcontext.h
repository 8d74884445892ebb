#pragma once

#include "core/error.h"

#include <QStringList>
#include <QTextStream>

namespace berth::cli {

// Exit codes shared by every berthctl command.
enum ExitCode : int
{
    ExitOk = 0,
    ExitFailure = 1, // the command ran and found problems or failed
    ExitUsage = 2,   // the command line was wrong
};

// What a command needs from the process: its arguments and two text streams.
// Commands take it by reference so tests and the dispatcher share one shape.
struct CommandContext
{
    QStringList arguments; // after the command name, e.g. {"validate", "pod.yaml"}
    QTextStream &out;
    QTextStream &err;

    int usageError(const QString &message, const QString &helpCommand) const
    {
        err << "berthctl: " << message << "\n"
            << "Run `berthctl " << helpCommand << " --help` for usage.\n";
        return ExitUsage;
    }

    // Prints "berthctl: <message>" and returns ExitFailure.
    int fail(const Error &error) const
    {
        err << "berthctl: " << error.message << "\n";
        return ExitFailure;
    }
};

} // namespace berth::cli
