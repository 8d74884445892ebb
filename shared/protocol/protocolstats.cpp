#include "protocol/protocolstats.h"

using namespace Qt::StringLiterals;

namespace berth::protocol {

void ProtocolStats::record(const QString &method, bool ok, double seconds)
{
    Method &entry = m_methods[m_known.contains(method) ? method : u"other"_s];
    ++entry.requests;
    if (!ok)
        ++entry.errors;
    entry.secondsSum += seconds;
    for (size_t i = 0; i < Bounds.size(); ++i) {
        if (seconds <= Bounds[i]) {
            ++entry.buckets[i];
            break;
        }
    }
}

void ProtocolStats::setKnown(const QList<QString> &methods)
{
    m_known = methods;
}

} // namespace berth::protocol
