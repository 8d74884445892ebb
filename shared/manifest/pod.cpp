#include "manifest/pod.h"

using namespace Qt::StringLiterals;

namespace berth::manifest {

QString toString(PortProtocol protocol)
{
    return protocol == PortProtocol::Http ? u"http"_s : u"tcp"_s;
}

QString toString(HealthCheckKind kind)
{
    switch (kind) {
    case HealthCheckKind::Http:
        return u"http"_s;
    case HealthCheckKind::Tcp:
        return u"tcp"_s;
    case HealthCheckKind::Exec:
        return u"exec"_s;
    }
    return {};
}

QString toString(VolumeKind kind)
{
    switch (kind) {
    case VolumeKind::EmptyDir:
        return u"emptyDir"_s;
    case VolumeKind::Persistent:
        return u"persistent"_s;
    case VolumeKind::Secret:
        return u"secret"_s;
    }
    return {};
}

QString toString(RestartPolicy policy)
{
    switch (policy) {
    case RestartPolicy::Always:
        return u"Always"_s;
    case RestartPolicy::OnFailure:
        return u"OnFailure"_s;
    case RestartPolicy::Never:
        return u"Never"_s;
    }
    return {};
}

std::optional<PortProtocol> portProtocolFromString(const QString &text)
{
    if (text == u"http")
        return PortProtocol::Http;
    if (text == u"tcp")
        return PortProtocol::Tcp;
    return std::nullopt;
}

std::optional<RestartPolicy> restartPolicyFromString(const QString &text)
{
    for (auto policy : {RestartPolicy::Always, RestartPolicy::OnFailure, RestartPolicy::Never}) {
        if (toString(policy) == text)
            return policy;
    }
    return std::nullopt;
}

} // namespace berth::manifest
