#pragma once

#include <QString>
#include <QStringList>

namespace berth {

// The candidate closest to word by edit distance (case-insensitive), if it is
// close enough to be a plausible typo; empty otherwise. For "did you mean" hints.
QString closestMatch(const QString &word, const QStringList &candidates);

// Levenshtein distance between a and b.
qsizetype editDistance(QStringView a, QStringView b);

} // namespace berth
