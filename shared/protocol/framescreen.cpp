#include "protocol/framescreen.h"

#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace berth::protocol {

FrameScreen::FrameScreen(qsizetype maxFrameBytes, double requestsPerSecond, double burst)
    : m_maxFrameBytes(maxFrameBytes)
    , m_limiter(requestsPerSecond, burst)
{}

Response FrameScreen::binaryFrameAnswer()
{
    return Response::failure(RequestId(),
                             RpcError{.code = RpcErrorCode::InvalidRequest,
                                      .message = u"binary frames are not part of the "
                                                 u"protocol: send JSON text frames"_s});
}

FrameScreen::Verdict FrameScreen::screen(const QString &text, qint64 nowMs)
{
    Verdict verdict;
    const QByteArray frame = text.toUtf8();
    if (frame.size() > m_maxFrameBytes) {
        verdict.answer = Response::failure(
            RequestId(), RpcError{.code = RpcErrorCode::TooLarge,
                                  .message = u"the frame is %1 bytes; the limit is "
                                             u"%2: the connection is closed"_s.arg(frame.size())
                                                 .arg(m_maxFrameBytes)});
        verdict.close = true;
        verdict.problem = u"a frame of %1 bytes"_s.arg(frame.size());
        return verdict;
    }

    const bool allowed = m_limiter.allow(nowMs);
    const auto rateLimited = [&](const RequestId &id) {
        const qint64 retryAfterMs = m_limiter.retryAfterMs(nowMs);
        verdict.problem = u"too many requests"_s;
        return Response::failure(
            id, RpcError{.code = RpcErrorCode::RateLimited,
                         .message = u"too many requests: retry in %1 ms"_s.arg(retryAfterMs),
                         .data = QJsonObject{{u"retryAfterMs"_s, retryAfterMs}}});
    };

    Result<Incoming> incoming = decodeFrame(frame, m_maxFrameBytes);
    if (!incoming) {
        if (allowed) {
            verdict.answer = decodeErrorResponse(incoming.error());
            verdict.problem =
                u"a refused frame: "_s + rpcErrorName(toRpcError(incoming.error()).code);
        } else {
            verdict.answer = rateLimited(failedFrameId(incoming.error()));
        }
        return verdict;
    }
    Request *request = std::get_if<Request>(&incoming.value());
    if (!request)
        return verdict; // notifications and responses from the peer are not answered
    if (!allowed) {
        verdict.answer = rateLimited(request->id);
        return verdict;
    }
    verdict.request = std::move(*request);
    return verdict;
}

} // namespace berth::protocol
