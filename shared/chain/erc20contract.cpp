#include "chain/erc20contract.h"

using namespace Qt::StringLiterals;

namespace berth::chain {

Erc20Contract::Erc20Contract(ContractClient client)
    : m_client(std::move(client))
{}

QStringList Erc20Contract::usedSignatures()
{
    return {u"balanceOf(address)"_s,
            u"allowance(address,address)"_s,
            u"approve(address,uint256)"_s,
            u"transfer(address,uint256)"_s,
            u"decimals()"_s,
            u"symbol()"_s,
            u"mint(address,uint256)"_s};
}

Result<TxRequest> Erc20Contract::approve(const crypto::Address &spender,
                                         const UInt256 &amount) const
{
    return m_client.transaction(u"approve"_s,
                                {AbiValue::fromAddress(spender), AbiValue::fromUInt(amount)});
}

Result<TxRequest> Erc20Contract::transfer(const crypto::Address &to, const UInt256 &amount) const
{
    return m_client.transaction(u"transfer"_s,
                                {AbiValue::fromAddress(to), AbiValue::fromUInt(amount)});
}

Result<TxRequest> Erc20Contract::mint(const crypto::Address &to, const UInt256 &amount) const
{
    return m_client.transaction(u"mint"_s, {AbiValue::fromAddress(to), AbiValue::fromUInt(amount)});
}

} // namespace berth::chain
