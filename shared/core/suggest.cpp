#include "core/suggest.h"

#include <QList>

#include <algorithm>

namespace berth {

qsizetype editDistance(QStringView a, QStringView b)
{
    QList<qsizetype> row(b.size() + 1);
    for (qsizetype j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (qsizetype i = 1; i <= a.size(); ++i) {
        qsizetype diagonal = row[0];
        row[0] = i;
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const qsizetype above = row[j];
            const qsizetype cost = a[i - 1].toCaseFolded() == b[j - 1].toCaseFolded() ? 0 : 1;
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
            diagonal = above;
        }
    }
    return row[b.size()];
}

QString closestMatch(const QString &word, const QStringList &candidates)
{
    // Long words tolerate more typos; very different words are not suggestions.
    const qsizetype budget = std::max<qsizetype>(1, std::min<qsizetype>(3, word.size() / 3));
    QString best;
    qsizetype bestDistance = budget + 1;
    for (const auto &candidate : candidates) {
        if (word.size() > 64 || candidate.size() > 64)
            continue;
        const auto distance = editDistance(word, candidate);
        if (distance < bestDistance) {
            bestDistance = distance;
            best = candidate;
        }
    }
    return best;
}

} // namespace berth
