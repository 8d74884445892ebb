#include "provider/channelreader.h"

#include "chain/ethclient.h"

#include <memory>

using namespace Qt::StringLiterals;

namespace berth::provider {

ChannelReader::ChannelReader(chain::ContractClient escrow, chain::EthClient *eth)
    : m_escrow(std::move(escrow))
    , m_eth(eth)
{}

void ChannelReader::read(const QByteArray &channelId, QObject *context,
                         std::function<void(Result<ChannelSnapshot>)> done) const
{
    // Four independent reads; the last one to arrive delivers (the first error wins).
    struct Pending
    {
        ChannelSnapshot snapshot;
        int outstanding = 4;
        std::optional<Error> error;
        std::function<void(Result<ChannelSnapshot>)> done;
    };
    auto state = std::make_shared<Pending>();
    state->done = std::move(done);
    const auto finishOne = [state] {
        if (--state->outstanding > 0)
            return;
        if (state->error)
            state->done(*state->error);
        else
            state->done(state->snapshot);
    };
    const auto fail = [state](const Error &error) {
        if (!state->error)
            state->error = error;
    };
    const chain::ContractClient::Values args{chain::AbiValue::fromBytes(channelId)};
    m_escrow.call(
        u"channel"_s, args, context,
        [state, channelId, finishOne, fail](Result<chain::ContractClient::Values> values) {
            if (!values)
                fail(values.error());
            else
                state->snapshot.channel =
                    chain::EscrowChannel::fromAbi(channelId, values->constFirst());
            finishOne();
        });
    for (const auto &[function, target] : {std::pair{u"runway"_s, &state->snapshot.runway},
                                           std::pair{u"claimable"_s, &state->snapshot.claimable}}) {
        m_escrow.call(function, args, context,
                      [target, finishOne, fail](Result<chain::ContractClient::Values> values) {
                          if (!values)
                              fail(values.error());
                          else if (auto number = values->constFirst().toUInt(); number)
                              *target = *number;
                          else
                              fail(number.error());
                          finishOne();
                      });
    }
    m_eth->latestBlock(context, [state, finishOne, fail](Result<chain::BlockHeader> block) {
        if (!block)
            fail(block.error());
        else
            state->snapshot.chainNow = qint64(block->timestamp);
        finishOne();
    });
}

void ChannelReader::chainTime(QObject *context, std::function<void(Result<qint64>)> done) const
{
    m_eth->latestBlock(context, [done = std::move(done)](Result<chain::BlockHeader> block) {
        if (!block)
            done(block.error());
        else
            done(qint64(block->timestamp));
    });
}

} // namespace berth::provider
