#pragma once

#include "core/result.h"
#include "crypto/address.h"

#include <optional>

namespace berth::chain {

// Remembers the next nonce each account will use on each chain, so that a
// restarted process does not reuse a nonce the node has accepted but not yet mined.
class NonceStore
{
public:
    virtual ~NonceStore() = default;

    // The next nonce recorded for (chainId, account), if any.
    virtual std::optional<quint64> nextNonce(quint64 chainId,
                                             const crypto::Address &account) const = 0;
    // Records the next nonce after the node accepted a transaction.
    virtual Result<void> record(quint64 chainId, const crypto::Address &account, quint64 next) = 0;
};

} // namespace berth::chain
