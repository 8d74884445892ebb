#pragma once

#include "chain/contractclient.h"

namespace berth::chain {

// Typed access to an ERC-20 token (and TestToken's open mint on the devnet).
class Erc20Contract
{
public:
    explicit Erc20Contract(ContractClient client);
    const ContractClient &client() const { return m_client; }
    static QStringList usedSignatures();

    Result<TxRequest> approve(const crypto::Address &spender, const UInt256 &amount) const;
    Result<TxRequest> transfer(const crypto::Address &to, const UInt256 &amount) const;
    // TestToken only: anyone may mint on the devnet.
    Result<TxRequest> mint(const crypto::Address &to, const UInt256 &amount) const;

private:
    ContractClient m_client;
};

} // namespace berth::chain
