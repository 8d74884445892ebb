#pragma once

#include <QtGlobal>

namespace berth::protocol {

// A token bucket: holds up to `burst` tokens, refills at ratePerSecond, and each
// allowed request takes one. Time is a caller-supplied monotonic clock in
// milliseconds (QElapsedTimer, or a fake one in tests); a clock that goes
// backwards refills nothing. The bucket starts full.
class RateLimiter
{
public:
    RateLimiter(double ratePerSecond, double burst);

    // True (and one token spent) if a request at nowMs is within the limit.
    bool allow(qint64 nowMs);
    // Milliseconds until allow(nowMs + result) would succeed; 0 if it would now,
    // -1 if never (a rate of 0).
    qint64 retryAfterMs(qint64 nowMs);

    double tokens() const { return double(m_microTokens) / double(MicroPerToken); }

private:
    // Whole-number bookkeeping in millionths of a token: no drift from adding
    // up fractions.
    static constexpr qint64 MicroPerToken = 1'000'000;
    void refill(qint64 nowMs);

    double m_ratePerSecond;
    qint64 m_burstMicro;
    qint64 m_microTokens;
    qint64 m_lastMs = 0;
    bool m_started = false;
};

} // namespace berth::protocol
