#include "podimages.h"

#include "manifest/pod.h"
#include "publishersession.h"

using namespace Qt::StringLiterals;

namespace berth::cli {

Result<QJsonObject> pushImages(PublisherSession &, publisher::ProviderConnection &,
                               manifest::Pod &pod)
{
    for (const auto &container : pod.containers)
        if (container.image.isBlob())
            return Error(ErrorCode::Unsupported,
                         u"container %1 runs a blob image; pushing it is not wired yet"_s.arg(
                             container.name));
    return QJsonObject();
}

} // namespace berth::cli
