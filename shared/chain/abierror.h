#pragma once

#include "chain/abitype.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace berth::chain {

// A Solidity custom error from a JSON ABI: revert data is selector || abi(inputs).
struct AbiError
{
    QString name;
    QList<AbiType> inputs;

    // "NotProvider(address)"
    QString signature() const;
    // The first 4 bytes of keccak256(signature()).
    QByteArray selector() const;
};

} // namespace berth::chain
