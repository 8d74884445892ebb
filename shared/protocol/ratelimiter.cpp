#include "protocol/ratelimiter.h"

#include <algorithm>
#include <cmath>

namespace berth::protocol {

RateLimiter::RateLimiter(double ratePerSecond, double burst)
    : m_ratePerSecond(std::max(0.0, ratePerSecond))
    , m_burstMicro(std::llround(std::max(1.0, burst) * double(MicroPerToken)))
    , m_microTokens(m_burstMicro)
{}

void RateLimiter::refill(qint64 nowMs)
{
    if (!m_started) {
        m_started = true;
        m_lastMs = nowMs;
        return;
    }
    if (nowMs <= m_lastMs)
        return;
    // Rate per second = micro-tokens per millisecond / 1000.
    const double gained = double(nowMs - m_lastMs) * m_ratePerSecond * 1000.0;
    const double room = double(m_burstMicro - m_microTokens);
    m_microTokens += std::llround(std::min(gained, room));
    m_lastMs = nowMs;
}

bool RateLimiter::allow(qint64 nowMs)
{
    refill(nowMs);
    if (m_microTokens < MicroPerToken)
        return false;
    m_microTokens -= MicroPerToken;
    return true;
}

qint64 RateLimiter::retryAfterMs(qint64 nowMs)
{
    refill(nowMs);
    if (m_microTokens >= MicroPerToken)
        return 0;
    if (m_ratePerSecond <= 0.0)
        return -1;
    const double missing = double(MicroPerToken - m_microTokens);
    return qint64(std::ceil(missing / (m_ratePerSecond * 1000.0) - 1e-9));
}

} // namespace berth::protocol
