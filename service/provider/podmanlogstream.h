#pragma once

#include "core/result.h"
#include "provider/runtime.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringView>

namespace berth::provider {

// Decodes the body of libpod's container logs endpoint for a container without
// a terminal: frames of an 8-byte header (stream 1 = stdout, 2 = stderr, three
// zero bytes, big-endian payload length) and a payload of lines that start with
// an RFC 3339 timestamp (timestamps=true). BadResponse on anything else: a
// truncated frame, an unknown stream, a frame over 1 MiB, a line without a
// timestamp. A frame that does not end in a newline holds a partial line
// (conmon splits long lines and lines that cross its read buffer): the first
// line of the stream's next frame completes it, with the first part's time.
Result<QList<LogLine>> decodePodmanLogStream(const QByteArray &body, const QString &container);

// A time as Podman writes it (RFC 3339, seconds or up to nanoseconds) in UTC;
// invalid when it is not one.
QDateTime parsePodmanTime(QStringView text);

} // namespace berth::provider
