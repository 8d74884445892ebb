// berthctl: Berth's command line for manifests today; wallet, deploy and the
// admin of a running berthd arrive with later milestones (see README.md).
#include "commandcontext.h"
#include "manifestcommand.h"

#include <QCoreApplication>

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
    if (command == u"manifest")
        return runManifestCommand(context);
    err << "berthctl: unknown command \"" << command << "\"\n";
    printHelp(err);
    return ExitUsage;
}
