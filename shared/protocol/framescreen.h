#pragma once

#include "protocol/ratelimiter.h"
#include "protocol/rpcmessage.h"

#include <QString>

#include <optional>

namespace berth::protocol {

// The checks a Berth JSON-RPC server applies to every text frame of one
// connection, in this order: the size before anything is parsed (too large:
// TooLarge and the connection is to be closed), the connection's request rate
// (RateLimited with data.retryAfterMs), then decodeFrame. ProtocolServer (the
// publisher side) and berthd's admin server both screen frames with it.
class FrameScreen
{
public:
    // What to do with one frame: dispatch `request`, or send `answer` (and
    // then close when `close` is set). Neither: ignore the frame (a
    // notification or a response from the peer).
    struct Verdict
    {
        std::optional<Request> request;
        std::optional<Response> answer;
        bool close = false;
        QString problem; // for the server's log: why the frame was answered instead
    };

    FrameScreen(qsizetype maxFrameBytes, double requestsPerSecond, double burst);

    // Screens one text frame that arrived at nowMs (a monotonic clock).
    Verdict screen(const QString &text, qint64 nowMs);

    qsizetype maxFrameBytes() const { return m_maxFrameBytes; }

    // The answer to a binary frame, which no Berth protocol uses.
    static Response binaryFrameAnswer();

private:
    qsizetype m_maxFrameBytes;
    RateLimiter m_limiter;
};

} // namespace berth::protocol
