#include "provider/paymentcheck.h"

#include "chain/priceunits.h"
#include "core/hex.h"
#include "protocol/rpcerror.h"

#include <QJsonObject>

#include <limits>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

Error paymentRequired(const chain::EscrowChannel &channel, const QString &reason,
                      const QString &message)
{
    return protocol::makeRpcError(
        protocol::RpcErrorCode::PaymentRequired, message,
        QJsonObject{{u"channel"_s, hexString(channel.id)}, {u"reason"_s, reason}});
}

QString perHour(const UInt256 &rate, const PaymentRequirement &need)
{
    return u"%1 %2/h"_s.arg(
        chain::tokensPerPeriod(rate, need.tokenDecimals, chain::PricePeriod::Hour),
        need.tokenSymbol);
}

} // namespace

Result<void> checkChannelPays(const chain::EscrowChannel &channel, const UInt256 &runwaySeconds,
                              const PaymentRequirement &need, qint64 nowUnix)
{
    using Status = chain::EscrowChannel::Status;
    if (channel.status == Status::None)
        return paymentRequired(channel, u"missing"_s,
                               u"no Escrow channel %1 is open for this deployment: open it with "
                               "the provider's quote (pod.quote, then Escrow.open) and retry"_s.arg(
                                   hexString(channel.id)));
    if (channel.status == Status::Settled)
        return paymentRequired(channel, u"settled"_s,
                               u"Escrow channel %1 is settled: a new deployment name needs a new "
                               "quote and channel"_s.arg(hexString(channel.id)));
    if (channel.provider != need.provider || channel.publisher != need.publisher)
        return paymentRequired(channel, u"foreign"_s,
                               u"Escrow channel %1 is between %2 and %3, not this provider and "
                               "the logged-in publisher"_s.arg(
                                   hexString(channel.id), channel.publisher.toChecksumString(),
                                   channel.provider.toChecksumString()));
    if (channel.token != need.token)
        return paymentRequired(
            channel, u"token"_s,
            u"Escrow channel %1 pays in %2; this provider is paid in %3 (%4)"_s.arg(
                hexString(channel.id), channel.token.toChecksumString(), need.tokenSymbol,
                need.token.toChecksumString()));
    if (channel.stopAt != 0 && qint64(channel.stopAt) <= nowUnix + qint64(need.minRunwaySeconds))
        return paymentRequired(channel, u"closing"_s,
                               u"Escrow channel %1 is closing (it stops at unix time %2): a "
                               "closing channel cannot start a pod"_s.arg(hexString(channel.id))
                                   .arg(channel.stopAt));
    if (channel.rate < need.minRate)
        return paymentRequired(
            channel, u"rate"_s,
            u"Escrow channel %1 pays %2 but this pod costs %3: ask for a new "
            "quote (pod.quote) and change the channel's rate"_s.arg(
                hexString(channel.id), perHour(channel.rate, need), perHour(need.minRate, need)));
    if (runwaySeconds < need.minRunwaySeconds)
        return paymentRequired(
            channel, u"runway"_s,
            u"Escrow channel %1 is paid for %2 more; this provider needs at least %3: top it up "
            "(Escrow.topUp, or berthctl escrow topup) and retry"_s.arg(
                hexString(channel.id), chain::formatDuration(quint64(runwaySeconds)),
                chain::formatDuration(need.minRunwaySeconds)));
    return {};
}

qint64 paidUntil(const chain::EscrowChannel &channel)
{
    constexpr qint64 Forever = std::numeric_limits<qint64>::max() / 2;
    qint64 until = Forever;
    if (channel.rate > 0) {
        const UInt256 left =
            channel.deposit > channel.accruedBefore ? channel.deposit - channel.accruedBefore : 0;
        const UInt256 seconds = (left * chain::rateScale() + channel.rate - 1) / channel.rate;
        if (seconds < UInt256(Forever - qint64(channel.start)))
            until = qint64(channel.start) + qint64(seconds);
    }
    if (channel.stopAt != 0)
        until = qMin(until, qint64(channel.stopAt));
    return until;
}

} // namespace berth::provider
