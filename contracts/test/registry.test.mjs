import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getAddress, keccak256, parseEventLogs, toHex } from 'viem';
import { startAnvil } from './anvil.mjs';
import { connect, deploy, expectRevert, loadArtifact } from './helpers.mjs';

const { abi } = loadArtifact('Registry');
const ZERO = '0x0000000000000000000000000000000000000000';
const ZERO_HASH = `0x${'00'.repeat(32)}`;
const E18 = 10n ** 18n;

const LIMITS = {
    MAX_ENDPOINT_LENGTH: 256n,
    MAX_REGIONS: 16n,
    MAX_REGION_LENGTH: 32n,
    MAX_ATTRIBUTES: 16n,
    MAX_ATTRIBUTE_KEY_LENGTH: 32n,
    MAX_ATTRIBUTE_VALUE_LENGTH: 128n,
    MAX_TOKENS: 16n,
    MAX_PAGE_SIZE: 100n,
};

const keyHash = (label) => keccak256(toHex(`x25519 public key of ${label}`));

function profile(label, overrides = {}) {
    return {
        endpoint: `https://${label}.example.net:8443`,
        regions: ['eu-central', 'eu-west'],
        attributes: [
            { key: 'cpu.model', value: 'AMD EPYC 9354' },
            { key: 'network', value: '10G' },
        ],
        capacity: { cpuMillis: 64000n, memoryBytes: 256n << 30n, storageBytes: 4n << 40n, gpuCount: 2n },
        encryptionKeyHash: keyHash(label),
        ...overrides,
    };
}

// 1.20 base units per core-hour = 1.2e18 / 3600 per second (scaled by 1e18).
const PRICES = {
    cpuCorePerSecond: (12n * E18) / 10n / 3600n,
    memoryGiBPerSecond: (15n * E18) / 100n / 3600n,
    storageGiBPerSecond: (5n * E18) / 100n / (30n * 24n * 3600n),
    gpuUnitPerSecond: (2n * E18) / 3600n,
    egressGiBPerSecond: (1n * E18) / 100n,
};

