#pragma once

#include "commandcontext.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QStringList>

namespace berth::cli {

// One command's result, printed either as text lines for people or as one JSON
// object for scripts (--json). Commands fill both; print() picks one.
class CommandOutput
{
public:
    CommandOutput(CommandContext &context, bool json)
        : m_context(context)
        , m_json(json)
    {}

    CommandOutput &field(const QString &key, const QJsonValue &value)
    {
        m_object.insert(key, value);
        return *this;
    }
    CommandOutput &line(const QString &text)
    {
        m_lines << text;
        return *this;
    }
    void print() const
    {
        if (m_json) {
            m_context.out << QString::fromUtf8(
                QJsonDocument(m_object).toJson(QJsonDocument::Indented));
        } else {
            for (const QString &l : m_lines)
                m_context.out << l << "\n";
        }
        m_context.out.flush();
    }

private:
    CommandContext &m_context;
    bool m_json = false;
    QJsonObject m_object;
    QStringList m_lines;
};

} // namespace berth::cli
