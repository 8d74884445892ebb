#pragma once

#include <QJsonValue>
#include <QString>

#include <optional>
#include <variant>

namespace berth::protocol {

// A JSON-RPC request id: an integer, a string, or null. Null is only ever sent
// in an error response to a frame whose id could not be read; a request without
// an id is a notification (Berth never sends "id": null in a request).
class RequestId
{
public:
    RequestId() = default; // null
    explicit RequestId(qint64 integer)
        : m_value(integer)
    {}
    explicit RequestId(QString text)
        : m_value(std::move(text))
    {}

    bool isNull() const { return std::holds_alternative<std::monostate>(m_value); }
    bool isInteger() const { return std::holds_alternative<qint64>(m_value); }
    bool isString() const { return std::holds_alternative<QString>(m_value); }
    qint64 toInteger() const { return isInteger() ? std::get<qint64>(m_value) : 0; }
    QString toString() const { return isString() ? std::get<QString>(m_value) : QString(); }

    QJsonValue toJson() const
    {
        if (isInteger())
            return QJsonValue(toInteger());
        if (isString())
            return QJsonValue(toString());
        return QJsonValue(QJsonValue::Null);
    }

    // Integers must be whole and within ±2^53 (exact in JSON's doubles).
    static constexpr qint64 MaxInteger = qint64(1) << 53;
    static std::optional<RequestId> fromJson(const QJsonValue &value)
    {
        if (value.isNull())
            return RequestId();
        if (value.isString())
            return RequestId(value.toString());
        if (value.isDouble()) {
            const double d = value.toDouble();
            if (d >= -double(MaxInteger) && d <= double(MaxInteger) && d == double(qint64(d)))
                return RequestId(qint64(d));
        }
        return std::nullopt;
    }

    bool operator==(const RequestId &) const = default;

private:
    std::variant<std::monostate, qint64, QString> m_value;
};

} // namespace berth::protocol
