#pragma once

#include <QObject>
#include <QString>
#include <QtQml/qqmlregistration.h>

class QJSEngine;
class QQmlEngine;

namespace berth::app {

/// What the dashboard says about itself: its name and version, shown in the header.
/// A QML singleton (`AppInfo.version`) of the Berth.App module.
class AppInfo : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_PROPERTY(QString applicationName READ applicationName CONSTANT)
    Q_PROPERTY(QString version READ version CONSTANT)

public:
    explicit AppInfo(QObject *parent = nullptr);

    /// The product name, "Berth".
    QString applicationName() const;
    /// The project version, e.g. "0.1.0".
    QString version() const;
};

} // namespace berth::app
