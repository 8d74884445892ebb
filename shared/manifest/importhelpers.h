#pragma once

// Small conversions every importer needs: names, command lines, durations, ports.

#include "manifest/limits.h"

#include <QSet>
#include <QString>
#include <QStringList>
#include <QStringView>

#include <cstdint>
#include <optional>

namespace berth::manifest::importing {

// What an importer assumes when the source names no CPU or memory (one warning says so).
inline constexpr std::int64_t DefaultCpuMillis = 500;
inline constexpr std::int64_t DefaultMemoryBytes = 512 * limits::MiB;
// The size of a persistent volume whose source gives none (one warning says so).
inline constexpr std::int64_t DefaultVolumeBytes = 1 * limits::GiB;
inline constexpr int MaxPortNameLength = 15;

// "My_App.v2" -> "my-app-v2": lower case, every run of other characters one '-',
// no '-' at either end, at most 63 characters; fallback when nothing is left.
QString toDnsLabel(const QString &name, const QString &fallback);
// base, else base-2, base-3, ... cut to maxLength: the first not in used.
QString uniqueName(const QString &base, const QSet<QString> &used, int maxLength);
// A plausible host name as another container might look it up ("my_db").
bool isHostAlias(const QString &name);

// POSIX shell word splitting without expansion: "sh -c 'echo hi'" -> [sh, -c, echo hi].
// nullopt when a quote is not closed or the text ends in a lone backslash.
std::optional<QStringList> splitShellWords(const QString &text);

// Go durations as compose writes them ("1m30s", "500ms", "2h", "0") in
// milliseconds, rounded up; nullopt when the text is not one.
std::optional<std::int64_t> parseDurationMillis(QStringView text);

// Ports web servers listen on, served as HTTP (routed by host name) when the
// source does not say. 443 is not one: behind it the container speaks TLS itself.
bool isCommonHttpPort(int port);
// "<container>-<port>" cut to 15 characters, with a letter, unique in used.
QString portName(const QString &container, int port, QSet<QString> &used);

// Warning texts the importers share.
QString noEquivalent(const QString &key); // "`key` has no Berth equivalent and is ignored"
QString unpublishedProtocol(const QString &protocol, int port);
QString startOrderAdvice(const QString &key, const QString &service, const QString &awaited);
QString registryCredentialsAdvice();

} // namespace berth::manifest::importing
