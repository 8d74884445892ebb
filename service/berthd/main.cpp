// berthd: the Berth service. The provider role (protocol server, Podman runtime,
// Caddy ingress, billing) and the publisher agent arrive with later milestones;
// today it answers --help and --version and says so when asked to run.
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

using namespace Qt::StringLiterals;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"berthd"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(BERTH_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Berth service: runs paid pods for a provider and deploys them for a publisher."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configOption(u"config"_s, u"Read settings from FILE."_s, u"FILE"_s);
    parser.addOption(configOption);
    parser.process(app);

    QTextStream err(stderr);
    err << "berthd: no service role is available in this version yet; "
           "see README.md for what berthd " BERTH_VERSION " can do.\n";
    return 1;
}
