#pragma once

#include "chain/abitype.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace berth::chain {

// A contract event from a JSON ABI; inputs carry their indexed flags.
struct AbiEvent
{
    QString name;
    QList<AbiType> inputs;
    bool anonymous = false;

    // "Transfer(address,address,uint256)"
    QString signature() const;
    // keccak256(signature()): a log's first topic (absent for anonymous events).
    QByteArray topic0() const;
};

} // namespace berth::chain
