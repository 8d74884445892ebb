#pragma once

#include <QHash>
#include <QList>
#include <QString>

#include <array>

namespace berth::protocol {

// Requests and their latencies by method, kept by ProtocolServer's dispatch for
// the Prometheus exporter: a handful of integer additions per request. Methods
// outside `known` (set by the server to the built-in and registered methods)
// count under "other", so a peer cannot grow the table.
class ProtocolStats
{
public:
    // Upper bounds of the latency histogram, in seconds.
    static constexpr std::array<double, 11> Bounds = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                      0.25,  0.5,   1.0,  2.5,   10.0};

    struct Method
    {
        quint64 requests = 0;
        quint64 errors = 0;                           // answered with an error
        std::array<quint64, Bounds.size()> buckets{}; // not cumulative
        double secondsSum = 0;
    };

    // Records one answered request.
    void record(const QString &method, bool ok, double seconds);
    void setKnown(const QList<QString> &methods);

    const QHash<QString, Method> &methods() const { return m_methods; }

private:
    QHash<QString, Method> m_methods;
    QList<QString> m_known;
};

} // namespace berth::protocol