describe('Registry', () => {
    let anvil;
    let ctx;
    let registry;
    let deployer, alice, bob, carol, dave;
    let tokens; // TestToken addresses

    const read = (functionName, args = [], address = registry) =>
        ctx.publicClient.readContract({ address, abi, functionName, args });
    const call = (account, functionName, args = [], address = registry) => ({
        address,
        abi,
        functionName,
        args,
        account,
    });
    // An explicit gas limit: Anvil estimates gas at the latest block's timestamp, where
    // rewriting `updatedAt` with the same value is cheaper than in the mined block, so
    // its estimate can fall a few thousand gas short (a wallet would pad it the same way).
    // A short receipt polling interval: viem's default (4 s) makes a receipt that is not
    // there at the first look cost seconds.
    async function send(account, functionName, args = [], address = registry) {
        const request = { ...call(account, functionName, args, address), gas: 10_000_000n };
        const hash = await ctx.walletClient.writeContract(request);
        const receipt = await ctx.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
        assert.equal(receipt.status, 'success', `${functionName} was not mined successfully`);
        return receipt;
    }
    const events = (receipt) =>
        parseEventLogs({ abi, logs: receipt.logs }).map((e) => ({ name: e.eventName, args: e.args }));
    const blockTime = async (receipt) =>
        (await ctx.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp;
    const advance = (seconds) => ctx.publicClient.request({ method: 'evm_increaseTime', params: [toHex(seconds)] });
    const noPrices = {
        cpuCorePerSecond: 0n,
        memoryGiBPerSecond: 0n,
        storageGiBPerSecond: 0n,
        gpuUnitPerSecond: 0n,
        egressGiBPerSecond: 0n,
    };

    // viem decodes an error without parameters with `args` undefined.
    const reverts = (request, error, args) => expectRevert(ctx, request, error, args.length ? args : undefined);

    before(async () => {
        anvil = await startAnvil();
        ctx = await connect(anvil.url);
        [deployer, alice, bob, carol, dave] = ctx.accounts;
        registry = getAddress(await deploy(ctx, 'Registry', deployer));
        tokens = [];
        for (let i = 0; i < 17; ++i) {
            tokens.push(getAddress(await deploy(ctx, 'TestToken', deployer, [`Token ${i}`, `T${i}`])));
        }
    });

    after(async () => {
        await anvil?.stop();
    });

    test('exposes its limits as constants and starts empty', async () => {
        for (const [name, value] of Object.entries(LIMITS)) assert.equal(await read(name), value, name);
        assert.equal(await read('providerCount'), 0n);
        assert.deepEqual(await read('providersPage', [0n, 10n]), [[], 0n]);
        assert.equal(await read('isRegistered', [alice]), false);
        assert.deepEqual(await read('acceptedTokens', [alice]), []);
        assert.deepEqual(await read('getPricing', [alice, tokens[0]]), [false, noPrices]);
        await reverts(call(alice, 'getListing', [alice]), 'NotRegistered', [alice]);
    });

    test('register stores the listing, lists the provider and emits Registered', async () => {
        const p = profile('alice');
        const receipt = await send(alice, 'register', [p]);
        const t = await blockTime(receipt);
        assert.deepEqual(events(receipt), [{ name: 'Registered', args: { provider: alice, profile: p } }]);
        assert.equal(await read('isRegistered', [alice]), true);
        assert.equal(await read('isRegistered', [bob]), false);
        assert.deepEqual(await read('getListing', [alice]), { profile: p, registeredAt: t, updatedAt: t });
        assert.equal(await read('providerCount'), 1n);
        assert.deepEqual(await read('providersPage', [0n, 10n]), [[alice], 1n]);
        assert.deepEqual(await read('acceptedTokens', [alice]), [], 'no prices until setPricing');
    });

    test('register twice reverts AlreadyRegistered', async () => {
        await reverts(call(alice, 'register', [profile('alice2')]), 'AlreadyRegistered', [alice]);
    });

    test('register and update reject every invalid profile with the exact error', async () => {
        const long = (n) => 'x'.repeat(n);
        const cases = [
            [{ endpoint: '' }, 'EmptyEndpoint', []],
            [{ endpoint: long(257) }, 'EndpointTooLong', [257n, 256n]],
            [{ regions: Array.from({ length: 17 }, (_, i) => `r${i}`) }, 'TooManyRegions', [17n, 16n]],
            [{ regions: ['eu', ''] }, 'EmptyRegion', [1n]],
            [{ regions: ['eu', 'us', long(33)] }, 'RegionTooLong', [2n, 33n, 32n]],
            [{ regions: ['eu', 'us', 'eu'] }, 'DuplicateRegion', [2n]],
            [
                { attributes: Array.from({ length: 17 }, (_, i) => ({ key: `k${i}`, value: '' })) },
                'TooManyAttributes',
                [17n, 16n],
            ],
            [{ attributes: [{ key: '', value: 'v' }] }, 'EmptyAttributeKey', [0n]],
            [
                { attributes: [{ key: 'a', value: '' }, { key: long(33), value: '' }] },
                'AttributeKeyTooLong',
                [1n, 33n, 32n],
            ],
            [{ attributes: [{ key: 'a', value: long(129) }] }, 'AttributeValueTooLong', [0n, 129n, 128n]],
            [
                { attributes: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'a', value: '3' }] },
                'DuplicateAttributeKey',
                [2n],
            ],
            [{ encryptionKeyHash: ZERO_HASH }, 'ZeroEncryptionKeyHash', []],
        ];
        for (const [overrides, error, args] of cases) {
            await reverts(call(bob, 'register', [profile('bob', overrides)]), error, args);
            await reverts(call(alice, 'update', [profile('alice', overrides)]), error, args);
        }
        assert.equal(await read('isRegistered', [bob]), false);
    });

    test('a profile exactly at every limit is accepted, and an empty region/attribute list too', async () => {
        const full = profile('bob', {
            endpoint: `https://${'a'.repeat(256 - 'https://'.length)}`,
            regions: Array.from({ length: 16 }, (_, i) => `${i}`.padEnd(32, 'r')),
            attributes: Array.from({ length: 16 }, (_, i) => ({ key: `${i}`.padEnd(32, 'k'), value: 'v'.repeat(128) })),
            capacity: { cpuMillis: 2n ** 64n - 1n, memoryBytes: 2n ** 64n - 1n, storageBytes: 0n, gpuCount: 0n },
        });
        await send(bob, 'register', [full]);
        assert.deepEqual((await read('getListing', [bob])).profile, full);

        const bare = profile('bob', { regions: [], attributes: [] });
        await send(bob, 'update', [bare]);
        const stored = (await read('getListing', [bob])).profile;
        assert.deepEqual(stored, bare, 'update leaves no stale regions or attributes');
        await send(bob, 'deregister');
    });

    test('update replaces the whole profile, keeps prices and registeredAt, emits Updated', async () => {
        await send(alice, 'setPricing', [tokens[0], PRICES]);
        const before = await read('getListing', [alice]);
        await advance(100);
        const p = profile('alice-v2', {
            endpoint: 'https://alice.example.org',
            regions: ['us-east'],
            attributes: [{ key: 'tier', value: 'gold' }],
            capacity: { cpuMillis: 8000n, memoryBytes: 32n << 30n, storageBytes: 1n << 40n, gpuCount: 0n },
        });
        const receipt = await send(alice, 'update', [p]);
        const t = await blockTime(receipt);
        assert.ok(t >= before.updatedAt + 100n);
        assert.deepEqual(events(receipt), [{ name: 'Updated', args: { provider: alice, profile: p } }]);
        assert.deepEqual(await read('getListing', [alice]), {
            profile: p,
            registeredAt: before.registeredAt,
            updatedAt: t,
        });
        assert.deepEqual(await read('getPricing', [alice, tokens[0]]), [true, PRICES]);
        assert.deepEqual(await read('acceptedTokens', [alice]), [tokens[0]]);
        assert.equal(await read('providerCount'), 1n);
    });

    test('setCapacity changes only the capacity and emits CapacitySet', async () => {
        const before = await read('getListing', [alice]);
        await advance(10);
        const capacity = { cpuMillis: 1500n, memoryBytes: 3n << 30n, storageBytes: 5n << 30n, gpuCount: 1n };
        const receipt = await send(alice, 'setCapacity', [capacity]);
        const t = await blockTime(receipt);
        assert.deepEqual(events(receipt), [{ name: 'CapacitySet', args: { provider: alice, capacity } }]);
        assert.deepEqual(await read('getListing', [alice]), {
            profile: { ...before.profile, capacity },
            registeredAt: before.registeredAt,
            updatedAt: t,
        });
    });

    test('setPricing adds a token, replaces its prices without duplicating it, and emits PricingSet', async () => {
        const other = { ...PRICES, cpuCorePerSecond: PRICES.cpuCorePerSecond * 2n };
        let receipt = await send(alice, 'setPricing', [tokens[1], other]);
        assert.deepEqual(events(receipt), [
            { name: 'PricingSet', args: { provider: alice, token: tokens[1], prices: other } },
        ]);
        assert.deepEqual(await read('acceptedTokens', [alice]), [tokens[0], tokens[1]]);
        assert.deepEqual(await read('getPricing', [alice, tokens[1]]), [true, other]);
        assert.deepEqual(await read('getPricing', [alice, tokens[0]]), [true, PRICES], 'other token untouched');

        receipt = await send(alice, 'setPricing', [tokens[1], noPrices]);
        assert.equal((await read('getListing', [alice])).updatedAt, await blockTime(receipt));
        assert.deepEqual(events(receipt), [
            { name: 'PricingSet', args: { provider: alice, token: tokens[1], prices: noPrices } },
        ]);
        assert.deepEqual(await read('acceptedTokens', [alice]), [tokens[0], tokens[1]], 'replaced, not added');
        assert.deepEqual(await read('getPricing', [alice, tokens[1]]), [true, noPrices], 'free is not absent');

        const max = {
            cpuCorePerSecond: 2n ** 128n - 1n,
            memoryGiBPerSecond: 1n,
            storageGiBPerSecond: 2n,
            gpuUnitPerSecond: 3n,
            egressGiBPerSecond: 4n,
        };
        await send(alice, 'setPricing', [tokens[1], max]);
        assert.deepEqual(await read('getPricing', [alice, tokens[1]]), [true, max]);
    });

    test('setPricing reverts ZeroAddressToken, TokenNotAContract and NotRegistered', async () => {
        await reverts(call(alice, 'setPricing', [ZERO, PRICES]), 'ZeroAddressToken', []);
        await reverts(call(alice, 'setPricing', [carol, PRICES]), 'TokenNotAContract', [carol]);
        await reverts(call(carol, 'setPricing', [tokens[0], PRICES]), 'NotRegistered', [carol]);
    });

    test('at most MAX_TOKENS tokens; replacing one at the limit still works', async () => {
        await send(carol, 'register', [profile('carol')]);
        for (let i = 0; i < 16; ++i) await send(carol, 'setPricing', [tokens[i], PRICES]);
        assert.deepEqual(await read('acceptedTokens', [carol]), tokens.slice(0, 16));
        await reverts(call(carol, 'setPricing', [tokens[16], PRICES]), 'TooManyTokens', [16n]);
        await send(carol, 'setPricing', [tokens[15], noPrices]);
        assert.deepEqual(await read('getPricing', [carol, tokens[15]]), [true, noPrices]);
        await send(carol, 'removePricing', [tokens[3]]);
        await send(carol, 'setPricing', [tokens[16], PRICES]);
        assert.equal((await read('acceptedTokens', [carol])).length, 16);
    });

    test('removePricing removes one token (swap-and-pop) and emits PricingRemoved', async () => {
        await send(alice, 'setPricing', [tokens[2], PRICES]);
        assert.deepEqual(await read('acceptedTokens', [alice]), [tokens[0], tokens[1], tokens[2]]);
        const receipt = await send(alice, 'removePricing', [tokens[0]]);
        assert.deepEqual(events(receipt), [{ name: 'PricingRemoved', args: { provider: alice, token: tokens[0] } }]);
        assert.deepEqual(await read('acceptedTokens', [alice]), [tokens[2], tokens[1]]);
        assert.deepEqual(await read('getPricing', [alice, tokens[0]]), [false, noPrices]);
        assert.deepEqual(await read('getPricing', [alice, tokens[2]]), [true, PRICES]);

        // The moved token can itself be removed and re-added.
        await send(alice, 'removePricing', [tokens[2]]);
        assert.deepEqual(await read('acceptedTokens', [alice]), [tokens[1]]);
        await send(alice, 'setPricing', [tokens[0], PRICES]);
        assert.deepEqual(await read('acceptedTokens', [alice]), [tokens[1], tokens[0]]);
    });

    test('removePricing reverts PricingNotSet and NotRegistered', async () => {
        await reverts(call(alice, 'removePricing', [tokens[5]]), 'PricingNotSet', [alice, tokens[5]]);
        await reverts(call(alice, 'removePricing', [ZERO]), 'PricingNotSet', [alice, ZERO]);
        await reverts(call(dave, 'removePricing', [tokens[0]]), 'NotRegistered', [dave]);
    });

    test('update, setCapacity and deregister revert NotRegistered for an unlisted caller', async () => {
        await reverts(call(dave, 'update', [profile('dave')]), 'NotRegistered', [dave]);
        await reverts(call(dave, 'setCapacity', [profile('dave').capacity]), 'NotRegistered', [dave]);
        await reverts(call(dave, 'deregister'), 'NotRegistered', [dave]);
        await reverts(call(dave, 'getListing', [dave]), 'NotRegistered', [dave]);
    });

    test("another address cannot change someone's listing: every write acts on the caller only", async () => {
        const aliceListing = await read('getListing', [alice]);
        const aliceTokens = await read('acceptedTokens', [alice]);
        const alicePrices = await read('getPricing', [alice, tokens[0]]);

        // dave (not registered) cannot touch anything.
        await reverts(call(dave, 'update', [profile('mallory')]), 'NotRegistered', [dave]);
        // dave registers, then every write changes only dave's own listing.
        await send(dave, 'register', [profile('dave')]);
        await send(dave, 'update', [profile('mallory', { endpoint: 'https://evil.example' })]);
        await send(dave, 'setCapacity', [{ cpuMillis: 0n, memoryBytes: 0n, storageBytes: 0n, gpuCount: 0n }]);
        await send(dave, 'setPricing', [tokens[0], noPrices]);
        await reverts(call(dave, 'removePricing', [tokens[1]]), 'PricingNotSet', [dave, tokens[1]]);
        await send(dave, 'deregister');

        assert.deepEqual(await read('getListing', [alice]), aliceListing);
        assert.deepEqual(await read('acceptedTokens', [alice]), aliceTokens);
        assert.deepEqual(await read('getPricing', [alice, tokens[0]]), alicePrices);
        assert.equal(await read('isRegistered', [alice]), true);
        assert.equal(await read('isRegistered', [dave]), false);
    });

    test('deregister removes the listing and every price, emitting PricingRemoved then Deregistered', async () => {
        const carolTokens = await read('acceptedTokens', [carol]);
        assert.equal(carolTokens.length, 16);
        const countBefore = await read('providerCount');
        const receipt = await send(carol, 'deregister');
        // Tokens are removed from the end of the list.
        assert.deepEqual(events(receipt), [
            ...[...carolTokens]
                .reverse()
                .map((token) => ({ name: 'PricingRemoved', args: { provider: carol, token } })),
            { name: 'Deregistered', args: { provider: carol } },
        ]);
        assert.equal(await read('isRegistered', [carol]), false);
        assert.equal(await read('providerCount'), countBefore - 1n);
        assert.deepEqual(await read('acceptedTokens', [carol]), []);
        for (const token of carolTokens) assert.deepEqual(await read('getPricing', [carol, token]), [false, noPrices]);
        await reverts(call(carol, 'getListing', [carol]), 'NotRegistered', [carol]);
        await reverts(call(carol, 'deregister'), 'NotRegistered', [carol]);
        assert.ok(!(await read('providersPage', [0n, 100n]))[0].includes(carol));
    });

    test('a deregistered provider can register again and starts from a clean listing', async () => {
        const p = profile('carol-again', { regions: ['ap-south'], attributes: [] });
        const receipt = await send(carol, 'register', [p]);
        const t = await blockTime(receipt);
        assert.deepEqual(await read('getListing', [carol]), { profile: p, registeredAt: t, updatedAt: t });
        assert.deepEqual(await read('acceptedTokens', [carol]), []);
        assert.deepEqual(await read('getPricing', [carol, tokens[0]]), [false, noPrices]);
        await send(carol, 'deregister');
    });

    test('holds no funds: sending ether to it reverts', async () => {
        const hash = await ctx.walletClient.sendTransaction({ account: alice, to: registry, value: 1n, gas: 100000n });
        assert.equal((await ctx.publicClient.waitForTransactionReceipt({ hash })).status, 'reverted');
        assert.equal(await ctx.publicClient.getBalance({ address: registry }), 0n);
    });

    describe('pagination', () => {
        let reg; // a fresh Registry
        const N = 105;
        let providers;

        const page = (offset, limit) => read('providersPage', [BigInt(offset), BigInt(limit)], reg);
        async function allPages(limit) {
            const seen = [];
            const total = await read('providerCount', [], reg);
            for (let offset = 0n; ; offset += BigInt(limit)) {
                const [p, t] = await read('providersPage', [offset, BigInt(limit)], reg);
                assert.equal(t, total);
                if (p.length === 0) break;
                seen.push(...p);
            }
            return seen;
        }
        function assertSameSet(listed, expected) {
            assert.equal(new Set(listed).size, listed.length, 'no provider listed twice');
            assert.deepEqual([...listed].sort(), [...expected].sort());
        }

        before(async () => {
            reg = getAddress(await deploy(ctx, 'Registry', deployer));
            // More providers than Anvil has dev accounts: impersonate fresh addresses.
            providers = [];
            for (let i = 0; i < N; ++i) {
                const addr = toHex(0x1000n + BigInt(i), { size: 20 });
                await ctx.publicClient.request({ method: 'anvil_impersonateAccount', params: [addr] });
                await ctx.publicClient.request({ method: 'anvil_setBalance', params: [addr, toHex(E18)] });
                providers.push(getAddress(addr));
            }
            for (const p of providers) {
                await send(p, 'register', [profile(`p${p}`, { regions: [], attributes: [] })], reg);
            }
        });

        test('pages return the providers in registration order with the total', async () => {
            assert.equal(await read('providerCount', [], reg), BigInt(N));
            assert.deepEqual(await page(0, 10), [providers.slice(0, 10), BigInt(N)]);
            assert.deepEqual(await page(100, 10), [providers.slice(100), BigInt(N)], 'a short last page');
            assert.deepEqual(await page(N - 1, 1), [[providers[N - 1]], BigInt(N)]);
        });

        test('limit 0 and an offset at or past the end give an empty page', async () => {
            assert.deepEqual(await page(0, 0), [[], BigInt(N)]);
            assert.deepEqual(await page(N, 10), [[], BigInt(N)]);
            assert.deepEqual(await page(N + 1, 10), [[], BigInt(N)]);
            assert.deepEqual(
                await read('providersPage', [2n ** 256n - 1n, 2n ** 256n - 1n], reg),
                [[], BigInt(N)],
                'no overflow at the extremes',
            );
        });

        test('a limit over MAX_PAGE_SIZE is capped at MAX_PAGE_SIZE', async () => {
            assert.deepEqual(await page(0, 101), [providers.slice(0, 100), BigInt(N)]);
            assert.deepEqual(await page(0, 1000000), [providers.slice(0, 100), BigInt(N)]);
            assert.deepEqual(
                await read('providersPage', [3n, 2n ** 256n - 1n], reg),
                [providers.slice(3, 103), BigInt(N)],
            );
        });

        test('after deregistrations (first, last, middle, random) each remaining provider is listed once', async () => {
            const remaining = new Set(providers);
            const order = [providers[0], providers[N - 1], providers[50], providers[1], providers[2]];
            // A deterministic pseudo-random order for the rest of the removals.
            let seed = 12345;
            const rest = providers.filter((p) => !order.includes(p));
            while (order.length < 60) {
                seed = (seed * 1103515245 + 12345) % 2 ** 31;
                const i = seed % rest.length;
                order.push(rest.splice(i, 1)[0]);
            }
            for (const [step, p] of order.entries()) {
                const receipt = await send(p, 'deregister', [], reg);
                assert.deepEqual(events(receipt), [{ name: 'Deregistered', args: { provider: p } }]);
                remaining.delete(p);
                assert.equal(await read('providerCount', [], reg), BigInt(remaining.size));
                assert.equal(await read('isRegistered', [p], reg), false);
                if (step < 5 || step % 10 === 0) {
                    assertSameSet(await allPages(7), remaining);
                    assertSameSet(await allPages(100), remaining);
                }
            }
            assertSameSet(await allPages(1), remaining);
            for (const p of remaining) assert.equal(await read('isRegistered', [p], reg), true);

            // Re-registering appends at the end.
            await send(providers[0], 'register', [profile('again', { regions: [], attributes: [] })], reg);
            const [last] = await page(remaining.size, 1);
            assert.deepEqual(last, [providers[0]]);

            // Down to zero and back.
            for (const p of [...remaining, providers[0]]) await send(p, 'deregister', [], reg);
            assert.deepEqual(await page(0, 100), [[], 0n]);
            await send(providers[7], 'register', [profile('solo', { regions: [], attributes: [] })], reg);
            assert.deepEqual(await page(0, 100), [[providers[7]], 1n]);
        });
    });
});
