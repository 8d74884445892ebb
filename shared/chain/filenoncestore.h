#pragma once

#include "chain/noncestore.h"

#include <QJsonObject>
#include <QString>

namespace berth::chain {

// A NonceStore in a small JSON file, written atomically (QSaveFile) and readable
// by its owner only (0600). Read on every query, so two processes that share the
// file see each other's records.
//
//   {"version": 1, "chains": {"31337": {"0xf39f…2266": 5}}}
class FileNonceStore : public NonceStore
{
public:
    explicit FileNonceStore(const QString &path);

    QString path() const { return m_path; }

    std::optional<quint64> nextNonce(quint64 chainId,
                                     const crypto::Address &account) const override;
    Result<void> record(quint64 chainId, const crypto::Address &account, quint64 next) override;

private:
    Result<QJsonObject> load() const;

    QString m_path;
};

} // namespace berth::chain
