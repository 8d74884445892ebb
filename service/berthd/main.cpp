// berthd: the Berth service. The provider role (protocol server, Podman runtime,
// Caddy ingress, billing) arrives with issue 5; today berthd reads and checks its
// provider settings and state store (--check-config) and says so when asked to run.
#include "provider/providersettings.h"
#include "provider/statestore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

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

    QTextStream err(stderr);
    err << "berthd: the provider service arrives with issue 5; this version " BERTH_VERSION
           " can only check its settings (berthd --check-config).\n";
    return 1;
}
