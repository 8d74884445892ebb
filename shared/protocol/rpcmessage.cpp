#include "protocol/rpcmessage.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

using namespace Qt::StringLiterals;

namespace berth::protocol {

namespace {

const QString kJsonRpc = u"jsonrpc"_s;
const QString kId = u"id"_s;
const QString kMethod = u"method"_s;
const QString kParams = u"params"_s;
const QString kResult = u"result"_s;
const QString kError = u"error"_s;
const QString kFrameIdKey = u"frameId"_s; // in a decode failure's Error::data

// A decode failure: the protocol code plus the id it should be answered with.
Error frameError(RpcErrorCode code, const QString &message, const RequestId &id = {})
{
    Error error = makeRpcError(code, message);
    QJsonObject detail = QJsonDocument::fromJson(error.data).object();
    detail.insert(kFrameIdKey, id.toJson());
    error.data = QJsonDocument(detail).toJson(QJsonDocument::Compact);
    return error;
}

// The deepest nesting of arrays and objects, or -1 as soon as it passes limit.
// Brackets inside strings do not count.
int nestingDepth(QByteArrayView text, int limit)
{
    int depth = 0;
    bool inString = false;
    bool escaped = false;
    for (const char c : text) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            if (++depth > limit)
                return -1;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return depth;
}

std::optional<QString> unknownMember(const QJsonObject &object,
                                     std::initializer_list<QString> known)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (std::find(known.begin(), known.end(), it.key()) == known.end())
            return it.key();
    }
    return std::nullopt;
}

bool isWholeNumber(const QJsonValue &value)
{
    if (!value.isDouble())
        return false;
    const double d = value.toDouble();
    return d >= -2147483648.0 && d <= 2147483647.0 && d == double(int(d));
}

Result<Incoming> decodeCall(const QJsonObject &object, const RequestId &frameId)
{
    if (auto member = unknownMember(object, {kJsonRpc, kMethod, kParams, kId}))
        return frameError(RpcErrorCode::InvalidRequest,
                          u"a request has no member \"%1\""_s.arg(*member), frameId);
    const QJsonValue method = object.value(kMethod);
    if (!method.isString() || method.toString().isEmpty())
        return frameError(RpcErrorCode::InvalidRequest, u"method must be a non-empty string"_s,
                          frameId);

    std::optional<RequestId> id;
    if (object.contains(kId)) {
        id = RequestId::fromJson(object.value(kId));
        if (!id || id->isNull())
            return frameError(RpcErrorCode::InvalidRequest,
                              u"id must be an integer or a string (leave it out for a "
                              "notification)"_s);
    }

    QJsonObject params;
    if (object.contains(kParams)) {
        const QJsonValue value = object.value(kParams);
        if (value.isArray())
            return frameError(RpcErrorCode::InvalidParams,
                              u"positional params are not supported: params must be an object "
                              "of named parameters"_s,
                              frameId);
        if (!value.isObject())
            return frameError(RpcErrorCode::InvalidParams, u"params must be an object"_s, frameId);
        params = value.toObject();
    }

    if (!id)
        return Incoming(Notification{method.toString(), params});
    return Incoming(Request{*id, method.toString(), params});
}

Result<Incoming> decodeResponse(const QJsonObject &object, const RequestId &frameId)
{
    if (auto member = unknownMember(object, {kJsonRpc, kId, kResult, kError}))
        return frameError(RpcErrorCode::InvalidRequest,
                          u"a response has no member \"%1\""_s.arg(*member), frameId);
    if (!object.contains(kId))
        return frameError(RpcErrorCode::InvalidRequest, u"a response must have an id"_s);
    const std::optional<RequestId> id = RequestId::fromJson(object.value(kId));
    if (!id)
        return frameError(RpcErrorCode::InvalidRequest,
                          u"id must be an integer, a string or null"_s);
    const bool hasResult = object.contains(kResult);
    const bool hasError = object.contains(kError);
    if (hasResult == hasError)
        return frameError(RpcErrorCode::InvalidRequest,
                          u"a response must have exactly one of result and error"_s, *id);

    if (hasResult) {
        if (id->isNull())
            return frameError(RpcErrorCode::InvalidRequest,
                              u"a successful response must have a non-null id"_s);
        return Incoming(Response::success(*id, object.value(kResult)));
    }

    const QJsonValue errorValue = object.value(kError);
    if (!errorValue.isObject())
        return frameError(RpcErrorCode::InvalidRequest, u"error must be an object"_s, *id);
    const QJsonObject error = errorValue.toObject();
    if (auto member = unknownMember(error, {u"code"_s, u"message"_s, u"data"_s}))
        return frameError(RpcErrorCode::InvalidRequest,
                          u"an error object has no member \"%1\""_s.arg(*member), *id);
    const QJsonValue code = error.value(u"code"_s);
    const QJsonValue message = error.value(u"message"_s);
    if (!isWholeNumber(code))
        return frameError(RpcErrorCode::InvalidRequest, u"error.code must be an integer"_s, *id);
    if (!message.isString())
        return frameError(RpcErrorCode::InvalidRequest, u"error.message must be a string"_s, *id);
    RpcError rpcError;
    rpcError.code = static_cast<RpcErrorCode>(code.toInt());
    rpcError.message = message.toString();
    rpcError.data = error.value(u"data"_s); // Undefined when absent
    return Incoming(Response::failure(*id, rpcError));
}

