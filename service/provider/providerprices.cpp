#include "provider/providerprices.h"

#include "chain/priceunits.h"

using namespace Qt::StringLiterals;

namespace berth::provider {

Result<chain::Prices> providerPrices(const ProviderSettings &settings, int tokenDecimals)
{
    chain::Prices prices;
    const struct
    {
        const QString &text;
        UInt256 *target;
        quint64 period;
        QLatin1StringView key;
    } entries[] = {
        {settings.priceCpuCoreHour, &prices.cpuCorePerSecond, chain::PricePeriod::Hour,
         "pricing.cpuCoreHour"_L1},
        {settings.priceMemoryGiBMonth, &prices.memoryGiBPerSecond, chain::PricePeriod::Month,
         "pricing.memoryGiBMonth"_L1},
        {settings.priceStorageGiBMonth, &prices.storageGiBPerSecond, chain::PricePeriod::Month,
         "pricing.storageGiBMonth"_L1},
        {settings.priceGpuHour, &prices.gpuUnitPerSecond, chain::PricePeriod::Hour,
         "pricing.gpuHour"_L1},
    };
    for (const auto &entry : entries) {
        if (entry.text.isEmpty())
            continue;
        auto rate = chain::scaledRateFromTokens(entry.text, tokenDecimals, entry.period);
        if (!rate)
            return Error(ErrorCode::InvalidArgument,
                         u"%1: %2"_s.arg(entry.key, rate.error().message));
        *entry.target = *rate;
    }
    return prices;
}

} // namespace berth::provider
