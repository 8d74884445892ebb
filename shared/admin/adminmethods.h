#pragma once

#include <QLatin1StringView>
#include <QList>

namespace berth::admin::method {

// The methods of berthd's admin API (docs/provider.md, "Admin API").
inline constexpr QLatin1StringView Login("admin.login");
inline constexpr QLatin1StringView Status("admin.status");
inline constexpr QLatin1StringView Deployments("admin.deployments");
inline constexpr QLatin1StringView Metrics("admin.metrics");
inline constexpr QLatin1StringView Logs("admin.logs"); // also the follow notifications

// Every method, in the order the docs list them.
inline QList<QLatin1StringView> all()
{
    return {Login, Status, Deployments, Metrics, Logs};
}

} // namespace berth::admin::method
