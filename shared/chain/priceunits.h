#pragma once

#include "core/result.h"
#include "core/uint256.h"

#include <QString>

namespace berth::chain {

// On-chain prices and rates are token base units per second scaled by 10^18
// (docs/contracts.md, "Pricing units"). People see tokens per familiar period.
namespace PricePeriod {
inline constexpr quint64 Second = 1;
inline constexpr quint64 Hour = 3600;
inline constexpr quint64 Month = 30 * 24 * 3600; // 30 days, as the contracts document
} // namespace PricePeriod

// The scale of per-second rates: 10^18.
UInt256 rateScale();

// "0.02" tokens per `periodSeconds` -> scaled per-second rate, rounded UP so the
// period price is never one base unit short. Errors name the token's decimals.
Result<UInt256> scaledRateFromTokens(QStringView tokensPerPeriod, int decimals,
                                     quint64 periodSeconds);
// Base units per period from a scaled per-second rate, rounded to the nearest base unit.
UInt256 baseUnitsPerPeriod(const UInt256 &scaledPerSecond, quint64 periodSeconds);
// The human form: tokens per period, e.g. "0.02".
QString tokensPerPeriod(const UInt256 &scaledPerSecond, int decimals, quint64 periodSeconds);

// Seconds from "90", "90s", "15m", "12h", "7d", "2w" or combinations such as
// "1h30m". Bounded to 100 years; errors say which units exist.
Result<quint64> parseDuration(QStringView text);
// "7d", "1h 30m", "45s": the largest units, at most two of them.
QString formatDuration(quint64 seconds);

} // namespace berth::chain
