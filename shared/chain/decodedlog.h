#pragma once

#include "chain/abivalue.h"

#include <QList>
#include <QPair>
#include <QString>

namespace berth::chain {

// An event log decoded against a contract ABI. Arguments keep declaration
// order; indexed arguments of dynamic or composite types (string, bytes,
// arrays, structs) are only present as their 32-byte keccak topic, as bytes.
struct DecodedLog
{
    QString event;     // the event's name
    QString signature; // "Transfer(address,address,uint256)"
    QList<QPair<QString, AbiValue>> args;

    // The argument with this name; nullptr when there is none.
    const AbiValue *arg(const QString &name) const
    {
        for (const auto &a : args)
            if (a.first == name)
                return &a.second;
        return nullptr;
    }
};

} // namespace berth::chain
