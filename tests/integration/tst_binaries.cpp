// The shipped binaries answer --version and --help without a display or a
// configuration, and berth starts its window on Qt's offscreen platform.
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

constexpr int timeoutMs = 30000;

struct Run
{
    int exitCode = -1;
    QProcess::ExitStatus exitStatus = QProcess::CrashExit;
    QString out;
    QString err;
};

// An environment with no display at all: a binary that tried to open a window
// would fail on the missing platform plugin instead of printing.
QProcessEnvironment headlessEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(u"DISPLAY"_s);
    env.remove(u"WAYLAND_DISPLAY"_s);
    env.insert(u"QT_QPA_PLATFORM"_s, u"no-such-platform"_s);
    env.insert(u"LC_ALL"_s, u"C"_s);
    env.remove(u"LANGUAGE"_s);
    return env;
}

Run run(const QString &program, const QStringList &arguments,
        const QProcessEnvironment &env = headlessEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(program, arguments);
    Run result;
    if (!process.waitForStarted(timeoutMs) || !process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        result.err = u"did not finish: "_s + process.errorString();
        return result;
    }
    result.exitCode = process.exitCode();
    result.exitStatus = process.exitStatus();
    result.out = QString::fromLocal8Bit(process.readAllStandardOutput());
    result.err = QString::fromLocal8Bit(process.readAllStandardError());
    return result;
}

QStringList binaries()
{
    QStringList paths{QStringLiteral(BERTHD_PATH)};
#ifdef BERTH_APP_PATH
    paths << QStringLiteral(BERTH_APP_PATH);
#endif
    return paths;
}

} // namespace

class TestBinaries : public QObject
{
    Q_OBJECT

private slots:
    void version_data()
    {
        QTest::addColumn<QString>("program");
        QTest::addColumn<QString>("option");
        for (const QString &program : binaries()) {
            const QString name = program.section(u'/', -1);
            for (const QString &option : {u"--version"_s, u"-v"_s})
                QTest::addRow("%s %s", qPrintable(name), qPrintable(option)) << program << option;
        }
    }
    void version()
    {
        QFETCH(QString, program);
        QFETCH(QString, option);
        const Run result = run(program, {option});
        QVERIFY2(result.exitStatus == QProcess::NormalExit, qPrintable(result.err));
        QCOMPARE(result.exitCode, 0);
        const QString name = program.section(u'/', -1);
        // BERTH_VERSION is the project version from CMake (0.1.0 today).
        QCOMPARE(result.out.trimmed(), name + u' ' + QStringLiteral(BERTH_VERSION));
    }

    void help_data()
    {
        QTest::addColumn<QString>("program");
        for (const QString &program : binaries())
            QTest::addRow("%s", qPrintable(program.section(u'/', -1))) << program;
    }
    void help()
    {
        QFETCH(QString, program);
        const Run result = run(program, {u"--help"_s});
        QVERIFY2(result.exitStatus == QProcess::NormalExit, qPrintable(result.err));
        QCOMPARE(result.exitCode, 0);
        QVERIFY2(result.out.contains("--version"_L1), qPrintable(result.out));
        QVERIFY2(result.out.contains("--help"_L1), qPrintable(result.out));
        QVERIFY2(result.out.startsWith("Usage: "_L1), qPrintable(result.out));
    }

    // berthd --check-config on the shipped example, its data directory moved to a
    // temporary one through the environment; then the same with a broken override.
    void berthdChecksItsConfig()
    {
        QTemporaryDir temp;
        const QString config = QStringLiteral(BERTH_EXAMPLES_DIR) + u"/../config/berthd.yaml"_s;
        QProcessEnvironment env = headlessEnvironment();
        env.insert(u"BERTH_DATADIR"_s, temp.filePath(u"state"_s));
        const Run result = run(QStringLiteral(BERTHD_PATH),
                               {u"--config"_s, config, u"--check-config"_s, u"--json"_s}, env);
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        const QJsonObject report = QJsonDocument::fromJson(result.out.toUtf8()).object();
        QCOMPARE(report.value("config"_L1).toString(), config);
        const QJsonObject settings = report.value("settings"_L1).toObject();
        QCOMPARE(settings.value("dataDir"_L1).toString(), temp.filePath(u"state"_s));
        QCOMPARE(settings.value("listen"_L1).toObject().value("port"_L1).toInt(), 7443);
        const QJsonObject state = report.value("state"_L1).toObject();
        QCOMPARE(state.value("schemaVersion"_L1).toInt(), 2);
        QCOMPARE(state.value("file"_L1).toString(), temp.filePath(u"state/state.sqlite"_s));

        env.insert(u"BERTH_LISTEN_PORT"_s, u"0"_s);
        const Run broken =
            run(QStringLiteral(BERTHD_PATH), {u"--config"_s, config, u"--check-config"_s}, env);
        QCOMPARE(broken.exitCode, 1);
        QVERIFY2(
            broken.err.contains("BERTH_LISTEN_PORT: listen.port: must be 1..65535 (got \"0\")"_L1),
            qPrintable(broken.err));
        QVERIFY(broken.out.isEmpty());
    }

