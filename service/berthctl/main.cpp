// berthctl: Berth's command line: manifests, the wallet, the chain, the
// contracts' money commands, a publisher's deployments and the admin of a
// running berthd (its admin API).
#include "admincommand.h"
#include "chaincommand.h"
#include "commandcontext.h"
#include "deploycommand.h"
#include "escrowcommand.h"
#include "imagecommand.h"
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
           "Deployments (a publisher's):\n"
           "  deploy     deploy a manifest to a provider, paid through Escrow\n"
           "  update     run a new manifest for a deployment\n"
           "  delete     delete a deployment and close (later: settle) its channel\n"
           "  ls         list your deployments\n"
           "  status     a deployment's state, endpoints and channel\n"
           "  events     a deployment's events\n"
           "  logs       a deployment's log lines (-f follows)\n"
           "  metrics    a deployment's CPU, memory, network and disk over time\n"
           "  topup      add to a deployment's deposit\n"
           "  image      push private images: export, encrypt once, record\n"
           "\n"
           "Provider (the operator of a running berthd):\n"
           "  admin      status, deployments, metrics and logs over berthd's admin API\n"
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
        {u"market"_s, runMarketCommand},     {u"deploy"_s, runDeployCommand},
        {u"update"_s, runUpdateCommand},     {u"delete"_s, runDeleteCommand},
        {u"ls"_s, runListCommand},           {u"status"_s, runStatusCommand},
        {u"events"_s, runEventsCommand},     {u"logs"_s, runLogsCommand},
        {u"topup"_s, runTopUpCommand},       {u"image"_s, runImageCommand},
        {u"metrics"_s, runMetricsCommand},   {u"admin"_s, runAdminCommand}};
    if (const Runner run = commands.value(command))
        return run(context);
    err << "berthctl: unknown command \"" << command << "\"\n";
    printHelp(err);
    return ExitUsage;
}
