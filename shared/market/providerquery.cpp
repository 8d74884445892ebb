#include "market/providerquery.h"

#include "chain/listingfields.h"
#include "chain/podprice.h"
#include "chain/priceunits.h"
#include "core/suggest.h"
#include "core/tokenamount.h"

#include <boost/multiprecision/cpp_int.hpp>

using namespace Qt::StringLiterals;

namespace berth::market {

namespace {

Error badTerm(const QString &term, const QString &why)
{
    return Error(ErrorCode::InvalidArgument, u"provider query: %1: %2"_s.arg(term, why));
}

// "h" -> 3600; nullopt for an unknown unit.
std::optional<quint64> periodSeconds(const QString &unit)
{
    static const QList<std::pair<QStringList, quint64>> units = {
        {{u"s"_s, u"sec"_s, u"second"_s}, chain::PricePeriod::Second},
        {{u"h"_s, u"hour"_s}, chain::PricePeriod::Hour},
        {{u"d"_s, u"day"_s}, 24 * chain::PricePeriod::Hour},
        {{u"month"_s, u"mo"_s}, chain::PricePeriod::Month},
    };
    for (const auto &[names, seconds] : units)
        if (names.contains(unit.toLower()))
            return seconds;
    return std::nullopt;
}

// "0.5/h": the most a pod may cost per period, as the largest scaled per-second
// rate whose cost per period does not exceed it (rounded down, so a provider
// asking more than the maximum never matches).
Result<UInt256> parseMaxPrice(const QString &term, const QString &value, int decimals)
{
    const qsizetype slash = value.indexOf(u'/');
    if (slash < 0)
        return badTerm(term, u"write the price per period, e.g. max-price=0.5/h or "
                             u"max-price=30/month (periods: s, h, d, month)"_s);
    const auto seconds = periodSeconds(value.mid(slash + 1).trimmed());
    if (!seconds)
        return badTerm(term, u"unknown period \"%1\"; use s, h, d or month"_s.arg(
                                 value.mid(slash + 1).trimmed()));
    auto amount = parseTokenAmount(QStringView(value).left(slash).trimmed(), decimals);
    if (!amount)
        return badTerm(term, amount.error().message);
    const boost::multiprecision::uint512_t scaled =
        boost::multiprecision::uint512_t(*amount) * chain::rateScale() / *seconds;
    if (scaled > boost::multiprecision::uint512_t(std::numeric_limits<UInt256>::max()))
        return badTerm(term, u"the price is too large"_s);
    return UInt256(scaled);
}

} // namespace

void ProviderQuery::setPod(const manifest::Pod &podToPrice)
{
    pod = chain::podResources(podToPrice);
}

UInt256 ProviderQuery::rateFor(const chain::Resources &resources, const chain::Prices &prices)
{
    return chain::resourcesRate(resources, prices);
}

QStringList ProviderQuery::knownKeys()
{
    return {u"region"_s, u"max-price"_s, u"min-stake"_s, u"attr.<key>"_s, u"token"_s, u"limit"_s};
}

Result<ProviderQuery> ProviderQuery::parse(const QString &expression, int tokenDecimals)
{
    ProviderQuery query;
    const QStringList terms = expression.split(u',', Qt::SkipEmptyParts);
    for (const QString &rawTerm : terms) {
        const QString term = rawTerm.trimmed();
        if (term.isEmpty())
            continue;
        const qsizetype eq = term.indexOf(u'=');
        if (eq <= 0)
            return badTerm(term, u"write key=value, e.g. region=eu"_s);
        const QString key = term.left(eq).trimmed();
        const QString value = term.mid(eq + 1).trimmed();
        if (key == u"region") {
            const QStringList regions = value.split(u'|', Qt::SkipEmptyParts);
            if (regions.isEmpty())
                return badTerm(term, u"name a region, e.g. region=eu (several: region=eu|us)"_s);
            for (const QString &region : regions)
                query.regions << region.trimmed();
        } else if (key == u"max-price") {
            auto rate = parseMaxPrice(term, value, tokenDecimals);
            if (!rate)
                return rate.error();
            query.maxRate = *rate;
        } else if (key == u"min-stake") {
            auto stake = parseTokenAmount(value, tokenDecimals);
            if (!stake)
                return badTerm(term, stake.error().message);
            query.minStake = *stake;
        } else if (key.startsWith(u"attr.")) {
            auto attribute = chain::parseListingAttribute(key.mid(5) + u'=' + value);
            if (!attribute)
                return badTerm(term, attribute.error().message);
            query.attributes.append(*attribute);
        } else if (key == u"token") {
            auto token = crypto::Address::fromHex(value);
            if (!token)
                return badTerm(term, u"the token must be a contract address (0x and 40 hex "
                                     u"digits)"_s);
            query.token = *token;
        } else if (key == u"limit") {
            bool ok = false;
            const int limit = value.toInt(&ok);
            if (!ok || limit < 1)
                return badTerm(term, u"the limit is a count of at least 1"_s);
            query.limit = limit;
        } else {
            QString message = u"provider query: unknown key \"%1\"; known keys: %2"_s.arg(
                key, knownKeys().join(u", "_s));
            const QString close = closestMatch(key, knownKeys());
            if (!close.isEmpty())
                message += u" (did you mean %1?)"_s.arg(close);
            return Error(ErrorCode::InvalidArgument, message);
        }
    }
    return query;
}

} // namespace berth::market