    void berthdSaysWhatIsMissingBeforeServing()
    {
        QTemporaryDir temp;
        const QString config = temp.filePath(u"berthd.yaml"_s);
        QFile file(config);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("dataDir: " + temp.filePath(u"state"_s).toUtf8() + "\n");
        file.close();
        const Run result = run(QStringLiteral(BERTHD_PATH), {u"--config"_s, config});
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(result.err.contains("chain.profile is not set in berthd.yaml"_L1),
                 qPrintable(result.err));
    }

#ifdef BERTH_APP_PATH
    void appUsageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown option")
            << QStringList{u"--no-such-option"_s} << u"Unknown option 'no-such-option'"_s;
        QTest::newRow("argument") << QStringList{u"manifest.yaml"_s}
                                  << u"unexpected argument 'manifest.yaml'"_s;
    }
    void appUsageErrors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const Run result = run(QStringLiteral(BERTH_APP_PATH), arguments);
        QCOMPARE(result.exitStatus, QProcess::NormalExit);
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(message), qPrintable(result.err));
        QVERIFY2(result.err.contains("berth --help"_L1), qPrintable(result.err));
        QVERIFY(result.out.isEmpty());
    }

    void appAcceptsQtOptions()
    {
        const Run result =
            run(QStringLiteral(BERTH_APP_PATH),
                {u"-platform"_s, u"offscreen"_s, u"-style"_s, u"Fusion"_s, u"--version"_s});
        QCOMPARE(result.exitCode, 0);
        QCOMPARE(result.out.trimmed(), u"berth "_s + QStringLiteral(BERTH_VERSION));
    }

    void appHelpIsTranslated()
    {
        QProcessEnvironment env = headlessEnvironment();
        env.insert(u"LC_ALL"_s, u"de_DE.UTF-8"_s);
        const Run result = run(QStringLiteral(BERTH_APP_PATH), {u"--help"_s}, env);
        QCOMPARE(result.exitCode, 0);
        QVERIFY2(result.out.contains("Aufruf: berth [Optionen]"_L1), qPrintable(result.out));
        QVERIFY(result.out.contains("--version"_L1));
    }

    // The real binary, main.cpp included: it loads Main.qml from its static QML module
    // and keeps running. It says so on the berth.app.startup debug category.
    void appLoadsItsWindow()
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
        env.insert(u"QT_LOGGING_RULES"_s, u"berth.app.startup.debug=true"_s);
        QProcess process;
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(BERTH_APP_PATH), QStringList{});
        QVERIFY(process.waitForStarted(timeoutMs));
        QByteArray err;
        const auto loadedOrEnded = [&] {
            err += process.readAllStandardError();
            return err.contains("main window loaded") || process.state() != QProcess::Running;
        };
        QTRY_VERIFY_WITH_TIMEOUT(loadedOrEnded(), timeoutMs);
        // Let it render its first frames (where a ChartView without QApplication crashes).
        QTest::qWait(1000);
        const bool running = process.state() == QProcess::Running;
        process.kill();
        process.waitForFinished(timeoutMs);
        err += process.readAllStandardError();
        QVERIFY2(running, err.constData());
        QVERIFY2(err.contains("main window loaded from \"qrc:/Berth/App/Main.qml\""),
                 err.constData());
        // QML warnings name their file; a clean start has none.
        QVERIFY2(!err.contains(".qml:"), err.constData());
    }
#endif
};

QTEST_GUILESS_MAIN(TestBinaries)
#include "tst_binaries.moc"
