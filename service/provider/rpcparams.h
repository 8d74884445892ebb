#pragma once

// Small helpers for reading JSON-RPC params in berthd's method handlers: the
// errors name the parameter as the protocol documents it ("params.name").

#include "core/result.h"
#include "protocol/rpcerror.h"

#include <QJsonObject>
#include <QString>

namespace berth::provider {

inline Error invalidParams(const QString &message)
{
    return protocol::makeRpcError(protocol::RpcErrorCode::InvalidParams, message);
}

// A non-empty string parameter, or InvalidParams naming it.
inline Result<QString> requiredString(const QJsonObject &params, const QString &key)
{
    const QJsonValue value = params.value(key);
    if (!value.isString() || value.toString().isEmpty())
        return invalidParams(QStringLiteral("params.%1 is required (a string)").arg(key));
    return value.toString();
}

} // namespace berth::provider
