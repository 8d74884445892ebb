#pragma once

#include <QLoggingCategory>

namespace berth::protocol {

// The publisher ↔ provider protocol's server side (connections, sessions,
// refused frames). Never logs params, signatures or results.
Q_DECLARE_LOGGING_CATEGORY(lcProtocol)
// The client side (ProtocolClient).
Q_DECLARE_LOGGING_CATEGORY(lcProtocolClient)

} // namespace berth::protocol
