#pragma once

#include <QByteArray>
#include <QString>

#include <utility>

namespace berth {

// Stable error codes shared by every layer. The numbers are part of the public
// protocol (docs/protocol.md) and of berthctl's --json output: never renumber.
enum class ErrorCode : int
{
    None = 0,
    InvalidArgument = 1,    // the caller passed something malformed
    NotFound = 2,           // a file, deployment or object does not exist
    TooLarge = 3,           // input exceeds a documented limit
    ParseFailed = 4,        // syntax error in YAML, JSON or a frame
    ValidationFailed = 5,   // well-formed but breaks a rule; details carry the list
    Unsupported = 6,        // understood, but Berth cannot do it
    IoFailed = 7,           // reading or writing a file or socket failed
    Unavailable = 8,        // a server, chain or daemon is down or unreachable
    Timeout = 9,            // no answer in time; the operation may still complete
    AuthFailed = 10,        // wrong password, bad signature, MAC mismatch
    Reverted = 11,          // a contract call reverted; the message carries the decoded error
    WrongChain = 12,        // the chain id is not the one expected
    InsufficientFunds = 13, // not enough balance or allowance
    Conflict = 14,          // already exists, or state changed under us
    BadResponse = 15,       // a server answered with something malformed
    Internal = 99,          // a bug: report it
};

// An error that crosses a layer: a stable code plus a message that tells the
// user what happened and what to do next.
struct Error
{
    Error() = default;
    Error(ErrorCode c, QString m, QByteArray d = {})
        : code(c)
        , message(std::move(m))
        , data(std::move(d))
    {}

    ErrorCode code = ErrorCode::Internal;
    QString message;
    // Machine-readable detail where a layer above can do better than the
    // message: a contract's raw revert data, a transaction hash that was sent.
    QByteArray data;
};

} // namespace berth
