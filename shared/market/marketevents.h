#pragma once

#include "chain/chainprofile.h"
#include "chain/contractabi.h"
#include "chain/logentry.h"
#include "core/result.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

namespace berth::market {

// The Registry, Staking and Market events the index follows: their topics for
// eth_getLogs, and the decoding of one log into the event and the "subject" it
// changes (a provider or an order), which is what a reorg rebuilds.
class MarketEvents
{
public:
    enum class Contract
    {
        Registry = 0,
        Staking = 1,
        Market = 2,
    };

    struct Decoded
    {
        Contract contract = Contract::Registry;
        chain::DecodedLog log;
        // "p:<provider address, lowercase>" or "o:<order id, decimal>".
        QString subject;
    };

    // The ABIs from the contract artifacts built into libberth.
    static Result<MarketEvents> load(const chain::ChainProfile &profile);

    // Every followed event's topic0 (one topic position, any of them).
    const QList<QByteArray> &topics() const { return m_topics; }
    QList<crypto::Address> addresses() const;

    // A log of a followed event from the right contract; NotFound for any other
    // log (the caller skips it), BadResponse when it does not decode.
    Result<Decoded> decode(const crypto::Address &emitter, const QList<QByteArray> &topics,
                           QByteArrayView data) const;

    static QString providerSubject(const crypto::Address &provider);
    static QString orderSubject(const UInt256 &orderId);

private:
    struct Followed
    {
        Contract contract;
        QString event;
    };
    chain::ContractAbi m_abis[3];
    crypto::Address m_addresses[3];
    QHash<QByteArray, Followed> m_byTopic;
    QList<QByteArray> m_topics;
};

} // namespace berth::market
