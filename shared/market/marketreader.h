#pragma once

#include "core/result.h"
#include "crypto/address.h"
#include "market/orderrow.h"
#include "market/providerquery.h"
#include "market/providerrow.h"

#include <QList>
#include <QString>

class QSqlDatabase;

namespace berth::market {

// The read side of a MarketStore's file: provider selection, orders and a dump.
// Uses the store's connection (same thread, read-only statements).
class MarketReader
{
public:
    explicit MarketReader(QString connectionName);

    Result<QList<ProviderRow>> providers(const ProviderQuery &query,
                                         const crypto::Address &defaultToken) const;
    Result<int> providerCount() const;
    // Orders by id with their bids; `openOnly`: only those still open.
    Result<QList<OrderRow>> orders(bool openOnly) const;
    // A stable text dump of every derived table (tests compare indexes with it).
    Result<QString> dump() const;

private:
    QSqlDatabase db() const;
    Result<QList<ProviderRow>> findProviders(const ProviderQuery &query,
                                             const crypto::Address &defaultToken) const;
    QString m_connectionName;
};

} // namespace berth::market
