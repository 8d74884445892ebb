#pragma once

#include "manifest/importcontext.h"

#include <QHash>
#include <QList>
#include <QString>

#include <functional>
#include <string_view>

namespace berth::manifest {

// A YAML mapping read key by key. Every key an importer takes is marked; the
// keys left over are reported by warnUnused(), so nothing in the source is
// dropped without a word. Merge keys ("<<: *defaults") are resolved here:
// yaml-cpp 0.7 leaves them to the reader.
class YamlMap
{
public:
    // A field that is not a mapping is reported and reads as an empty map.
    YamlMap(ImportContext &context, const YamlField &field);

    bool isMap() const { return m_isMap; }
    bool isEmpty() const { return m_entries.isEmpty(); }
    const YamlField &field() const { return m_field; }
    const QString &path() const { return m_field.path; }

    bool contains(std::string_view key) const;
    // The value under key (absent: present == false, located at this map), marked as used.
    YamlField take(std::string_view key);
    // Every entry not taken yet, in document order, marked as used (maps keyed by
    // user names: services, volumes, secrets).
    QList<YamlField> takeAll();
    // The keys not taken yet, in document order.
    QStringList remainingKeys() const;

    // One warning per key not taken, at the key: message(key) says what Berth
    // does instead (default: "`key` has no Berth equivalent and is ignored").
    void warnUnused(const std::function<QString(const YamlField &)> &message = {});

private:
    struct Entry
    {
        YamlField field;
        bool used = false;
    };
    void collect(const YamlField &mapField, int mergeDepth);

    ImportContext &m_context;
    YamlField m_field;
    QList<Entry> m_entries;
    QHash<QString, qsizetype> m_index; // key -> entry (maps may be large)
    bool m_isMap = false;
};

} // namespace berth::manifest
