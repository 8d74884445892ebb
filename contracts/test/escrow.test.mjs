import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
    encodeFunctionData,
    getAddress,
    hashTypedData,
    keccak256,
    maxUint256,
    parseEventLogs,
    toHex,
} from 'viem';
import { startAnvil } from './anvil.mjs';
import { compileMocks } from './escrow-mocks.mjs';
import {
    QUOTE_TYPES,
    channelIdOf,
    connect,
    deploy,
    escrowDomain,
    expectRevert,
    loadArtifact,
    signQuote,
    write,
} from './helpers.mjs';

const { abi } = loadArtifact('Escrow');
const tokenAbi = loadArtifact('TestToken').abi;
const ZERO = '0x0000000000000000000000000000000000000000';
const USD = 10n ** 6n; // one token in base units
const SCALE = 10n ** 18n;
const GAS = 1_000_000n; // explicit gas: no estimation at the latest block's (earlier) timestamp
const MAX_RATE = 2n ** 128n - 1n;
const YEAR = 365n * 24n * 3600n;

const QUOTE_TYPE_STRING =
    'Quote(address publisher,bytes32 deploymentId,address token,uint256 ratePerSecond,uint64 noticePeriod,uint64 validUntil,uint256 nonce)';

/** 1 token per hour, in base units per second scaled by 1e18 (not a whole number of units per second). */
const PER_HOUR = (USD * SCALE) / 3600n;

const deployment = (n) => toHex(n, { size: 32 });
const min = (a, b) => (a < b ? a : b);

