#pragma once

#include <QByteArray>
#include <QLatin1StringView>
#include <QList>
#include <QString>
#include <QStringView>

#include <utility>

namespace berth::provider {

// Label name and value pairs of one sample.
using PrometheusLabels = QList<std::pair<QLatin1StringView, QString>>;

// Writes the Prometheus text exposition format 0.0.4: each family once with
// its HELP and TYPE lines, then its samples. Label values and help texts are
// escaped; values use Prometheus' spelling of infinities and NaN. Names are the
// caller's: counters end in _total, units are in the name (_bytes, _seconds).
class PrometheusText
{
public:
    enum class Type
    {
        Counter,
        Gauge,
        Histogram,
    };

    // The HELP and TYPE lines of a family; every sample of it must follow.
    void family(QLatin1StringView name, Type type, QStringView help);
    // One sample line: name is the family's, or for a histogram the family's
    // plus _bucket, _sum or _count.
    void sample(QLatin1StringView name, const PrometheusLabels &labels, double value);

    // Histogram samples for one label set: cumulative bucket counts for the
    // upper bounds (the +Inf bucket is added), sum and count.
    void histogram(QLatin1StringView name, const PrometheusLabels &labels,
                   const QList<double> &upperBounds, const QList<quint64> &cumulativeCounts,
                   double sum, quint64 count);

    const QByteArray &text() const { return m_text; }

    // Backslash, double quote and line feed escaped as the format wants.
    static QString escapeLabelValue(QStringView value);
    // Backslash and line feed escaped.
    static QString escapeHelp(QStringView help);
    // "1.5", "42", "+Inf", "-Inf", "NaN" (shortest round-trip decimal).
    static QByteArray formatValue(double value);

    static constexpr QLatin1StringView ContentType{"text/plain; version=0.0.4; charset=utf-8"};

private:
    QByteArray m_text;
};

} // namespace berth::provider
