#include "market/marketreader.h"

#include "core/sqlitefile.h"
#include "core/uint256.h"
#include "market/marketstore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QVariant>
#include <QtEndian>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace berth::market {

namespace {

Error sqlError(const QString &what, const QSqlError &error)
{
    return sqliteError(u"market index"_s, what, error);
}

QByteArray blob(const UInt256 &value)
{
    return toBigEndian32(value);
}

// Four 64-bit limbs rather than 32 byte shifts: this runs for every candidate row.
UInt256 fromBlob(const QVariant &value)
{
    const QByteArray bytes = value.toByteArray();
    if (bytes.size() != 32)
        return uint256FromBigEndian(bytes).value_or(UInt256(0));
    UInt256 v = 0;
    for (int limb = 0; limb < 4; ++limb)
        v = (v << 64) | qFromBigEndian<quint64>(bytes.constData() + 8 * limb);
    return v;
}

crypto::Address address(const QVariant &value)
{
    return crypto::Address::fromHex(value.toString()).value_or(crypto::Address());
}

} // namespace

MarketReader::MarketReader(QString connectionName)
    : m_connectionName(std::move(connectionName))
{}

QSqlDatabase MarketReader::db() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

Result<QList<ProviderRow>> MarketReader::providers(const ProviderQuery &query,
                                                   const crypto::Address &defaultToken) const
{
    // One read transaction for both phases: one snapshot, one set of file locks.
    QSqlDatabase database = db();
    const bool reading = database.transaction();
    auto rows = findProviders(query, defaultToken);
    if (reading)
        database.rollback();
    return rows;
}

Result<QList<ProviderRow>> MarketReader::findProviders(const ProviderQuery &query,
                                                       const crypto::Address &defaultToken) const
{
    if (query.maxRate && !query.pod)
        return Error(ErrorCode::InvalidArgument,
                     u"provider query: max-price needs a pod to price; give the pod (its "
                     u"manifest) with the query"_s);
    const crypto::Address token = query.token.value_or(defaultToken);
    // One range scan of the selection table (token, region) with the attribute
    // terms and the stake checked in the same rows.
    QString sql = u"SELECT address, cpu, memory, storage, gpu, egress, stake FROM selection "
                  "WHERE token = ?"_s;
    QVariantList values{token.toLowerHex()};
    if (!query.regions.isEmpty()) {
        QStringList marks;
        for (const QString &region : query.regions) {
            marks << u"?"_s;
            values << region;
        }
        sql += u" AND region IN (%1)"_s.arg(marks.join(u", "_s));
    }
    for (const auto &[key, value] : query.attributes) {
        sql += u" AND instr(attribute_terms, ?) > 0"_s;
        values << MarketStore::attributeTerm(key, value);
    }
    if (query.minStake > 0) {
        sql += u" AND stake >= ?"_s;
        values << blob(query.minStake);
    }
    // A provider in several regions has one row per region.
    const bool mayRepeat = query.regions.size() != 1;
    QSqlQuery q(db());
    q.setForwardOnly(true);
    if (!q.prepare(sql))
        return sqlError(u"cannot query providers"_s, q.lastError());
    for (const QVariant &value : values)
        q.addBindValue(value);
    if (!q.exec())
        return sqlError(u"cannot query providers"_s, q.lastError());

    // Rows are completed (JSON parsed) only for those that survive the rate
    // filter, the sort and the limit.
    // Phase 1: prices and stake of every candidate; the rate filter, the sort
    // and the limit. Phase 2 reads the listing of the rows that are left.
    struct Candidate
    {
        QString address;
        chain::Prices prices;
        UInt256 stake;
        UInt256 rate; // with a pod only
    };
    QList<Candidate> candidates;
    QSet<QString> seen;
    while (q.next()) {
        Candidate c;
        c.address = q.value(0).toString();
        if (mayRepeat) {
            if (seen.contains(c.address))
                continue;
            seen.insert(c.address);
        }
        c.prices = {fromBlob(q.value(1)), fromBlob(q.value(2)), fromBlob(q.value(3)),
                    fromBlob(q.value(4)), fromBlob(q.value(5))};
        if (query.pod) {
            c.rate = ProviderQuery::rateFor(*query.pod, c.prices);
            if (query.maxRate && c.rate > *query.maxRate)
                continue;
        }
        c.stake = q.value(6).isNull() ? UInt256(0) : fromBlob(q.value(6));
        candidates.append(std::move(c));
    }
    q.finish();
    std::sort(candidates.begin(), candidates.end(), [&](const Candidate &a, const Candidate &b) {
        if (query.pod && a.rate != b.rate)
            return a.rate < b.rate;
        return a.address < b.address;
    });
    if (query.limit > 0 && candidates.size() > query.limit)
        candidates.resize(query.limit);

    QSqlQuery listing(db());
    listing.setForwardOnly(true);
    if (!listing.prepare(u"SELECT endpoint, regions, attributes, cpu_millis, memory_bytes, "
                         "storage_bytes, gpu_count, encryption_key_hash, updated_block "
                         "FROM providers WHERE address = ?"_s))
        return sqlError(u"cannot query providers"_s, listing.lastError());
    QList<ProviderRow> rows;
    rows.reserve(candidates.size());
    for (const Candidate &c : std::as_const(candidates)) {
        listing.addBindValue(c.address);
        if (!listing.exec())
            return sqlError(u"cannot query providers"_s, listing.lastError());
        if (!listing.next())
            continue;
        ProviderRow row;
        row.provider = address(c.address);
        row.endpoint = listing.value(0).toString();
        for (const QJsonValue &region :
             QJsonDocument::fromJson(listing.value(1).toString().toUtf8()).array())
            row.regions << region.toString();
        for (const QJsonValue &pair :
             QJsonDocument::fromJson(listing.value(2).toString().toUtf8()).array())
            row.attributes.append(
                {pair.toArray().at(0).toString(), pair.toArray().at(1).toString()});
        row.capacity = {
            listing.value(3).toString().toULongLong(), listing.value(4).toString().toULongLong(),
            listing.value(5).toString().toULongLong(), listing.value(6).toString().toULongLong()};
        row.encryptionKeyHash = listing.value(7).toByteArray();
        row.token = token;
        row.prices = c.prices;
        row.activeStake = c.stake;
        if (query.pod)
            row.podRate = c.rate;
        row.updatedBlock = listing.value(8).toULongLong();
        rows.append(std::move(row));
    }
    return rows;
}

