#include "runtime.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace berth::provider {

int RuntimeStatus::restarts() const
{
    int total = 0;
    for (const ContainerStatus &container : containers)
        total += container.restarts;
    return total;
}

QString podNameFor(const QString &deploymentId)
{
    return u"berth-"_s + deploymentId;
}

bool isValidDeploymentId(const QString &deploymentId)
{
    static const QRegularExpression pattern(u"^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$"_s);
    return pattern.match(deploymentId).hasMatch();
}

} // namespace berth::provider
