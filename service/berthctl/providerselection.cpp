#include "providerselection.h"

#include "chain/priceunits.h"
#include "cliwait.h"
#include "market/marketindex.h"
#include "market/providerquery.h"
#include "publishersession.h"

using namespace Qt::StringLiterals;

namespace berth::cli {

Result<QString> selectProvider(PublisherSession &session, const QString &criteria,
                               const manifest::Pod &pod)
{
    ChainSession &s = session.chain();
    auto parsed = market::ProviderQuery::parse(criteria, s.profile().tokenDecimals);
    if (!parsed)
        return Error(parsed.error().code, u"--select: "_s + parsed.error().message);
    market::ProviderQuery query = std::move(parsed).value();
    query.setPod(pod);
    auto index =
        market::MarketIndex::open(market::MarketIndex::defaultPath(s.profile()), s.profile());
    if (!index)
        return index.error();
    session.progress(u"Reading the Registry…"_s);
    auto synced = waitFor<market::SyncReport>(
        [&](QObject *, std::function<void(Result<market::SyncReport>)> done) {
            (*index)->sync(*s.eth(), std::move(done));
        });
    if (!synced)
        return synced.error();
    auto rows = (*index)->providers(query);
    if (!rows)
        return rows.error();
    if (rows->isEmpty())
        return Error(ErrorCode::NotFound,
                     u"no registered provider matches '%1' for this pod (of %2 indexed): relax "
                     u"the criteria, or name one with --provider"_s.arg(criteria)
                         .arg((*index)->providerCount().value_or(0)));
    const market::ProviderRow &best = rows->first();
    session.progress(u"Selected %1 at %2 %3/hour (%4 matched)"_s
                         .arg(best.provider.toChecksumString(),
                              best.podRate
                                  ? chain::tokensPerPeriod(*best.podRate, s.profile().tokenDecimals,
                                                           chain::PricePeriod::Hour)
                                  : u"?"_s,
                              s.profile().tokenSymbol)
                         .arg(rows->size()));
    return best.provider.toChecksumString();
}

} // namespace berth::cli
