import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
    BaseError,
    decodeErrorResult,
    encodeAbiParameters,
    encodeDeployData,
    getAddress,
    keccak256,
    maxUint256,
    parseEventLogs,
    toHex,
} from 'viem';
import { startAnvil } from './anvil.mjs';
import { connect, deploy, expectRevert, loadArtifact } from './helpers.mjs';

const market$ = loadArtifact('Market');
const escrowAbi = loadArtifact('Escrow').abi;
const registryAbi = loadArtifact('Registry').abi;
const tokenAbi = loadArtifact('TestToken').abi;
const stakingAbi = loadArtifact('Staking').abi;
const errorsOf = (abi) => abi.filter((x) => x.type === 'error');
// Market's ABI plus the errors of the contracts it calls, so reverts that bubble up decode.
const abi = [...market$.abi, ...errorsOf(escrowAbi), ...errorsOf(tokenAbi)];

const ZERO = '0x0000000000000000000000000000000000000000';
const ZERO_HASH = `0x${'00'.repeat(32)}`;
const USD = 10n ** 6n;
const SCALE = 10n ** 18n;
const GAS = 2_000_000n; // explicit gas: Anvil estimates at the latest block's timestamp
const MAX_RATE = 2n ** 128n - 1n;
const YEAR = 365n * 24n * 3600n;
const PER_HOUR = (USD * SCALE) / 3600n; // 1 token per hour

const OrderStatus = { None: 0, Open: 1, Accepted: 2, Cancelled: 3 };
const BidStatus = { None: 0, Live: 1, Withdrawn: 2, Replaced: 3, Accepted: 4 };

const deployment = (n) => toHex(n, { size: 32 });

function profile(label) {
    return {
        endpoint: `https://${label}.example.net:8443`,
        regions: ['eu-central'],
        attributes: [],
        capacity: { cpuMillis: 64000n, memoryBytes: 256n << 30n, storageBytes: 4n << 40n, gpuCount: 0n },
        encryptionKeyHash: keccak256(toHex(`x25519 public key of ${label}`)),
    };
}

