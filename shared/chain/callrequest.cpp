#include "chain/callrequest.h"

#include "chain/rpcfields.h"

using namespace Qt::StringLiterals;

namespace berth::chain {

QJsonObject CallRequest::toJson() const
{
    QJsonObject o;
    if (from)
        o.insert(u"from"_s, from->toLowerHex());
    if (to)
        o.insert(u"to"_s, to->toLowerHex());
    if (value != 0)
        o.insert(u"value"_s, toHexQuantity(value));
    if (!data.isEmpty())
        o.insert(u"data"_s, rpcfields::toData(data));
    if (gas)
        o.insert(u"gas"_s, toHexQuantity(UInt256(*gas)));
    return o;
}

} // namespace berth::chain
