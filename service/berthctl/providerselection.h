#pragma once

#include "core/result.h"

#include <QString>

namespace berth::manifest {
struct Pod;
}

namespace berth::cli {

class PublisherSession;

// --select CRITERIA: brings the market index up to date and returns the
// address of the cheapest registered provider that matches for this pod.
Result<QString> selectProvider(PublisherSession &session, const QString &criteria,
                               const manifest::Pod &pod);

} // namespace berth::cli