describe('Escrow', () => {
    let anvil;
    let ctx;
    let escrow;
    let token;
    let deployer, publisher, provider, other, delegate, provider2, staking;
    let clock; // the timestamp of the last block we mined or scheduled
    let nextNonce = 1n;

    const rpc = (method, params = []) => ctx.publicClient.request({ method, params });
    const read = (functionName, args = []) =>
        ctx.publicClient.readContract({ address: escrow, abi, functionName, args });
    const balance = (who) =>
        ctx.publicClient.readContract({ address: token, abi: tokenAbi, functionName: 'balanceOf', args: [who] });
    const call = (account, functionName, args) => ({ address: escrow, abi, functionName, args, account, gas: GAS });
    const domain = () => escrowDomain(escrow);

    /** The next block (and so the next transaction) gets timestamp `ts`. */
    async function setNext(ts) {
        assert.ok(ts > clock, 'time only moves forward');
        await rpc('evm_setNextBlockTimestamp', [toHex(ts)]);
        clock = ts;
    }
    /** Mines an empty block at `ts`: views and simulations then see block.timestamp == ts. */
    async function mineAt(ts) {
        await setNext(ts);
        await rpc('evm_mine');
    }
    /** Sends `functionName` from `account`, mined in a block with timestamp `ts`. */
    async function txAt(ts, account, functionName, args) {
        await setNext(ts);
        return write(ctx, call(account, functionName, args));
    }
    /** Sends any request in the next second (keeps `clock` in step with the chain). */
    async function send(request) {
        await setNext(clock + 1n);
        return write(ctx, request);
    }
    /** Deploys an in-memory compiled mock in the next second. */
    async function deployMock({ abi: mockAbi, bytecode }, account, args = []) {
        await setNext(clock + 1n);
        const hash = await ctx.walletClient.deployContract({ abi: mockAbi, bytecode, args, account });
        return getAddress((await ctx.publicClient.waitForTransactionReceipt({ hash })).contractAddress);
    }
    function events(receipt, eventName) {
        return parseEventLogs({ abi, logs: receipt.logs, eventName }).map((e) => e.args);
    }

    function quote(overrides = {}) {
        return {
            publisher,
            deploymentId: deployment(1n),
            token,
            ratePerSecond: PER_HOUR,
            noticePeriod: 3600n,
            validUntil: clock + 86400n,
            nonce: nextNonce++,
            ...overrides,
        };
    }
    const sign = (q, signer = provider, dom = domain()) => signQuote(ctx, escrow, signer, q, dom);
    const idOf = channelIdOf;

    /** Opens a channel at `ts`; returns its id, the quote and the receipt. */
    async function openAt(ts, q, deposit, prov = provider) {
        const sig = await sign(q, prov);
        const receipt = await txAt(ts, q.publisher, 'open', [q, prov, sig, deposit]);
        return { id: idOf(q.publisher, prov, q.deploymentId), q, receipt };
    }

    before(async () => {
        anvil = await startAnvil();
        ctx = await connect(anvil.url);
        [deployer, publisher, provider, other, delegate, provider2, staking] = ctx.accounts;
        token = getAddress(await deploy(ctx, 'TestToken', deployer, ['Test USD', 'tUSD']));
        escrow = getAddress(await deploy(ctx, 'Escrow', deployer));
        for (const who of [publisher, other, delegate]) {
            const tok = (functionName, args) => ({ address: token, abi: tokenAbi, functionName, args, account: who });
            await write(ctx, tok('mint', [who, 1_000_000n * USD]));
            await write(ctx, tok('approve', [escrow, maxUint256]));
        }
        clock = (await ctx.publicClient.getBlock()).timestamp;
    });

    after(async () => {
        await anvil?.stop();
    });

    test('quoteDigest is the EIP-712 hash viem computes for the documented domain and type', async () => {
        const q = quote();
        const digest = hashTypedData({ domain: domain(), types: QUOTE_TYPES, primaryType: 'Quote', message: q });
        assert.equal(await read('quoteDigest', [q]), digest);
        assert.equal(await read('QUOTE_TYPEHASH'), keccak256(toHex(QUOTE_TYPE_STRING)));
        const id = idOf(publisher, provider, q.deploymentId);
        assert.equal(await read('channelIdOf', [publisher, provider, q.deploymentId]), id);
        assert.equal(await read('deployer'), deployer);
        assert.equal(await read('MAX_RATE'), MAX_RATE);
        assert.equal(await read('MAX_NOTICE_PERIOD'), YEAR);
    });

    test('open pulls exactly the deposit, stores the channel and uses the nonce', async () => {
        const q = quote({ deploymentId: deployment(10n) });
        const p0 = await balance(publisher);
        const e0 = await balance(escrow);
        const t = clock + 10n;
        const { id, receipt } = await openAt(t, q, 100n * USD);
        assert.equal(await balance(publisher), p0 - 100n * USD);
        assert.equal(await balance(escrow), e0 + 100n * USD);
        assert.equal(await balance(provider), 0n);

        const c = await read('channel', [id]);
        assert.deepEqual(c, {
            publisher,
            start: t,
            provider,
            stopAt: 0n,
            token,
            noticePeriod: 3600n,
            status: 1,
            deploymentId: q.deploymentId,
            rate: PER_HOUR,
            deposit: 100n * USD,
            accruedBefore: 0n,
            claimed: 0n,
        });
        assert.equal(await read('usedNonce', [provider, q.nonce]), true);
        assert.deepEqual(events(receipt, 'ChannelOpened'), [
            {
                channelId: id,
                publisher,
                provider,
                deploymentId: q.deploymentId,
                token,
                ratePerSecond: PER_HOUR,
                noticePeriod: 3600n,
                nonce: q.nonce,
                deposit: 100n * USD,
            },
        ]);
        // Nothing accrues in the opening block.
        assert.equal(await read('accrued', [id]), 0n);
        assert.equal(await read('refundable', [id]), 100n * USD);
    });

    test('open reverts: caller is not the quoted publisher (no front-running), zero deposit, bad quote fields', async () => {
        const q = quote({ deploymentId: deployment(11n) });
        const sig = await sign(q);
        // Another account submitting the publisher's quote cannot open (or hijack) it.
        await expectRevert(ctx, call(other, 'open', [q, provider, sig, 1n]), 'NotPublisher', [other]);
        await expectRevert(ctx, call(publisher, 'open', [q, provider, sig, 0n]), 'ZeroAmount');

        const over = quote({ deploymentId: deployment(11n), ratePerSecond: MAX_RATE + 1n });
        const overSig = await sign(over);
        await expectRevert(ctx, call(publisher, 'open', [over, provider, overSig, 1n]), 'RateTooHigh', [MAX_RATE + 1n]);
        const long = quote({ deploymentId: deployment(11n), noticePeriod: YEAR + 1n });
        const longSig = await sign(long);
        await expectRevert(ctx, call(publisher, 'open', [long, provider, longSig, 1n]), 'NoticePeriodTooLong', [
            YEAR + 1n,
        ]);
        const noToken = quote({ deploymentId: deployment(11n), token: ZERO });
        await expectRevert(ctx, call(publisher, 'open', [noToken, provider, await sign(noToken), 1n]), 'ZeroAddress');
        // None of the failed attempts used the nonce.
        assert.equal(await read('usedNonce', [provider, q.nonce]), false);
    });

    test('open reverts with QuoteExpired after validUntil (and accepts it at validUntil)', async () => {
        await mineAt(clock + 5n);
        const q = quote({ deploymentId: deployment(12n), validUntil: clock + 100n });
        const sig = await sign(q);
        await mineAt(q.validUntil + 1n);
        await expectRevert(ctx, call(publisher, 'open', [q, provider, sig, 1n]), 'QuoteExpired', [q.validUntil, clock]);

        const q2 = quote({ deploymentId: deployment(12n), validUntil: clock + 50n });
        await txAt(q2.validUntil, publisher, 'open', [q2, provider, await sign(q2), 1n]);
    });

    test('open reverts with InvalidSignature: wrong signer, tampered quote, other domain, garbage', async () => {
        const q = quote({ deploymentId: deployment(13n) });
        // Signed by someone else than the named provider.
        await expectRevert(ctx, call(publisher, 'open', [q, provider, await sign(q, other), 1n]), 'InvalidSignature');
        // The publisher raises... no, lowers the signed rate.
        const good = await sign(q);
        const cheaper = { ...q, ratePerSecond: 1n };
        await expectRevert(ctx, call(publisher, 'open', [cheaper, provider, good, 1n]), 'InvalidSignature');
        // Naming a different provider than the signer.
        await expectRevert(ctx, call(publisher, 'open', [q, provider2, good, 1n]), 'InvalidSignature');
        // Signed for another chain or another contract.
        const otherChain = await sign(q, provider, { ...domain(), chainId: 1 });
        await expectRevert(ctx, call(publisher, 'open', [q, provider, otherChain, 1n]), 'InvalidSignature');
        const otherContract = await sign(q, provider, { ...domain(), verifyingContract: token });
        await expectRevert(ctx, call(publisher, 'open', [q, provider, otherContract, 1n]), 'InvalidSignature');
        await expectRevert(ctx, call(publisher, 'open', [q, provider, '0x1234', 1n]), 'InvalidSignature');
        await expectRevert(ctx, call(publisher, 'open', [q, ZERO, good, 1n]), 'InvalidSignature');
    });

    test('a nonce is single-use per provider: replay reverts with NonceUsed; an open channel with ChannelExists', async () => {
        const q = quote({ deploymentId: deployment(14n) });
        const { id } = await openAt(clock + 1n, q, 10n * USD);
        // Replaying the very same quote and signature.
        const replay = call(publisher, 'open', [q, provider, await sign(q), 1n]);
        await expectRevert(ctx, replay, 'NonceUsed', [provider, q.nonce]);
        // The same nonce for another deployment.
        const q2 = { ...q, deploymentId: deployment(15n) };
        const other2 = call(publisher, 'open', [q2, provider, await sign(q2), 1n]);
        await expectRevert(ctx, other2, 'NonceUsed', [provider, q.nonce]);
        // The same nonce is independent per provider.
        const q3 = { ...q, deploymentId: deployment(15n) };
        await openAt(clock + 1n, q3, 1n, provider2);
        // A fresh quote for the open channel.
        const q4 = quote({ deploymentId: deployment(14n) });
        await expectRevert(ctx, call(publisher, 'open', [q4, provider, await sign(q4), 1n]), 'ChannelExists', [id]);
    });

    test('invalidateNonce withdraws an outstanding quote', async () => {
        const q = quote({ deploymentId: deployment(16n) });
        const sig = await sign(q);
        const r = await txAt(clock + 1n, provider, 'invalidateNonce', [q.nonce]);
        assert.deepEqual(events(r, 'NonceInvalidated'), [{ provider, nonce: q.nonce }]);
        assert.equal(await read('usedNonce', [provider, q.nonce]), true);
        await expectRevert(ctx, call(publisher, 'open', [q, provider, sig, 1n]), 'NonceUsed', [provider, q.nonce]);
        await expectRevert(ctx, call(provider, 'invalidateNonce', [q.nonce]), 'NonceUsed', [provider, q.nonce]);
        // Only the caller's own nonces: the same number stays usable for another provider.
        assert.equal(await read('usedNonce', [provider2, q.nonce]), false);
    });

    test('a zero rate accrues nothing and has an unbounded runway', async () => {
        const q = quote({ deploymentId: deployment(17n), ratePerSecond: 0n });
        const { id } = await openAt(clock + 1n, q, USD);
        await mineAt(clock + 100000n);
        assert.equal(await read('accrued', [id]), 0n);
        assert.equal(await read('runway', [id]), maxUint256);
        await expectRevert(ctx, call(provider, 'claim', [id]), 'NothingToClaim', [id]);
    });

    test('accrual is floor(rate × elapsed / 1e18) capped at the deposit; claim pays exactly that', async () => {
        const q = quote({ deploymentId: deployment(20n) });
        const t0 = clock + 1n;
        const { id } = await openAt(t0, q, 2n * USD); // about 2 hours at 1 token/hour
        // PER_HOUR is rounded down, so after 7200 s only 1999999 units have accrued:
        // the deposit runs out one second later.
        assert.equal((PER_HOUR * 7200n) / SCALE, 2n * USD - 1n);
        assert.equal(await read('runway', [id]), 7201n);

        await mineAt(t0 + 100n);
        const expected = (PER_HOUR * 100n) / SCALE; // 27777 (27777.77 rounded down)
        assert.equal(expected, 27777n);
        assert.equal(await read('accrued', [id]), expected);
        assert.equal(await read('claimable', [id]), expected);
        assert.equal(await read('refundable', [id]), 2n * USD - expected);
        assert.equal(await read('runway', [id]), 7101n);

        const pr0 = await balance(provider);
        const e0 = await balance(escrow);
        const receipt = await txAt(t0 + 200n, provider, 'claim', [id]);
        const paid = (PER_HOUR * 200n) / SCALE;
        assert.equal(await balance(provider), pr0 + paid);
        assert.equal(await balance(escrow), e0 - paid);
        assert.deepEqual(events(receipt, 'Claimed'), [{ channelId: id, provider, amount: paid, totalClaimed: paid }]);
        assert.equal((await read('channel', [id])).claimed, paid);
        assert.equal(await read('claimable', [id]), 0n);
        await expectRevert(ctx, call(provider, 'claim', [id]), 'NothingToClaim', [id]);

        // Long after the runway: capped at the deposit, never more.
        await mineAt(t0 + 100000n);
        assert.equal(await read('accrued', [id]), 2n * USD);
        assert.equal(await read('runway', [id]), 0n);
        assert.equal(await read('refundable', [id]), 0n);
        await txAt(clock + 1n, provider, 'claim', [id]);
        assert.equal(await balance(provider), pr0 + 2n * USD);
        await mineAt(clock + 1000n);
        await expectRevert(ctx, call(provider, 'claim', [id]), 'NothingToClaim', [id]);
    });

    test('claim by anyone but the provider reverts with NotProvider', async () => {
        const q = quote({ deploymentId: deployment(21n) });
        const { id } = await openAt(clock + 1n, q, USD);
        await mineAt(clock + 60n);
        for (const who of [publisher, other, delegate, provider2]) {
            await expectRevert(ctx, call(who, 'claim', [id]), 'NotProvider', [who]);
        }
    });

    test('requestClose + settle: the notice is paid, the refund is exactly deposit − rate × served / 1e18', async () => {
        const q = quote({ deploymentId: deployment(30n), noticePeriod: 600n });
        const t0 = clock + 1n;
        const { id } = await openAt(t0, q, 10n * USD);
        await txAt(t0 + 1000n, provider, 'claim', [id]);
        const claimed = (PER_HOUR * 1000n) / SCALE;

        const receipt = await txAt(t0 + 1800n, publisher, 'requestClose', [id]);
        const stopAt = t0 + 2400n;
        assert.deepEqual(events(receipt, 'CloseRequested'), [{ channelId: id, by: publisher, stopAt }]);
        assert.equal((await read('channel', [id])).stopAt, stopAt);
        await expectRevert(ctx, call(publisher, 'requestClose', [id]), 'ChannelStopping', [id, stopAt]);
        await expectRevert(ctx, call(publisher, 'topUp', [id, 1n]), 'ChannelStopping', [id, stopAt]);

        // Before stopAt: settle reverts, the provider may still claim.
        await mineAt(stopAt - 1n);
        await expectRevert(ctx, call(other, 'settle', [id]), 'NotStopped', [id, stopAt]);

        // Accrual freezes at stopAt.
        await mineAt(stopAt + 5000n);
        const served = (PER_HOUR * 2400n) / SCALE;
        assert.equal(await read('accrued', [id]), served);
        assert.equal(await read('runway', [id]), 0n);

        const p0 = await balance(publisher);
        const pr0 = await balance(provider);
        const o0 = await balance(other);
        const e0 = await balance(escrow);
        const settled = await txAt(clock + 1n, other, 'settle', [id]); // anyone may settle
        assert.equal(await balance(provider), pr0 + served - claimed);
        assert.equal(await balance(publisher), p0 + 10n * USD - served);
        assert.equal(await balance(other), o0, 'the caller gets nothing');
        assert.equal(await balance(escrow), e0 - (10n * USD - claimed));
        assert.deepEqual(events(settled, 'Settled'), [
            { channelId: id, paidToProvider: served - claimed, refundedToPublisher: 10n * USD - served },
        ]);
        const c = await read('channel', [id]);
        assert.equal(c.status, 2);
        assert.equal(c.claimed, served);
        assert.equal(await read('accrued', [id]), served);
        assert.equal(await read('claimable', [id]), 0n);
        assert.equal(await read('refundable', [id]), 0n);

        // Settled is final: every state changer reverts with ChannelSettled.
        await expectRevert(ctx, call(other, 'settle', [id]), 'ChannelSettled', [id]);
        await expectRevert(ctx, call(provider, 'claim', [id]), 'ChannelSettled', [id]);
        await expectRevert(ctx, call(provider, 'terminate', [id]), 'ChannelSettled', [id]);
        await expectRevert(ctx, call(publisher, 'topUp', [id, 1n]), 'ChannelSettled', [id]);
        await expectRevert(ctx, call(publisher, 'requestClose', [id]), 'ChannelSettled', [id]);
        const q2 = quote({ deploymentId: q.deploymentId });
        await expectRevert(ctx, call(publisher, 'changeRate', [id, q2, await sign(q2)]), 'ChannelSettled', [id]);
    });

    test('settle reverts with NotStopped while no stop was requested', async () => {
        const q = quote({ deploymentId: deployment(31n) });
        const { id } = await openAt(clock + 1n, q, USD);
        await mineAt(clock + 10n);
        await expectRevert(ctx, call(publisher, 'settle', [id]), 'NotStopped', [id, 0n]);
    });

    test('a settled channel id can be opened again with a fresh quote and starts from zero', async () => {
        const dep = deployment(32n);
        const { id } = await openAt(clock + 1n, quote({ deploymentId: dep, noticePeriod: 0n }), USD);
        await txAt(clock + 100n, publisher, 'requestClose', [id]);
        await txAt(clock + 1n, publisher, 'settle', [id]);
        const t1 = clock + 1n;
        const again = await openAt(t1, quote({ deploymentId: dep, ratePerSecond: 2n * PER_HOUR }), 3n * USD);
        assert.equal(again.id, id);
        const c = await read('channel', [id]);
        assert.equal(c.status, 1);
        assert.equal(c.start, t1);
        assert.equal(c.stopAt, 0n);
        assert.equal(c.deposit, 3n * USD);
        assert.equal(c.claimed, 0n);
        assert.equal(c.accruedBefore, 0n);
        assert.equal(c.rate, 2n * PER_HOUR);
    });

    test('terminate stops accrual now, even during a notice period; settle pays and refunds', async () => {
        const q = quote({ deploymentId: deployment(40n), noticePeriod: 3600n });
        const t0 = clock + 1n;
        const { id } = await openAt(t0, q, 5n * USD);
        await expectRevert(ctx, call(publisher, 'terminate', [id]), 'NotProvider', [publisher]);
        await expectRevert(ctx, call(other, 'terminate', [id]), 'NotProvider', [other]);

        await txAt(t0 + 100n, publisher, 'requestClose', [id]);
        const receipt = await txAt(t0 + 700n, provider, 'terminate', [id]);
        assert.deepEqual(events(receipt, 'Terminated'), [{ channelId: id, by: provider, stopAt: t0 + 700n }]);
        assert.equal((await read('channel', [id])).stopAt, t0 + 700n);
        await mineAt(t0 + 800n);
        await expectRevert(ctx, call(provider, 'terminate', [id]), 'AlreadyStopped', [id, t0 + 700n]);

        const served = (PER_HOUR * 700n) / SCALE;
        assert.equal(await read('accrued', [id]), served);
        const p0 = await balance(publisher);
        const pr0 = await balance(provider);
        await txAt(clock + 1n, publisher, 'settle', [id]);
        assert.equal(await balance(provider), pr0 + served);
        assert.equal(await balance(publisher), p0 + 5n * USD - served);
    });

    test('terminate then settle in the next block, without any notice', async () => {
        const q = quote({ deploymentId: deployment(41n) });
        const t0 = clock + 1n;
        const { id } = await openAt(t0, q, USD);
        await txAt(t0 + 30n, provider, 'terminate', [id]);
        const p0 = await balance(publisher);
        const pr0 = await balance(provider);
        await txAt(t0 + 31n, provider, 'settle', [id]);
        const served = (PER_HOUR * 30n) / SCALE;
        assert.equal(await balance(provider), pr0 + served);
        assert.equal(await balance(publisher), p0 + USD - served);
    });

    test('refund: the provider gives back all it has not claimed and the channel is settled at once', async () => {
        const q = quote({ deploymentId: deployment(42n), noticePeriod: 3600n });
        const t0 = clock + 1n;
        const { id } = await openAt(t0, q, 4n * USD);
        await expectRevert(ctx, call(publisher, 'refund', [id]), 'NotProvider', [publisher]);
        await expectRevert(ctx, call(other, 'refund', [id]), 'NotProvider', [other]);

        const p0 = await balance(publisher);
        const pr0 = await balance(provider);
        const e0 = await balance(escrow);
        const receipt = await txAt(t0 + 120n, provider, 'refund', [id]);
        assert.deepEqual(events(receipt, 'Refunded'), [{ channelId: id, provider, amount: 4n * USD }]);
        assert.deepEqual(events(receipt, 'Settled'), [
            { channelId: id, paidToProvider: 0n, refundedToPublisher: 4n * USD },
        ]);
        assert.equal(await balance(publisher), p0 + 4n * USD, 'nothing paid for the 120 s it never ran');
        assert.equal(await balance(provider), pr0);
        assert.equal(await balance(escrow), e0 - 4n * USD);
        const c = await read('channel', [id]);
        assert.equal(c.status, 2);
        assert.equal(c.stopAt, t0 + 120n);
        assert.equal(c.claimed, 0n);
        await mineAt(t0 + 200n);
        assert.equal(await read('accrued', [id]), 0n);
        await expectRevert(ctx, call(provider, 'refund', [id]), 'ChannelSettled', [id]);
        await expectRevert(ctx, call(publisher, 'settle', [id]), 'ChannelSettled', [id]);
        await expectRevert(ctx, call(provider, 'claim', [id]), 'ChannelSettled', [id]);
    });

    test('refund after a claim and during a notice keeps what was claimed, returns the rest', async () => {
        const q = quote({ deploymentId: deployment(43n), noticePeriod: 3600n });
        const t0 = clock + 1n;
        const { id } = await openAt(t0, q, 2n * USD);
        await txAt(t0 + 600n, provider, 'claim', [id]);
        const claimed = (PER_HOUR * 600n) / SCALE;
        await txAt(t0 + 700n, publisher, 'requestClose', [id]);
        const p0 = await balance(publisher);
        const receipt = await txAt(t0 + 900n, provider, 'refund', [id]);
        assert.deepEqual(events(receipt, 'Refunded'), [{ channelId: id, provider, amount: 2n * USD - claimed }]);
        assert.equal(await balance(publisher), p0 + 2n * USD - claimed);
        assert.equal((await read('channel', [id])).stopAt, t0 + 900n);
    });

    test('refund after the stop time gives back all that was not claimed; the stop time stays', async () => {
        const q = quote({ deploymentId: deployment(44n), noticePeriod: 60n });
        const t0 = clock + 1n;
        const { id } = await openAt(t0, q, USD);
        await txAt(t0 + 10n, publisher, 'requestClose', [id]);
        await mineAt(t0 + 500n);
        const p0 = await balance(publisher);
        await txAt(t0 + 501n, provider, 'refund', [id]);
        assert.equal(await balance(publisher), p0 + USD);
        assert.equal((await read('channel', [id])).stopAt, t0 + 70n);
    });

    test('topUp and delegates: only the publisher or an authorized delegate; the caller pays', async () => {
        const q = quote({ deploymentId: deployment(50n) });
        const t0 = clock + 1n;
        const { id } = await openAt(t0, q, USD);

        await expectRevert(ctx, call(delegate, 'topUp', [id, USD]), 'NotPublisherOrDelegate', [delegate]);
        await expectRevert(ctx, call(other, 'topUp', [id, USD]), 'NotPublisherOrDelegate', [other]);
        await expectRevert(ctx, call(provider, 'topUp', [id, USD]), 'NotPublisherOrDelegate', [provider]);
        await expectRevert(ctx, call(publisher, 'topUp', [id, 0n]), 'ZeroAmount');
        await expectRevert(ctx, call(publisher, 'setDelegate', [ZERO, true]), 'ZeroAddress');

        const p0 = await balance(publisher);
        const r1 = await txAt(t0 + 10n, publisher, 'topUp', [id, 2n * USD]);
        assert.deepEqual(events(r1, 'ToppedUp'), [
            { channelId: id, payer: publisher, amount: 2n * USD, deposit: 3n * USD },
        ]);
        assert.equal(await balance(publisher), p0 - 2n * USD);

        const rd = await txAt(clock + 1n, publisher, 'setDelegate', [delegate, true]);
        assert.deepEqual(events(rd, 'DelegateSet'), [{ publisher, delegate, allowed: true }]);
        assert.equal(await read('isDelegate', [publisher, delegate]), true);
        // A delegate of another publisher is not one of this publisher's.
        assert.equal(await read('isDelegate', [other, delegate]), false);

        const d0 = await balance(delegate);
        const e0 = await balance(escrow);
        await txAt(clock + 1n, delegate, 'topUp', [id, USD]);
        assert.equal(await balance(delegate), d0 - USD, 'the delegate pays');
        assert.equal(await balance(publisher), p0 - 2n * USD, 'not the publisher');
        assert.equal(await balance(escrow), e0 + USD);
        assert.equal((await read('channel', [id])).deposit, 4n * USD);

        // A delegate cannot re-rate.
        const q2 = quote({ deploymentId: q.deploymentId });
        await expectRevert(ctx, call(delegate, 'changeRate', [id, q2, await sign(q2)]), 'NotPublisher', [delegate]);

        await txAt(clock + 1n, publisher, 'setDelegate', [delegate, false]);
        assert.equal(await read('isDelegate', [publisher, delegate]), false);
        await expectRevert(ctx, call(delegate, 'topUp', [id, USD]), 'NotPublisherOrDelegate', [delegate]);
        await expectRevert(ctx, call(delegate, 'requestClose', [id]), 'NotPublisherOrDelegate', [delegate]);

        await txAt(clock + 1n, publisher, 'setDelegate', [delegate, true]);
        const rc = await txAt(clock + 1n, delegate, 'requestClose', [id]);
        assert.deepEqual(events(rc, 'CloseRequested'), [{ channelId: id, by: delegate, stopAt: clock + 3600n }]);
        await expectRevert(ctx, call(other, 'requestClose', [id]), 'NotPublisherOrDelegate', [other]);
    });

    test('a top-up after the deposit ran out does not pay the unfunded time retroactively', async () => {
        const q = quote({ deploymentId: deployment(51n), ratePerSecond: USD * SCALE }); // 1 token per second
        const t0 = clock + 1n;
        const { id } = await openAt(t0, q, 10n * USD);
        await mineAt(t0 + 100n); // exhausted after 10 s
        assert.equal(await read('accrued', [id]), 10n * USD);
        await txAt(t0 + 100n + 1n, publisher, 'topUp', [id, 10n * USD]);
        const c = await read('channel', [id]);
        assert.equal(c.accruedBefore, 10n * USD);
        assert.equal(c.start, t0 + 101n);
        await mineAt(t0 + 104n);
        assert.equal(await read('accrued', [id]), 13n * USD);
        assert.equal(await read('runway', [id]), 7n);
    });

    test('changeRate checkpoints the old rate, then accrues at the new one with the new notice', async () => {
        const q = quote({ deploymentId: deployment(60n), noticePeriod: 100n });
        const t0 = clock + 1n;
        const { id } = await openAt(t0, q, 100n * USD);
        const q2 = quote({ deploymentId: q.deploymentId, ratePerSecond: 3n * PER_HOUR, noticePeriod: 50n });
        const sig2 = await sign(q2);

        await expectRevert(ctx, call(provider, 'changeRate', [id, q2, sig2]), 'NotPublisher', [provider]);
        await expectRevert(ctx, call(other, 'changeRate', [id, q2, sig2]), 'NotPublisher', [other]);
        for (const bad of [
            { ...q2, deploymentId: deployment(61n) },
            { ...q2, token: other },
            { ...q2, publisher: other },
        ]) {
            await expectRevert(ctx, call(publisher, 'changeRate', [id, bad, await sign(bad)]), 'QuoteMismatch');
        }
        // Signed by another provider than the channel's.
        await expectRevert(ctx, call(publisher, 'changeRate', [id, q2, await sign(q2, provider2)]), 'InvalidSignature');
        // The opening quote cannot be replayed to re-rate.
        const replay = call(publisher, 'changeRate', [id, q, await sign(q)]);
        await expectRevert(ctx, replay, 'NonceUsed', [provider, q.nonce]);

        const t1 = t0 + 1000n;
        const receipt = await txAt(t1, publisher, 'changeRate', [id, q2, sig2]);
        const before = (PER_HOUR * 1000n) / SCALE;
        assert.deepEqual(events(receipt, 'RateChanged'), [
            {
                channelId: id,
                oldRate: PER_HOUR,
                newRate: 3n * PER_HOUR,
                noticePeriod: 50n,
                nonce: q2.nonce,
                accruedBefore: before,
            },
        ]);
        const c = await read('channel', [id]);
        assert.equal(c.accruedBefore, before);
        assert.equal(c.start, t1);
        assert.equal(c.rate, 3n * PER_HOUR);
        assert.equal(c.noticePeriod, 50n);
        assert.equal(await read('usedNonce', [provider, q2.nonce]), true);
        await expectRevert(ctx, call(publisher, 'changeRate', [id, q2, sig2]), 'NonceUsed', [provider, q2.nonce]);

        await mineAt(t1 + 500n);
        const expected = before + (3n * PER_HOUR * 500n) / SCALE;
        assert.equal(await read('accrued', [id]), expected);

        // The new notice period applies; after the stop, changeRate is refused.
        const t2 = t1 + 600n;
        await txAt(t2, publisher, 'requestClose', [id]);
        assert.equal((await read('channel', [id])).stopAt, t2 + 50n);
        const q3 = quote({ deploymentId: q.deploymentId });
        const late = call(publisher, 'changeRate', [id, q3, await sign(q3)]);
        await expectRevert(ctx, late, 'ChannelStopping', [id, t2 + 50n]);

        await mineAt(t2 + 1000n);
        const served = before + (3n * PER_HOUR * 650n) / SCALE;
        const p0 = await balance(publisher);
        const pr0 = await balance(provider);
        await txAt(clock + 1n, other, 'settle', [id]);
        assert.equal(await balance(provider), pr0 + served);
        assert.equal(await balance(publisher), p0 + 100n * USD - served);
    });

    test('changeRate reverts with QuoteExpired for an expired quote', async () => {
        const q = quote({ deploymentId: deployment(62n) });
        const { id } = await openAt(clock + 1n, q, USD);
        const q2 = quote({ deploymentId: q.deploymentId, validUntil: clock + 10n });
        const sig2 = await sign(q2);
        await mineAt(clock + 11n);
        await expectRevert(ctx, call(publisher, 'changeRate', [id, q2, sig2]), 'QuoteExpired', [q2.validUntil, clock]);
    });

    test('an unknown channel id reverts with UnknownChannel everywhere; its views are zero', async () => {
        const id = idOf(publisher, provider, deployment(999n));
        await expectRevert(ctx, call(provider, 'claim', [id]), 'UnknownChannel', [id]);
        await expectRevert(ctx, call(publisher, 'topUp', [id, 1n]), 'UnknownChannel', [id]);
        await expectRevert(ctx, call(publisher, 'requestClose', [id]), 'UnknownChannel', [id]);
        await expectRevert(ctx, call(provider, 'terminate', [id]), 'UnknownChannel', [id]);
        await expectRevert(ctx, call(other, 'settle', [id]), 'UnknownChannel', [id]);
        const q = quote({ deploymentId: deployment(999n) });
        await expectRevert(ctx, call(publisher, 'changeRate', [id, q, await sign(q)]), 'UnknownChannel', [id]);
        for (const view of ['accrued', 'claimable', 'refundable', 'runway']) assert.equal(await read(view, [id]), 0n);
        assert.equal((await read('channel', [id])).status, 0);
    });

    test('a third party cannot move any channel funds', async () => {
        const q = quote({ deploymentId: deployment(70n) });
        const { id } = await openAt(clock + 1n, q, 10n * USD);
        await mineAt(clock + 500n);
        const e0 = await balance(escrow);
        const o0 = await balance(other);
        const q2 = quote({ deploymentId: q.deploymentId, ratePerSecond: MAX_RATE });
        await expectRevert(ctx, call(other, 'claim', [id]), 'NotProvider', [other]);
        await expectRevert(ctx, call(other, 'topUp', [id, 1n]), 'NotPublisherOrDelegate', [other]);
        await expectRevert(ctx, call(other, 'requestClose', [id]), 'NotPublisherOrDelegate', [other]);
        await expectRevert(ctx, call(other, 'terminate', [id]), 'NotProvider', [other]);
        await expectRevert(ctx, call(other, 'changeRate', [id, q2, await sign(q2)]), 'NotPublisher', [other]);
        await expectRevert(ctx, call(other, 'settle', [id]), 'NotStopped', [id, 0n]);
        await expectRevert(ctx, call(other, 'terminateBySlash', [id]), 'NotStaking', [other]);
        assert.equal(await balance(escrow), e0);
        assert.equal(await balance(other), o0);
    });

    test('staking hook: set once by the deployer; terminateBySlash stops a channel now', async () => {
        const q = quote({ deploymentId: deployment(80n), noticePeriod: 1000n });
        const t0 = clock + 1n;
        const { id } = await openAt(t0, q, USD);
        await expectRevert(ctx, call(staking, 'terminateBySlash', [id]), 'NotStaking', [staking]);
        await expectRevert(ctx, call(other, 'setStaking', [staking]), 'NotDeployer', [other]);
        await expectRevert(ctx, call(deployer, 'setStaking', [ZERO]), 'ZeroAddress');
        const rs = await txAt(clock + 1n, deployer, 'setStaking', [staking]);
        assert.deepEqual(events(rs, 'StakingSet'), [{ staking }]);
        assert.equal(await read('staking'), staking);
        await expectRevert(ctx, call(deployer, 'setStaking', [other]), 'StakingAlreadySet', [staking]);
        await expectRevert(ctx, call(other, 'terminateBySlash', [id]), 'NotStaking', [other]);
        await expectRevert(ctx, call(provider, 'terminateBySlash', [id]), 'NotStaking', [provider]);
        const unknown = idOf(publisher, provider, deployment(998n));
        await expectRevert(ctx, call(staking, 'terminateBySlash', [unknown]), 'UnknownChannel', [unknown]);

        // During a notice period the slash cuts it short.
        await txAt(t0 + 10n, publisher, 'requestClose', [id]);
        const sim = await ctx.publicClient.simulateContract(call(staking, 'terminateBySlash', [id]));
        assert.equal(sim.result, true);
        const r = await txAt(t0 + 20n, staking, 'terminateBySlash', [id]);
        assert.deepEqual(events(r, 'Terminated'), [{ channelId: id, by: staking, stopAt: t0 + 20n }]);
        assert.equal((await read('channel', [id])).stopAt, t0 + 20n);
        // Already stopped: a no-op that returns false, so a slash never fails on it.
        await mineAt(t0 + 30n);
        const again = await ctx.publicClient.simulateContract(call(staking, 'terminateBySlash', [id]));
        assert.equal(again.result, false);
        await txAt(t0 + 31n, other, 'settle', [id]);
        const settled = await ctx.publicClient.simulateContract(call(staking, 'terminateBySlash', [id]));
        assert.equal(settled.result, false);
        assert.equal(await read('accrued', [id]), (PER_HOUR * 20n) / SCALE);
    });

    test('reentrancy: a hostile token calling back into claim, settle or topUp reverts with ReentrancyGuardReentrantCall', async () => {
        const mocks = compileMocks();
        const { abi: reAbi, bytecode } = mocks.ReentrantToken;
        const evil = await deployMock({ abi: reAbi, bytecode }, deployer);
        const tok = (account, functionName, args) => ({
            address: evil,
            abi: reAbi,
            functionName,
            args,
            account,
            gas: GAS,
        });
        await send(tok(publisher, 'mint', [publisher, 100n * USD]));
        await send(tok(publisher, 'approve', [escrow, maxUint256]));

        const q = quote({ deploymentId: deployment(90n), token: evil, noticePeriod: 0n });
        const { id } = await openAt(clock + 1n, q, 10n * USD);
        const reenter = (fn, args) => encodeFunctionData({ abi, functionName: fn, args });

        // claim → token transfer → Escrow.claim again.
        await mineAt(clock + 100n);
        await send(tok(provider, 'arm', [escrow, reenter('claim', [id])]));
        await expectRevert(ctx, call(provider, 'claim', [id]), 'ReentrancyGuardReentrantCall');
        // topUp → token transferFrom → Escrow.requestClose.
        await send(tok(publisher, 'arm', [escrow, reenter('requestClose', [id])]));
        await expectRevert(ctx, call(publisher, 'topUp', [id, USD]), 'ReentrancyGuardReentrantCall');
        // settle → token transfer → Escrow.settle again (a double payout attempt).
        await txAt(clock + 1n, publisher, 'requestClose', [id]);
        await mineAt(clock + 10n);
        await send(tok(other, 'arm', [escrow, reenter('settle', [id])]));
        await expectRevert(ctx, call(other, 'settle', [id]), 'ReentrancyGuardReentrantCall');

        // Disarmed, the same settle works and pays exactly once.
        await send(tok(other, 'disarm', []));
        const bal = (who) =>
            ctx.publicClient.readContract({ address: evil, abi: reAbi, functionName: 'balanceOf', args: [who] });
        const p0 = await bal(publisher);
        await txAt(clock + 1n, other, 'settle', [id]);
        const c = await read('channel', [id]);
        const served = (PER_HOUR * (c.stopAt - c.start)) / SCALE;
        assert.equal(await bal(provider), served);
        assert.equal(await bal(publisher), p0 + 10n * USD - served);
        assert.equal(await bal(escrow), 0n);
    });

    test('a contract provider (ERC-1271) can sign quotes and claim through its wallet', async () => {
        const { Wallet1271 } = compileMocks();
        const wallet = await deployMock(Wallet1271, provider2, [provider2]);
        const q = quote({ deploymentId: deployment(91n) });
        // The wallet's owner signs; the contract wallet is the channel's provider.
        const sig = await sign(q, provider2);
        const t0 = clock + 1n;
        await txAt(t0, publisher, 'open', [q, wallet, sig, USD]);
        const id = idOf(publisher, wallet, q.deploymentId);
        assert.equal((await read('channel', [id])).provider, wallet);
        // A signature by someone else than the owner is refused.
        const q2 = quote({ deploymentId: deployment(92n) });
        await expectRevert(ctx, call(publisher, 'open', [q2, wallet, await sign(q2, other), USD]), 'InvalidSignature');

        await setNext(t0 + 100n);
        const data = encodeFunctionData({ abi, functionName: 'claim', args: [id] });
        const exec = { address: wallet, abi: Wallet1271.abi, functionName: 'exec', args: [escrow, data] };
        await write(ctx, { ...exec, account: provider2, gas: GAS });
        assert.equal(await balance(wallet), (PER_HOUR * 100n) / SCALE);
        // The owner's own account is not the provider.
        await expectRevert(ctx, call(provider2, 'claim', [id]), 'NotProvider', [provider2]);
    });

    test('randomized sequences keep the invariants after every step (seeded)', async () => {
        // xorshift32, fixed seed: the sequence is the same on every run.
        let seed = 0x2545f491;
        const rnd = (n) => {
            seed ^= seed << 13;
            seed >>>= 0;
            seed ^= seed >>> 17;
            seed ^= seed << 5;
            seed >>>= 0;
            return seed % n;
        };
        const pubs = [publisher, other];
        const provs = [provider, provider2];
        const parties = [publisher, other, delegate, provider, provider2];
        const total0 = (await Promise.all([...parties, escrow].map(balance))).reduce((a, b) => a + b, 0n);
        const escrow0 = await balance(escrow);
        await txAt(clock + 1n, other, 'setDelegate', [delegate, true]);

        // The model: per channel, the served segments (rate, seconds) and what was paid.
        // id -> { pub, prov, rate, notice, start, stopAt, deposit, before, claimed, settled }
        const model = new Map();
        const received = new Map(); // id -> provider's total receipts from this channel (this run)
        const accruedOf = (m, now) => {
            if (m.settled) return m.claimed;
            const end = m.stopAt !== 0n && m.stopAt < now ? m.stopAt : now;
            return min(m.deposit, m.before + (end > m.start ? (m.rate * (end - m.start)) / SCALE : 0n));
        };
        // The provider may receive at most rate × time served, summed over the rate segments.
        const bound = new Map(); // id -> upper bound on what the provider may have received

        let steps = 0;
        const seen = new Set();
        for (let step = 0; step < 120 && steps < 60; step++) {
            const kind = rnd(9);
            const pub = pubs[rnd(2)];
            const prov = provs[rnd(2)];
            const dep = deployment(1000n + BigInt(rnd(3)));
            const id = idOf(pub, prov, dep);
            const m = model.get(id);
            const live = m && !m.settled;
            const t = clock + 1n + BigInt(rnd(4000));
            if (kind === 0 || !m) {
                if (live) continue;
                const rate = BigInt(1 + rnd(5)) * PER_HOUR + BigInt(rnd(1000));
                const notice = BigInt(rnd(3)) * 300n;
                const q = quote({
                    publisher: pub,
                    deploymentId: dep,
                    ratePerSecond: rate,
                    noticePeriod: notice,
                    validUntil: t,
                });
                const deposit = BigInt(1 + rnd(3)) * USD + BigInt(rnd(1000));
                await openAt(t, q, deposit, prov);
                model.set(id, {
                    pub,
                    prov,
                    rate,
                    notice,
                    start: t,
                    stopAt: 0n,
                    deposit,
                    before: 0n,
                    claimed: 0n,
                    settled: false,
                });
                received.set(id, 0n);
                bound.set(id, { done: 0n, rate, start: t });
            } else if (kind === 1 && live) {
                const owed = accruedOf(m, t) - m.claimed;
                if (owed === 0n) continue;
                const b0 = await balance(prov);
                await txAt(t, prov, 'claim', [id]);
                assert.equal(await balance(prov), b0 + owed);
                m.claimed += owed;
                received.set(id, received.get(id) + owed);
            } else if (kind === 2 && live && m.stopAt === 0n) {
                const amount = BigInt(1 + rnd(2)) * USD;
                m.before = accruedOf(m, t);
                m.start = t;
                m.deposit += amount;
                await txAt(t, rnd(2) === 0 ? pub : pub === other ? delegate : pub, 'topUp', [id, amount]);
            } else if (kind === 3) {
                await mineAt(t);
            } else if (kind === 4 && live && m.stopAt === 0n) {
                await txAt(t, pub, 'requestClose', [id]);
                m.stopAt = t + m.notice;
            } else if (kind === 5 && live && (m.stopAt === 0n || m.stopAt > t)) {
                await txAt(t, prov, 'terminate', [id]);
                m.stopAt = t;
            } else if (kind === 6 && live && m.stopAt !== 0n && m.stopAt <= t) {
                const acc = accruedOf(m, t);
                const bp = await balance(pub);
                const bv = await balance(prov);
                await txAt(t, parties[rnd(parties.length)], 'settle', [id]);
                assert.equal(await balance(prov), bv + acc - m.claimed);
                assert.equal(await balance(pub), bp + m.deposit - acc, 'the publisher recovers the unaccrued rest');
                received.set(id, received.get(id) + acc - m.claimed);
                m.claimed = acc;
                m.settled = true;
            } else if (kind === 7 && live && m.stopAt === 0n) {
                const rate = BigInt(rnd(6)) * PER_HOUR + BigInt(rnd(1000));
                const q = quote({
                    publisher: pub,
                    deploymentId: dep,
                    ratePerSecond: rate,
                    noticePeriod: m.notice,
                    validUntil: t,
                });
                const sig = await sign(q, prov);
                m.before = accruedOf(m, t);
                const b = bound.get(id);
                b.done += (b.rate * (t - b.start)) / SCALE;
                b.rate = rate;
                b.start = t;
                m.start = t;
                m.rate = rate;
                await txAt(t, pub, 'changeRate', [id, q, sig]);
            } else if (kind === 8 && live) {
                const bp = await balance(pub);
                const bv = await balance(prov);
                await txAt(t, prov, 'refund', [id]);
                assert.equal(await balance(pub), bp + m.deposit - m.claimed, 'a refund returns all not claimed');
                assert.equal(await balance(prov), bv);
                if (m.stopAt === 0n || m.stopAt > t) m.stopAt = t;
                m.settled = true;
            } else {
                continue;
            }
            steps++;
            seen.add(kind === 0 || !m ? 0 : kind);

            // Invariants, read at the latest block.
            const now = (await ctx.publicClient.getBlock()).timestamp;
            let held = 0n;
            for (const [cid, cm] of model) {
                const acc = await read('accrued', [cid]);
                assert.equal(acc, accruedOf(cm, now), `accrued of ${cid} at step ${step}`);
                const c = await read('channel', [cid]);
                assert.equal(c.claimed, cm.claimed);
                assert.equal(c.deposit, cm.deposit);
                assert.ok(acc <= cm.deposit, 'accrued never exceeds the deposit');
                // The provider never received more than rate × time served.
                const b = bound.get(cid);
                const end = cm.stopAt !== 0n && cm.stopAt < now ? cm.stopAt : now;
                const served = b.done + (end > b.start ? (b.rate * (end - b.start)) / SCALE : 0n);
                assert.ok(received.get(cid) <= served, 'provider received ≤ rate × time served');
                assert.ok(received.get(cid) <= acc);
                if (!cm.settled) {
                    // The publisher can always recover the unaccrued rest.
                    assert.equal(await read('refundable', [cid]), cm.deposit - acc);
                    assert.equal(await read('claimable', [cid]), acc - cm.claimed);
                    held += cm.deposit - cm.claimed;
                }
            }
            assert.equal(await balance(escrow), escrow0 + held, "the escrow holds the open channels' unpaid funds");
            const total = (await Promise.all([...parties, escrow].map(balance))).reduce((a, b) => a + b, 0n);
            assert.equal(total, total0, 'token totals are conserved');
        }
        assert.ok(steps >= 40, `only ${steps} steps ran`);
        assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8], 'every kind of step ran');
    });
});
