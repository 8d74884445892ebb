import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
    BaseError,
    decodeErrorResult,
    encodeDeployData,
    encodeFunctionData,
    getAddress,
    maxUint256,
    parseEventLogs,
    toHex,
} from 'viem';
import { startAnvil } from './anvil.mjs';
import { compileMocks } from './escrow-mocks.mjs';
import { channelIdOf, connect, deploy, expectRevert, loadArtifact, signQuote, write } from './helpers.mjs';

const { abi, bytecode } = loadArtifact('Staking');
const escrowAbi = loadArtifact('Escrow').abi;
const tokenAbi = loadArtifact('TestToken').abi;
const ZERO = '0x0000000000000000000000000000000000000000';
const USD = 10n ** 6n;
const SCALE = 10n ** 18n;
const GAS = 1_000_000n;

// Parameters of the Staking under test.
const UNBONDING = 1000n;
const WINDOW = 100n;
const BOND = 5n * USD;
const INTERVAL = 500n;
const PENALTY = 10n * USD;

/** 1 token per 7 seconds: not a whole number of units per second, so rounding shows. */
const RATE = (USD * SCALE) / 7n;
const accruedAfter = (seconds) => (RATE * seconds) / SCALE;
const deployment = (n) => toHex(n, { size: 32 });
const min = (a, b) => (a < b ? a : b);

const OPEN = 1;
const ANSWERED = 2;
const SLASHED = 3;