QJsonObject envelope()
{
    return QJsonObject{{kJsonRpc, u"2.0"_s}};
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace

Response Response::success(RequestId id, QJsonValue result)
{
    Response response;
    response.id = std::move(id);
    response.result = result.isUndefined() ? QJsonValue(QJsonValue::Null) : std::move(result);
    return response;
}

Response Response::failure(RequestId id, RpcError error)
{
    Response response;
    response.id = std::move(id);
    response.error = std::move(error);
    return response;
}

Result<Incoming> decodeFrame(QByteArrayView frame, qsizetype maxBytes)
{
    if (frame.size() > maxBytes)
        return frameError(
            RpcErrorCode::TooLarge,
            u"the frame has %1 bytes; the limit is %2"_s.arg(frame.size()).arg(maxBytes));
    if (nestingDepth(frame, MaxFrameDepth) < 0)
        return frameError(
            RpcErrorCode::ParseError,
            u"the frame nests arrays and objects deeper than %1 levels"_s.arg(MaxFrameDepth));

    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(frame.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return frameError(RpcErrorCode::ParseError,
                          u"the frame is not JSON: %1 at byte %2"_s.arg(parseError.errorString())
                              .arg(parseError.offset));
    if (document.isArray())
        return frameError(RpcErrorCode::InvalidRequest,
                          u"batches are not supported: send one request object per frame"_s);
    if (!document.isObject())
        return frameError(RpcErrorCode::InvalidRequest, u"the frame must be a JSON object"_s);

    const QJsonObject object = document.object();
    // The id to answer a malformed request with, if it is a usable one.
    const RequestId frameId = RequestId::fromJson(object.value(kId)).value_or(RequestId());

    const QJsonValue version = object.value(kJsonRpc);
    if (!version.isString() || version.toString() != u"2.0"_s)
        return frameError(RpcErrorCode::InvalidRequest, u"jsonrpc must be \"2.0\""_s, frameId);
    if (object.contains(kMethod))
        return decodeCall(object, frameId);
    if (object.contains(kResult) || object.contains(kError))
        return decodeResponse(object, frameId);
    return frameError(RpcErrorCode::InvalidRequest,
                      u"the frame has neither a method nor a result or error"_s, frameId);
}

RequestId failedFrameId(const Error &decodeError)
{
    const QJsonObject detail = QJsonDocument::fromJson(decodeError.data).object();
    return RequestId::fromJson(detail.value(kFrameIdKey)).value_or(RequestId());
}

Response decodeErrorResponse(const Error &decodeError)
{
    return Response::failure(failedFrameId(decodeError), toRpcError(decodeError));
}

QByteArray encodeRequest(const Request &request)
{
    QJsonObject object = envelope();
    object.insert(kId, request.id.toJson());
    object.insert(kMethod, request.method);
    object.insert(kParams, request.params);
    return compact(object);
}

QByteArray encodeNotification(const Notification &notification)
{
    QJsonObject object = envelope();
    object.insert(kMethod, notification.method);
    object.insert(kParams, notification.params);
    return compact(object);
}

QByteArray encodeResponse(const Response &response)
{
    QJsonObject object = envelope();
    object.insert(kId, response.id.toJson());
    if (response.error)
        object.insert(kError, response.error->toJson());
    else
        object.insert(kResult, response.result.isUndefined() ? QJsonValue(QJsonValue::Null)
                                                             : response.result);
    return compact(object);
}

QByteArray encode(const Incoming &message)
{
    if (const auto *request = std::get_if<Request>(&message))
        return encodeRequest(*request);
    if (const auto *notification = std::get_if<Notification>(&message))
        return encodeNotification(*notification);
    return encodeResponse(std::get<Response>(message));
}

} // namespace berth::protocol