Result<int> MarketReader::providerCount() const
{
    QSqlQuery q(db());
    if (!q.exec(u"SELECT COUNT(*) FROM providers"_s) || !q.next())
        return sqlError(u"cannot count providers"_s, q.lastError());
    return q.value(0).toInt();
}

Result<QString> MarketReader::dump() const
{
    static const QList<std::pair<QString, QString>> tables = {
        {u"providers"_s, u"address"_s},
        {u"provider_regions"_s, u"region, address"_s},
        {u"provider_attributes"_s, u"key, value, address"_s},
        {u"prices"_s, u"token, address"_s},
        {u"stakes"_s, u"address"_s},
        {u"orders"_s, u"id"_s},
        {u"bids"_s, u"id"_s},
        {u"selection"_s, u"token, region, address"_s},
    };
    QString out;
    QSqlQuery q(db());
    q.setForwardOnly(true);
    for (const auto &[table, order] : tables) {
        if (!q.exec(u"SELECT * FROM %1 ORDER BY %2"_s.arg(table, order)))
            return sqlError(u"cannot read %1"_s.arg(table), q.lastError());
        while (q.next()) {
            QStringList fields;
            const QSqlRecord record = q.record();
            for (int i = 0; i < record.count(); ++i) {
                const QVariant value = q.value(i);
                fields << (value.typeId() == QMetaType::QByteArray
                               ? QString::fromLatin1(value.toByteArray().toHex())
                               : value.toString());
            }
            out += table + u": "_s + fields.join(u" | "_s) + u'\n';
        }
    }
    return out;
}

Result<QList<OrderRow>> MarketReader::orders(bool openOnly) const
{
    QSqlQuery q(db());
    q.setForwardOnly(true);
    if (!q.exec(u"SELECT id, publisher, token, region, max_rate, min_stake, deposit, expiry, "
                "max_notice_period, cpu_millis, memory_bytes, storage_bytes, gpu_count, "
                "manifest_hash, deployment_id, status, accepted_bid, channel_id, posted_block, "
                "updated_block FROM orders%1 ORDER BY id"_s.arg(
                    openOnly ? u" WHERE status = 'open'"_s : QString())))
        return sqlError(u"cannot read orders"_s, q.lastError());
    QList<OrderRow> orders;
    while (q.next()) {
        OrderRow o;
        o.id = fromBlob(q.value(0));
        o.publisher = address(q.value(1));
        o.terms.token = address(q.value(2));
        o.terms.region = q.value(3).toString();
        o.terms.maxRatePerSecond = fromBlob(q.value(4));
        o.terms.minStake = fromBlob(q.value(5));
        o.terms.deposit = fromBlob(q.value(6));
        o.terms.expiry = q.value(7).toString().toULongLong();
        o.terms.maxNoticePeriod = q.value(8).toString().toULongLong();
        o.terms.resources = {
            q.value(9).toString().toULongLong(), q.value(10).toString().toULongLong(),
            q.value(11).toString().toULongLong(), q.value(12).toString().toULongLong()};
        o.terms.manifestHash = q.value(13).toByteArray();
        o.terms.deploymentId = q.value(14).toByteArray();
        o.status = q.value(15).toString();
        if (!q.value(16).isNull())
            o.acceptedBidId = fromBlob(q.value(16));
        o.channelId = q.value(17).toByteArray();
        o.postedBlock = q.value(18).toULongLong();
        o.updatedBlock = q.value(19).toULongLong();
        orders.append(std::move(o));
    }
    QSqlQuery bids(db());
    bids.setForwardOnly(true);
    if (!bids.prepare(u"SELECT id, provider, rate, notice_period, status, placed_block "
                      "FROM bids WHERE order_id = ? ORDER BY rate, id"_s))
        return sqlError(u"cannot read bids"_s, bids.lastError());
    for (OrderRow &o : orders) {
        bids.addBindValue(blob(o.id));
        if (!bids.exec())
            return sqlError(u"cannot read bids"_s, bids.lastError());
        while (bids.next())
            o.bids.append({fromBlob(bids.value(0)), address(bids.value(1)), fromBlob(bids.value(2)),
                           bids.value(3).toString().toULongLong(), bids.value(4).toString(),
                           bids.value(5).toULongLong()});
    }
    return orders;
}

} // namespace berth::market
