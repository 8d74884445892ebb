#include "protocol/rpcerror.h"

#include <QJsonArray>
#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace berth::protocol {

namespace {

// Error::data of an Error made by makeRpcError / fromRpcError:
// {"rpcCode": n, "rpcData": <protocol data, when there is any>}.
const QString kRpcCodeKey = u"rpcCode"_s;
const QString kRpcDataKey = u"rpcData"_s;

ErrorCode errorCodeFor(RpcErrorCode code)
{
    switch (code) {
    case RpcErrorCode::ParseError:
    case RpcErrorCode::InvalidRequest:
    case RpcErrorCode::InternalError:
        return ErrorCode::Internal; // one side has a bug
    case RpcErrorCode::MethodNotFound:
    case RpcErrorCode::UnsupportedVersion:
        return ErrorCode::Unsupported;
    case RpcErrorCode::InvalidParams:
        return ErrorCode::InvalidArgument;
    case RpcErrorCode::Unauthenticated:
    case RpcErrorCode::LoginExpired:
    case RpcErrorCode::NonceRejected:
    case RpcErrorCode::Forbidden:
        return ErrorCode::AuthFailed;
    case RpcErrorCode::NotFound:
        return ErrorCode::NotFound;
    case RpcErrorCode::RateLimited:
    case RpcErrorCode::Unavailable:
    case RpcErrorCode::InsufficientCapacity:
        return ErrorCode::Unavailable;
    case RpcErrorCode::TooLarge:
        return ErrorCode::TooLarge;
    case RpcErrorCode::InvalidManifest:
        return ErrorCode::ValidationFailed;
    case RpcErrorCode::PaymentRequired:
        return ErrorCode::InsufficientFunds;
    case RpcErrorCode::QuoteExpired:
    case RpcErrorCode::Conflict:
        return ErrorCode::Conflict;
    }
    return ErrorCode::BadResponse; // a code this build does not know
}

} // namespace

QJsonObject RpcError::toJson() const
{
    QJsonObject object{{u"code"_s, int(code)}, {u"message"_s, message}};
    if (!data.isUndefined())
        object.insert(u"data"_s, data);
    return object;
}

QString rpcErrorName(RpcErrorCode code)
{
    switch (code) {
    case RpcErrorCode::ParseError:
        return u"ParseError"_s;
    case RpcErrorCode::InvalidRequest:
        return u"InvalidRequest"_s;
    case RpcErrorCode::MethodNotFound:
        return u"MethodNotFound"_s;
    case RpcErrorCode::InvalidParams:
        return u"InvalidParams"_s;
    case RpcErrorCode::InternalError:
        return u"InternalError"_s;
    case RpcErrorCode::Unauthenticated:
        return u"Unauthenticated"_s;
    case RpcErrorCode::LoginExpired:
        return u"LoginExpired"_s;
    case RpcErrorCode::NonceRejected:
        return u"NonceRejected"_s;
    case RpcErrorCode::Forbidden:
        return u"Forbidden"_s;
    case RpcErrorCode::NotFound:
        return u"NotFound"_s;
    case RpcErrorCode::RateLimited:
        return u"RateLimited"_s;
    case RpcErrorCode::TooLarge:
        return u"TooLarge"_s;
    case RpcErrorCode::InvalidManifest:
        return u"InvalidManifest"_s;
    case RpcErrorCode::PaymentRequired:
        return u"PaymentRequired"_s;
    case RpcErrorCode::QuoteExpired:
        return u"QuoteExpired"_s;
    case RpcErrorCode::Conflict:
        return u"Conflict"_s;
    case RpcErrorCode::Unavailable:
        return u"Unavailable"_s;
    case RpcErrorCode::UnsupportedVersion:
        return u"UnsupportedVersion"_s;
    case RpcErrorCode::InsufficientCapacity:
        return u"InsufficientCapacity"_s;
    }
    return u"Unknown"_s;
}

RpcErrorCode rpcCodeFor(ErrorCode code)
{
    switch (code) {
    case ErrorCode::AuthFailed:
        return RpcErrorCode::Unauthenticated;
    case ErrorCode::NotFound:
        return RpcErrorCode::NotFound;
    case ErrorCode::TooLarge:
        return RpcErrorCode::TooLarge;
    case ErrorCode::InsufficientFunds:
        return RpcErrorCode::PaymentRequired;
    case ErrorCode::Conflict:
        return RpcErrorCode::Conflict;
    case ErrorCode::Unavailable:
    case ErrorCode::Timeout:
    case ErrorCode::IoFailed:
    case ErrorCode::BadResponse:
        return RpcErrorCode::Unavailable;
    case ErrorCode::InvalidArgument:
    case ErrorCode::ParseFailed:
    case ErrorCode::ValidationFailed:
    case ErrorCode::Unsupported:
    case ErrorCode::WrongChain:
        return RpcErrorCode::InvalidParams;
    case ErrorCode::None:
    case ErrorCode::Reverted:
    case ErrorCode::Internal:
        break;
    }
    return RpcErrorCode::InternalError;
}

Error makeRpcError(RpcErrorCode code, const QString &message, const QJsonValue &data)
{
    QJsonObject detail{{kRpcCodeKey, int(code)}};
    if (!data.isUndefined())
        detail.insert(kRpcDataKey, data);
    return Error(errorCodeFor(code), message, QJsonDocument(detail).toJson(QJsonDocument::Compact));
}

RpcError toRpcError(const Error &error)
{
    RpcError out;
    out.message = error.message;
    out.code = rpcCodeFor(error.code);
    if (error.data.isEmpty() || !error.data.startsWith('{'))
        return out;
    const QJsonObject detail = QJsonDocument::fromJson(error.data).object();
    const QJsonValue code = detail.value(kRpcCodeKey);
    if (code.isDouble()) {
        out.code = static_cast<RpcErrorCode>(code.toInt());
        out.data = detail.value(kRpcDataKey); // Undefined when absent
    }
    return out;
}

Error fromRpcError(const RpcError &error)
{
    return makeRpcError(error.code, error.message, error.data);
}

Error invalidManifestError(const QList<manifest::Diagnostic> &diagnostics)
{
    QJsonArray items;
    QString first;
    for (const manifest::Diagnostic &d : diagnostics) {
        if (d.severity != manifest::Severity::Error)
            continue;
        if (first.isEmpty())
            first = d.path.isEmpty() ? d.message : QString(d.path + u": "_s + d.message);
        items.append(QJsonObject{{u"path"_s, d.path},
                                 {u"message"_s, d.message},
                                 {u"line"_s, d.location.line},
                                 {u"column"_s, d.location.column}});
    }
    QString message = u"invalid manifest: "_s + first;
    if (items.size() > 1)
        message += u" (and %1 more)"_s.arg(items.size() - 1);
    return makeRpcError(RpcErrorCode::InvalidManifest, message, items);
}

} // namespace berth::protocol
