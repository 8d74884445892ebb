#pragma once

#include "core/result.h"

#include <QString>
#include <QStringView>

#include <cstdint>
#include <optional>

// Resource quantities as Kubernetes writes them, parsed exactly (no floating point).
namespace berth::manifest::quantity {

// "250m" -> 250, "1.5" -> 1500, "2" -> 2000. Finer than 1m is an error.
Result<std::int64_t> parseCpuMillis(QStringView text);

// "512Mi", "2Gi", "1.5Gi", "1G", "100k", "1048576" -> bytes. Binary suffixes
// (Ki Mi Gi Ti Pi Ei) are powers of 1024, decimal ones (k M G T P E) of 1000.
// A result that is not a whole number of bytes is an error.
Result<std::int64_t> parseBytes(QStringView text);

// Canonical forms that parse back to the same value: 250 -> "250m", 2000 -> "2".
QString formatCpuMillis(std::int64_t millis);
// 536870912 -> "512Mi", 1000000000 -> "1G", 1023 -> "1023".
QString formatBytes(std::int64_t bytes);

// Parses a plain decimal number "12.25" scaled by 10^scaleDigits ("12.25", 3 -> 12250),
// with multiplier applied; returns nullopt on syntax error, overflow or a fractional result.
// Shared by the functions above and by importers that read other formats' units.
std::optional<std::int64_t> parseScaledDecimal(QStringView number, std::int64_t multiplier,
                                               std::int64_t divisor);

} // namespace berth::manifest::quantity
