#pragma once

#include "core/result.h"
#include "protocol/requestid.h"

#include <QJsonValue>
#include <QString>

#include <functional>
#include <memory>

namespace berth::protocol {

// The one answer to one request, handed to a ProtocolServer handler. Copyable;
// every copy shares the same state, so the first call answers and any later
// call (on any copy) is ignored. It may be called later (an asynchronous
// handler keeps a copy) and after the connection closed (then it does nothing).
//
// A success sends {"result": value}. An error is sent as toRpcError(error),
// except an error that maps to InternalError: its message may hold internals
// (paths, SQL), so it is logged and the peer gets a generic InternalError. A
// request whose every Reply copy is dropped unanswered gets InternalError too,
// so a buggy handler never leaves a publisher waiting for its timeout.
class Reply
{
public:
    // Sends one encoded frame; returns false when the connection is gone.
    using Sender = std::function<bool(const QByteArray &frame)>;

    // Told once when the request is answered (or dropped unanswered): whether
    // it succeeded. The server's request statistics hang here.
    using Observer = std::function<void(bool ok)>;

    Reply() = default; // answers nothing
    Reply(RequestId id, QString method, std::weak_ptr<Sender> sender, Observer observer = {});

    void operator()(Result<QJsonValue> result) const;

    // True once this request was answered (by any copy).
    bool answered() const;

private:
    struct State;
    std::shared_ptr<State> m_state;
};

} // namespace berth::protocol
