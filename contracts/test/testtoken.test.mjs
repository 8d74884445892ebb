import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeErrorResult } from 'viem';
import { startAnvil } from './anvil.mjs';
import { connect, deploy, expectRevert, loadArtifact, write } from './helpers.mjs';

const { abi } = loadArtifact('TestToken');
const ZERO = '0x0000000000000000000000000000000000000000';
const USD = 10n ** 6n; // one token in base units

describe('TestToken', () => {
    let anvil;
    let ctx;
    let token;
    let deployer, alice, bob, carol;

    const read = (functionName, args = []) =>
        ctx.publicClient.readContract({ address: token, abi, functionName, args });
    const call = (account, functionName, args) => ({ address: token, abi, functionName, args, account });

    before(async () => {
        anvil = await startAnvil();
        ctx = await connect(anvil.url);
        [deployer, alice, bob, carol] = ctx.accounts;
        token = await deploy(ctx, 'TestToken', deployer, ['Test USD', 'tUSD']);
    });

    after(async () => {
        await anvil?.stop();
    });

    test('has the constructor name and symbol, 6 decimals and no initial supply', async () => {
        assert.equal(await read('name'), 'Test USD');
        assert.equal(await read('symbol'), 'tUSD');
        assert.equal(await read('decimals'), 6);
        assert.equal(await read('totalSupply'), 0n);
        assert.equal(await read('balanceOf', [deployer]), 0n);
    });

    test('anyone can mint: balance and total supply grow by exactly the amount', async () => {
        const supply = await read('totalSupply');
        const receipt = await write(ctx, call(bob, 'mint', [alice, 1000n * USD]));
        assert.equal(await read('balanceOf', [alice]), 1000n * USD);
        assert.equal(await read('totalSupply'), supply + 1000n * USD);
        assert.equal(await read('balanceOf', [bob]), 0n, 'the caller is not credited');
        assert.equal(receipt.logs.length, 1, 'one Transfer event');

        await write(ctx, call(alice, 'mint', [alice, 1n]));
        assert.equal(await read('balanceOf', [alice]), 1000n * USD + 1n);
        assert.equal(await read('totalSupply'), supply + 1000n * USD + 1n);
    });

    test('mint to the zero address reverts with ERC20InvalidReceiver', async () => {
        await expectRevert(ctx, call(alice, 'mint', [ZERO, 1n]), 'ERC20InvalidReceiver', [ZERO]);
    });

    test('transfer moves exactly the amount and leaves the supply unchanged', async () => {
        const supply = await read('totalSupply');
        const a = await read('balanceOf', [alice]);
        const b = await read('balanceOf', [bob]);
        await write(ctx, call(alice, 'transfer', [bob, 250n * USD + 7n]));
        assert.equal(await read('balanceOf', [alice]), a - 250n * USD - 7n);
        assert.equal(await read('balanceOf', [bob]), b + 250n * USD + 7n);
        assert.equal(await read('totalSupply'), supply);
    });

    test('transfer over the balance reverts with ERC20InsufficientBalance and moves nothing', async () => {
        const b = await read('balanceOf', [bob]);
        const c = await read('balanceOf', [carol]);
        await expectRevert(ctx, call(bob, 'transfer', [carol, b + 1n]), 'ERC20InsufficientBalance', [bob, b, b + 1n]);

        // The same call mined on-chain: the transaction fails and its revert data
        // decodes through the ABI to the same error.
        const hash = await ctx.walletClient.writeContract({ ...call(bob, 'transfer', [carol, b + 1n]), gas: 100000n });
        const receipt = await ctx.publicClient.waitForTransactionReceipt({ hash });
        assert.equal(receipt.status, 'reverted');
        const tx = await ctx.publicClient.getTransaction({ hash });
        const data = await ctx.publicClient
            .call({ account: bob, to: token, data: tx.input, blockNumber: receipt.blockNumber - 1n })
            .then(() => null)
            .catch((err) => err.walk((e) => typeof e.data === 'string')?.data);
        assert.ok(data, 'revert data available');
        const decoded = decodeErrorResult({ abi, data });
        assert.equal(decoded.errorName, 'ERC20InsufficientBalance');
        assert.deepEqual(decoded.args, [bob, b, b + 1n]);

        assert.equal(await read('balanceOf', [bob]), b);
        assert.equal(await read('balanceOf', [carol]), c);
    });

    test('approve sets the allowance; transferFrom spends exactly it', async () => {
        await write(ctx, call(alice, 'approve', [carol, 100n * USD]));
        assert.equal(await read('allowance', [alice, carol]), 100n * USD);

        const a = await read('balanceOf', [alice]);
        const b = await read('balanceOf', [bob]);
        await write(ctx, call(carol, 'transferFrom', [alice, bob, 40n * USD]));
        assert.equal(await read('allowance', [alice, carol]), 60n * USD);
        assert.equal(await read('balanceOf', [alice]), a - 40n * USD);
        assert.equal(await read('balanceOf', [bob]), b + 40n * USD);
        assert.equal(await read('balanceOf', [carol]), 0n, 'the spender receives nothing');
    });

    test('transferFrom over the allowance reverts with ERC20InsufficientAllowance', async () => {
        const allowance = await read('allowance', [alice, carol]);
        const a = await read('balanceOf', [alice]);
        await expectRevert(
            ctx,
            call(carol, 'transferFrom', [alice, carol, allowance + 1n]),
            'ERC20InsufficientAllowance',
            [carol, allowance, allowance + 1n],
        );
        // Without any approval at all.
        await expectRevert(ctx, call(bob, 'transferFrom', [alice, bob, 1n]), 'ERC20InsufficientAllowance', [
            bob,
            0n,
            1n,
        ]);
        assert.equal(await read('allowance', [alice, carol]), allowance);
        assert.equal(await read('balanceOf', [alice]), a);
    });

    test('transferFrom within the allowance but over the balance reverts with ERC20InsufficientBalance', async () => {
        const c = await read('balanceOf', [carol]);
        await write(ctx, call(carol, 'approve', [bob, c + 5n]));
        await expectRevert(ctx, call(bob, 'transferFrom', [carol, bob, c + 1n]), 'ERC20InsufficientBalance', [
            carol,
            c,
            c + 1n,
        ]);
    });
});
