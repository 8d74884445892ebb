// The files that put berth on a desktop: the window/desktop icon compiled into the
// Berth.App module and the installed .desktop entry that launches the binary.
#include "appinfo.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>
#include <QXmlStreamReader>

using namespace Qt::StringLiterals;

namespace {

// The [Desktop Entry] group of a desktop file as key → value (localized keys included).
QHash<QString, QString> readDesktopEntry(const QString &path)
{
    QHash<QString, QString> entry;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return entry;
    bool inEntry = false;
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        if (line.startsWith(u'[')) {
            inEntry = line == "[Desktop Entry]"_L1;
            continue;
        }
        const qsizetype equals = line.indexOf(u'=');
        if (inEntry && equals > 0)
            entry.insert(line.left(equals).trimmed(), line.mid(equals + 1).trimmed());
    }
    return entry;
}

} // namespace

class TestDesktopIntegration : public QObject
{
    Q_OBJECT

private slots:
    void windowIconIsASquareSvg()
    {
        QFile icon(u":/icons/berth.svg"_s);
        QVERIFY2(icon.open(QIODevice::ReadOnly), "the window icon is compiled into Berth.App");
        QXmlStreamReader xml(&icon);
        QVERIFY(xml.readNextStartElement());
        QCOMPARE(xml.name(), "svg"_L1);
        QCOMPARE(xml.namespaceUri(), "http://www.w3.org/2000/svg"_L1);
        const QStringList viewBox =
            xml.attributes().value("viewBox"_L1).toString().split(u' ', Qt::SkipEmptyParts);
        QCOMPARE(viewBox.size(), 4);
        QCOMPARE(viewBox.at(2), viewBox.at(3));
        while (!xml.atEnd())
            xml.readNext();
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    }

    void installedIconIsTheWindowIcon()
    {
        QFile installed(QStringLiteral(BERTH_RESOURCES_DIR "/icons/berth.svg"));
        QFile compiled(u":/icons/berth.svg"_s);
        QVERIFY(installed.open(QIODevice::ReadOnly));
        QVERIFY(compiled.open(QIODevice::ReadOnly));
        QCOMPARE(compiled.readAll(), installed.readAll());
    }

    void desktopEntryLaunchesBerth()
    {
        const auto entry = readDesktopEntry(QStringLiteral(BERTH_RESOURCES_DIR "/berth.desktop"));
        QCOMPARE(entry.value(u"Type"_s), u"Application"_s);
        QCOMPARE(entry.value(u"Name"_s), berth::app::AppInfo().applicationName());
        QCOMPARE(entry.value(u"Exec"_s), u"berth"_s);
        // The icon is installed as share/icons/hicolor/scalable/apps/berth.svg.
        QCOMPARE(entry.value(u"Icon"_s), u"berth"_s);
        QCOMPARE(entry.value(u"Terminal"_s), u"false"_s);
        QVERIFY(entry.value(u"Categories"_s).split(u';').contains(u"Network"_s));
        QVERIFY2(!entry.value(u"Comment[de]"_s).isEmpty(), "German comment, like the UI");
    }

    void desktopEntryValidates()
    {
        const QString validator = QStandardPaths::findExecutable(u"desktop-file-validate"_s);
        if (validator.isEmpty())
            QSKIP("desktop-file-validate (Debian desktop-file-utils) is not installed");
        QProcess process;
        process.start(validator, {QStringLiteral(BERTH_RESOURCES_DIR "/berth.desktop")});
        QVERIFY(process.waitForFinished(30000));
        const QByteArray output = process.readAllStandardOutput() + process.readAllStandardError();
        QVERIFY2(process.exitCode() == 0, output.constData());
        // Hints are advice; errors and warnings are not acceptable.
        QVERIFY2(!output.contains("error:") && !output.contains("warning:"), output.constData());
    }
};

QTEST_GUILESS_MAIN(TestDesktopIntegration)
#include "tst_desktopintegration.moc"
