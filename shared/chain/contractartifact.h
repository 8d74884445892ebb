#pragma once

#include "chain/contractabi.h"
#include "core/result.h"

#include <QByteArray>
#include <QString>

namespace berth::chain {

// A compiled Berth contract as committed under contracts/artifacts/ and built
// into libberth: its ABI and creation bytecode. The ABI here is the one the
// bindings are checked against (tst_contractbindings).
struct ContractArtifact
{
    QString name; // "Escrow"
    ContractAbi abi;
    QByteArray bytecode; // creation code, without constructor arguments

    // "Registry", "Escrow", "Staking", "Market" or "TestToken"; loaded once per process.
    static Result<ContractArtifact> load(const QString &name);
};

} // namespace berth::chain
