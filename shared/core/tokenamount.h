#pragma once

#include "core/result.h"
#include "core/uint256.h"

namespace berth {

// Human token units <-> base units, exactly: "12.5" with 6 decimals is 12500000.
// Never goes through floating point.

// Parses "12", "12.5", "0.000001" (at most `decimals` fraction digits; an
// optional trailing symbol is the caller's business). Errors say how many
// decimals the token has.
Result<UInt256> parseTokenAmount(QStringView text, int decimals);

// Formats base units with the token's decimals, trimming trailing zeros:
// 12500000 with 6 decimals is "12.5"; zero is "0".
QString formatTokenAmount(const UInt256 &baseUnits, int decimals);

} // namespace berth
