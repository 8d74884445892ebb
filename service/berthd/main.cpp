// berthd: the Berth service in the provider role — the wss:// protocol server,
// pods on Podman behind Caddy, billing on the chain (provider/providerdaemon.h).
// --check-config only reads and checks the settings and the state store.
#include "provider/providerdaemon.h"
#include "provider/providersettings.h"
#include "provider/statestore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QTextStream>

#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

// Flattens {"listen": {"port": 7443}} into "listen.port: 7443" lines.
void printSettings(QTextStream &out, const QJsonObject &object, const QString &prefix = {})
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString key = prefix.isEmpty() ? it.key() : prefix + u'.' + it.key();
        if (it->isObject())
            printSettings(out, it->toObject(), key);
        else if (it->isString())
            out << key << ": " << it->toString() << '\n';
        else
            out << key << ": " << it->toVariant().toString() << '\n';
    }
}

int checkConfig(const QString &configPath, bool json)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    const auto settings = berth::provider::ProviderSettings::load(
        configPath, QProcessEnvironment::systemEnvironment());
    if (!settings) {
        err << "berthd: " << settings.error().message << '\n';
        return 1;
    }
    const auto store = berth::provider::StateStore::open(settings->dataDir);
    if (!store) {
        err << "berthd: " << store.error().message << '\n';
        return 1;
    }
    const auto version = (*store)->schemaVersion();
    if (!version) {
        err << "berthd: " << version.error().message << '\n';
        return 1;
    }
    if (json) {
        const QJsonObject state{{u"file"_s, (*store)->filePath()}, {u"schemaVersion"_s, *version}};
        const QJsonObject report{
            {u"config"_s, configPath}, {u"settings"_s, settings->toJson()}, {u"state"_s, state}};
        out << QJsonDocument(report).toJson(QJsonDocument::Indented);
        return 0;
    }
    out << configPath << ": OK\n";
    printSettings(out, settings->toJson());
    out << "state: " << (*store)->filePath() << " (schema version " << *version << ")\n";
    return 0;
}

// SIGTERM and SIGINT end the event loop through a socket pair (a signal handler
// may only write to a descriptor), so berthd stops cleanly: sessions closed,
// the state store flushed. Pods keep running; the next start reconciles.
int signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(signalPipe[0], &byte, 1);
}

void quitOnSignals(QCoreApplication &app)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) != 0)
        return;
    auto *notifier = new QSocketNotifier(signalPipe[1], QSocketNotifier::Read, &app);
    QObject::connect(notifier, &QSocketNotifier::activated, &app, [&app] {
        char byte = 0;
        [[maybe_unused]] const auto got = ::read(signalPipe[1], &byte, 1);
        app.quit();
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
}

int serve(QCoreApplication &app, const QString &configPath)
{
    QTextStream err(stderr);
    const auto settings = berth::provider::ProviderSettings::load(
        configPath, QProcessEnvironment::systemEnvironment());
    if (!settings) {
        err << "berthd: " << settings.error().message << '\n';
        return 1;
    }
    if (!settings->loggingRules.isEmpty())
        QLoggingCategory::setFilterRules(QString(settings->loggingRules).replace(u';', u'\n'));
    auto daemon = berth::provider::ProviderDaemon::create(*settings);
    if (!daemon) {
        err << "berthd: " << daemon.error().message << '\n';
        return 1;
    }
    int exitCode = 0;
    (*daemon)->start([&](berth::Result<void> started) {
        if (!started) {
            err << "berthd: " << started.error().message << '\n';
            err.flush();
            exitCode = 1;
            app.exit(1);
            return;
        }
        err << "berthd: provider " << (*daemon)->address().toChecksumString()
            << " serving on wss://" << settings->listenAddress << ':' << (*daemon)->port()
            << " (certificate sha256 "
            << QString::fromLatin1((*daemon)->certificateSha256().toHex()) << ")\n";
        err.flush();
    });
    quitOnSignals(app);
    const int loop = app.exec();
    return exitCode != 0 ? exitCode : loop;
}

} // namespace

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
    const QCommandLineOption configOption(
        u"config"_s,
        u"Read settings from FILE (default: $BERTH_CONFIG, else /etc/berth/berthd.yaml as root, "
        "else ~/.config/berth/berthd.yaml)."_s,
        u"FILE"_s);
    const QCommandLineOption checkOption(
        u"check-config"_s,
        u"Load and validate the settings and the state store, print the effective settings, "
        "and exit (0: valid, 1: not)."_s);
    const QCommandLineOption jsonOption(u"json"_s, u"With --check-config: print JSON."_s);
    parser.addOptions({configOption, checkOption, jsonOption});
    parser.process(app);

    const QString configPath = parser.isSet(configOption)
                                   ? parser.value(configOption)
                                   : berth::provider::ProviderSettings::defaultConfigPath();
    if (parser.isSet(checkOption))
        return checkConfig(configPath, parser.isSet(jsonOption));

    return serve(app, configPath);
}
