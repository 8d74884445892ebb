// berthctl: Berth's command line: manifests, the wallet, the chain and the
// contracts' money commands. Deploy and the admin of a running berthd arrive
// with later milestones (see README.md).
#include "chaincommand.h"
#include "commandcontext.h"
#include "escrowcommand.h"
#include "manifestcommand.h"
#include "marketcommand.h"
#include "providercommand.h"
#include "stakecommand.h"
#include "walletcommand.h"

#include <QCoreApplication>
#include <QHash>

using namespace Qt::StringLiterals;
using namespace berth::cli;

namespace {

void printHelp(QTextStream &out)
{
    out << "Usage: berthctl [--help] [--version] COMMAND [ARGS...]\n"
           "\n"
           "Berth's command line.\n"
           "\n"
           "Commands:\n"
           "  manifest   validate, render and import pod manifests\n"
           "  wallet     accounts in encrypted keystores, balances\n"
           "  chain      start a local devnet or select a chain\n"
           "  provider   register and price a provider listing\n"
           "  escrow     quotes and payment channels\n"
           "  stake      provider stake and liveness challenges\n"
           "  market     orders and bids\n"
           "\n"
           "Run `berthctl COMMAND --help` for a command's usage.\n";
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"berthctl"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(BERTH_VERSION));

    QTextStream out(stdout);
    QTextStream err(stderr);
    QStringList arguments = QCoreApplication::arguments().mid(1);
    if (arguments.isEmpty()) {
        printHelp(err);
        return ExitUsage;
    }
    const QString command = arguments.takeFirst();
    if (command == u"--help" || command == u"-h" || command == u"help") {
        printHelp(out);
        return ExitOk;
    }
    if (command == u"--version" || command == u"-v") {
        out << "berthctl " << BERTH_VERSION << "\n";
        return ExitOk;
    }
    CommandContext context{arguments, out, err};
    using Runner = int (*)(CommandContext &);
    static const QHash<QString, Runner> commands{
        {u"manifest"_s, runManifestCommand}, {u"wallet"_s, runWalletCommand},
        {u"chain"_s, runChainCommand},       {u"provider"_s, runProviderCommand},
        {u"escrow"_s, runEscrowCommand},     {u"stake"_s, runStakeCommand},
        {u"market"_s, runMarketCommand}};
    if (const Runner run = commands.value(command))
        return run(context);
    err << "berthctl: unknown command \"" << command << "\"\n";
    printHelp(err);
    return ExitUsage;
}
