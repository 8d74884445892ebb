// Shared test helpers: viem clients on the fixture's Anvil, artifact loading,
// deployment and revert assertions decoded through the contract's ABI.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
    BaseError,
    ContractFunctionRevertedError,
    createPublicClient,
    createWalletClient,
    defineChain,
    encodeAbiParameters,
    http,
    keccak256,
} from 'viem';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The committed artifact of `name` (contracts/artifacts/<name>.json). */
export function loadArtifact(name) {
    return JSON.parse(readFileSync(join(root, 'artifacts', `${name}.json`), 'utf8'));
}

/** Public and wallet clients on `url`, plus Anvil's unlocked dev accounts. */
export async function connect(url) {
    const chain = defineChain({
        id: 31337,
        name: 'Anvil',
        nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
        rpcUrls: { default: { http: [url] } },
    });
    const transport = http(url);
    const publicClient = createPublicClient({ chain, transport });
    const walletClient = createWalletClient({ chain, transport });
    const accounts = await walletClient.getAddresses();
    return { chain, publicClient, walletClient, accounts };
}

/** Deploys the artifact `name` from `account` and returns its address. */
export async function deploy({ publicClient, walletClient }, name, account, args = []) {
    const { abi, bytecode } = loadArtifact(name);
    const hash = await walletClient.deployContract({ abi, bytecode, args, account });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    return receipt.contractAddress;
}

/** Sends a contract call and asserts that it was mined successfully. */
export async function write({ publicClient, walletClient }, request) {
    const hash = await walletClient.writeContract(request);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success', `${request.functionName} was not mined successfully`);
    return receipt;
}

/**
 * Asserts that the call `request` reverts with the custom error `errorName` and
 * arguments `args`, decoded through the request's ABI.
 */
export async function expectRevert({ publicClient }, request, errorName, args) {
    let caught;
    try {
        await publicClient.simulateContract(request);
    } catch (err) {
        caught = err;
    }
    assert.ok(caught, `${request.functionName} did not revert; expected ${errorName}`);
    assert.ok(caught instanceof BaseError, `unexpected error: ${caught}`);
    const revert = caught.walk((e) => e instanceof ContractFunctionRevertedError);
    assert.ok(revert, `${request.functionName} failed without a decodable revert: ${caught.shortMessage}`);
    assert.equal(revert.data?.errorName, errorName);
    if (args !== undefined) assert.deepEqual(revert.data.args, args);
}

/** EIP-712 types of Escrow's Quote (the provider's signed offer). */
export const QUOTE_TYPES = {
    Quote: [
        { name: 'publisher', type: 'address' },
        { name: 'deploymentId', type: 'bytes32' },
        { name: 'token', type: 'address' },
        { name: 'ratePerSecond', type: 'uint256' },
        { name: 'noticePeriod', type: 'uint64' },
        { name: 'validUntil', type: 'uint64' },
        { name: 'nonce', type: 'uint256' },
    ],
};

/** Escrow's EIP-712 domain on the test chain. */
export const escrowDomain = (escrow) => ({
    name: 'Berth Escrow',
    version: '1',
    chainId: 31337,
    verifyingContract: escrow,
});

/** `signer`'s EIP-712 signature of `quote` for the Escrow at `escrow` (or for `domain`). */
export const signQuote = ({ walletClient }, escrow, signer, quote, domain = escrowDomain(escrow)) =>
    walletClient.signTypedData({ account: signer, domain, types: QUOTE_TYPES, primaryType: 'Quote', message: quote });

/** Escrow.channelIdOf(publisher, provider, deploymentId), computed locally. */
export const channelIdOf = (publisher, provider, deploymentId) =>
    keccak256(
        encodeAbiParameters(
            [{ type: 'address' }, { type: 'address' }, { type: 'bytes32' }],
            [publisher, provider, deploymentId],
        ),
    );

/**
 * A seeded xorshift32 generator: `rnd(n)` returns an integer in [0, n). The same seed
 * gives the same sequence on every run, so a failing randomized test reproduces.
 */
export function xorshift32(seed) {
    let s = seed >>> 0 || 1;
    return (n) => {
        s ^= s << 13;
        s >>>= 0;
        s ^= s >>> 17;
        s ^= s << 5;
        s >>>= 0;
        return s % n;
    };
}
