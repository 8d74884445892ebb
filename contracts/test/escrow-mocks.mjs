// Test-only contracts for escrow.test.mjs, compiled in memory with the pinned solc
// so they never become committed artifacts (nothing outside the tests may use them):
//
// - ReentrantToken: an ERC-20 whose every balance change, once armed, calls back into
//   a target with a stored payload and bubbles up its revert (a hostile token).
// - Wallet1271: an ERC-1271 contract wallet that accepts its owner's ECDSA signature
//   and forwards the owner's calls (a provider that is a contract).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const SOURCE = `// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

contract ReentrantToken is ERC20 {
    address public target;
    bytes public payload;
    bool public armed;

    constructor() ERC20("Reentrant", "RE") {}

    function mint(address to, uint256 amount) external { _mint(to, amount); }

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
        armed = true;
    }

    function disarm() external { armed = false; }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (armed) {
            armed = false;
            (bool ok, bytes memory ret) = target.call(payload);
            if (!ok) assembly { revert(add(ret, 32), mload(ret)) }
        }
    }
}

contract Wallet1271 {
    address public immutable owner;

    constructor(address owner_) { owner = owner_; }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == owner ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }

    function exec(address target, bytes calldata data) external {
        require(msg.sender == owner, "not owner");
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) assembly { revert(add(ret, 32), mload(ret)) }
    }
}
`;

let cached = null;

/** { ReentrantToken: {abi, bytecode}, Wallet1271: {abi, bytecode} }, compiled once per process. */
export function compileMocks() {
    if (cached) return cached;
    const solc = require('solc');
    const input = {
        language: 'Solidity',
        sources: { 'test/Mocks.sol': { content: SOURCE } },
        settings: {
            optimizer: { enabled: true, runs: 200 },
            evmVersion: 'cancun',
            outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
        },
    };
    const findImports = (name) =>
        name.startsWith('@openzeppelin/') && !name.includes('..')
            ? { contents: readFileSync(join(root, 'node_modules', name), 'utf8') }
            : { error: `not found: ${name}` };
    const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
    const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
    if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
    const out = {};
    for (const [name, c] of Object.entries(output.contracts['test/Mocks.sol'])) {
        out[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
    }
    cached = out;
    return out;
}
