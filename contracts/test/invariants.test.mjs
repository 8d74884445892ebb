// Randomized sequences across Escrow and Staking, checked against an independent JS
// model after every step. The seed is fixed (and in the test's name), so a failure
// reproduces exactly; BERTH_INVARIANT_SEED=<n> explores other sequences.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getAddress, maxUint256, toHex } from 'viem';
import { startAnvil } from './anvil.mjs';
import { channelIdOf, connect, deploy, expectRevert, loadArtifact, signQuote, write, xorshift32 } from './helpers.mjs';

// BERTH_INVARIANT_SEED=<n> explores another sequence; the committed seed is the default.
const SEED = Number(process.env.BERTH_INVARIANT_SEED ?? 0x6) >>> 0;
const STEPS = 60;

const escrowAbi = loadArtifact('Escrow').abi;
const stakingAbi = loadArtifact('Staking').abi;
const tokenAbi = loadArtifact('TestToken').abi;
const USD = 10n ** 6n;
const SCALE = 10n ** 18n;
const PER_HOUR = (USD * SCALE) / 3600n;
const GAS = 1_000_000n; // explicit gas: no estimation at the latest block's (earlier) timestamp

// Staking parameters: short durations so challenges open, expire and repeat within a run.
const UNBONDING = 5000n;
const WINDOW = 600n;
const BOND = USD;
const INTERVAL = 900n;
const PENALTY = 2n * USD;
const INITIAL_STAKE = 5n * USD; // small: a few slashes exhaust it, so the cap is exercised

const OPEN = 1;
const ANSWERED = 2;
const SLASHED = 3;

const KINDS = [
    'open',
    'claim',
    'topUp',
    'travel',
    'requestClose',
    'terminate',
    'settle',
    'changeRate',
    'challenge',
    'respond',
    'slash',
    'stake',
];

const min = (a, b) => (a < b ? a : b);
const hex = (s) => `0x${s.toString(16)}`;

