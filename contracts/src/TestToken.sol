// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestToken — a freely mintable ERC-20 for tests and the local devnet
/// @notice DEVELOPMENT AND TESTING ONLY. NEVER DEPLOY THIS CONTRACT TO A REAL CHAIN:
///         anyone can mint any amount to any address, so the token has no value and
///         no supply limit. It stands in for a stablecoin (6 decimals, like USDC) in
///         Berth's contract tests and on a local Anvil devnet.
/// @dev Plain OpenZeppelin ERC20 plus an unrestricted `mint`. Transfers, approvals
///      and their custom errors (ERC20InsufficientBalance, ERC20InsufficientAllowance,
///      ...) are OpenZeppelin's unchanged.
contract TestToken is ERC20 {
    /// @notice Creates the token with the given name and symbol and no supply.
    /// @param name_ The token's name, e.g. "Test USD".
    /// @param symbol_ The token's symbol, e.g. "tUSD".
    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}

    /// @notice Mints `amount` base units to `to`. Open to ANY caller: test use only.
    /// @dev Reverts with ERC20InvalidReceiver when `to` is the zero address.
    /// @param to The account that receives the new tokens.
    /// @param amount The number of base units (1 token = 10^6 base units).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice The number of decimals of the token's display unit: 6, like USDC.
    /// @return Always 6.
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
