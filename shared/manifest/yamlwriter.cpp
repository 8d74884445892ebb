#include "manifest/yamlwriter.h"

#include <QJsonArray>

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>
#include <yaml-cpp/yaml.h>

using namespace Qt::StringLiterals;

namespace berth::manifest {

namespace {

// Keys people expect first, in this order; others follow alphabetically.
// Covers both Berth manifests and the Kubernetes objects they render into.
constexpr std::array LeadingKeys{std::string_view("apiVersion"),
                                 std::string_view("kind"),
                                 std::string_view("metadata"),
                                 std::string_view("name"),
                                 std::string_view("namespace"),
                                 std::string_view("labels"),
                                 std::string_view("annotations"),
                                 std::string_view("type"),
                                 std::string_view("spec"),
                                 std::string_view("selector"),
                                 std::string_view("template"),
                                 std::string_view("containers"),
                                 std::string_view("image"),
                                 std::string_view("command"),
                                 std::string_view("args"),
                                 std::string_view("workingDir"),
                                 std::string_view("env"),
                                 std::string_view("value"),
                                 std::string_view("ports"),
                                 std::string_view("containerPort"),
                                 std::string_view("protocol"),
                                 std::string_view("hosts"),
                                 std::string_view("publicPort"),
                                 std::string_view("resources"),
                                 std::string_view("cpu"),
                                 std::string_view("memory"),
                                 std::string_view("ephemeralStorage"),
                                 std::string_view("volumeMounts"),
                                 std::string_view("healthCheck"),
                                 std::string_view("volumes"),
                                 std::string_view("replicas"),
                                 std::string_view("restartPolicy"),
                                 std::string_view("hostAliases"),
                                 std::string_view("data")};

int keyRank(const QString &key)
{
    const auto utf8 = key.toUtf8();
    const auto it = std::find(LeadingKeys.begin(), LeadingKeys.end(),
                              std::string_view(utf8.constData(), std::size_t(utf8.size())));
    return it == LeadingKeys.end() ? int(LeadingKeys.size()) : int(it - LeadingKeys.begin());
}

QStringList orderedKeys(const QJsonObject &object)
{
    QStringList keys = object.keys(); // alphabetical
    std::stable_sort(keys.begin(), keys.end(),
                     [](const QString &a, const QString &b) { return keyRank(a) < keyRank(b); });
    return keys;
}

// A plain scalar that a YAML 1.1 or 1.2 reader could take for a number, a boolean,
// null or a timestamp must be quoted to stay a string.
bool needsQuotes(const QString &text)
{
    if (text.isEmpty())
        return true;
    const QChar first = text.front();
    if (first.isDigit() || first == u'+' || first == u'-' || first == u'.')
        return true;
    static const QStringList special{u"y"_s,   u"n"_s,    u"yes"_s,   u"no"_s,   u"on"_s,
                                     u"off"_s, u"true"_s, u"false"_s, u"null"_s, u"~"_s};
    return special.contains(text, Qt::CaseInsensitive);
}

// Characters a YAML reader treats as line breaks (\r, NEL, LS, PS) or that a plain
// scalar cannot carry: written double-quoted, where they are escaped.
bool hasLineBreakOrControl(const QString &text)
{
    return std::any_of(text.cbegin(), text.cend(), [](QChar c) {
        const char16_t u = c.unicode();
        return (u < 0x20 && u != u'\t') || u == 0x7f || u == 0x85 || u == 0x2028 || u == 0x2029 ||
               u == 0xfeff;
    });
}

bool isScalar(const QJsonValue &value)
{
    return !value.isArray() && !value.isObject();
}

void emitValue(YAML::Emitter &out, const QJsonValue &value);

void emitString(YAML::Emitter &out, const QString &text)
{
    // Multi-line text is double-quoted with escapes (yaml-cpp's literal blocks
    // cannot say "no final newline"), as is text with other line breaks or control
    // characters: the round trip must be exact.
    if (hasLineBreakOrControl(text)) {
        // Escaped as \uXXXX so no reader can take them for line breaks or a BOM.
        out << YAML::EscapeNonAscii << YAML::DoubleQuoted << text.toStdString()
            << YAML::EmitNonAscii;
        return;
    }
    if (needsQuotes(text))
        out << YAML::DoubleQuoted;
    out << text.toStdString();
}

void emitArray(YAML::Emitter &out, const QJsonArray &array)
{
    // Short lists of scalars read best inline: command: ["/bin/sh", "-c"].
    const bool scalars = std::all_of(array.begin(), array.end(), isScalar);
    qsizetype width = 0;
    for (const auto &item : array)
        width += item.toVariant().toString().size() + 4;
    out << ((array.isEmpty() || (scalars && width <= 72)) ? YAML::Flow : YAML::Block);
    out << YAML::BeginSeq;
    for (const auto &item : array)
        emitValue(out, item);
    out << YAML::EndSeq;
}

void emitObject(YAML::Emitter &out, const QJsonObject &object)
{
    out << (object.isEmpty() ? YAML::Flow : YAML::Block) << YAML::BeginMap;
    for (const auto &key : orderedKeys(object)) {
        out << YAML::Key;
        emitString(out, key);
        out << YAML::Value;
        emitValue(out, object.value(key));
    }
    out << YAML::EndMap;
}

void emitValue(YAML::Emitter &out, const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        out << YAML::Null;
        break;
    case QJsonValue::Bool:
        out << (value.toBool() ? "true" : "false");
        break;
    case QJsonValue::Double: {
        const double number = value.toDouble();
        double whole = 0;
        if (std::modf(number, &whole) == 0.0 && std::abs(whole) < 9.007199254740992e15)
            out << static_cast<long long>(whole);
        else
            out << number;
        break;
    }
    case QJsonValue::String:
        emitString(out, value.toString());
        break;
    case QJsonValue::Array:
        emitArray(out, value.toArray());
        break;
    case QJsonValue::Object:
        emitObject(out, value.toObject());
        break;
    }
}

} // namespace

QByteArray toYaml(const QJsonValue &value)
{
    YAML::Emitter out;
    out.SetIndent(2);
    out.SetSeqFormat(YAML::Block);
    out.SetMapFormat(YAML::Block);
    emitValue(out, value);
    QByteArray text(out.c_str(), qsizetype(out.size()));
    text.append('\n');
    return text;
}

QByteArray toYamlDocuments(const QList<QJsonObject> &documents)
{
    QByteArray text;
    for (const auto &document : documents) {
        text.append("---\n");
        text.append(toYaml(document));
    }
    return text;
}

} // namespace berth::manifest
