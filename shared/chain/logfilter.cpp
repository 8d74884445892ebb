#include "chain/logfilter.h"

#include "chain/rpcfields.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace berth::chain {

QJsonObject LogFilter::toJson() const
{
    QJsonObject o{{u"fromBlock"_s, fromBlock}, {u"toBlock"_s, toBlock}};
    if (addresses.size() == 1) {
        o.insert(u"address"_s, addresses.first().toLowerHex());
    } else if (!addresses.isEmpty()) {
        QJsonArray list;
        for (const crypto::Address &a : addresses)
            list.append(a.toLowerHex());
        o.insert(u"address"_s, list);
    }
    if (!topics.isEmpty()) {
        QJsonArray positions;
        for (const QList<QByteArray> &choices : topics) {
            if (choices.isEmpty()) {
                positions.append(QJsonValue::Null);
            } else if (choices.size() == 1) {
                positions.append(rpcfields::toData(choices.first()));
            } else {
                QJsonArray anyOf;
                for (const QByteArray &topic : choices)
                    anyOf.append(rpcfields::toData(topic));
                positions.append(anyOf);
            }
        }
        o.insert(u"topics"_s, positions);
    }
    return o;
}

} // namespace berth::chain
