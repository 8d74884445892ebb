#pragma once

#include "core/result.h"
#include "protocol/requestid.h"
#include "protocol/rpcerror.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <optional>
#include <variant>

namespace berth::protocol {

// The JSON-RPC 2.0 messages of the publisher ↔ provider protocol and their one
// codec (docs/protocol.md, "Envelope"). Berth uses named parameters only.

// A call that expects an answer.
struct Request
{
    RequestId id; // an integer or a string, never null
    QString method;
    QJsonObject params; // {} when the frame had none
    bool operator==(const Request &) const = default;
};

// A call without an id: nobody answers it (pod.logs streams lines this way).
struct Notification
{
    QString method;
    QJsonObject params;
    bool operator==(const Notification &) const = default;
};

// The answer to a Request: exactly one of result and error.
struct Response
{
    RequestId id; // null only for an error about a frame whose id was unreadable
    QJsonValue result = QJsonValue(QJsonValue::Undefined);
    std::optional<RpcError> error;

    bool isError() const { return error.has_value(); }
    static Response success(RequestId id, QJsonValue result);
    static Response failure(RequestId id, RpcError error);
    bool operator==(const Response &) const = default;
};

using Incoming = std::variant<Request, Notification, Response>;

// Deepest nesting of arrays and objects a frame may have (the envelope counts).
constexpr int MaxFrameDepth = 32;

// Decodes one text frame, strictly: the size is checked before anything is
// parsed, then the nesting depth, then JSON; the top level must be one object
// (a batch array is refused) with "jsonrpc": "2.0" and no members beyond the
// envelope's. A request has a non-empty string method, params an object or
// absent (positional arrays are refused), and an id that is an integer or a
// string (absent: a notification; null is refused). A response has an id and
// exactly one of result and error {code: integer, message: string, data?}.
//
// A failure is an Error made by makeRpcError, so toRpcError gives the code to
// answer with (ParseError, InvalidRequest, InvalidParams or TooLarge), and
// decodeErrorResponse builds that answer, carrying the frame's id when one could
// be read and null otherwise.
Result<Incoming> decodeFrame(QByteArrayView frame, qsizetype maxBytes);

// The id a decodeFrame failure carries (null when none could be read).
RequestId failedFrameId(const Error &decodeError);
// The error response to send for a decodeFrame failure.
Response decodeErrorResponse(const Error &decodeError);

// Compact JSON text frames.
QByteArray encodeRequest(const Request &request);
QByteArray encodeNotification(const Notification &notification);
QByteArray encodeResponse(const Response &response);
QByteArray encode(const Incoming &message);

} // namespace berth::protocol
