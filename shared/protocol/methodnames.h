#pragma once

#include <QLatin1StringView>
#include <QList>

namespace berth::protocol::method {

// The protocol's method names (docs/protocol.md, "Methods").
inline constexpr QLatin1StringView SessionHello("session.hello");
inline constexpr QLatin1StringView SessionLogin("session.login");
inline constexpr QLatin1StringView ProviderAttest("provider.attest");
inline constexpr QLatin1StringView ProviderCapacity("provider.capacity");
inline constexpr QLatin1StringView PodQuote("pod.quote");
inline constexpr QLatin1StringView PodProvision("pod.provision");
inline constexpr QLatin1StringView PodUpdate("pod.update");
inline constexpr QLatin1StringView PodDelete("pod.delete");
inline constexpr QLatin1StringView PodStatus("pod.status");
inline constexpr QLatin1StringView PodEvents("pod.events");
inline constexpr QLatin1StringView PodMetrics("pod.metrics");
inline constexpr QLatin1StringView PodLogs("pod.logs");
inline constexpr QLatin1StringView BlobBegin("blob.begin");
inline constexpr QLatin1StringView BlobAppend("blob.append");
inline constexpr QLatin1StringView BlobStatus("blob.status");

// Every method, in the order docs/protocol.md lists them.
inline QList<QLatin1StringView> all()
{
    return {SessionHello, SessionLogin, ProviderAttest, ProviderCapacity, PodQuote,
            PodProvision, PodUpdate,    PodDelete,      PodStatus,        PodEvents,
            PodMetrics,   PodLogs,      BlobBegin,      BlobAppend,       BlobStatus};
}

// The methods a session may call before session.login succeeds.
inline bool allowedBeforeLogin(QStringView name)
{
    return name == SessionHello || name == SessionLogin || name == ProviderAttest ||
           name == ProviderCapacity;
}

} // namespace berth::protocol::method
