#pragma once

#include <QtGlobal>

namespace berth::protocol {

// The bounds a provider puts on each publisher session (docs/protocol.md,
// "Limits"). berthd's config may change them; these are the defaults.
struct SessionLimits
{
    // A text frame larger than this is refused (TooLarge) before it is parsed.
    // Manifests and sealed keys fit easily; images go through blob upload.
    qsizetype maxFrameBytes = 1024 * 1024;
    // Token bucket per session: the sustained rate and the burst above it.
    double requestsPerSecond = 20.0;
    double requestBurst = 40.0;
    // Concurrent logged-in sessions per publisher address; one more is refused
    // (RateLimited).
    int sessionsPerAddress = 4;
    // A session with no frame for this long is closed.
    int idleTimeoutSeconds = 300;
    // Time from session.hello's nonce to session.login.
    int loginNonceSeconds = 300;
};

} // namespace berth::protocol
