#pragma once

#include "core/result.h"

#include <QJsonObject>

namespace berth::manifest {
struct Pod;
}
namespace berth::publisher {
class ProviderConnection;
}

namespace berth::cli {

class PublisherSession;

// The images of a pod that no provider can pull: local ones (localhost/…) are
// exported and encrypted once (`berthctl image push`), uploaded to this
// provider unless it holds the blob already, and replaced in `pod` by their
// blob; blob images keep theirs. Returns params.images: each blob's key sealed
// to the provider's attested key.
Result<QJsonObject> pushImages(PublisherSession &session, publisher::ProviderConnection &connection,
                               manifest::Pod &pod);

} // namespace berth::cli
