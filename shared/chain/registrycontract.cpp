#include "chain/registrycontract.h"

#include "chain/priceunits.h"
#include "core/hex.h"
#include "core/tokenamount.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace berth::chain {

AbiValue Resources::toAbi() const
{
    return AbiValue::fromList({AbiValue::fromUInt(cpuMillis), AbiValue::fromUInt(memoryBytes),
                               AbiValue::fromUInt(storageBytes), AbiValue::fromUInt(gpuCount)});
}

Resources Resources::fromAbi(const AbiValue &tuple)
{
    const auto &i = tuple.items();
    return {i[0].decodedUInt64(), i[1].decodedUInt64(), i[2].decodedUInt64(), i[3].decodedUInt64()};
}

QJsonObject Resources::toJson() const
{
    return {{u"cpuMillis"_s, QString::number(cpuMillis)},
            {u"memoryBytes"_s, QString::number(memoryBytes)},
            {u"storageBytes"_s, QString::number(storageBytes)},
            {u"gpuCount"_s, QString::number(gpuCount)}};
}

AbiValue Prices::toAbi() const
{
    return AbiValue::fromList(
        {AbiValue::fromUInt(cpuCorePerSecond), AbiValue::fromUInt(memoryGiBPerSecond),
         AbiValue::fromUInt(storageGiBPerSecond), AbiValue::fromUInt(gpuUnitPerSecond),
         AbiValue::fromUInt(egressGiBPerSecond)});
}

Prices Prices::fromAbi(const AbiValue &tuple)
{
    const auto &i = tuple.items();
    return {i[0].toUInt().value(), i[1].toUInt().value(), i[2].toUInt().value(),
            i[3].toUInt().value(), i[4].toUInt().value()};
}

QJsonObject Prices::toJson(int decimals) const
{
    return {
        {u"cpuPerCoreHour"_s, tokensPerPeriod(cpuCorePerSecond, decimals, PricePeriod::Hour)},
        {u"memoryPerGiBMonth"_s, tokensPerPeriod(memoryGiBPerSecond, decimals, PricePeriod::Month)},
        {u"storagePerGiBMonth"_s,
         tokensPerPeriod(storageGiBPerSecond, decimals, PricePeriod::Month)},
        {u"gpuPerHour"_s, tokensPerPeriod(gpuUnitPerSecond, decimals, PricePeriod::Hour)},
        {u"egressPerGiB"_s, tokensPerPeriod(egressGiBPerSecond, decimals, PricePeriod::Second)}};
}

AbiValue ProviderProfile::toAbi() const
{
    QList<AbiValue> regionValues;
    for (const QString &r : regions)
        regionValues << AbiValue::fromString(r);
    QList<AbiValue> attributeValues;
    for (const auto &[key, value] : attributes)
        attributeValues << AbiValue::fromList(
            {AbiValue::fromString(key), AbiValue::fromString(value)});
    return AbiValue::fromList({AbiValue::fromString(endpoint), AbiValue::fromList(regionValues),
                               AbiValue::fromList(attributeValues), capacity.toAbi(),
                               AbiValue::fromBytes(encryptionKeyHash)});
}

ProviderProfile ProviderProfile::fromAbi(const AbiValue &tuple)
{
    const auto &i = tuple.items();
    ProviderProfile p;
    p.endpoint = i[0].toString().value();
    for (const AbiValue &r : i[1].items())
        p.regions << r.toString().value();
    for (const AbiValue &a : i[2].items())
        p.attributes.append({a.items()[0].toString().value(), a.items()[1].toString().value()});
    p.capacity = Resources::fromAbi(i[3]);
    p.encryptionKeyHash = i[4].toBytes().value();
    return p;
}

QJsonObject ProviderProfile::toJson() const
{
    QJsonObject attributeJson;
    for (const auto &[key, value] : attributes)
        attributeJson.insert(key, value);
    return {{u"endpoint"_s, endpoint},
            {u"regions"_s, QJsonArray::fromStringList(regions)},
            {u"attributes"_s, attributeJson},
            {u"capacity"_s, capacity.toJson()},
            {u"encryptionKeyHash"_s, hexString(encryptionKeyHash)}};
}

RegistryContract::RegistryContract(ContractClient client)
    : m_client(std::move(client))
{}

QStringList RegistryContract::usedSignatures()
{
    const QString profile =
        u"(string,string[],(string,string)[],(uint64,uint64,uint64,uint64),bytes32)"_s;
    const QString prices = u"(uint128,uint128,uint128,uint128,uint128)"_s;
    return {u"register(%1)"_s.arg(profile),          u"update(%1)"_s.arg(profile),
            u"setPricing(address,%1)"_s.arg(prices), u"getListing(address)"_s,
            u"getPricing(address,address)"_s,        u"isRegistered(address)"_s,
            u"providersPage(uint256,uint256)"_s,     u"acceptedTokens(address)"_s};
}

ProviderListing RegistryContract::listingFromAbi(const crypto::Address &provider,
                                                 const QList<AbiValue> &getListingOutput)
{
    const auto &listing = getListingOutput.constFirst().items();
    return {provider, ProviderProfile::fromAbi(listing[0]), listing[1].decodedUInt64(),
            listing[2].decodedUInt64()};
}

Result<TxRequest> RegistryContract::registerProvider(const ProviderProfile &profile) const
{
    return m_client.transaction(u"register"_s, {profile.toAbi()});
}

Result<TxRequest> RegistryContract::update(const ProviderProfile &profile) const
{
    return m_client.transaction(u"update"_s, {profile.toAbi()});
}

Result<TxRequest> RegistryContract::setPricing(const crypto::Address &token,
                                               const Prices &prices) const
{
    return m_client.transaction(u"setPricing"_s, {AbiValue::fromAddress(token), prices.toAbi()});
}

} // namespace berth::chain
