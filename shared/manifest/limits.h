#pragma once

#include <cstdint>

// Documented limits of a berth/v1 manifest (docs/manifest.md, "Limits"). They
// keep a provider's parser and scheduler bounded whatever a publisher sends.
namespace berth::manifest::limits {

inline constexpr std::int64_t KiB = 1024;
inline constexpr std::int64_t MiB = 1024 * KiB;
inline constexpr std::int64_t GiB = 1024 * MiB;
inline constexpr std::int64_t TiB = 1024 * GiB;

inline constexpr std::int64_t MaxFileBytes = 1 * MiB; // a manifest or imported file
inline constexpr int MaxNestingDepth = 64;            // YAML/JSON nesting
inline constexpr int MaxNameLength = 63;              // DNS label
inline constexpr int MaxHostNameLength = 253;         // DNS name
inline constexpr int MaxContainers = 16;
inline constexpr int MaxVolumes = 32;
inline constexpr int MaxPortsPerContainer = 32;
inline constexpr int MaxHostsPerPort = 16;
inline constexpr int MaxHostAliases = 32;
inline constexpr int MaxEnvPerContainer = 256;
inline constexpr int MaxEnvValueLength = 32 * 1024;
inline constexpr int MaxArgs = 256; // command + args entries
inline constexpr int MaxArgLength = 8 * 1024;
inline constexpr int MaxLabels = 64;
inline constexpr int MaxLabelValueLength = 63;
inline constexpr int MaxLabelKeyPrefixLength = 253;
inline constexpr int MaxImageReferenceLength = 512;
inline constexpr int MaxUrlLength = 2048;
inline constexpr int MaxPathLength = 4096;
inline constexpr int MaxSecretItems = 64;

inline constexpr std::int64_t MinCpuMillis = 10;         // CFS quota floor: 1 ms per 100 ms period
inline constexpr std::int64_t MaxCpuMillis = 256 * 1000; // 256 cores
inline constexpr std::int64_t MinMemoryBytes = 6 * MiB;  // runc refuses less
inline constexpr std::int64_t MaxMemoryBytes = 4 * TiB;
inline constexpr std::int64_t MaxStorageBytes = 1024 * TiB;
inline constexpr int MaxGpus = 16;

inline constexpr int MaxReplicas = 100;
inline constexpr int MaxTargetPendingRequests = 10000;
inline constexpr int MaxProbeSeconds = 3600;
inline constexpr int MaxFailureThreshold = 100;

} // namespace berth::manifest::limits