describe('Market', () => {
    let anvil;
    let ctx;
    let token, registry, escrow, market;
    let deployer, publisher, provider, provider2, provider3, other, hook;
    let clock;

    const rpc = (method, params = []) => ctx.publicClient.request({ method, params });
    const read = (functionName, args = [], address = market, contractAbi = abi) =>
        ctx.publicClient.readContract({ address, abi: contractAbi, functionName, args });
    const readEscrow = (functionName, args = [], address = escrow) => read(functionName, args, address, escrowAbi);
    const balance = (who) => read('balanceOf', [who], token, tokenAbi);
    const call = (account, functionName, args, address = market, contractAbi = abi) => ({
        address,
        abi: contractAbi,
        functionName,
        args,
        account,
        gas: GAS,
    });
    const callEscrow = (account, functionName, args, address = escrow) =>
        call(account, functionName, args, address, [...escrowAbi, ...errorsOf(tokenAbi)]);

    async function setNext(ts) {
        assert.ok(ts > clock, 'time only moves forward');
        await rpc('evm_setNextBlockTimestamp', [toHex(ts)]);
        clock = ts;
    }
    /** Mines an empty block at `ts`: simulations then see block.timestamp == ts. */
    async function mineAt(ts) {
        await setNext(ts);
        await rpc('evm_mine');
    }
    /** Sends `request` in a block at `ts` (default: the next second); asserts success. */
    async function send(request, ts = clock + 1n) {
        await setNext(ts);
        const hash = await ctx.walletClient.writeContract(request);
        const receipt = await ctx.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
        assert.equal(receipt.status, 'success', `${request.functionName} was not mined successfully`);
        return receipt;
    }
    const tx = (account, functionName, args, ts) => send(call(account, functionName, args), ts);
    const txEscrow = (account, functionName, args, address = escrow) =>
        send(callEscrow(account, functionName, args, address));
    const events = (receipt, eventName, contractAbi = abi) =>
        parseEventLogs({ abi: contractAbi, logs: receipt.logs, eventName }).map((e) => e.args);
    const reverts = (request, error, args) => expectRevert(ctx, request, error, args);
    const channelIdOf = (pub, prov, dep) =>
        keccak256(
            encodeAbiParameters([{ type: 'address' }, { type: 'address' }, { type: 'bytes32' }], [pub, prov, dep]),
        );

    function terms(overrides = {}) {
        return {
            manifestHash: keccak256(toHex('apiVersion: berth/v1\nkind: Pod\n')),
            deploymentId: deployment(1n),
            resources: { cpuMillis: 500n, memoryBytes: 256n << 20n, storageBytes: 1n << 30n, gpuCount: 0n },
            token,
            maxRatePerSecond: 2n * PER_HOUR,
            maxNoticePeriod: 3600n,
            expiry: clock + 86400n,
            minStake: 0n, // most tests run without Staking; see the minStake tests
            deposit: 100n * USD,
            region: 'eu-central',
            ...overrides,
        };
    }
    /** Posts an order; returns its id, terms and receipt. */
    async function post(overrides = {}, from = publisher) {
        const t = terms(overrides);
        const id = (await read('orderCount')) + 1n;
        const receipt = await tx(from, 'postOrder', [t]);
        return { id, t, receipt };
    }
    async function placeBid(orderId, rate, notice = 600n, from = provider) {
        const id = (await read('bidCount')) + 1n;
        const receipt = await tx(from, 'bid', [orderId, rate, notice]);
        return { id, receipt };
    }

    before(async () => {
        anvil = await startAnvil();
        ctx = await connect(anvil.url);
        [deployer, publisher, provider, provider2, provider3, other, hook] = ctx.accounts;
        token = getAddress(await deploy(ctx, 'TestToken', deployer, ['Test USD', 'tUSD']));
        registry = getAddress(await deploy(ctx, 'Registry', deployer));
        escrow = getAddress(await deploy(ctx, 'Escrow', deployer));
        market = getAddress(await deploy(ctx, 'Market', deployer, [registry, escrow]));
        clock = (await ctx.publicClient.getBlock()).timestamp;
        await txEscrow(deployer, 'setMarket', [market]);
        for (const [who, label] of [
            [provider, 'p1'],
            [provider2, 'p2'],
            [provider3, 'p3'],
        ]) {
            await send(call(who, 'register', [profile(label)], registry, registryAbi));
        }
        for (const who of [publisher, other, hook]) {
            await send(call(who, 'mint', [who, 1_000_000n * USD], token, tokenAbi));
            await send(call(who, 'approve', [market, maxUint256], token, tokenAbi));
        }
    });

    after(async () => {
        await anvil?.stop();
    });

    test('wiring: immutable registry and escrow, limits, Escrow.market set once by the deployer', async () => {
        assert.equal(await read('registry'), registry);
        assert.equal(await read('escrow'), escrow);
        assert.equal(await read('MAX_REGION_LENGTH'), 32n);
        assert.equal(await read('MAX_PAGE_SIZE'), 100n);
        assert.equal(await read('orderCount'), 0n);
        assert.equal(await read('bidCount'), 0n);
        assert.equal(await readEscrow('market'), market);
        await reverts(callEscrow(other, 'setMarket', [other]), 'NotDeployer', [other]);
        await reverts(callEscrow(deployer, 'setMarket', [other]), 'MarketAlreadySet', [market]);
        for (const who of [deployer, publisher, provider]) {
            await reverts(
                callEscrow(who, 'openFromMarket', [publisher, provider, deployment(1n), token, 1n, 0n, 1n]),
                'NotMarket',
                [who],
            );
        }
    });

    test('constructor rejects a zero registry or escrow', async () => {
        for (const args of [
            [ZERO, escrow],
            [registry, ZERO],
        ]) {
            let caught;
            try {
                await ctx.publicClient.call({
                    account: deployer,
                    data: encodeDeployData({ abi: market$.abi, bytecode: market$.bytecode, args }),
                });
            } catch (err) {
                caught = err;
            }
            assert.ok(caught instanceof BaseError, 'deployment did not revert');
            const data = caught.walk((e) => typeof e.data === 'string')?.data;
            assert.equal(decodeErrorResult({ abi: market$.abi, data }).errorName, 'ZeroAddress');
        }
    });

    test('Escrow market hook on its own: set once, checks the terms, pulls only from the market', async () => {
        const e2 = getAddress(await deploy(ctx, 'Escrow', deployer));
        clock = (await ctx.publicClient.getBlock()).timestamp;
        const open = (who, args) => callEscrow(who, 'openFromMarket', args, e2);
        const args = (o = {}) => {
            const a = { pub: publisher, prov: provider, id: deployment(7n), tok: token, ...o };
            const { rate = PER_HOUR, notice = 60n, deposit = 5n * USD } = o;
            return [a.pub, a.prov, a.id, a.tok, rate, notice, deposit];
        };
        // Before setMarket nobody (not even the deployer) may open through the hook.
        await reverts(open(deployer, args()), 'NotMarket', [deployer]);
        await reverts(callEscrow(deployer, 'setMarket', [ZERO], e2), 'ZeroAddress');
        await reverts(callEscrow(hook, 'setMarket', [hook], e2), 'NotDeployer', [hook]);
        const rs = await txEscrow(deployer, 'setMarket', [hook], e2);
        assert.deepEqual(events(rs, 'MarketSet', escrowAbi), [{ market: hook }]);
        await reverts(callEscrow(deployer, 'setMarket', [market], e2), 'MarketAlreadySet', [hook]);

        await reverts(open(other, args()), 'NotMarket', [other]);
        await reverts(open(hook, args({ deposit: 0n })), 'ZeroAmount');
        await reverts(open(hook, args({ pub: ZERO })), 'ZeroAddress');
        await reverts(open(hook, args({ prov: ZERO })), 'ZeroAddress');
        await reverts(open(hook, args({ tok: ZERO })), 'ZeroAddress');
        await reverts(open(hook, args({ rate: MAX_RATE + 1n })), 'RateTooHigh', [MAX_RATE + 1n]);
        await reverts(open(hook, args({ notice: YEAR + 1n })), 'NoticePeriodTooLong', [YEAR + 1n]);
        // The publisher approved e2 for everything, but the hook pulls from the caller only.
        await send(call(publisher, 'approve', [e2, maxUint256], token, tokenAbi));
        await reverts(open(hook, args()), 'ERC20InsufficientAllowance', [e2, 0n, 5n * USD]);

        await send(call(hook, 'approve', [e2, 5n * USD], token, tokenAbi));
        const h0 = await balance(hook);
        const p0 = await balance(publisher);
        const r = await txEscrow(hook, 'openFromMarket', args(), e2);
        const id = channelIdOf(publisher, provider, deployment(7n));
        assert.equal(await balance(hook), h0 - 5n * USD);
        assert.equal(await balance(publisher), p0);
        assert.equal(await balance(e2), 5n * USD);
        assert.deepEqual(events(r, 'ChannelOpened', escrowAbi), [
            {
                channelId: id,
                publisher,
                provider,
                deploymentId: deployment(7n),
                token,
                ratePerSecond: PER_HOUR,
                noticePeriod: 60n,
                nonce: 0n,
                deposit: 5n * USD,
            },
        ]);
        const c = await readEscrow('channel', [id], e2);
        assert.equal(c.status, 1);
        assert.equal(c.start, clock);
        assert.equal(c.rate, PER_HOUR);
        await reverts(open(hook, args()), 'ChannelExists', [id]);
        // Quote nonces are untouched by market opens.
        assert.equal(await readEscrow('usedNonce', [provider, 0n], e2), false);
    });

    test('postOrder pulls exactly the deposit and stores and emits every field', async () => {
        const p0 = await balance(publisher);
        const m0 = await balance(market);
        // Posting with a minStake needs no Staking (only bidding on it does).
        const { id, t, receipt } = await post({ deploymentId: deployment(100n), minStake: 50n * USD });
        assert.equal(id, 1n);
        assert.equal(await read('orderCount'), 1n);
        assert.equal(await balance(publisher), p0 - t.deposit);
        assert.equal(await balance(market), m0 + t.deposit);
        assert.deepEqual(events(receipt, 'OrderPosted'), [{ orderId: id, publisher, token, terms: t }]);
        assert.deepEqual(await read('order', [id]), {
            publisher,
            postedAt: clock,
            status: OrderStatus.Open,
            acceptedBidId: 0n,
            channelId: ZERO_HASH,
            terms: t,
        });
        // Unknown ids read as all zero.
        const none = await read('order', [99n]);
        assert.equal(none.status, OrderStatus.None);
        assert.equal(none.publisher, ZERO);
    });

    test('postOrder rejects bad terms with exact errors', async () => {
        const p = (o) => call(publisher, 'postOrder', [terms(o)]);
        await mineAt(clock + 1n);
        await reverts(p({ token: ZERO }), 'ZeroAddress');
        await reverts(p({ deposit: 0n }), 'ZeroDeposit');
        await reverts(p({ maxRatePerSecond: MAX_RATE + 1n }), 'RateTooHigh', [MAX_RATE + 1n, MAX_RATE]);
        await reverts(p({ maxNoticePeriod: YEAR + 1n }), 'NoticePeriodTooLong', [YEAR + 1n, YEAR]);
        await reverts(p({ expiry: clock }), 'ExpiryInPast', [clock, clock]);
        await reverts(p({ region: 'x'.repeat(33) }), 'RegionTooLong', [33n, 32n]);
        const poor = provider3; // no tokens, no allowance
        await reverts(call(poor, 'postOrder', [terms()]), 'ERC20InsufficientAllowance', [market, 0n, 100n * USD]);
        // Boundaries are accepted: region of 32 bytes, empty region, max rate and notice.
        await post({ region: 'r'.repeat(32), maxRatePerSecond: MAX_RATE, maxNoticePeriod: YEAR });
        await post({ region: '' });
    });

    test('bid: only registered providers, within max rate and notice, while open and unexpired', async () => {
        const { id, t } = await post({ deploymentId: deployment(200n) });
        await mineAt(clock + 1n);
        await reverts(call(other, 'bid', [id, PER_HOUR, 600n]), 'NotRegistered', [other]);
        await reverts(call(provider, 'bid', [999n, PER_HOUR, 600n]), 'UnknownOrder', [999n]);
        await reverts(call(provider, 'bid', [id, t.maxRatePerSecond + 1n, 600n]), 'RateTooHigh', [
            t.maxRatePerSecond + 1n,
            t.maxRatePerSecond,
        ]);
        await reverts(call(provider, 'bid', [id, PER_HOUR, 3601n]), 'NoticePeriodTooLong', [3601n, 3600n]);

        // Exactly the max rate and max notice is fine.
        const b1 = await placeBid(id, t.maxRatePerSecond, 3600n);
        assert.deepEqual(events(b1.receipt, 'BidPlaced'), [
            {
                orderId: id,
                bidId: b1.id,
                provider,
                ratePerSecond: t.maxRatePerSecond,
                noticePeriod: 3600n,
                replacedBidId: 0n,
            },
        ]);
        assert.deepEqual(await read('getBid', [b1.id]), {
            orderId: id,
            provider,
            noticePeriod: 3600n,
            placedAt: clock,
            status: BidStatus.Live,
            ratePerSecond: t.maxRatePerSecond,
        });
        assert.equal(await read('liveBidOf', [id, provider]), b1.id);

        // One live bid per provider: a new one must be strictly lower and replaces it.
        await mineAt(clock + 1n);
        await reverts(call(provider, 'bid', [id, t.maxRatePerSecond, 600n]), 'BidNotLower', [
            b1.id,
            t.maxRatePerSecond,
            t.maxRatePerSecond,
        ]);
        const b2 = await placeBid(id, PER_HOUR, 1200n);
        assert.deepEqual(events(b2.receipt, 'BidWithdrawn'), [{ orderId: id, bidId: b1.id, provider }]);
        assert.equal(events(b2.receipt, 'BidPlaced')[0].replacedBidId, b1.id);
        assert.equal((await read('getBid', [b1.id])).status, BidStatus.Replaced);
        assert.equal(await read('liveBidOf', [id, provider]), b2.id);
        // The publisher cannot accept the replaced bid: its terms are gone (no bait and switch).
        await mineAt(clock + 1n);
        await reverts(call(publisher, 'accept', [id, b1.id]), 'BidNotLive', [b1.id, BidStatus.Replaced]);

        // A bid in the expiry second is accepted; one after it is not.
        await placeBid(id, PER_HOUR / 2n, 600n, provider2);
        await tx(provider3, 'bid', [id, PER_HOUR, 600n], t.expiry);
        await mineAt(t.expiry + 1n);
        await reverts(call(provider, 'bid', [id, 1n, 600n]), 'OrderExpired', [id, t.expiry]);
        await reverts(call(publisher, 'accept', [id, b2.id]), 'OrderExpired', [id, t.expiry]);
    });

    test('withdrawBid: bidder only, live bids only; a withdrawn bid cannot be accepted', async () => {
        const { id } = await post({ deploymentId: deployment(300n) });
        const b = await placeBid(id, PER_HOUR);
        await mineAt(clock + 1n);
        await reverts(call(provider, 'withdrawBid', [999n]), 'UnknownBid', [999n]);
        await reverts(call(provider2, 'withdrawBid', [b.id]), 'NotBidder', [provider2]);
        const r = await tx(provider, 'withdrawBid', [b.id]);
        assert.deepEqual(events(r, 'BidWithdrawn'), [{ orderId: id, bidId: b.id, provider }]);
        assert.equal((await read('getBid', [b.id])).status, BidStatus.Withdrawn);
        assert.equal(await read('liveBidOf', [id, provider]), 0n);
        await mineAt(clock + 1n);
        await reverts(call(provider, 'withdrawBid', [b.id]), 'BidNotLive', [b.id, BidStatus.Withdrawn]);
        await reverts(call(publisher, 'accept', [id, b.id]), 'BidNotLive', [b.id, BidStatus.Withdrawn]);
        await reverts(call(publisher, 'accept', [id, 999n]), 'UnknownBid', [999n]);
        // Without a live bid the provider may bid again at any rate up to the max.
        const again = await placeBid(id, PER_HOUR + 1n);
        assert.equal(events(again.receipt, 'BidPlaced')[0].replacedBidId, 0n);
    });

    test('bidsOfOrder pages through every bid of an order in placement order', async () => {
        const { id } = await post({ deploymentId: deployment(400n) });
        const a = await placeBid(id, PER_HOUR, 60n, provider);
        const b = await placeBid(id, PER_HOUR, 60n, provider2);
        const c = await placeBid(id, PER_HOUR - 1n, 60n, provider); // replaces a
        await tx(provider2, 'withdrawBid', [b.id]);
        const [ids, page, total] = await read('bidsOfOrder', [id, 0n, 10n]);
        assert.equal(total, 3n);
        assert.deepEqual(ids, [a.id, b.id, c.id]);
        assert.deepEqual(
            page.map((x) => [x.provider, x.status, x.ratePerSecond]),
            [
                [provider, BidStatus.Replaced, PER_HOUR],
                [provider2, BidStatus.Withdrawn, PER_HOUR],
                [provider, BidStatus.Live, PER_HOUR - 1n],
            ],
        );
        const [ids2, page2, total2] = await read('bidsOfOrder', [id, 1n, 1n]);
        assert.deepEqual([ids2, page2.length, total2], [[b.id], 1, 3n]);
        const [ids3, , total3] = await read('bidsOfOrder', [id, 3n, 10n]);
        assert.deepEqual([ids3, total3], [[], 3n]);
        const [ids4] = await read('bidsOfOrder', [id, 0n, maxUint256]);
        assert.equal(ids4.length, 3);
        const [ids5, , total5] = await read('bidsOfOrder', [999n, 0n, 10n]);
        assert.deepEqual([ids5, total5], [[], 0n]);
    });

    test('accept opens the Escrow channel at the bid terms and moves the deposit in one transaction', async () => {
        const { id, t } = await post({ deploymentId: deployment(500n), deposit: 36n * USD });
        const other1 = await post({ deploymentId: deployment(501n) });
        const bid = await placeBid(id, PER_HOUR, 900n, provider2);
        const foreign = await placeBid(other1.id, PER_HOUR, 900n, provider);
        await mineAt(clock + 1n);
        await reverts(call(other, 'accept', [id, bid.id]), 'NotPublisher', [other]);
        await reverts(call(provider2, 'accept', [id, bid.id]), 'NotPublisher', [provider2]);
        await reverts(call(publisher, 'accept', [999n, bid.id]), 'UnknownOrder', [999n]);
        await reverts(call(publisher, 'accept', [id, foreign.id]), 'BidNotForOrder', [foreign.id, id]);

        const p0 = await balance(publisher);
        const m0 = await balance(market);
        const e0 = await balance(escrow);
        const r = await tx(publisher, 'accept', [id, bid.id]);
        const start = clock;
        const channelId = channelIdOf(publisher, provider2, t.deploymentId);
        assert.equal(await balance(publisher), p0);
        assert.equal(await balance(market), m0 - t.deposit);
        assert.equal(await balance(escrow), e0 + t.deposit);
        assert.equal(await read('allowance', [market, escrow], token, tokenAbi), 0n);
        assert.deepEqual(events(r, 'OrderAccepted'), [
            { orderId: id, bidId: bid.id, channelId, provider: provider2 },
        ]);
        assert.deepEqual(events(r, 'ChannelOpened', escrowAbi), [
            {
                channelId,
                publisher,
                provider: provider2,
                deploymentId: t.deploymentId,
                token,
                ratePerSecond: PER_HOUR,
                noticePeriod: 900n,
                nonce: 0n,
                deposit: t.deposit,
            },
        ]);
        assert.deepEqual(await readEscrow('channel', [channelId]), {
            publisher,
            start,
            provider: provider2,
            stopAt: 0n,
            token,
            noticePeriod: 900n,
            status: 1,
            deploymentId: t.deploymentId,
            rate: PER_HOUR,
            deposit: t.deposit,
            accruedBefore: 0n,
            claimed: 0n,
        });
        const o = await read('order', [id]);
        assert.deepEqual([o.status, o.acceptedBidId, o.channelId], [OrderStatus.Accepted, bid.id, channelId]);
        assert.equal((await read('getBid', [bid.id])).status, BidStatus.Accepted);
        assert.equal(await read('liveBidOf', [id, provider2]), 0n);

        // Nothing more happens to an accepted order.
        await mineAt(clock + 1n);
        await reverts(call(publisher, 'accept', [id, bid.id]), 'OrderNotOpen', [id, OrderStatus.Accepted]);
        await reverts(call(publisher, 'cancel', [id]), 'OrderNotOpen', [id, OrderStatus.Accepted]);
        await reverts(call(other, 'reclaim', [id]), 'OrderNotOpen', [id, OrderStatus.Accepted]);
        await reverts(call(provider, 'bid', [id, 1n, 0n]), 'OrderNotOpen', [id, OrderStatus.Accepted]);
        await reverts(call(provider2, 'withdrawBid', [bid.id]), 'BidNotLive', [bid.id, BidStatus.Accepted]);

        // The channel is a real Escrow channel: one hour later the provider claims one token.
        await send(callEscrow(provider2, 'claim', [channelId]), start + 3600n);
        assert.equal(await balance(provider2), (PER_HOUR * 3600n) / SCALE);
    });

    test('accept: the bidder must still be registered, and the channel must not be open already', async () => {
        const { id, t } = await post({ deploymentId: deployment(600n) });
        const gone = await placeBid(id, PER_HOUR, 60n, provider3);
        await send(call(provider3, 'deregister', [], registry, registryAbi));
        await mineAt(clock + 1n);
        await reverts(call(publisher, 'accept', [id, gone.id]), 'NotRegistered', [provider3]);
        await send(call(provider3, 'register', [profile('p3')], registry, registryAbi));

        // Two orders for the same deployment: once one opened (publisher, provider, deployment),
        // accepting the same provider on the other reverts in Escrow and leaves it Open.
        const twin = await post({ deploymentId: t.deploymentId });
        const b1 = await placeBid(id, PER_HOUR, 60n, provider);
        const b2 = await placeBid(twin.id, PER_HOUR, 60n, provider);
        await tx(publisher, 'accept', [id, b1.id]);
        await mineAt(clock + 1n);
        const channelId = channelIdOf(publisher, provider, t.deploymentId);
        await reverts(call(publisher, 'accept', [twin.id, b2.id]), 'ChannelExists', [channelId]);
        assert.equal((await read('order', [twin.id])).status, OrderStatus.Open);
        // A different provider's bid on the twin order still works.
        const b3 = await placeBid(twin.id, PER_HOUR, 60n, provider2);
        await tx(publisher, 'accept', [twin.id, b3.id]);
        assert.equal((await read('order', [twin.id])).status, OrderStatus.Accepted);
    });

    test('cancel: publisher only, while open (also after expiry); refunds exactly the deposit', async () => {
        const { id, t } = await post({ deploymentId: deployment(700n), deposit: 77n * USD });
        const b = await placeBid(id, PER_HOUR);
        await mineAt(clock + 1n);
        await reverts(call(other, 'cancel', [id]), 'NotPublisher', [other]);
        await reverts(call(provider, 'cancel', [id]), 'NotPublisher', [provider]);
        await reverts(call(publisher, 'cancel', [999n]), 'UnknownOrder', [999n]);
        const p0 = await balance(publisher);
        const m0 = await balance(market);
        const r = await tx(publisher, 'cancel', [id]);
        assert.equal(await balance(publisher), p0 + t.deposit);
        assert.equal(await balance(market), m0 - t.deposit);
        assert.deepEqual(events(r, 'OrderCancelled'), [{ orderId: id, by: publisher, refund: t.deposit }]);
        assert.equal((await read('order', [id])).status, OrderStatus.Cancelled);
        await mineAt(clock + 1n);
        await reverts(call(publisher, 'cancel', [id]), 'OrderNotOpen', [id, OrderStatus.Cancelled]);
        await reverts(call(publisher, 'accept', [id, b.id]), 'OrderNotOpen', [id, OrderStatus.Cancelled]);
        await reverts(call(provider2, 'bid', [id, 1n, 0n]), 'OrderNotOpen', [id, OrderStatus.Cancelled]);
        // The provider may still withdraw its stale bid.
        await tx(provider, 'withdrawBid', [b.id]);

        const late = await post({ deploymentId: deployment(701n), expiry: clock + 10n });
        await mineAt(late.t.expiry + 5n);
        const p1 = await balance(publisher);
        await tx(publisher, 'cancel', [late.id]);
        assert.equal(await balance(publisher), p1 + late.t.deposit);
    });

    test('reclaim: anyone, only after expiry, always refunds the publisher', async () => {
        const { id, t } = await post({ deploymentId: deployment(800n), deposit: 12n * USD, expiry: clock + 100n });
        await mineAt(clock + 1n);
        await reverts(call(other, 'reclaim', [id]), 'OrderNotExpired', [id, t.expiry]);
        await reverts(call(other, 'reclaim', [999n]), 'UnknownOrder', [999n]);
        await mineAt(t.expiry);
        await reverts(call(other, 'reclaim', [id]), 'OrderNotExpired', [id, t.expiry]);
        const p0 = await balance(publisher);
        const o0 = await balance(other);
        const m0 = await balance(market);
        const r = await tx(other, 'reclaim', [id]);
        assert.equal(await balance(publisher), p0 + t.deposit);
        assert.equal(await balance(other), o0);
        assert.equal(await balance(market), m0 - t.deposit);
        assert.deepEqual(events(r, 'OrderCancelled'), [{ orderId: id, by: other, refund: t.deposit }]);
        await mineAt(clock + 1n);
        await reverts(call(other, 'reclaim', [id]), 'OrderNotOpen', [id, OrderStatus.Cancelled]);
    });

    test('minStake without Staking: 0 needs none, > 0 refuses every bid with StakingNotConfigured', async () => {
        assert.equal(await read('deployer'), deployer);
        assert.equal(await read('staking'), ZERO);
        const free = await post({ deploymentId: deployment(900n), minStake: 0n });
        const b = await placeBid(free.id, PER_HOUR);
        assert.equal((await read('getBid', [b.id])).status, BidStatus.Live);
        const staked = await post({ deploymentId: deployment(901n), minStake: 1n });
        await mineAt(clock + 1n);
        for (const who of [provider, provider2]) {
            await reverts(call(who, 'bid', [staked.id, PER_HOUR, 600n]), 'StakingNotConfigured');
        }
        // Nothing else changes: the order can still be cancelled with its refund.
        await tx(publisher, 'cancel', [staked.id]);
        await tx(publisher, 'accept', [free.id, b.id]);
    });

    test('minStake with Staking: setStaking once; active stake >= minStake at bid and accept', async () => {
        // A market of its own (its Escrow's market hook is set once), with a Staking.
        const e3 = getAddress(await deploy(ctx, 'Escrow', deployer));
        const m2 = getAddress(await deploy(ctx, 'Market', deployer, [registry, e3]));
        const st = getAddress(await deploy(ctx, 'Staking', deployer, [token, e3, 3600n, 600n, 1n * USD, 0n, 0n]));
        clock = (await ctx.publicClient.getBlock()).timestamp;
        await txEscrow(deployer, 'setMarket', [m2], e3);
        const m = (account, functionName, args) => call(account, functionName, args, m2);
        const stk = (account, functionName, args) => call(account, functionName, args, st, stakingAbi);
        const readStk = (functionName, args) => read(functionName, args, st, stakingAbi);

        assert.equal(await read('deployer', [], m2), deployer);
        assert.equal(await read('staking', [], m2), ZERO);
        await mineAt(clock + 1n);
        await reverts(m(other, 'setStaking', [st]), 'NotDeployer', [other]);
        await reverts(m(publisher, 'setStaking', [st]), 'NotDeployer', [publisher]);
        await reverts(m(deployer, 'setStaking', [ZERO]), 'ZeroAddress');
        const rs = await send(m(deployer, 'setStaking', [st]));
        assert.deepEqual(events(rs, 'StakingSet'), [{ staking: st }]);
        assert.equal(await read('staking', [], m2), st);
        await mineAt(clock + 1n);
        await reverts(m(deployer, 'setStaking', [st]), 'StakingAlreadySet', [st]);
        await reverts(m(deployer, 'setStaking', [other]), 'StakingAlreadySet', [st]);

        const MIN = 50n * USD;
        for (const [who, amount] of [
            [provider, MIN - 1n],
            [provider2, MIN],
            [provider3, 2n * MIN],
        ]) {
            await send(call(who, 'mint', [who, amount], token, tokenAbi));
            await send(call(who, 'approve', [st, maxUint256], token, tokenAbi));
            await send(stk(who, 'stake', [amount]));
        }
        await send(call(publisher, 'approve', [m2, maxUint256], token, tokenAbi));
        const t = terms({ deploymentId: deployment(950n), minStake: MIN });
        await send(m(publisher, 'postOrder', [t]));
        const orderId = 1n;
        const placeOn = async (oid, who, rate) => {
            const id = (await read('bidCount', [], m2)) + 1n;
            await send(m(who, 'bid', [oid, rate, 600n]));
            return id;
        };

        // One base unit short: refused with the exact stake and minimum.
        await mineAt(clock + 1n);
        await reverts(m(provider, 'bid', [orderId, PER_HOUR, 600n]), 'StakeTooLow', [provider, MIN - 1n, MIN]);
        // Exactly the minimum, and above it: accepted.
        const exact = await placeOn(orderId, provider2, PER_HOUR);
        const rich = await placeOn(orderId, provider3, PER_HOUR);

        // provider3 asks 51 tokens back: still slashable (unbonding), but no longer active.
        await send(stk(provider3, 'requestUnstake', [MIN + 1n]));
        assert.equal(await readStk('slashableOf', [provider3]), 2n * MIN);
        assert.equal((await readStk('stakeOf', [provider3])).active, MIN - 1n);
        await mineAt(clock + 1n);
        await reverts(m(provider3, 'bid', [orderId, PER_HOUR - 1n, 600n]), 'StakeTooLow', [
            provider3,
            MIN - 1n,
            MIN,
        ]);
        await reverts(m(publisher, 'accept', [orderId, rich]), 'StakeTooLow', [provider3, MIN - 1n, MIN]);
        assert.equal((await read('getBid', [rich], m2)).status, BidStatus.Live);
        // Staking again restores it (the check reads the stake at accept time).
        await send(call(provider3, 'mint', [provider3, 1n], token, tokenAbi));
        await send(stk(provider3, 'stake', [1n]));
        await mineAt(clock + 1n);
        assert.equal((await readStk('stakeOf', [provider3])).active, MIN);

        // An order without minimum takes a bid from a provider below any stake.
        const t0 = terms({ deploymentId: deployment(951n), minStake: 0n });
        await send(m(publisher, 'postOrder', [t0]));
        await placeOn(2n, provider, PER_HOUR);

        // The bid at exactly the minimum is accepted and opens the channel.
        const r = await send(m(publisher, 'accept', [orderId, exact]));
        const channelId = channelIdOf(publisher, provider2, t.deploymentId);
        assert.deepEqual(events(r, 'OrderAccepted'), [{ orderId, bidId: exact, channelId, provider: provider2 }]);
        assert.equal((await readEscrow('channel', [channelId], e3)).status, 1);
    });

    test('the market holds exactly the deposits of its open orders', async () => {
        let open = 0n;
        const n = await read('orderCount');
        for (let i = 1n; i <= n; ++i) {
            const o = await read('order', [i]);
            if (o.status === OrderStatus.Open) open += o.terms.deposit;
        }
        assert.equal(await balance(market), open);
    });
});
