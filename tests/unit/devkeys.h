#pragma once

#include <QString>

// Anvil's (and Hardhat's) well-known development accounts, from their public
// test mnemonic: test vectors only, never for real funds.
inline const QString kAnvilKey0 =
    QStringLiteral("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
inline const QString kAnvilAddress0 = QStringLiteral("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
inline const QString kAnvilKey1 =
    QStringLiteral("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
inline const QString kAnvilAddress1 = QStringLiteral("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
