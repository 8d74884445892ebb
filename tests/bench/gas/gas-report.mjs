// Gas report for Berth's contracts: deploys them on a fresh local Anvil, performs one
// representative call of each operation and prints the gas each one used (from its
// receipt) next to the gas of a plain ERC-20 transfer measured in the same run.
//
//     node tests/bench/gas/gas-report.mjs        (from the repository root)
//
// It prints numbers only and never fails on a threshold: it exits non-zero only when
// something breaks (Anvil does not start, a transaction reverts, an artifact is missing).
// Needs `npm ci` in contracts/ (the Anvil binary and viem come from there).

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const contractsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'contracts');
const { startAnvil } = await import(join(contractsDir, 'test', 'anvil.mjs'));
const { channelIdOf, connect, deploy, loadArtifact, signQuote, write } = await import(
    join(contractsDir, 'test', 'helpers.mjs')
);

const USD = 10n ** 6n; // TestToken has 6 decimals
const SCALE = 10n ** 18n;
const HOUR = 3600n;
const DAY = 86400n;
const GAS = 2_000_000n; // explicit limit: gasUsed in the receipt does not depend on it
const PER_HOUR = (USD * SCALE) / HOUR; // 1 token per hour, per second with 18 extra decimals

const hex = (n) => `0x${n.toString(16)}`;
const bytes32 = (n) => `0x${n.toString(16).padStart(64, '0')}`;

const rows = []; // [operation, gasUsed]
const notes = [];

async function main() {
    const anvil = await startAnvil();
    try {
        await run(anvil);
    } finally {
        await anvil.stop();
    }
}

