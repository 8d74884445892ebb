#pragma once

#include "chain/contractclient.h"

namespace berth::chain {

// What a provider offers: the contract's Capacity / Market's Resources.
struct Resources
{
    quint64 cpuMillis = 0;
    quint64 memoryBytes = 0;
    quint64 storageBytes = 0;
    quint64 gpuCount = 0;

    AbiValue toAbi() const;
    static Resources fromAbi(const AbiValue &tuple);
    QJsonObject toJson() const;
};

// Registry.Prices: base units per second × 10^18, per unit (docs/contracts.md).
struct Prices
{
    UInt256 cpuCorePerSecond;
    UInt256 memoryGiBPerSecond;
    UInt256 storageGiBPerSecond;
    UInt256 gpuUnitPerSecond;
    UInt256 egressGiBPerSecond;

    AbiValue toAbi() const;
    static Prices fromAbi(const AbiValue &tuple);
    // In the units people read: per core-hour, GiB-month, GPU-hour and GiB sent.
    QJsonObject toJson(int decimals) const;
};

struct ProviderProfile
{
    QString endpoint;
    QStringList regions;
    QList<std::pair<QString, QString>> attributes;
    Resources capacity;
    QByteArray encryptionKeyHash; // 32 bytes

    AbiValue toAbi() const;
    static ProviderProfile fromAbi(const AbiValue &tuple);
    QJsonObject toJson() const;
};

struct ProviderListing
{
    crypto::Address provider;
    ProviderProfile profile;
    quint64 registeredAt = 0;
    quint64 updatedAt = 0;
};

// Typed access to the Registry contract.
class RegistryContract
{
public:
    explicit RegistryContract(ContractClient client);
    const ContractClient &client() const { return m_client; }

    // Signatures this binding relies on; tst_contractbindings checks them
    // against the artifact so ABI drift fails the build's tests.
    static QStringList usedSignatures();

    static ProviderListing listingFromAbi(const crypto::Address &provider,
                                          const QList<AbiValue> &getListingOutput);

    Result<TxRequest> registerProvider(const ProviderProfile &profile) const;
    Result<TxRequest> update(const ProviderProfile &profile) const;
    Result<TxRequest> setPricing(const crypto::Address &token, const Prices &prices) const;

private:
    ContractClient m_client;
};

} // namespace berth::chain
