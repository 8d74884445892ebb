#include "provider/prometheustext.h"

#include <charconv>
#include <cmath>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

QLatin1StringView typeName(PrometheusText::Type type)
{
    switch (type) {
    case PrometheusText::Type::Counter:
        return "counter"_L1;
    case PrometheusText::Type::Gauge:
        return "gauge"_L1;
    case PrometheusText::Type::Histogram:
        return "histogram"_L1;
    }
    return "untyped"_L1;
}

} // namespace

void PrometheusText::family(QLatin1StringView name, Type type, QStringView help)
{
    m_text +=
        "# HELP " + QByteArray(name.data(), name.size()) + ' ' + escapeHelp(help).toUtf8() + '\n';
    m_text += "# TYPE " + QByteArray(name.data(), name.size()) + ' ' +
              QByteArray(typeName(type).data(), typeName(type).size()) + '\n';
}

void PrometheusText::sample(QLatin1StringView name, const PrometheusLabels &labels, double value)
{
    m_text.append(name.data(), name.size());
    if (!labels.isEmpty()) {
        m_text += '{';
        bool first = true;
        for (const auto &[label, text] : labels) {
            if (!first)
                m_text += ',';
            first = false;
            m_text.append(label.data(), label.size());
            m_text += "=\"" + escapeLabelValue(text).toUtf8() + '"';
        }
        m_text += '}';
    }
    m_text += ' ' + formatValue(value) + '\n';
}

void PrometheusText::histogram(QLatin1StringView name, const PrometheusLabels &labels,
                               const QList<double> &upperBounds,
                               const QList<quint64> &cumulativeCounts, double sum, quint64 count)
{
    const QByteArray base(name.data(), name.size());
    const QByteArray bucket = base + "_bucket";
    const QByteArray sumName = base + "_sum";
    const QByteArray countName = base + "_count";
    for (qsizetype i = 0; i < upperBounds.size() && i < cumulativeCounts.size(); ++i) {
        PrometheusLabels withBound = labels;
        withBound.append({"le"_L1, QString::fromLatin1(formatValue(upperBounds.at(i)))});
        sample(QLatin1StringView(bucket), withBound, double(cumulativeCounts.at(i)));
    }
    PrometheusLabels infinite = labels;
    infinite.append({"le"_L1, u"+Inf"_s});
    sample(QLatin1StringView(bucket), infinite, double(count));
    sample(QLatin1StringView(sumName), labels, sum);
    sample(QLatin1StringView(countName), labels, double(count));
}

namespace {

// Backslash and newline escaped (the text format's rule for HELP), and double
// quotes too for label values.
QString escaped(QStringView text, bool quotes)
{
    QString out;
    out.reserve(text.size());
    for (QChar c : text) {
        if (c == u'\\')
            out += u"\\\\"_s;
        else if (quotes && c == u'"')
            out += u"\\\""_s;
        else if (c == u'\n')
            out += u"\\n"_s;
        else
            out += c;
    }
    return out;
}

} // namespace

QString PrometheusText::escapeLabelValue(QStringView value)
{
    return escaped(value, true);
}

QString PrometheusText::escapeHelp(QStringView help)
{
    return escaped(help, false);
}

QByteArray PrometheusText::formatValue(double value)
{
    if (std::isnan(value))
        return QByteArrayLiteral("NaN");
    if (std::isinf(value))
        return value > 0 ? QByteArrayLiteral("+Inf") : QByteArrayLiteral("-Inf");
    char buffer[64];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    if (error != std::errc())
        return QByteArray::number(value, 'g', 17);
    return QByteArray(buffer, end - buffer);
}

} // namespace berth::provider
