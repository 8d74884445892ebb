#include "chaincommandline.h"

using namespace Qt::StringLiterals;

namespace berth::cli {

bool parseCommandLine(QCommandLineParser &parser, CommandContext &context, const QString &name,
                      int &exitCode)
{
    if (!parser.parse(QStringList{u"berthctl "_s + name} + context.arguments)) {
        exitCode = context.usageError(parser.errorText(), name);
        return false;
    }
    if (parser.isSet(u"help"_s)) {
        // Qt names the executable in the usage line; name the subcommand too.
        QString help = parser.helpText();
        const qsizetype options = help.indexOf(u"[options]"_s);
        if (help.startsWith(u"Usage: "_s) && options > 0)
            help.replace(0, options, u"Usage: berthctl "_s + name + u' ');
        context.out << help;
        exitCode = ExitOk;
        return false;
    }
    return true;
}

bool ChainCommandLine::parse(CommandContext &context, const QString &name,
                             const QString &description, bool signing, const QString &positional)
{
    parser.setApplicationDescription(description);
    parser.addHelpOption();
    ChainSession::addOptions(parser, signing);
    if (!positional.isEmpty())
        parser.addPositionalArgument(positional, u"See the description."_s);
    if (!parseCommandLine(parser, context, name, exitCode))
        return false;
    auto options = ChainSession::readOptions(parser, signing);
    if (!options) {
        exitCode = context.usageError(options.error().message, name);
        return false;
    }
    auto opened = ChainSession::open(*options, context);
    if (!opened) {
        exitCode = context.fail(opened.error());
        return false;
    }
    session = std::move(opened).value();
    return true;
}

int dispatchSubcommand(CommandContext &context, const QString &group,
                       const QList<Subcommand> &subcommands)
{
    const QString sub = context.arguments.isEmpty() ? QString() : context.arguments.first();
    if (sub.isEmpty() || sub == u"--help" || sub == u"-h") {
        QStringList names;
        for (const Subcommand &s : subcommands)
            names << s.name;
        QTextStream &stream = sub.isEmpty() ? context.err : context.out;
        stream << "Usage: berthctl " << group << " " << names.join(u" | "_s) << " [--help]\n\n";
        for (const Subcommand &s : subcommands)
            stream << "  " << s.name.leftJustified(10) << " " << s.summary << "\n";
        return sub.isEmpty() ? ExitUsage : ExitOk;
    }
    CommandContext rest{context.arguments.mid(1), context.out, context.err};
    for (const Subcommand &s : subcommands)
        if (s.name == sub)
            return s.run(rest);
    return context.usageError(u"unknown %1 command \"%2\""_s.arg(group, sub), group);
}

} // namespace berth::cli
