#pragma once

#include "core/result.h"

#include <QString>
#include <QStringList>

namespace berth::provider {

// The image names (repository:tag) a `podman save` / `docker save` archive
// carries in its manifest.json (docker-archive format). Loading such an archive
// makes Podman give those names to the image; berthd reads them first so that
// an uploaded image can never take over a name another image holds.
//
// Reads only the tar headers and manifest.json (at most 1 MiB); errors:
// ParseFailed for a file that is not a tar archive with a readable manifest.json
// (an OCI archive without one is reported as having no names), IoFailed when it
// cannot be read.
Result<QStringList> imageArchiveNames(const QString &path);

} // namespace berth::provider
