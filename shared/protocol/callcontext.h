#pragma once

#include "crypto/address.h"
#include "protocol/requestid.h"

#include <QHostAddress>

#include <optional>

namespace berth::protocol {

// Who is calling: what a ProtocolServer handler learns about a request besides
// its params.
struct CallContext
{
    quint64 sessionId = 0;                    // stable for the connection's life
    std::optional<crypto::Address> publisher; // set once session.login succeeded
    QHostAddress peer;                        // the remote address of the connection
    RequestId id;                             // the request's id (for logs, never null)
};

} // namespace berth::protocol
