#pragma once

#include "core/error.h"
#include "manifest/diagnostic.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>

namespace berth::protocol {

// The error codes of the publisher ↔ provider protocol. The numbers are part of
// the protocol (docs/protocol.md, "Error codes"): never renumber, only add. A
// peer may send a code this build does not know; it still fits the enum.
enum class RpcErrorCode : int
{
    // JSON-RPC 2.0's own.
    ParseError = -32700,     // the frame is not JSON (or nests too deep)
    InvalidRequest = -32600, // JSON, but not a valid request object (or a batch)
    MethodNotFound = -32601,
    InvalidParams = -32602, // params missing, of the wrong type, or positional
    InternalError = -32603, // a bug in the provider

    // Berth's.
    Unauthenticated = 1001,      // no session login yet, or a bad login signature
    LoginExpired = 1002,         // the login's expiry has passed
    NonceRejected = 1003,        // the login nonce is unknown, expired or already used
    Forbidden = 1004,            // another publisher's deployment
    NotFound = 1005,             // no such deployment (or blob, or channel)
    RateLimited = 1006,          // too many requests or sessions; retry later
    TooLarge = 1007,             // the frame or a field exceeds a limit
    InvalidManifest = 1008,      // data: [{path, message, line, column}]
    PaymentRequired = 1009,      // channel unfunded, foreign, wrong rate or too short a runway
    QuoteExpired = 1010,         // the signed quote is past its expiry
    Conflict = 1011,             // already exists, or the state changed under the request
    Unavailable = 1012,          // the runtime or the chain is down; retry later
    UnsupportedVersion = 1013,   // the peer speaks another protocol version
    InsufficientCapacity = 1014, // the pod does not fit beside what the provider runs
};

// The "error" member of a JSON-RPC response.
struct RpcError
{
    RpcErrorCode code = RpcErrorCode::InternalError;
    QString message;
    QJsonValue data = QJsonValue(QJsonValue::Undefined); // absent unless set

    QJsonObject toJson() const;
    bool operator==(const RpcError &) const = default;
};

// A short stable name ("InvalidManifest"); "Unknown" for codes this build lacks.
QString rpcErrorName(RpcErrorCode code);

// Handlers return berth::Error like every other layer. makeRpcError builds one
// that names its protocol code exactly (kept as JSON in Error::data together with
// the protocol data); toRpcError turns any Error into what goes on the wire:
// the named code if there is one, else a mapping from ErrorCode.
Error makeRpcError(RpcErrorCode code, const QString &message,
                   const QJsonValue &data = QJsonValue(QJsonValue::Undefined));
RpcError toRpcError(const Error &error);

// The protocol code an ErrorCode stands for when nobody named one: AuthFailed →
// Unauthenticated, NotFound → NotFound, TooLarge → TooLarge, InsufficientFunds →
// PaymentRequired, Conflict → Conflict, Unavailable/Timeout/IoFailed/BadResponse
// → Unavailable, InvalidArgument/ParseFailed/ValidationFailed/Unsupported/
// WrongChain → InvalidParams, anything else → InternalError.
RpcErrorCode rpcCodeFor(ErrorCode code);

// What a client makes of an error response: a berth::Error whose code is the
// nearest ErrorCode and whose data still names the protocol code (toRpcError
// gives the RpcError back unchanged).
Error fromRpcError(const RpcError &error);

// InvalidManifest with data [{path, message, line, column}] for the errors among
// the diagnostics (warnings are left out). The message names the first error.
Error invalidManifestError(const QList<manifest::Diagnostic> &diagnostics);

} // namespace berth::protocol
