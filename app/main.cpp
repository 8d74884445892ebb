// berth: the Qt Quick dashboard. A thin main: command line, translations, the QML engine.
// The view-models and QML live in the Berth.App module (berth_app_core).
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QLocale>
#include <QLoggingCategory>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QTextStream>
#include <QTranslator>
#include <QUrl>
#include <QtQml/qqmlextensionplugin.h>

Q_IMPORT_QML_PLUGIN(Berth_AppPlugin)

using namespace Qt::StringLiterals;

namespace {

Q_LOGGING_CATEGORY(lcStartup, "berth.app.startup", QtInfoMsg)

constexpr int exitUsage = 2;
constexpr int exitLoadFailed = 1;
constexpr char translationContext[] = "CommandLine";

// --help and --version must work without a display, so the command line is handled
// before QApplication exists; that is also before QCoreApplication::translate works,
// hence this translator lookup.
class CommandLineText
{
public:
    explicit CommandLineText(const QTranslator &translator)
        : m_translator(translator)
    {}
    QString operator()(const char *source) const
    {
        const QString translated = m_translator.translate(translationContext, source);
        return translated.isEmpty() ? QString::fromUtf8(source) : translated;
    }

private:
    const QTranslator &m_translator;
};

// Options that QApplication itself understands (see QGuiApplication and QApplication);
// accepted here so that `berth -platform offscreen` is not a usage error.
void addQtOptions(QCommandLineParser &parser)
{
    const QStringList withValue{
        u"platform"_s,        u"platformpluginpath"_s, u"platformtheme"_s, u"plugin"_s,
        u"qwindowgeometry"_s, u"qwindowicon"_s,        u"qwindowtitle"_s,  u"session"_s,
        u"style"_s,           u"stylesheet"_s,         u"display"_s,       u"name"_s,
        u"title"_s,           u"geometry"_s,           u"qmljsdebugger"_s, u"fontengine"_s};
    const QStringList flags{u"reverse"_s, u"widgetcount"_s, u"nograb"_s, u"dograb"_s, u"sync"_s};
    for (const QString &name : withValue) {
        QCommandLineOption option(name, QString(), u"value"_s);
        option.setFlags(QCommandLineOption::HiddenFromHelp);
        parser.addOption(option);
    }
    for (const QString &name : flags) {
        QCommandLineOption option(name, QString());
        option.setFlags(QCommandLineOption::HiddenFromHelp);
        parser.addOption(option);
    }
}

QString helpText(const CommandLineText &text)
{
    QString help;
    QTextStream out(&help);
    out << text(QT_TRANSLATE_NOOP("CommandLine", "Usage: berth [options]")) << '\n'
        << text(QT_TRANSLATE_NOOP("CommandLine", "Berth dashboard: rent out your machine to run "
                                                 "container pods, or run yours on other people's "
                                                 "machines."))
        << "\n\n"
        << text(QT_TRANSLATE_NOOP("CommandLine", "Options:")) << '\n'
        << "  -h, --help     " << text(QT_TRANSLATE_NOOP("CommandLine", "Show this help and exit."))
        << '\n'
        << "  -v, --version  "
        << text(QT_TRANSLATE_NOOP("CommandLine", "Show the version and exit.")) << "\n\n"
        << text(QT_TRANSLATE_NOOP("CommandLine",
                                  "Qt's own options, such as -platform NAME or -style NAME, "
                                  "are accepted too."))
        << '\n';
    return help;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication::setApplicationName(u"berth"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(BERTH_VERSION));

    // Translations are compiled into the binary (qt_add_translations, prefix /i18n).
    QTranslator translator;
    if (!translator.load(QLocale(), u"berth"_s, u"_"_s, u":/i18n"_s))
        qCDebug(lcStartup) << "no translation for" << QLocale().uiLanguages();
    const CommandLineText text(translator);

    QStringList arguments;
    arguments.reserve(argc);
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);

    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption helpOption({u"h"_s, u"help"_s, u"?"_s}, QString());
    const QCommandLineOption versionOption({u"v"_s, u"version"_s}, QString());
    parser.addOption(helpOption);
    parser.addOption(versionOption);
    addQtOptions(parser);

    QTextStream out(stdout);
    QTextStream err(stderr);
    const QString tryHelp =
        text(QT_TRANSLATE_NOOP("CommandLine", "Run 'berth --help' for the options."));
    if (!parser.parse(arguments)) {
        err << "berth: " << parser.errorText() << '\n' << tryHelp << '\n';
        return exitUsage;
    }
    if (parser.isSet(helpOption)) {
        out << helpText(text);
        return 0;
    }
    if (parser.isSet(versionOption)) {
        out << "berth " << QCoreApplication::applicationVersion() << '\n';
        return 0;
    }
    if (!parser.positionalArguments().isEmpty()) {
        err << "berth: "
            << text(QT_TRANSLATE_NOOP("CommandLine", "unexpected argument '%1'."))
                   .arg(parser.positionalArguments().constFirst())
            << '\n'
            << tryHelp << '\n';
        return exitUsage;
    }

    // QtCharts needs a QApplication, not a QGuiApplication.
    QApplication app(argc, argv);
    QCoreApplication::installTranslator(&translator);
    QGuiApplication::setApplicationDisplayName(u"Berth"_s);
    QGuiApplication::setDesktopFileName(u"berth"_s);
    QApplication::setWindowIcon(QIcon(u":/icons/berth.svg"_s));

    QQmlApplicationEngine engine;
    // The Berth.App module is linked statically; its qmldir lives under qrc:/Berth/App/.
    engine.addImportPath(u"qrc:/"_s);
    const QUrl mainUrl(u"qrc:/Berth/App/Main.qml"_s);
    engine.load(mainUrl);

    const QList<QObject *> roots = engine.rootObjects();
    if (roots.isEmpty() || !qobject_cast<QQuickWindow *>(roots.constFirst())) {
        err << "berth: "
            << text(QT_TRANSLATE_NOOP("CommandLine",
                                      "could not load the user interface from %1; the messages "
                                      "above say why. This is a bug in this build of Berth: "
                                      "please report it."))
                   .arg(mainUrl.toString())
            << '\n';
        return exitLoadFailed;
    }
    qCDebug(lcStartup) << "main window loaded from" << mainUrl.toString();

    return QApplication::exec();
}
