// The walk-through of docs/contracts.md ("## Walk-through"), step by step, on Anvil.
//
//   anvil                                         # in one terminal (a fresh chain)
//   node contracts/scripts/walkthrough.mjs        # in another
//   node contracts/scripts/walkthrough.mjs --rpc http://127.0.0.1:9545
//   node contracts/scripts/walkthrough.mjs --start   # starts (and stops) its own Anvil
//
// Accounts are Anvil's dev accounts, derived from its standard test mnemonic:
// 0 deploys, 1 is the publisher, 2 the provider. Every transaction is mined at a
// fixed timestamp (evm_setNextBlockTimestamp), so on a fresh Anvil the addresses,
// the channel id, the timestamps and every amount are the same on every run and
// match the tables in the docs (test/walkthrough.test.mjs checks that).

import { fileURLToPath } from 'node:url';
import { createPublicClient, http, keccak256, toHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { QUOTE_TYPES, connect, escrowDomain, loadArtifact } from '../test/helpers.mjs';

export const MNEMONIC = 'test test test test test test test test test test test junk';
/** Timestamp of the block that opens the channel (2033-05-18T03:33:20Z). */
export const T0 = 2_000_000_000n;
/** 1000 base units per second (3.6 tokens per hour), scaled by 10^18. */
export const RATE = 1000n * 10n ** 18n;
export const NOTICE = 3600n;
export const DEPOSIT = 100_000_000n; // 100 tokens
export const MINTED = 1_000_000_000n; // 1000 tokens
export const DEPLOYMENT_ID = keccak256(toHex('berth-walkthrough'));

const ESCROW_CHANNEL_STATUS = ['None', 'Open', 'Settled'];

async function rpc(url, method, params = []) {
    const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = await res.json();
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
}

/**
 * Runs the walk-through against the Anvil at `url`. After each step it awaits
 * `onStep(n, title, ctx)`; ctx holds the addresses and the channel id.
 */
export async function runWalkthrough(url, onStep = async () => {}) {
    const { publicClient, walletClient } = await connect(url);
    const [deployer, publisher, provider] = [0, 1, 2].map((i) => mnemonicToAccount(MNEMONIC, { addressIndex: i }));

    if (Number(await rpc(url, 'eth_chainId')) !== 31337) throw new Error(`${url} is not an Anvil dev chain (31337)`);
    if ((await publicClient.getTransactionCount({ address: deployer.address })) !== 0)
        throw new Error('the walk-through needs a fresh Anvil (the deployer has sent transactions already): restart anvil');
    const latest = await publicClient.getBlock();
    if (latest.timestamp >= T0 - 100n) throw new Error(`the chain's clock is past ${T0 - 100n}: restart anvil`);

    // Mines the transaction sent by `send()` at timestamp `ts`.
    const at = async (ts, send) => {
        await rpc(url, 'evm_setNextBlockTimestamp', [Number(ts)]);
        const hash = await send();
        const receipt = await publicClient.waitForTransactionReceipt({ hash });
        if (receipt.status !== 'success') throw new Error(`transaction ${hash} failed`);
        return receipt;
    };
    const deployAt = async (ts, name, args) => {
        const { abi, bytecode } = loadArtifact(name);
        const r = await at(ts, () => walletClient.deployContract({ abi, bytecode, args, account: deployer }));
        return r.contractAddress;
    };
    const tokenAbi = loadArtifact('TestToken').abi;
    const registryAbi = loadArtifact('Registry').abi;
    const escrowAbi = loadArtifact('Escrow').abi;
    const ctx = { url, publisher: publisher.address, provider: provider.address, deployer: deployer.address };
    const step = async (n, title) => {
        await onStep(n, title, ctx);
    };

    // Step 1: deploy (deployer nonces 0, 1, 2).
    ctx.token = await deployAt(T0 - 60n, 'TestToken', ['Test USD', 'tUSD']);
    ctx.registry = await deployAt(T0 - 59n, 'Registry', []);
    ctx.escrow = await deployAt(T0 - 58n, 'Escrow', []);
    ctx.channelId = await publicClient.readContract({
        address: ctx.escrow,
        abi: escrowAbi,
        functionName: 'channelIdOf',
        args: [publisher.address, provider.address, DEPLOYMENT_ID],
    });
    await step(1, 'deploy TestToken, Registry and Escrow');

    // Step 2: mint 1000 tokens to the publisher (TestToken's mint is open to anyone).
    const w = (ts, account, address, abi, functionName, args) =>
        at(ts, () => walletClient.writeContract({ account, address, abi, functionName, args }));
    await w(T0 - 50n, deployer, ctx.token, tokenAbi, 'mint', [publisher.address, MINTED]);
    await step(2, 'mint 1000 tUSD to the publisher');

    // Step 3: the provider lists itself and prices a CPU core at the channel's rate.
    const profile = {
        endpoint: 'https://provider.example:8443',
        regions: ['eu-west'],
        attributes: [],
        capacity: { cpuMillis: 8000n, memoryBytes: 32n << 30n, storageBytes: 500n << 30n, gpuCount: 0n },
        encryptionKeyHash: keccak256(toHex('walkthrough provider key')),
    };
    await w(T0 - 40n, provider, ctx.registry, registryAbi, 'register', [profile]);
    const prices = {
        cpuCorePerSecond: RATE,
        memoryGiBPerSecond: 0n,
        storageGiBPerSecond: 0n,
        gpuUnitPerSecond: 0n,
        egressGiBPerSecond: 0n,
    };
    await w(T0 - 39n, provider, ctx.registry, registryAbi, 'setPricing', [ctx.token, prices]);
    await step(3, 'the provider registers and prices one CPU core at 3.6 tUSD per hour');

    // Step 4: the provider signs a quote off-chain (no transaction).
    ctx.quote = {
        publisher: publisher.address,
        deploymentId: DEPLOYMENT_ID,
        token: ctx.token,
        ratePerSecond: RATE,
        noticePeriod: NOTICE,
        validUntil: T0 + 86400n,
        nonce: 1n,
    };
    ctx.signature = await provider.signTypedData({
        domain: escrowDomain(ctx.escrow),
        types: QUOTE_TYPES,
        primaryType: 'Quote',
        message: ctx.quote,
    });
    await step(4, 'the provider signs a quote: 1000 units/s (3.6 tUSD/h), 1 h notice');

    // Step 5: the publisher approves and opens the channel with 100 tokens at T0.
    await w(T0 - 10n, publisher, ctx.token, tokenAbi, 'approve', [ctx.escrow, DEPOSIT]);
    await w(T0, publisher, ctx.escrow, escrowAbi, 'open', [ctx.quote, provider.address, ctx.signature, DEPOSIT]);
    await step(5, 'the publisher approves 100 tUSD and opens the channel (t = 0)');

    // Step 6: one hour later the provider claims what accrued.
    await w(T0 + 3600n, provider, ctx.escrow, escrowAbi, 'claim', [ctx.channelId]);
    await step(6, 'one hour later (t = 3600) the provider claims');

    // Step 7: in the same second the publisher asks to close (one hour's notice).
    await w(T0 + 3600n, publisher, ctx.escrow, escrowAbi, 'requestClose', [ctx.channelId]);
    await step(7, 'the publisher asks to close (t = 3600; stopAt = 7200)');

    // Step 8: two hours later (past stopAt) anyone settles; here the publisher.
    await w(T0 + 10800n, publisher, ctx.escrow, escrowAbi, 'settle', [ctx.channelId]);
    await step(8, 'two hours later (t = 10800) the channel is settled');
    return ctx;
}

/** Prints the balances and the channel after a step. */
async function printState(n, title, ctx, publicClient) {
    const tokenAbi = loadArtifact('TestToken').abi;
    const escrowAbi = loadArtifact('Escrow').abi;
    const bal = (a) => publicClient.readContract({ address: ctx.token, abi: tokenAbi, functionName: 'balanceOf', args: [a] });
    const view = (fn) => publicClient.readContract({ address: ctx.escrow, abi: escrowAbi, functionName: fn, args: [ctx.channelId] });
    console.log(`Step ${n}: ${title}`);
    if (n === 1) {
        console.log(`  TestToken ${ctx.token}\n  Registry  ${ctx.registry}\n  Escrow    ${ctx.escrow}`);
        console.log(`  publisher ${ctx.publisher}\n  provider  ${ctx.provider}\n  channel   ${ctx.channelId}`);
    }
    if (n === 4) console.log(`  signature ${ctx.signature}`);
    console.log(
        `  balances: publisher ${await bal(ctx.publisher)}, provider ${await bal(ctx.provider)}, escrow ${await bal(ctx.escrow)}`,
    );
    const c = await view('channel');
    const rel = (ts) => (ts === 0n ? '0 (unset)' : `t0${ts >= T0 ? '+' : ''}${ts - T0}`);
    console.log(
        `  channel: status ${ESCROW_CHANNEL_STATUS[c.status]}, deposit ${c.deposit}, claimed ${c.claimed}, ` +
            `accrued ${await view('accrued')}, claimable ${await view('claimable')}, refundable ${await view('refundable')}, ` +
            `start ${c.start === 0n ? '0 (unset)' : rel(c.start)}, stopAt ${rel(c.stopAt)}`,
    );
}

async function main() {
    const argv = process.argv.slice(2);
    let url = 'http://127.0.0.1:8545';
    let anvil = null;
    for (let i = 0; i < argv.length; ++i) {
        if (argv[i] === '--rpc' && i + 1 < argv.length) url = argv[++i];
        else if (argv[i] === '--start') {
            const { startAnvil } = await import('../test/anvil.mjs');
            anvil = await startAnvil();
            url = anvil.url;
        } else {
            console.error('usage: walkthrough.mjs [--rpc URL | --start]');
            process.exit(2);
        }
    }
    const publicClient = createPublicClient({ transport: http(url) });
    try {
        console.log(`Anvil at ${url}; t0 = ${T0} (the block that opens the channel)`);
        await runWalkthrough(url, (n, title, ctx) => printState(n, title, ctx, publicClient));
    } finally {
        if (anvil) await anvil.stop();
    }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
    main().catch((err) => {
        console.error(`walkthrough: ${err.message}`);
        process.exit(1);
    });
}