describe('Escrow + Staking invariants', () => {
    let anvil;
    let ctx;
    let token, escrow, staking;
    let deployer, pubA, pubB, provider, outsider, bystander;
    let clock;
    let nextNonce = 1n;

    const rpc = (method, params = []) => ctx.publicClient.request({ method, params });
    const readEscrow = (functionName, args = []) =>
        ctx.publicClient.readContract({ address: escrow, abi: escrowAbi, functionName, args });
    const readStaking = (functionName, args = []) =>
        ctx.publicClient.readContract({ address: staking, abi: stakingAbi, functionName, args });
    const balance = (who) =>
        ctx.publicClient.readContract({ address: token, abi: tokenAbi, functionName: 'balanceOf', args: [who] });
    const escrowCall = (account, functionName, args) => ({
        address: escrow,
        abi: escrowAbi,
        functionName,
        args,
        account,
        gas: GAS,
    });
    const stakingCall = (account, functionName, args) => ({
        address: staking,
        abi: stakingAbi,
        functionName,
        args,
        account,
        gas: GAS,
    });

    async function setNext(ts) {
        assert.ok(ts > clock, 'time only moves forward');
        await rpc('evm_setNextBlockTimestamp', [toHex(ts)]);
        clock = ts;
    }
    async function sendAt(ts, request) {
        await setNext(ts);
        return write(ctx, request);
    }

    before(async () => {
        anvil = await startAnvil();
        ctx = await connect(anvil.url);
        [deployer, pubA, pubB, provider, outsider, bystander] = ctx.accounts;
        token = getAddress(await deploy(ctx, 'TestToken', deployer, ['Test USD', 'tUSD']));
        escrow = getAddress(await deploy(ctx, 'Escrow', deployer));
        staking = getAddress(
            await deploy(ctx, 'Staking', deployer, [token, escrow, UNBONDING, WINDOW, BOND, INTERVAL, PENALTY]),
        );
        await write(ctx, escrowCall(deployer, 'setStaking', [staking]));
        // Everyone, the outsider and the bystander included, holds tokens and has approved
        // both contracts: a missing authorization check would show as a balance change.
        for (const who of [pubA, pubB, provider, outsider, bystander]) {
            const t = (functionName, args) => ({ address: token, abi: tokenAbi, functionName, args, account: who });
            await write(ctx, t('mint', [who, 1000n * USD]));
            await write(ctx, t('approve', [escrow, maxUint256]));
            await write(ctx, t('approve', [staking, maxUint256]));
        }
        await write(ctx, stakingCall(provider, 'stake', [INITIAL_STAKE]));
        clock = (await ctx.publicClient.getBlock()).timestamp;
    });

    after(async () => {
        await anvil?.stop();
    });

    test(`randomized Escrow + Staking sequence keeps the invariants after every step (seed ${hex(SEED)})`, async () => {
        const rnd = xorshift32(SEED);
        const holders = [pubA, pubB, provider, outsider, bystander, escrow, staking];
        const pubs = [pubA, pubB];

        // Expected token balance of every holder, moved by the model alone.
        const exp = new Map();
        for (const who of holders) exp.set(who, await balance(who));
        const total0 = [...exp.values()].reduce((a, b) => a + b, 0n);
        const move = (from, to, amount) => {
            exp.set(from, exp.get(from) - amount);
            exp.set(to, exp.get(to) + amount);
        };

        // Channels: id -> { pub, dep, rate, notice, start, stopAt, deposit, before, claimed, settled }
        const channels = new Map();
        // Per channel id: what the provider received from it (this opening), and the
        // upper bound Σ rate × time served over the rate segments, floored per segment.
        const received = new Map();
        const bound = new Map(); // id -> { done, rate, start }
        const accruedOf = (m, now) => {
            if (m.settled) return m.claimed;
            const end = m.stopAt !== 0n && m.stopAt < now ? m.stopAt : now;
            return min(m.deposit, m.before + (end > m.start ? (m.rate * (end - m.start)) / SCALE : 0n));
        };
        const servedOf = (id, now) => {
            const m = channels.get(id);
            const b = bound.get(id);
            const end = m.stopAt !== 0n && m.stopAt < now ? m.stopAt : now;
            return b.done + (end > b.start ? (b.rate * (end - b.start)) / SCALE : 0n);
        };
        const liveAt = (m, t) => m && !m.settled && (m.stopAt === 0n || m.stopAt > t);

        // Staking: the provider's stake and every challenge.
        const stake = { active: INITIAL_STAKE, unbonding: 0n };
        const challenges = new Map(); // cid -> { channelId, publisher, deadline, accruedAtOpen, status }
        const openChallengeOf = new Map(); // channelId -> cid
        const lastChallengeAt = new Map(); // channelId -> ts
        let challengeCount = 0n;
        const openIds = () => [...challenges].filter(([, c]) => c.status === OPEN).map(([cid]) => cid);

        const quoteFor = (pub, dep, rate, notice, t) => ({
            publisher: pub,
            deploymentId: dep,
            token,
            ratePerSecond: rate,
            noticePeriod: notice,
            validUntil: t,
            nonce: nextNonce++,
        });

        const coverage = { slashes: 0, terminated: 0, capped: 0 };
        let steps = 0;
        const seen = new Set();
        for (let attempt = 0; attempt < 1000 && steps < STEPS; attempt++) {
            const kind = KINDS[rnd(KINDS.length)];
            const pub = pubs[rnd(2)];
            const dep = toHex(BigInt(1 + rnd(2)), { size: 32 });
            const id = channelIdOf(pub, provider, dep);
            const m = channels.get(id);
            const live = m && !m.settled;
            const t = clock + 1n + BigInt(rnd(4) === 0 ? rnd(3000) : rnd(300));

            if (kind === 'open') {
                if (live) continue;
                const rate = BigInt(1 + rnd(4)) * PER_HOUR + BigInt(rnd(1000));
                const notice = BigInt(rnd(3)) * 300n;
                const deposit = BigInt(1 + rnd(3)) * USD + BigInt(rnd(1000));
                const q = quoteFor(pub, dep, rate, notice, t);
                const sig = await signQuote(ctx, escrow, provider, q);
                await sendAt(t, escrowCall(pub, 'open', [q, provider, sig, deposit]));
                channels.set(id, {
                    pub,
                    dep,
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
                move(pub, escrow, deposit);
            } else if (kind === 'claim') {
                if (!live) continue;
                const owed = accruedOf(m, t) - m.claimed;
                if (owed === 0n) continue;
                await sendAt(t, escrowCall(provider, 'claim', [id]));
                m.claimed += owed;
                received.set(id, received.get(id) + owed);
                move(escrow, provider, owed);
            } else if (kind === 'topUp') {
                if (!live || m.stopAt !== 0n) continue;
                const amount = BigInt(1 + rnd(2)) * USD;
                await sendAt(t, escrowCall(pub, 'topUp', [id, amount]));
                m.before = accruedOf(m, t);
                m.start = t;
                m.deposit += amount;
                move(pub, escrow, amount);
            } else if (kind === 'travel') {
                await setNext(t);
                await rpc('evm_mine');
            } else if (kind === 'requestClose') {
                if (!live || m.stopAt !== 0n) continue;
                await sendAt(t, escrowCall(pub, 'requestClose', [id]));
                m.stopAt = t + m.notice;
            } else if (kind === 'terminate') {
                if (!liveAt(m, t)) continue;
                await sendAt(t, escrowCall(provider, 'terminate', [id]));
                m.stopAt = t;
            } else if (kind === 'settle') {
                if (!live || m.stopAt === 0n || m.stopAt > t) continue;
                const acc = accruedOf(m, t);
                const caller = [pub, provider, outsider][rnd(3)];
                await sendAt(t, escrowCall(caller, 'settle', [id]));
                move(escrow, provider, acc - m.claimed);
                move(escrow, pub, m.deposit - acc);
                received.set(id, received.get(id) + acc - m.claimed);
                m.claimed = acc;
                m.settled = true;
            } else if (kind === 'changeRate') {
                if (!live || m.stopAt !== 0n) continue;
                const rate = BigInt(rnd(5)) * PER_HOUR + BigInt(rnd(1000));
                const q = quoteFor(pub, dep, rate, m.notice, t);
                const sig = await signQuote(ctx, escrow, provider, q);
                await sendAt(t, escrowCall(pub, 'changeRate', [id, q, sig]));
                m.before = accruedOf(m, t);
                m.start = t;
                m.rate = rate;
                const b = bound.get(id);
                b.done += (b.rate * (t - b.start)) / SCALE;
                b.rate = rate;
                b.start = t;
            } else if (kind === 'challenge') {
                if (!liveAt(m, t) || openChallengeOf.get(id)) continue;
                const last = lastChallengeAt.get(id);
                if (last !== undefined && t < last + INTERVAL) continue;
                await sendAt(t, stakingCall(pub, 'challenge', [id]));
                const cid = ++challengeCount;
                challenges.set(cid, {
                    channelId: id,
                    publisher: pub,
                    deadline: t + WINDOW,
                    accruedAtOpen: accruedOf(m, t),
                    status: OPEN,
                });
                openChallengeOf.set(id, cid);
                lastChallengeAt.set(id, t);
                move(pub, staking, BOND);
            } else if (kind === 'respond') {
                if (rnd(2) !== 0) continue; // answered half as often as picked: some go to slash
                const answerable = openIds().filter((cid) => challenges.get(cid).deadline > clock);
                if (answerable.length === 0) continue;
                const cid = answerable[rnd(answerable.length)];
                const ch = challenges.get(cid);
                const at = clock + 1n + BigInt(rnd(Number(ch.deadline - clock)));
                await sendAt(at, stakingCall(provider, 'respond', [cid]));
                ch.status = ANSWERED;
                openChallengeOf.delete(ch.channelId);
                move(staking, provider, BOND);
            } else if (kind === 'slash') {
                const open = openIds();
                if (open.length === 0) continue;
                const cid = open[rnd(open.length)];
                const ch = challenges.get(cid);
                const earliest = ch.deadline + 1n > clock + 1n ? ch.deadline + 1n : clock + 1n;
                const at = earliest + BigInt(rnd(200));
                const cm = channels.get(ch.channelId);
                const accNow = accruedOf(cm, at);
                const lost = accNow > ch.accruedAtOpen ? accNow - ch.accruedAtOpen : 0n;
                const comp = min(stake.active + stake.unbonding, lost + PENALTY);
                const caller = [outsider, provider, pubA, pubB][rnd(4)];
                await sendAt(at, stakingCall(caller, 'slash', [cid]));
                if (comp < lost + PENALTY) coverage.capped++;
                const fromActive = min(comp, stake.active);
                stake.active -= fromActive;
                stake.unbonding -= comp - fromActive;
                ch.status = SLASHED;
                openChallengeOf.delete(ch.channelId);
                if (liveAt(cm, at)) {
                    cm.stopAt = at;
                    coverage.terminated++;
                }
                coverage.slashes++;
                move(staking, ch.publisher, BOND + comp);
            } else if (kind === 'stake') {
                if (rnd(3) !== 0) continue; // rarer than the rest: slashes should drain the stake
                const amount = BigInt(1 + rnd(2)) * USD;
                await sendAt(t, stakingCall(provider, 'stake', [amount]));
                stake.active += amount;
                move(provider, staking, amount);
            }
            steps++;
            seen.add(kind);
            const where = `step ${steps} (${kind})`;
            const now = clock; // every step mined a block at `clock`

            // Escrow, channel by channel.
            let held = 0n;
            for (const [cid, cm] of channels) {
                const acc = await readEscrow('accrued', [cid]);
                assert.equal(acc, accruedOf(cm, now), `accrued of ${cid} at ${where}`);
                const c = await readEscrow('channel', [cid]);
                assert.equal(c.claimed, cm.claimed, `claimed at ${where}`);
                assert.equal(c.deposit, cm.deposit, `deposit at ${where}`);
                assert.equal(c.stopAt, cm.stopAt, `stopAt at ${where}`);
                // The provider never received more than rate × time served.
                assert.ok(received.get(cid) <= servedOf(cid, now), `provider over-paid at ${where}`);
                assert.ok(received.get(cid) <= acc, `provider received more than accrued at ${where}`);
                if (cm.settled) continue;
                // The publisher can always recover deposit − accrued: it is refundable now
                // and the way to it is open (requestClose while running, settle once stopped).
                assert.equal(await readEscrow('refundable', [cid]), cm.deposit - acc, `refundable at ${where}`);
                assert.equal(await readEscrow('claimable', [cid]), acc - cm.claimed, `claimable at ${where}`);
                if (cm.stopAt === 0n) {
                    await ctx.publicClient.simulateContract(escrowCall(cm.pub, 'requestClose', [cid]));
                } else if (cm.stopAt <= now) {
                    await ctx.publicClient.simulateContract(escrowCall(cm.pub, 'settle', [cid]));
                }
                held += cm.deposit - cm.claimed;
            }
            assert.equal(exp.get(escrow), held, `the escrow holds exactly the open channels' unpaid funds at ${where}`);

            // Staking.
            const s = await readStaking('stakeOf', [provider]);
            assert.equal(s.active, stake.active, `active stake at ${where}`);
            assert.equal(s.unbonding, stake.unbonding, `unbonding stake at ${where}`);
            assert.equal(await readStaking('openChallenges', [provider]), BigInt(openIds().length));
            assert.equal(await readStaking('challengeCount'), challengeCount);
            for (const [cid, ch] of challenges) {
                const onChain = await readStaking('challengeOf', [cid]);
                assert.equal(onChain.status, ch.status, `challenge ${cid} at ${where}`);
            }
            const bonds = BigInt(openIds().length) * BOND;
            assert.equal(exp.get(staking), stake.active + stake.unbonding + bonds, `staking funds at ${where}`);

            // Every holder's balance is exactly the model's; totals are conserved; the
            // outsider (who called settle and slash) and the bystander never gained or lost.
            let total = 0n;
            for (const who of holders) {
                const actual = await balance(who);
                assert.equal(actual, exp.get(who), `balance of ${who} at ${where}`);
                total += actual;
            }
            assert.equal(total, total0, `token totals are conserved at ${where}`);
            assert.equal(exp.get(outsider), 1000n * USD);
            assert.equal(exp.get(bystander), 1000n * USD);

            // A third party cannot touch any channel's funds or challenge.
            const ids = [...channels.keys()];
            const target = ids.length ? ids[rnd(ids.length)] : id;
            const tm = channels.get(target);
            const action = rnd(4);
            if (!tm) {
                await expectRevert(ctx, escrowCall(outsider, 'claim', [target]), 'UnknownChannel', [target]);
            } else if (tm.settled) {
                const fn = ['claim', 'terminate', 'requestClose', 'settle'][action];
                await expectRevert(ctx, escrowCall(outsider, fn, [target]), 'ChannelSettled', [target]);
            } else if (action === 0) {
                await expectRevert(ctx, escrowCall(outsider, 'claim', [target]), 'NotProvider', [outsider]);
            } else if (action === 1) {
                await expectRevert(ctx, escrowCall(outsider, 'terminate', [target]), 'NotProvider', [outsider]);
            } else if (action === 2) {
                const req = escrowCall(outsider, 'topUp', [target, USD]);
                await expectRevert(ctx, req, 'NotPublisherOrDelegate', [outsider]);
            } else if (liveAt(tm, now) && !openChallengeOf.get(target)) {
                const req = stakingCall(outsider, 'challenge', [target]);
                await expectRevert(ctx, req, 'NotChannelPublisher', [outsider]);
            }
            for (const cid of openIds()) {
                const req = stakingCall(outsider, 'respond', [cid]);
                await expectRevert(ctx, req, 'NotChallengedProvider', [outsider]);
            }
        }
        if (process.env.BERTH_INVARIANT_SEED !== undefined) {
            console.log(`seed ${hex(SEED)}: ${JSON.stringify(coverage)}`);
        }
        assert.equal(steps, STEPS, `only ${steps} steps ran`);
        // The committed seed runs every kind of step, including a slash that stops a
        // running channel and one that the stake cannot fully pay (other seeds may not).
        if (process.env.BERTH_INVARIANT_SEED === undefined) {
            assert.deepEqual([...seen].sort(), [...KINDS].sort(), 'every kind of step ran');
            assert.ok(coverage.terminated >= 1 && coverage.capped >= 1, JSON.stringify(coverage));
        }
    });
});
