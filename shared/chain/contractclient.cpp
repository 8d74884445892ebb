#include "chain/contractclient.h"

#include "chain/callrequest.h"
#include "chain/contractartifact.h"
#include "chain/ethclient.h"

#include <QHash>

using namespace Qt::StringLiterals;

namespace berth::chain {

ContractClient::ContractClient(QString name, ContractAbi abi, crypto::Address address,
                               EthClient *eth)
    : m_name(std::move(name))
    , m_abi(std::move(abi))
    , m_address(address)
    , m_eth(eth)
{}

Result<ContractClient> ContractClient::fromArtifact(const QString &name,
                                                    const crypto::Address &address, EthClient *eth)
{
    auto artifact = ContractArtifact::load(name);
    if (!artifact)
        return artifact.error();
    if (address.isZero())
        return Error{ErrorCode::InvalidArgument,
                     u"the chain profile has no %1 address: recreate it with `berthctl chain "
                     u"devnet` or `berthctl chain use`"_s.arg(name)};
    return ContractClient(name, artifact->abi, address, eth);
}

void ContractClient::call(const QString &function, const Values &args, QObject *context,
                          Callback done, std::optional<crypto::Address> from) const
{
    auto data = m_abi.encodeCall(function, args);
    if (!data) {
        done(Error{data.error().code, u"%1.%2: %3"_s.arg(m_name, function, data.error().message)});
        return;
    }
    CallRequest request;
    request.from = from;
    request.to = m_address;
    request.data = *data;
    const ContractClient self = *this;
    m_eth->call(request, u"latest"_s, context, [self, function, done](Result<QByteArray> result) {
        if (!result) {
            done(self.explain(result.error(), function));
            return;
        }
        if (result->isEmpty()) {
            done(Error{ErrorCode::BadResponse,
                       u"%1.%2 returned nothing: is there a %1 contract at %3 on "
                       u"this chain? Check the chain profile"_s.arg(
                           self.m_name, function, self.m_address.toChecksumString())});
            return;
        }
        auto decoded = self.m_abi.decodeOutput(function, *result);
        if (!decoded)
            done(Error{ErrorCode::BadResponse,
                       u"%1.%2 answered with data Berth cannot decode: %3"_s.arg(
                           self.m_name, function, decoded.error().message)});
        else
            done(std::move(decoded).value());
    });
}

Result<TxRequest> ContractClient::transaction(const QString &function, const Values &args,
                                              const UInt256 &value) const
{
    auto data = m_abi.encodeCall(function, args);
    if (!data)
        return Error{data.error().code, u"%1.%2: %3"_s.arg(m_name, function, data.error().message)};
    TxRequest request;
    request.to = m_address;
    request.value = value;
    request.data = *data;
    request.label = m_name + u'.' + function;
    request.abi = std::make_shared<const ContractAbi>(m_abi);
    return request;
}

QList<DecodedLog> ContractClient::events(const TransactionReceipt &receipt) const
{
    QList<DecodedLog> out;
    for (const LogEntry &log : receipt.logs) {
        if (log.address != m_address)
            continue;
        auto decoded = m_abi.decodeLog(log.topics, log.data);
        if (decoded)
            out.append(std::move(decoded).value());
    }
    return out;
}

std::optional<DecodedLog> ContractClient::event(const TransactionReceipt &receipt,
                                                const QString &event) const
{
    for (DecodedLog &log : events(receipt))
        if (log.event == event)
            return log;
    return std::nullopt;
}

namespace {

// What to do about the reverts people meet most, by contract error name.
QString hintFor(const QString &errorName)
{
    static const QHash<QString, QString> hints{
        {u"AlreadyRegistered"_s, u"change the listing with `berthctl provider update`"_s},
        {u"NotRegistered"_s, u"register first with `berthctl provider register`"_s},
        {u"QuoteExpired"_s, u"ask the provider for a new quote"_s},
        {u"NonceUsed"_s, u"this quote was used already: ask the provider for a new one"_s},
        {u"InvalidSignature"_s, u"the quote was not signed by that provider: ask for a new one"_s},
        {u"ChannelExists"_s,
         u"a channel for this deployment is open: top it up with `berthctl escrow topup` or "
         u"use another --deployment"_s},
        {u"NotStopped"_s,
         u"the channel has not stopped: ask for a close with `berthctl escrow close` and "
         u"settle after the notice period"_s},
        {u"NothingToClaim"_s, u"nothing accrued since the last claim"_s},
        {u"StillUnbonding"_s, u"withdraw after readyAt (see `berthctl stake show`)"_s},
        {u"NothingUnbonding"_s, u"ask for stake back first with `berthctl stake unstake`"_s},
        {u"ChallengeTooSoon"_s, u"challenge again after the time named above"_s},
        {u"WindowNotOver"_s, u"slash only after the challenge's deadline"_s},
        {u"ERC20InsufficientBalance"_s, u"the account needs more of the token"_s},
        {u"ERC20InsufficientAllowance"_s, u"approve the contract for the amount first"_s},
    };
    return hints.value(errorName);
}

} // namespace

Error ContractClient::explain(const Error &error, const QString &function) const
{
    if (error.code != ErrorCode::Reverted)
        return error;
    const QString described = m_abi.describeRevert(error.data);
    const QString hint = hintFor(described.section(u'(', 0, 0));
    return Error{ErrorCode::Reverted,
                 u"%1.%2 reverted: %3%4"_s.arg(m_name, function, described,
                                               hint.isEmpty() ? QString() : u"; "_s + hint),
                 error.data};
}

} // namespace berth::chain
