#pragma once

#include "chain/abitype.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace berth::chain {

// A contract function (or the constructor, with an empty name) from a JSON ABI.
struct AbiFunction
{
    QString name;
    QList<AbiType> inputs;
    QList<AbiType> outputs;
    QString stateMutability; // "pure", "view", "nonpayable" or "payable"

    // "transfer(address,uint256)"
    QString signature() const;
    // The first 4 bytes of keccak256(signature()).
    QByteArray selector() const;
    // pure and view functions are read with eth_call, not sent as transactions.
    bool isReadOnly() const;
};

} // namespace berth::chain
