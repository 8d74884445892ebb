#include "provider/listingkeeper.h"

#include "chain/listingfields.h"
#include "chain/transactionmanager.h"
#include "core/hex.h"
#include "manifest/quantity.h"

#include <QLoggingCategory>

#include <memory>

using namespace Qt::StringLiterals;

namespace berth::provider {

Q_LOGGING_CATEGORY(lcListing, "berth.listing")

namespace {

bool sameProfile(const chain::ProviderProfile &a, const chain::ProviderProfile &b)
{
    return a.endpoint == b.endpoint && a.regions == b.regions && a.attributes == b.attributes &&
           a.capacity.cpuMillis == b.capacity.cpuMillis &&
           a.capacity.memoryBytes == b.capacity.memoryBytes &&
           a.capacity.storageBytes == b.capacity.storageBytes &&
           a.capacity.gpuCount == b.capacity.gpuCount && a.encryptionKeyHash == b.encryptionKeyHash;
}

bool samePrices(const chain::Prices &a, const chain::Prices &b)
{
    return a.cpuCorePerSecond == b.cpuCorePerSecond &&
           a.memoryGiBPerSecond == b.memoryGiBPerSecond &&
           a.storageGiBPerSecond == b.storageGiBPerSecond &&
           a.gpuUnitPerSecond == b.gpuUnitPerSecond && a.egressGiBPerSecond == b.egressGiBPerSecond;
}

quint64 quantityOr0(Result<std::int64_t> value)
{
    return value && *value > 0 ? quint64(*value) : 0;
}

} // namespace

chain::ProviderProfile ListingTarget::profileFrom(const ProviderSettings &settings,
                                                  QByteArrayView x25519PublicKey)
{
    // The settings validated every quantity when they were read: empty means 0.
    chain::ProviderProfile profile;
    profile.endpoint = settings.registryEndpoint;
    profile.regions = settings.registryRegionList();
    profile.attributes = settings.registryAttributeList();
    if (!settings.registryCapacityCpu.isEmpty())
        profile.capacity.cpuMillis =
            quantityOr0(manifest::quantity::parseCpuMillis(settings.registryCapacityCpu));
    if (!settings.registryCapacityMemory.isEmpty())
        profile.capacity.memoryBytes =
            quantityOr0(manifest::quantity::parseBytes(settings.registryCapacityMemory));
    if (!settings.registryCapacityStorage.isEmpty())
        profile.capacity.storageBytes =
            quantityOr0(manifest::quantity::parseBytes(settings.registryCapacityStorage));
    profile.capacity.gpuCount = quint64(qMax(0, settings.registryCapacityGpus));
    profile.encryptionKeyHash = chain::listingEncryptionKeyHash(x25519PublicKey);
    return profile;
}

QString ListingOutcome::summary() const
{
    QStringList parts;
    if (registered)
        parts << u"registered"_s;
    if (profileUpdated)
        parts << u"updated the profile"_s;
    if (pricingSet)
        parts << u"set the prices"_s;
    return parts.isEmpty() ? u"unchanged"_s : parts.join(u", "_s);
}

ListingKeeper::ListingKeeper(chain::ContractClient registry,
                             chain::TransactionManager *transactions, ListingTarget target,
                             QObject *parent)
    : QObject(parent)
    , m_registry(std::move(registry))
    , m_transactions(transactions)
    , m_target(std::move(target))
    , m_provider(transactions->address())
{}

void ListingKeeper::sync(std::function<void(Result<ListingOutcome>)> done)
{
    const auto finish = [done](Result<ListingOutcome> outcome) {
        if (outcome)
            qCInfo(lcListing).noquote()
                << u"Registry listing: %1 (%2 transactions)"_s.arg(outcome->summary())
                       .arg(outcome->transactions.size());
        else
            qCWarning(lcListing).noquote()
                << u"the Registry listing could not be brought in line with berthd.yaml: %1. "
                   "berthd keeps serving; fix the cause (funds for gas, the chain profile's "
                   "Registry address, the registry.* settings) and restart berthd, or check "
                   "the listing with `berthctl provider show`."_s.arg(outcome.error().message);
        if (done)
            done(std::move(outcome));
    };
    readCurrent([this, finish](Result<Current> current) {
        if (!current)
            return finish(current.error());
        apply(*current, finish);
    });
}

void ListingKeeper::readCurrent(std::function<void(Result<Current>)> done)
{
    const chain::AbiValue provider = chain::AbiValue::fromAddress(m_provider);
    m_registry.call(
        u"isRegistered"_s, {provider}, this,
        [this, provider, done](Result<chain::ContractClient::Values> registered) {
            if (!registered)
                return done(registered.error());
            if (!registered->value(0).toBool().value_or(false))
                return done(Current{});
            m_registry.call(
                u"getListing"_s, {provider}, this,
                [this, provider, done](Result<chain::ContractClient::Values> listing) {
                    if (!listing)
                        return done(listing.error());
                    Current current;
                    current.registered = true;
                    current.profile =
                        chain::RegistryContract::listingFromAbi(m_provider, *listing).profile;
                    m_registry.call(
                        u"getPricing"_s, {provider, chain::AbiValue::fromAddress(m_target.token)},
                        this,
                        [current, done](Result<chain::ContractClient::Values> pricing) mutable {
                            if (!pricing)
                                return done(pricing.error());
                            if (pricing->size() == 2 && pricing->at(0).toBool().value_or(false))
                                current.prices = chain::Prices::fromAbi(pricing->at(1));
                            done(current);
                        });
                });
        });
}

void ListingKeeper::apply(const Current &current, std::function<void(Result<ListingOutcome>)> done)
{
    const chain::RegistryContract registry(m_registry);
    chain::Prices wanted = m_target.prices;
    if (current.prices) // berthd has no egress setting: keep what was listed
        wanted.egressGiBPerSecond = current.prices->egressGiBPerSecond;
    const bool sendProfile = !current.registered || !sameProfile(current.profile, m_target.profile);
    const bool sendPrices = !current.prices || !samePrices(*current.prices, wanted);

    auto outcome = std::make_shared<ListingOutcome>();
    const auto pricing = [this, registry, wanted, sendPrices, outcome, done] {
        if (!sendPrices)
            return done(*outcome);
        send(u"setPricing"_s, registry.setPricing(m_target.token, wanted),
             [outcome, done](Result<QByteArray> hash) {
                 if (!hash)
                     return done(hash.error());
                 outcome->pricingSet = true;
                 outcome->transactions << *hash;
                 done(*outcome);
             });
    };
    if (!sendProfile)
        return pricing();
    const bool registering = !current.registered;
    const QString function = registering ? u"register"_s : u"update"_s;
    send(function,
         registering ? registry.registerProvider(m_target.profile)
                     : registry.update(m_target.profile),
         [registering, outcome, pricing, done](Result<QByteArray> hash) {
             if (!hash)
                 return done(hash.error());
             (registering ? outcome->registered : outcome->profileUpdated) = true;
             outcome->transactions << *hash;
             pricing();
         });
}

void ListingKeeper::send(const QString &function, Result<chain::TxRequest> request,
                         std::function<void(Result<QByteArray>)> done)
{
    if (!request)
        return done(request.error());
    chain::TxRequest tx = *request;
    tx.label = u"Registry."_s + function;
    qCInfo(lcListing).noquote() << u"sending Registry.%1"_s.arg(function);
    chain::TxCallbacks callbacks;
    callbacks.onDone = [this, function, done](Result<chain::TransactionReceipt> receipt) {
        if (!receipt)
            return done(m_registry.explain(receipt.error(), function));
        done(receipt->transactionHash);
    };
    m_transactions->send(tx, this, std::move(callbacks));
}

} // namespace berth::provider
