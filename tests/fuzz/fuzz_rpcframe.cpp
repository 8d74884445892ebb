// libFuzzer target: hostile frames through the protocol codec, as an
// unauthenticated peer would send them. decodeFrame must never crash, hang or
// leak; whatever decodes must encode to a frame that decodes to the same message,
// and a refusal must give an error response that is itself a valid frame.
#include "protocol/rpcmessage.h"

#include <cstdint>
#include <cstdlib>

using namespace berth::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    constexpr qsizetype Limit = 16 * 1024;
    const QByteArrayView frame(reinterpret_cast<const char *>(data), qsizetype(size));
    auto decoded = decodeFrame(frame, Limit);
    if (!decoded) {
        const QByteArray answer = encodeResponse(decodeErrorResponse(decoded.error()));
        auto again = decodeFrame(answer, Limit * 4);
        if (!again || !std::holds_alternative<Response>(*again))
            std::abort(); // the answer to a bad frame must be a good one
        return 0;
    }
    const QByteArray encoded = encode(*decoded);
    auto again = decodeFrame(encoded, Limit * 4);
    if (!again || !(*again == *decoded))
        std::abort(); // a lossy round trip is a bug
    if (encode(*again) != encoded)
        std::abort(); // the encoding is a fixed point
    return 0;
}
