// Qt Quick Test main for the dashboard: QtCharts needs a QApplication, which
// QUICK_TEST_MAIN and qmltestrunner do not create.
#include <QApplication>
#include <QQmlContext>
#include <QQmlEngine>
#include <QtQml/qqmlextensionplugin.h>
#include <QtQuickTest>

Q_IMPORT_QML_PLUGIN(Berth_AppPlugin)

using namespace Qt::StringLiterals;

class Setup : public QObject
{
    Q_OBJECT

public slots:
    void qmlEngineAvailable(QQmlEngine *engine)
    {
        // The statically linked Berth.App module lives under qrc:/Berth/App/.
        engine->addImportPath(u"qrc:/"_s);
        // The version the build says the header must show.
        engine->rootContext()->setContextProperty(u"expectedVersion"_s,
                                                  QStringLiteral(BERTH_VERSION));
    }
};

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    Setup setup;
    return quick_test_main_with_setup(argc, argv, "berth_qml", QUICK_TEST_SOURCE_DIR, &setup);
}

#include "main.moc"
