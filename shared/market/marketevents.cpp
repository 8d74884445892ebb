#include "market/marketevents.h"

#include "chain/contractartifact.h"

using namespace Qt::StringLiterals;

namespace berth::market {

namespace {

struct FollowedEvents
{
    MarketEvents::Contract contract;
    const char *artifact;
    QStringList events;
};

const QList<FollowedEvents> &followedEvents()
{
    static const QList<FollowedEvents> all = {
        {MarketEvents::Contract::Registry,
         "Registry",
         {u"Registered"_s, u"Updated"_s, u"CapacitySet"_s, u"PricingSet"_s, u"PricingRemoved"_s,
          u"Deregistered"_s}},
        {MarketEvents::Contract::Staking,
         "Staking",
         {u"Staked"_s, u"UnstakeRequested"_s, u"Withdrawn"_s, u"Slashed"_s}},
        {MarketEvents::Contract::Market,
         "Market",
         {u"OrderPosted"_s, u"BidPlaced"_s, u"BidWithdrawn"_s, u"OrderAccepted"_s,
          u"OrderCancelled"_s}},
    };
    return all;
}

} // namespace

Result<MarketEvents> MarketEvents::load(const chain::ChainProfile &profile)
{
    MarketEvents events;
    events.m_addresses[int(Contract::Registry)] = profile.registry;
    events.m_addresses[int(Contract::Staking)] = profile.staking;
    events.m_addresses[int(Contract::Market)] = profile.market;
    for (const FollowedEvents &followed : followedEvents()) {
        auto artifact = chain::ContractArtifact::load(QString::fromLatin1(followed.artifact));
        if (!artifact)
            return artifact.error();
        events.m_abis[int(followed.contract)] = artifact->abi;
        for (const QString &name : followed.events) {
            auto event = artifact->abi.event(name);
            if (!event)
                return Error(ErrorCode::Internal,
                             u"market index: the %1 artifact has no event %2"_s.arg(
                                 QString::fromLatin1(followed.artifact), name));
            events.m_byTopic.insert(event->topic0(), {followed.contract, name});
            events.m_topics << event->topic0();
        }
    }
    return events;
}

QList<crypto::Address> MarketEvents::addresses() const
{
    return {m_addresses[0], m_addresses[1], m_addresses[2]};
}

QString MarketEvents::providerSubject(const crypto::Address &provider)
{
    return u"p:"_s + provider.toLowerHex();
}

QString MarketEvents::orderSubject(const UInt256 &orderId)
{
    return u"o:"_s + toDecimalString(orderId);
}

Result<MarketEvents::Decoded> MarketEvents::decode(const crypto::Address &emitter,
                                                   const QList<QByteArray> &topics,
                                                   QByteArrayView data) const
{
    if (topics.isEmpty())
        return Error(ErrorCode::NotFound, u"an anonymous log"_s);
    const auto found = m_byTopic.constFind(topics.first());
    if (found == m_byTopic.cend() || m_addresses[int(found->contract)] != emitter)
        return Error(ErrorCode::NotFound, u"not a followed event"_s);
    auto log = m_abis[int(found->contract)].decodeLog(topics, data);
    if (!log)
        return Error(ErrorCode::BadResponse, u"market index: a %1 log does not decode: %2"_s.arg(
                                                 found->event, log.error().message));
    Decoded decoded{found->contract, std::move(log).value(), {}};
    if (found->contract == Contract::Market) {
        const chain::AbiValue *orderId = decoded.log.arg(u"orderId"_s);
        auto id = orderId ? orderId->toUInt() : Result<UInt256>(Error{});
        if (!id)
            return Error(ErrorCode::BadResponse,
                         u"market index: a %1 log has no orderId"_s.arg(found->event));
        decoded.subject = orderSubject(*id);
    } else {
        const chain::AbiValue *provider = decoded.log.arg(u"provider"_s);
        auto address = provider ? provider->toAddress() : Result<crypto::Address>(Error{});
        if (!address)
            return Error(ErrorCode::BadResponse,
                         u"market index: a %1 log has no provider"_s.arg(found->event));
        decoded.subject = providerSubject(*address);
    }
    return decoded;
}

} // namespace berth::market
