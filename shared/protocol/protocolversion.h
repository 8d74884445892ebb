#pragma once

namespace berth::protocol {

// The publisher ↔ provider protocol's version. Raise it for any change a peer
// could notice and add a line to docs/protocol.md ("Changelog"). session.hello
// reports it; a peer that speaks another version gets UnsupportedVersion.
constexpr int ProtocolVersion = 1;

} // namespace berth::protocol
