#include "providerselection.h"

#include "publishersession.h"

using namespace Qt::StringLiterals;

namespace berth::cli {

Result<QString> selectProvider(PublisherSession &, const QString &, const manifest::Pod &)
{
    return Error(ErrorCode::Unsupported, u"--select is not wired yet"_s);
}

} // namespace berth::cli