async function run(anvil) {
    const ctx = await connect(anvil.url);
    const { publicClient } = ctx;
    const [deployer, publisher, provider, other] = ctx.accounts;
    const rpc = (method, params = []) => publicClient.request({ method, params });
    const travel = async (seconds) => {
        await rpc('evm_increaseTime', [hex(seconds)]);
        await rpc('evm_mine');
    };
    const now = async () => (await publicClient.getBlock()).timestamp;

    const art = (name) => loadArtifact(name).abi;
    const tokenAbi = art('TestToken');
    const registryAbi = art('Registry');
    const escrowAbi = art('Escrow');
    const stakingAbi = art('Staking');

    const token = await deploy(ctx, 'TestToken', deployer, ['Test USD', 'tUSD']);
    const registry = await deploy(ctx, 'Registry', deployer);
    const escrow = await deploy(ctx, 'Escrow', deployer);
    const staking = await deploy(ctx, 'Staking', deployer, [
        token,
        escrow,
        7n * DAY, // unbonding delay
        HOUR, // challenge window
        5n * USD, // challenge bond
        DAY, // min challenge interval
        10n * USD, // slash penalty
    ]);

    const send = (address, abi, account, functionName, args = []) =>
        write(ctx, { address, abi, functionName, args, account, gas: GAS });
    const measure = async (label, address, abi, account, functionName, args = []) => {
        const receipt = await send(address, abi, account, functionName, args);
        rows.push([label, receipt.gasUsed]);
        return receipt;
    };
    const tok = (account, fn, args) => send(token, tokenAbi, account, fn, args);
    const esc = (account, fn, args) => send(escrow, escrowAbi, account, fn, args);

    await esc(deployer, 'setStaking', [staking]);
    for (const who of [publisher, provider, other]) {
        await tok(who, 'mint', [who, 1_000_000n * USD]);
        await tok(who, 'approve', [escrow, 2n ** 256n - 1n]);
        await tok(who, 'approve', [staking, 2n ** 256n - 1n]);
    }

    // Baseline: a plain transfer between two accounts that already hold the token.
    await measure('ERC-20 transfer (baseline)', token, tokenAbi, publisher, 'transfer', [other, 10n * USD]);

    // Registry: a typical listing, then prices in one token.
    const profile = {
        endpoint: 'https://provider-1.example.net:8443',
        regions: ['eu-west', 'eu-central'],
        attributes: [
            { key: 'cpu', value: 'amd-epyc-9454' },
            { key: 'storage', value: 'nvme' },
            { key: 'network', value: '10gbit' },
        ],
        capacity: { cpuMillis: 64_000n, memoryBytes: 256n << 30n, storageBytes: 4n << 40n, gpuCount: 2n },
        encryptionKeyHash: bytes32(0xabcdefn),
    };
    await measure('Registry.register', registry, registryAbi, provider, 'register', [profile]);
    const prices = {
        cpuCorePerSecond: 5_555_555_555_555_555_556n,
        memoryGiBPerSecond: 694_444_444_444_444_445n,
        storageGiBPerSecond: 38_580_246_913_580_247n,
        gpuUnitPerSecond: 277_777_777_777_777_777_778n,
        egressGiBPerSecond: 10_000n * SCALE,
    };
    await measure('Registry.setPricing', registry, registryAbi, provider, 'setPricing', [token, prices]);

    // Escrow: channels from `publisher` to `provider`, each on its own deployment id.
    let nonce = 0n;
    const openChannel = async (label, deploymentId, rate = PER_HOUR) => {
        const quote = {
            publisher,
            deploymentId: bytes32(deploymentId),
            token,
            ratePerSecond: rate,
            noticePeriod: HOUR,
            validUntil: (await now()) + DAY,
            nonce: ++nonce,
        };
        const sig = await signQuote(ctx, escrow, provider, quote);
        const args = [quote, provider, sig, 100n * USD];
        if (label) await measure(label, escrow, escrowAbi, publisher, 'open', args);
        else await esc(publisher, 'open', args);
        return { id: channelIdOf(publisher, provider, quote.deploymentId), quote };
    };

    const a = await openChannel('Escrow.open', 1n);
    await travel(HOUR);
    await measure('Escrow.claim', escrow, escrowAbi, provider, 'claim', [a.id]);
    await measure('Escrow.topUp', escrow, escrowAbi, publisher, 'topUp', [a.id, 50n * USD]);
    await travel(HOUR);
    await measure('Escrow.requestClose', escrow, escrowAbi, publisher, 'requestClose', [a.id]);
    await travel(HOUR + 1n);
    await measure('Escrow.settle', escrow, escrowAbi, other, 'settle', [a.id]);
    notes.push('settle pays both sides (provider: unclaimed accrual, publisher: the rest)');

    const b = await openChannel(null, 2n);
    await travel(HOUR);
    await measure('Escrow.terminate', escrow, escrowAbi, provider, 'terminate', [b.id]);

    const c = await openChannel(null, 3n);
    await travel(HOUR);
    const q2 = { ...c.quote, ratePerSecond: 2n * PER_HOUR, validUntil: (await now()) + DAY, nonce: ++nonce };
    const sig2 = await signQuote(ctx, escrow, provider, q2);
    await measure('Escrow.changeRate', escrow, escrowAbi, publisher, 'changeRate', [c.id, q2, sig2]);

    // Staking: the provider stakes; the publisher challenges channel c (answered) and
    // channel d (not answered, then slashed by a third party).
    await measure('Staking.stake', staking, stakingAbi, provider, 'stake', [500n * USD]);
    await measure('Staking.challenge', staking, stakingAbi, publisher, 'challenge', [c.id]);
    const challengeCount = () =>
        publicClient.readContract({ address: staking, abi: stakingAbi, functionName: 'challengeCount' });
    const answered = await challengeCount();
    await measure('Staking.respond', staking, stakingAbi, provider, 'respond', [answered]);
    const d = await openChannel(null, 4n);
    await travel(HOUR);
    await send(staking, stakingAbi, publisher, 'challenge', [d.id]);
    const ignored = await challengeCount();
    await travel(HOUR + 1n);
    await measure('Staking.slash', staking, stakingAbi, other, 'slash', [ignored]);
    notes.push('slash includes the Escrow.terminateBySlash call it makes');

    await runMarket(ctx, { token, registry, escrow, staking, publisher, other, send, measure, now });
}

/**
 * Market: postOrder, bid, accept — only when contracts/artifacts/Market.json exists.
 * Arguments are filled from the ABI by parameter name, so the script follows small
 * changes to the Market's structs without edits.
 */