describe('Staking', () => {
    let anvil;
    let ctx;
    let token, token2, escrow, staking;
    let deployer, publisher, provider, other, provider2, provider3;
    let clock;
    let nextNonce = 1n;

    const rpc = (method, params = []) => ctx.publicClient.request({ method, params });
    const read = (functionName, args = []) =>
        ctx.publicClient.readContract({ address: staking, abi, functionName, args });
    const readEscrow = (functionName, args = []) =>
        ctx.publicClient.readContract({ address: escrow, abi: escrowAbi, functionName, args });
    const balance = (who, tok = token) =>
        ctx.publicClient.readContract({ address: tok, abi: tokenAbi, functionName: 'balanceOf', args: [who] });
    const call = (account, functionName, args = []) => ({
        address: staking,
        abi,
        functionName,
        args,
        account,
        gas: GAS,
    });
    const escrowCall = (account, functionName, args = []) => ({
        address: escrow,
        abi: escrowAbi,
        functionName,
        args,
        account,
        gas: GAS,
    });
    const events = (receipt, eventName) => parseEventLogs({ abi, logs: receipt.logs, eventName }).map((e) => e.args);

    async function setNext(ts) {
        assert.ok(ts > clock, 'time only moves forward');
        await rpc('evm_setNextBlockTimestamp', [toHex(ts)]);
        clock = ts;
    }
    /** Mines an empty block at `ts`: simulations then run at block.timestamp == ts. */
    async function mineAt(ts) {
        await setNext(ts);
        await rpc('evm_mine');
    }
    /** Sends a request mined in a block with timestamp `ts`. */
    async function sendAt(ts, request) {
        await setNext(ts);
        return write(ctx, request);
    }
    const txAt = (ts, account, functionName, args) => sendAt(ts, call(account, functionName, args));
    const next = () => clock + 1n;

    /** Opens a channel publisher→prov paid in `tok` at `ts`; returns its id. */
    async function openChannel(ts, opts = {}) {
        const { prov = provider, pub = publisher, tok = token, deposit = 1000n * USD, notice = 3600n } = opts;
        const q = {
            publisher: pub,
            deploymentId: deployment(nextNonce),
            token: tok,
            ratePerSecond: RATE,
            noticePeriod: notice,
            validUntil: ts + 86400n,
            nonce: nextNonce++,
        };
        const sig = await signQuote(ctx, escrow, prov, q);
        await sendAt(ts, escrowCall(pub, 'open', [q, prov, sig, deposit]));
        return channelIdOf(pub, prov, q.deploymentId);
    }

    /** Asserts that deploying Staking with `args` reverts with `errorName`. */
    async function expectDeployRevert(args, errorName, errorArgs) {
        let caught;
        try {
            await ctx.publicClient.call({ account: deployer, data: encodeDeployData({ abi, bytecode, args }) });
        } catch (err) {
            caught = err;
        }
        assert.ok(caught instanceof BaseError, `deploy did not revert; expected ${errorName}`);
        const data = caught.walk((e) => typeof e.data === 'string')?.data;
        const decoded = decodeErrorResult({ abi, data });
        assert.equal(decoded.errorName, errorName);
        if (errorArgs !== undefined) assert.deepEqual(decoded.args, errorArgs);
    }

    before(async () => {
        anvil = await startAnvil();
        ctx = await connect(anvil.url);
        [deployer, publisher, provider, other, provider2, provider3] = ctx.accounts;
        token = getAddress(await deploy(ctx, 'TestToken', deployer, ['Test USD', 'tUSD']));
        token2 = getAddress(await deploy(ctx, 'TestToken', deployer, ['Other USD', 'oUSD']));
        escrow = getAddress(await deploy(ctx, 'Escrow', deployer));
        staking = getAddress(
            await deploy(ctx, 'Staking', deployer, [token, escrow, UNBONDING, WINDOW, BOND, INTERVAL, PENALTY]),
        );
        for (const who of [publisher, provider, other, provider2, provider3]) {
            for (const tok of [token, token2]) {
                const t = (functionName, args) => ({ address: tok, abi: tokenAbi, functionName, args, account: who });
                await write(ctx, t('mint', [who, 1_000_000n * USD]));
                await write(ctx, t('approve', [escrow, maxUint256]));
                await write(ctx, t('approve', [staking, maxUint256]));
            }
        }
        clock = (await ctx.publicClient.getBlock()).timestamp;
    });

    after(async () => {
        await anvil?.stop();
    });

    test('constructor stores the parameters and rejects zero addresses, window and bond', async () => {
        assert.equal(await read('token'), token);
        assert.equal(await read('escrow'), escrow);
        assert.equal(await read('unbondingDelay'), UNBONDING);
        assert.equal(await read('challengeWindow'), WINDOW);
        assert.equal(await read('challengeBond'), BOND);
        assert.equal(await read('minChallengeInterval'), INTERVAL);
        assert.equal(await read('slashPenalty'), PENALTY);
        assert.equal(await read('challengeCount'), 0n);
        await expectDeployRevert([ZERO, escrow, 1n, 1n, 1n, 1n, 1n], 'ZeroAddress');
        await expectDeployRevert([token, ZERO, 1n, 1n, 1n, 1n, 1n], 'ZeroAddress');
        await expectDeployRevert([token, escrow, 1n, 0n, 1n, 1n, 1n], 'ZeroWindow');
        await expectDeployRevert([token, escrow, 1n, 1n, 0n, 1n, 1n], 'ZeroAmount');
        const MAX = 3650n * 86400n;
        assert.equal(await read('MAX_DURATION'), MAX);
        await expectDeployRevert([token, escrow, MAX + 1n, 1n, 1n, 1n, 1n], 'DurationTooLong', [MAX + 1n]);
        await expectDeployRevert([token, escrow, 1n, MAX + 1n, 1n, 1n, 1n], 'DurationTooLong', [MAX + 1n]);
        await expectDeployRevert([token, escrow, 1n, 1n, 1n, MAX + 1n, 1n], 'DurationTooLong', [MAX + 1n]);
    });

    test('challenge needs the Escrow to name this Staking as its hook', async () => {
        const id = await openChannel(next());
        await mineAt(next());
        await expectRevert(ctx, call(publisher, 'challenge', [id]), 'NotHooked', [ZERO]);
        await sendAt(next(), escrowCall(deployer, 'setStaking', [staking]));
        assert.equal(await readEscrow('staking'), staking);
    });

    test('stake, requestUnstake and withdraw follow the unbonding timeline with exact balances', async () => {
        await expectRevert(ctx, call(provider3, 'stake', [0n]), 'ZeroAmount');
        const p0 = await balance(provider3);
        const s0 = await balance(staking);
        const r1 = await txAt(next(), provider3, 'stake', [100n * USD]);
        assert.deepEqual(events(r1, 'Staked'), [{ provider: provider3, amount: 100n * USD, active: 100n * USD }]);
        const r2 = await txAt(next(), provider3, 'stake', [20n * USD]);
        assert.deepEqual(events(r2, 'Staked'), [{ provider: provider3, amount: 20n * USD, active: 120n * USD }]);
        assert.equal(await balance(provider3), p0 - 120n * USD);
        assert.equal(await balance(staking), s0 + 120n * USD);

        await mineAt(next());
        await expectRevert(ctx, call(provider3, 'requestUnstake', [0n]), 'ZeroAmount');
        await expectRevert(ctx, call(provider3, 'requestUnstake', [121n * USD]), 'InsufficientStake', [
            120n * USD,
            121n * USD,
        ]);
        await expectRevert(ctx, call(provider3, 'withdraw'), 'NothingUnbonding');

        const t1 = next();
        const r3 = await txAt(t1, provider3, 'requestUnstake', [30n * USD]);
        assert.deepEqual(events(r3, 'UnstakeRequested'), [
            { provider: provider3, amount: 30n * USD, unbonding: 30n * USD, readyAt: t1 + UNBONDING },
        ]);
        assert.deepEqual(await read('stakeOf', [provider3]), {
            active: 90n * USD,
            unbonding: 30n * USD,
            readyAt: t1 + UNBONDING,
        });
        // Unbonding stake stays slashable until it is withdrawn.
        assert.equal(await read('slashableOf', [provider3]), 120n * USD);
        await mineAt(t1 + UNBONDING - 1n);
        await expectRevert(ctx, call(provider3, 'withdraw'), 'StillUnbonding', [t1 + UNBONDING]);

        // A second request adds to the unbonding amount and restarts the delay for all of it.
        const t2 = next();
        await txAt(t2, provider3, 'requestUnstake', [20n * USD]);
        assert.deepEqual(await read('stakeOf', [provider3]), {
            active: 70n * USD,
            unbonding: 50n * USD,
            readyAt: t2 + UNBONDING,
        });
        await mineAt(t2 + UNBONDING - 1n);
        await expectRevert(ctx, call(provider3, 'withdraw'), 'StillUnbonding', [t2 + UNBONDING]);

        const r4 = await txAt(t2 + UNBONDING, provider3, 'withdraw', []);
        assert.deepEqual(events(r4, 'Withdrawn'), [{ provider: provider3, amount: 50n * USD }]);
        assert.equal(await balance(provider3), p0 - 70n * USD);
        assert.equal(await balance(staking), s0 + 70n * USD);
        assert.deepEqual(await read('stakeOf', [provider3]), { active: 70n * USD, unbonding: 0n, readyAt: 0n });
        await mineAt(next());
        await expectRevert(ctx, call(provider3, 'withdraw'), 'NothingUnbonding');
    });

    test('challenge reverts: channel not live, not the publisher, other token, pending, too soon', async () => {
        const unknown = deployment(9999n);
        await mineAt(next());
        await expectRevert(ctx, call(publisher, 'challenge', [unknown]), 'ChannelNotLive', [unknown]);

        const id = await openChannel(next());
        await mineAt(next());
        // Third parties (and the provider) cannot challenge someone else's channel.
        await expectRevert(ctx, call(other, 'challenge', [id]), 'NotChannelPublisher', [other]);
        await expectRevert(ctx, call(provider, 'challenge', [id]), 'NotChannelPublisher', [provider]);

        const idOther = await openChannel(next(), { tok: token2 });
        await mineAt(next());
        await expectRevert(ctx, call(publisher, 'challenge', [idOther]), 'TokenMismatch', [token2]);

        // A stopped channel (terminated by its provider) and a settled one are not live.
        const idStopped = await openChannel(next());
        await sendAt(next(), escrowCall(provider, 'terminate', [idStopped]));
        await expectRevert(ctx, call(publisher, 'challenge', [idStopped]), 'ChannelNotLive', [idStopped]);
        await sendAt(next(), escrowCall(other, 'settle', [idStopped]));
        await expectRevert(ctx, call(publisher, 'challenge', [idStopped]), 'ChannelNotLive', [idStopped]);

        // A channel whose notice period is running is still live.
        const idNotice = await openChannel(next());
        await sendAt(next(), escrowCall(publisher, 'requestClose', [idNotice]));
        const t0 = next();
        const rc = await txAt(t0, publisher, 'challenge', [idNotice]);
        const [opened] = events(rc, 'ChallengeOpened');
        await mineAt(next());
        await expectRevert(ctx, call(publisher, 'challenge', [idNotice]), 'ChallengePending', [
            idNotice,
            opened.challengeId,
        ]);
        await txAt(next(), provider, 'respond', [opened.challengeId]);
        // Answered, but the next challenge on this channel must wait for the interval.
        await mineAt(t0 + INTERVAL - 1n);
        await expectRevert(ctx, call(publisher, 'challenge', [idNotice]), 'ChallengeTooSoon', [
            idNotice,
            t0 + INTERVAL,
        ]);
        const r2 = await txAt(t0 + INTERVAL, publisher, 'challenge', [idNotice]);
        assert.equal(events(r2, 'ChallengeOpened').length, 1);
        assert.equal(await read('lastChallengeAt', [idNotice]), t0 + INTERVAL);
        await txAt(next(), provider, 'respond', [events(r2, 'ChallengeOpened')[0].challengeId]);
    });

    test('challenge → respond within the window: the bond goes to the provider', async () => {
        const id = await openChannel(next());
        const pub0 = await balance(publisher);
        const prov0 = await balance(provider);
        const st0 = await balance(staking);
        const count0 = await read('challengeCount');
        const t = next();
        const r = await txAt(t, publisher, 'challenge', [id]);
        const cid = count0 + 1n;
        const accruedAtOpen = await readEscrow('accrued', [id]);
        assert.deepEqual(events(r, 'ChallengeOpened'), [
            {
                challengeId: cid,
                channelId: id,
                provider,
                publisher,
                bond: BOND,
                deadline: t + WINDOW,
                accruedAtOpen,
            },
        ]);
        assert.equal(accruedAtOpen, accruedAfter(1n));
        assert.equal(await balance(publisher), pub0 - BOND);
        assert.equal(await balance(staking), st0 + BOND);
        assert.deepEqual(await read('challengeOf', [cid]), {
            channelId: id,
            publisher,
            openedAt: t,
            provider,
            deadline: t + WINDOW,
            status: OPEN,
            bond: BOND,
            accruedAtOpen,
        });
        assert.equal(await read('openChallengeOf', [id]), cid);
        assert.equal(await read('openChallenges', [provider]), 1n);
        assert.equal(await read('challengeCount'), cid);

        await mineAt(next());
        await expectRevert(ctx, call(other, 'respond', [cid]), 'NotChallengedProvider', [other]);
        await expectRevert(ctx, call(publisher, 'respond', [cid]), 'NotChallengedProvider', [publisher]);
        await expectRevert(ctx, call(other, 'slash', [cid]), 'WindowNotOver', [cid, t + WINDOW]);
        await expectRevert(ctx, call(provider, 'respond', [cid + 1n]), 'UnknownChallenge', [cid + 1n]);
        await expectRevert(ctx, call(other, 'slash', [cid + 1n]), 'UnknownChallenge', [cid + 1n]);
        assert.equal(await read('compensationOf', [cid + 1n]), 0n);

        // The deadline itself is still in the window.
        const ra = await txAt(t + WINDOW, provider, 'respond', [cid]);
        assert.deepEqual(events(ra, 'ChallengeAnswered'), [{ challengeId: cid, channelId: id, provider, bond: BOND }]);
        assert.equal(await balance(provider), prov0 + BOND);
        assert.equal(await balance(publisher), pub0 - BOND);
        assert.equal(await balance(staking), st0);
        assert.equal((await read('challengeOf', [cid])).status, ANSWERED);
        assert.equal(await read('openChallengeOf', [id]), 0n);
        assert.equal(await read('openChallenges', [provider]), 0n);
        assert.equal(await read('compensationOf', [cid]), 0n);
        // The channel keeps running.
        assert.equal((await readEscrow('channel', [id])).stopAt, 0n);

        await mineAt(next());
        await expectRevert(ctx, call(provider, 'respond', [cid]), 'ChallengeClosed', [cid, ANSWERED]);
        await expectRevert(ctx, call(other, 'slash', [cid]), 'ChallengeClosed', [cid, ANSWERED]);
    });

    test('respond after the window reverts; withdraw is blocked while a challenge is open', async () => {
        await txAt(next(), provider, 'stake', [500n * USD]);
        const tu = next();
        await txAt(tu, provider, 'requestUnstake', [10n * USD]);
        const id = await openChannel(next());
        const t = next();
        await txAt(t, publisher, 'challenge', [id]);
        const cid = await read('challengeCount');
        await mineAt(tu + UNBONDING);
        await expectRevert(ctx, call(provider, 'withdraw'), 'OpenChallenges', [1n]);
        await expectRevert(ctx, call(provider, 'respond', [cid]), 'WindowOver', [cid, t + WINDOW]);
        // Only the slash closes it now; afterwards the (reduced) unbonding stake can leave.
        await txAt(next(), other, 'slash', [cid]);
        assert.equal(await read('openChallenges', [provider]), 0n);
        const left = (await read('stakeOf', [provider])).unbonding;
        const p0 = await balance(provider);
        await txAt(next(), provider, 'withdraw', []);
        assert.equal(await balance(provider), p0 + left);
    });

    test('challenge → no response → slash: bond + compensation to the publisher, channel terminated, stake reduced', async () => {
        await txAt(next(), provider2, 'stake', [100n * USD]);
        const deposit = 1000n * USD;
        const t0 = next();
        const id = await openChannel(t0, { prov: provider2, deposit });
        const tc = t0 + 70n;
        await txAt(tc, publisher, 'challenge', [id]);
        const cid = await read('challengeCount');
        const accruedAtOpen = accruedAfter(70n);
        assert.equal((await read('challengeOf', [cid])).accruedAtOpen, accruedAtOpen);

        const ts = tc + WINDOW + 41n;
        await mineAt(ts - 1n);
        // The view predicts the slash one second later (accrual grows with time).
        const predicted = accruedAfter(ts - 1n - t0) - accruedAtOpen + PENALTY;
        assert.equal(await read('compensationOf', [cid]), predicted);

        const pub0 = await balance(publisher);
        const oth0 = await balance(other);
        const st0 = await balance(staking);
        const r = await txAt(ts, other, 'slash', [cid]);
        // compensation = min(stake, accrued(ts) − accrued(tc) + penalty)
        const lost = accruedAfter(ts - t0) - accruedAtOpen;
        const compensation = min(100n * USD, lost + PENALTY);
        // The rate is 10^24 / 7 rounded down, so 70 s accrue 9 999 999 units, not 10^7.
        assert.equal(lost, 30_142_857n - 9_999_999n);
        assert.equal(compensation, 20_142_858n + 10n * USD);
        assert.deepEqual(events(r, 'Slashed'), [
            {
                challengeId: cid,
                channelId: id,
                provider: provider2,
                publisher,
                compensation,
                bondReturned: BOND,
                channelTerminated: true,
            },
        ]);
        assert.equal(await balance(publisher), pub0 + BOND + compensation);
        assert.equal(await balance(other), oth0); // the caller gets nothing
        assert.equal(await balance(staking), st0 - BOND - compensation);
        assert.deepEqual(await read('stakeOf', [provider2]), {
            active: 100n * USD - compensation,
            unbonding: 0n,
            readyAt: 0n,
        });
        assert.equal((await read('challengeOf', [cid])).status, SLASHED);
        assert.equal(await read('openChallengeOf', [id]), 0n);
        assert.equal(await read('openChallenges', [provider2]), 0n);

        // The Escrow stopped the channel at the slash; settle refunds the unaccrued deposit.
        const ch = await readEscrow('channel', [id]);
        assert.equal(ch.stopAt, ts);
        const esc = parseEventLogs({ abi: escrowAbi, logs: r.logs, eventName: 'Terminated' }).map((e) => e.args);
        assert.deepEqual(esc, [{ channelId: id, by: staking, stopAt: ts }]);
        await mineAt(next());
        assert.equal(await readEscrow('accrued', [id]), accruedAfter(211n));
        await expectRevert(ctx, call(other, 'slash', [cid]), 'ChallengeClosed', [cid, SLASHED]);
        await expectRevert(ctx, call(publisher, 'challenge', [id]), 'ChannelNotLive', [id]);
        const pub1 = await balance(publisher);
        await sendAt(next(), escrowCall(other, 'settle', [id]));
        assert.equal(await balance(publisher), pub1 + deposit - accruedAfter(211n));
    });

    test('slash is capped by the stake, takes active stake first, then unbonding', async () => {
        await txAt(next(), provider3, 'requestUnstake', [68n * USD]); // active 2, unbonding 68
        const t0 = next();
        const id = await openChannel(t0, { prov: provider3 });
        await txAt(t0 + 1n, publisher, 'challenge', [id]);
        const cid = await read('challengeCount');
        const pub0 = await balance(publisher);
        const ts = t0 + 1n + WINDOW + 1n;
        const r = await txAt(ts, other, 'slash', [cid]);
        const owed = accruedAfter(ts - t0) - accruedAfter(1n) + PENALTY;
        assert.equal(owed, 24_428_571n); // below the 70 staked
        assert.equal(events(r, 'Slashed')[0].compensation, owed);
        assert.equal(await balance(publisher), pub0 + BOND + owed);
        const stake = await read('stakeOf', [provider3]);
        assert.equal(stake.active, 0n);
        assert.equal(stake.unbonding, 70n * USD - owed);

        // A second provider with 3 tokens in total pays all of them and no more.
        await txAt(next(), other, 'stake', [2n * USD]);
        await txAt(next(), other, 'stake', [1n * USD]);
        await txAt(next(), other, 'requestUnstake', [1n * USD]);
        const t1 = next();
        const id2 = await openChannel(t1, { prov: other });
        await txAt(next(), publisher, 'challenge', [id2]);
        const cid2 = await read('challengeCount');
        const pub1 = await balance(publisher);
        const r2 = await txAt(clock + WINDOW + 1n, provider, 'slash', [cid2]);
        assert.equal(events(r2, 'Slashed')[0].compensation, 3n * USD);
        assert.equal(await balance(publisher), pub1 + BOND + 3n * USD);
        assert.deepEqual(await read('stakeOf', [other]), { active: 0n, unbonding: 0n, readyAt: 0n });
    });

    test('slash after the channel already stopped: no termination, accrual counted up to stopAt', async () => {
        // provider has stake left from the earlier tests; a notice of 50 s ends inside the window.
        const t0 = next();
        const id = await openChannel(t0, { notice: 50n });
        await txAt(t0 + 10n, publisher, 'challenge', [id]);
        const cid = await read('challengeCount');
        await sendAt(t0 + 20n, escrowCall(publisher, 'requestClose', [id])); // stopAt = t0 + 70
        const available = await read('slashableOf', [provider]);
        const r = await txAt(t0 + 10n + WINDOW + 1n, other, 'slash', [cid]);
        const owed = accruedAfter(70n) - accruedAfter(10n) + PENALTY;
        const [ev] = events(r, 'Slashed');
        assert.equal(ev.channelTerminated, false);
        assert.equal(ev.compensation, min(available, owed));
        assert.equal((await readEscrow('channel', [id])).stopAt, t0 + 70n);
    });

    test('a provider without stake is slashed for nothing, but the publisher gets its bond back', async () => {
        const fresh = ctx.accounts[6];
        const t0 = next();
        const id = await openChannel(t0, { prov: fresh });
        await txAt(next(), publisher, 'challenge', [id]);
        const cid = await read('challengeCount');
        const pub0 = await balance(publisher);
        const r = await txAt(clock + WINDOW + 1n, other, 'slash', [cid]);
        assert.equal(events(r, 'Slashed')[0].compensation, 0n);
        assert.equal(await balance(publisher), pub0 + BOND);
        assert.equal((await readEscrow('channel', [id])).stopAt, clock);
    });

    test('reentrancy: a hostile stake token calling back into the Staking reverts with ReentrancyGuardReentrantCall', async () => {
        const { abi: reAbi, bytecode: reCode } = compileMocks().ReentrantToken;
        await setNext(next());
        const hash = await ctx.walletClient.deployContract({ abi: reAbi, bytecode: reCode, account: deployer });
        const evil = getAddress((await ctx.publicClient.waitForTransactionReceipt({ hash })).contractAddress);
        const st2 = getAddress(await deploy(ctx, 'Staking', deployer, [evil, escrow, 0n, 1n, 1n, 0n, 0n]));
        clock = (await ctx.publicClient.getBlock()).timestamp;
        const tok = (functionName, args) => ({ address: evil, abi: reAbi, functionName, args, account: provider3 });
        const st = (functionName, args = []) => ({
            address: st2,
            abi,
            functionName,
            args,
            account: provider3,
            gas: GAS,
        });
        await sendAt(next(), tok('mint', [provider3, 10n * USD]));
        await sendAt(next(), tok('approve', [st2, maxUint256]));
        await sendAt(next(), st('stake', [4n * USD]));
        await sendAt(next(), st('requestUnstake', [2n * USD]));
        // withdraw → token transfer → Staking.withdraw again (a double payout attempt).
        await sendAt(next(), tok('arm', [st2, encodeFunctionData({ abi, functionName: 'withdraw' })]));
        await expectRevert(ctx, st('withdraw'), 'ReentrancyGuardReentrantCall');
        // stake → token transferFrom → Staking.withdraw.
        await expectRevert(ctx, st('stake', [USD]), 'ReentrancyGuardReentrantCall');
        await sendAt(next(), tok('disarm', []));
        await sendAt(next(), st('withdraw'));
        assert.equal(await balance(provider3, evil), 8n * USD);
    });

    test('the documented worked example: 1 token/hour, challenged at 10 h, slashed at 11 h 30 min', async () => {
        // A fresh Escrow + Staking with the parameters of docs/contracts.md's example.
        const esc = getAddress(await deploy(ctx, 'Escrow', deployer));
        const stk = getAddress(
            await deploy(ctx, 'Staking', deployer, [token, esc, 86400n, 3600n, 5n * USD, 3600n, 10n * USD]),
        );
        clock = (await ctx.publicClient.getBlock()).timestamp;
        const req = (address, a, account, functionName, args) => ({
            address,
            abi: a,
            functionName,
            args,
            account,
            gas: GAS,
        });
        const view = (functionName, args) => ctx.publicClient.readContract({ address: stk, abi, functionName, args });
        await sendAt(next(), req(esc, escrowAbi, deployer, 'setStaking', [stk]));
        await sendAt(next(), req(token, tokenAbi, publisher, 'approve', [esc, maxUint256]));
        await sendAt(next(), req(token, tokenAbi, publisher, 'approve', [stk, maxUint256]));
        await sendAt(next(), req(token, tokenAbi, provider3, 'approve', [stk, maxUint256]));
        await sendAt(next(), req(stk, abi, provider3, 'stake', [100n * USD]));

        const perHour = (USD * SCALE) / 3600n;
        const q = {
            publisher,
            deploymentId: deployment(424242n),
            token,
            ratePerSecond: perHour,
            noticePeriod: 0n,
            validUntil: clock + 100n,
            nonce: 1n,
        };
        const sig = await signQuote(ctx, esc, provider3, q);
        const T = next();
        await sendAt(T, req(esc, escrowAbi, publisher, 'open', [q, provider3, sig, 100n * USD]));
        const id = channelIdOf(publisher, provider3, q.deploymentId);

        const pub0 = await balance(publisher);
        await sendAt(T + 36000n, req(stk, abi, publisher, 'challenge', [id]));
        assert.equal((await view('challengeOf', [1n])).accruedAtOpen, 9_999_999n);
        const r = await sendAt(T + 41400n, req(stk, abi, other, 'slash', [1n]));
        const [ev] = parseEventLogs({ abi, logs: r.logs, eventName: 'Slashed' }).map((e) => e.args);
        assert.equal(ev.compensation, 11_500_000n);
        assert.equal(await balance(publisher), pub0 - 5n * USD + 16_500_000n);
        assert.equal((await view('stakeOf', [provider3])).active, 88_500_000n);
        const p1 = await balance(publisher);
        const v1 = await balance(provider3);
        await sendAt(next(), req(esc, escrowAbi, other, 'settle', [id]));
        assert.equal(await balance(publisher), p1 + 88_500_001n);
        assert.equal(await balance(provider3), v1 + 11_499_999n);
    });
});
