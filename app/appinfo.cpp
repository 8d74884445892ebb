#include "appinfo.h"

using namespace Qt::StringLiterals;

namespace berth::app {

AppInfo::AppInfo(QObject *parent)
    : QObject(parent)
{}

QString AppInfo::applicationName() const
{
    return u"Berth"_s;
}

QString AppInfo::version() const
{
    return QStringLiteral(BERTH_VERSION);
}

} // namespace berth::app