async function runMarket(ctx, env) {
    if (!existsSync(join(contractsDir, 'artifacts', 'Market.json'))) {
        notes.push('Market not built yet: skipped (postOrder, bid, accept)');
        return;
    }
    const { token, registry, escrow, staking, publisher, other, send, measure, now } = env;
    const { abi } = loadArtifact('Market');
    const escrowAbi = loadArtifact('Escrow').abi;
    const registryAbi = loadArtifact('Registry').abi;
    const tokenAbi = loadArtifact('TestToken').abi;

    const byName = {
        registry,
        registry_: registry,
        escrow,
        escrow_: escrow,
        staking,
        staking_: staking,
        token,
        manifestHash: bytes32(0x6d616e6966657374n),
        deploymentId: bytes32(0x6d61726b6574n),
        cpuMillis: 2000n,
        memoryBytes: 4n << 30n,
        storageBytes: 20n << 30n,
        gpuCount: 0n,
        maxRatePerSecond: 2n * PER_HOUR,
        maxNoticePeriod: HOUR,
        expiry: (await now()) + DAY,
        minStake: 0n,
        deposit: 100n * USD,
        region: 'eu-west',
        ratePerSecond: PER_HOUR,
        noticePeriod: HOUR,
    };
    const fill = (param) => {
        if (param.type === 'tuple') return Object.fromEntries(param.components.map((p) => [p.name, fill(p)]));
        if (param.name in byName) return byName[param.name];
        if (param.type.endsWith('[]')) return [];
        if (param.type.startsWith('uint') || param.type.startsWith('int')) return 0n;
        if (param.type === 'bool') return false;
        if (param.type === 'string') return '';
        if (param.type === 'address') return '0x0000000000000000000000000000000000000000';
        if (param.type.startsWith('bytes')) return param.type === 'bytes' ? '0x' : bytes32(0n);
        throw new Error(`Market: cannot fill parameter ${param.name} of type ${param.type}`);
    };
    const inputsOf = (type, name) => {
        const item = abi.find((x) => x.type === type && (name === undefined || x.name === name));
        if (!item) throw new Error(`Market has no ${name ?? type}`);
        return item.inputs;
    };

    const ctorArgs = (abi.find((x) => x.type === 'constructor')?.inputs ?? []).map(fill);
    const market = await deploy(ctx, 'Market', (await ctx.walletClient.getAddresses())[0], ctorArgs);
    if (escrowAbi.some((x) => x.type === 'function' && x.name === 'setMarket')) {
        await send(escrow, escrowAbi, (await ctx.walletClient.getAddresses())[0], 'setMarket', [market]);
    }
    await send(token, tokenAbi, publisher, 'approve', [market, 2n ** 256n - 1n]);
    // A second registered provider bids (the first one is registered already too).
    await send(registry, registryAbi, other, 'register', [
        {
            endpoint: 'https://provider-2.example.net',
            regions: ['eu-west'],
            attributes: [],
            capacity: { cpuMillis: 8000n, memoryBytes: 32n << 30n, storageBytes: 1n << 40n, gpuCount: 0n },
            encryptionKeyHash: bytes32(0x1234n),
        },
    ]);

    const call = async (account, functionName, args) =>
        (await ctx.publicClient.simulateContract({ address: market, abi, functionName, args, account })).result;

    const postArgs = inputsOf('function', 'postOrder').map(fill);
    const orderId = await call(publisher, 'postOrder', postArgs);
    await measure('Market.postOrder', market, abi, publisher, 'postOrder', postArgs);
    byName.orderId = orderId;
    const bidArgs = inputsOf('function', 'bid').map(fill);
    const bidId = await call(other, 'bid', bidArgs);
    await measure('Market.bid', market, abi, other, 'bid', bidArgs);
    byName.bidId = bidId;
    await measure('Market.accept', market, abi, publisher, 'accept', inputsOf('function', 'accept').map(fill));
    notes.push('accept includes opening the Escrow channel');
}

function print() {
    const base = rows.find(([label]) => label.startsWith('ERC-20 transfer'))[1];
    const width = Math.max(...rows.map(([label]) => label.length), 'operation'.length);
    const line = (a, b, c) => `${a.padEnd(width)}  ${b.padStart(9)}  ${c.padStart(9)}`;
    console.log(line('operation', 'gas used', '× transfer'));
    console.log(line('-'.repeat(width), '-'.repeat(9), '-'.repeat(9)));
    for (const [label, gas] of rows) {
        console.log(line(label, gas.toLocaleString('en-US'), (Number(gas) / Number(base)).toFixed(2)));
    }
    for (const note of notes) console.log(`note: ${note}`);
}

try {
    await main();
    print();
} catch (err) {
    if (rows.length) print();
    console.error(`gas report failed: ${err.stack ?? err}`);
    process.exitCode = 1;
}
