#pragma once

#include "chain/contractclient.h"
#include "chain/registrycontract.h"
#include "core/result.h"
#include "crypto/address.h"
#include "provider/providersettings.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QObject>

#include <functional>
#include <optional>

namespace berth::chain {
class TransactionManager;
}

namespace berth::provider {

// The listing berthd wants in the Registry: the profile from the registry.*
// settings and the provider's identity, and its prices in the chain's token.
struct ListingTarget
{
    chain::ProviderProfile profile;
    chain::Prices prices; // egressGiBPerSecond has no setting: the listed value is kept
    crypto::Address token;

    // registry.* settings plus keccak256 of the identity's X25519 public key.
    static chain::ProviderProfile profileFrom(const ProviderSettings &settings,
                                              QByteArrayView x25519PublicKey);
};

// What one sync sent.
struct ListingOutcome
{
    bool registered = false;     // register(profile) was sent
    bool profileUpdated = false; // update(profile) was sent
    bool pricingSet = false;     // setPricing(token, prices) was sent
    QList<QByteArray> transactions;

    bool changed() const { return !transactions.isEmpty(); }
    // "registered and priced", "updated the profile", "unchanged", ...
    QString summary() const;
};

// Keeps the provider's Registry listing as berthd's settings describe it
// (registry.register): reads the listing; not registered → register, then
// setPricing; registered but different (endpoint, regions, attributes,
// capacity, encryption key hash, or the prices for the token) → update and/or
// setPricing; equal → nothing is sent. Failures are logged with what to do and
// returned; they never stop berthd serving.
class ListingKeeper : public QObject
{
    Q_OBJECT

public:
    ListingKeeper(chain::ContractClient registry, chain::TransactionManager *transactions,
                  ListingTarget target, QObject *parent = nullptr);

    void sync(std::function<void(Result<ListingOutcome>)> done = {});

private:
    struct Current
    {
        bool registered = false;
        chain::ProviderProfile profile;
        std::optional<chain::Prices> prices; // none: the token is not priced
    };
    void readCurrent(std::function<void(Result<Current>)> done);
    void apply(const Current &current, std::function<void(Result<ListingOutcome>)> done);
    void send(const QString &function, Result<chain::TxRequest> request,
              std::function<void(Result<QByteArray>)> done);

    chain::ContractClient m_registry;
    chain::TransactionManager *m_transactions;
    ListingTarget m_target;
    crypto::Address m_provider;
};

} // namespace berth::provider
