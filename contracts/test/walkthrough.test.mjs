// The walk-through in docs/contracts.md must say exactly what Anvil shows: this runs
// scripts/walkthrough.mjs on a fresh Anvil, then executes every `cast call` command of
// the doc's tables as a plain eth_call (at the documented block) and compares the
// result with the table's Expected column.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createPublicClient, getAddress, http, parseAbiItem } from 'viem';
import { startAnvil } from './anvil.mjs';
import { DEPLOYMENT_ID, runWalkthrough } from '../scripts/walkthrough.mjs';

const docPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'contracts.md');

/** The walk-through section: its shell variables and its check rows per step. */
function parseDoc() {
    const text = readFileSync(docPath, 'utf8');
    const start = text.indexOf('\n## Walk-through\n');
    assert.ok(start >= 0, 'docs/contracts.md has no "## Walk-through" section');
    const next = text.indexOf('\n## ', start + 1);
    const section = text.slice(start, next < 0 ? text.length : next);

    const vars = {};
    const sh = /```sh\n([\s\S]*?)```/.exec(section);
    assert.ok(sh, 'the walk-through has no ```sh block of variables');
    for (const line of sh[1].split('\n')) {
        const m = /^(?:export )?([A-Z_]+)=(\S+)$/.exec(line.trim());
        if (m) vars[m[1]] = m[2];
    }

    const steps = new Map();
    let step = null;
    for (const line of section.split('\n')) {
        const h = /^### Step (\d+):/.exec(line);
        if (h) {
            step = Number(h[1]);
            steps.set(step, []);
            continue;
        }
        if (!line.startsWith('|') || !line.includes('`cast call ')) continue;
        assert.ok(step !== null, `a check row before the first step: ${line}`);
        const cells = line.split('|').slice(1, -1).map((c) => c.trim());
        assert.equal(cells.length, 3, `a check row needs 3 cells: ${line}`);
        const strip = (c) => {
            assert.match(c, /^`.*`$/, `not in backticks: ${c}`);
            return c.slice(1, -1);
        };
        steps.get(step).push({ label: cells[0], command: strip(cells[1]), expected: strip(cells[2]) });
    }
    return { vars, steps };
}

const substitute = (s, vars) =>
    s.replace(/\$([A-Z_]+)/g, (_, name) => {
        assert.ok(name in vars, `unknown variable $${name}`);
        return vars[name];
    });

/** `cast call ADDR "name(in)(out)" ARGS... --block N` as a readContract request. */
function parseCommand(command, vars) {
    const tokens = command.match(/"[^"]*"|\S+/g);
    assert.deepEqual(tokens.slice(0, 2), ['cast', 'call'], command);
    const address = substitute(tokens[2], vars);
    const sig = tokens[3].replace(/^"|"$/g, '');
    // Split "name(inputs)(outputs)" after the balanced input list.
    let depth = 0;
    let end = -1;
    for (let i = sig.indexOf('('); i < sig.length; ++i) {
        if (sig[i] === '(') ++depth;
        else if (sig[i] === ')' && --depth === 0) {
            end = i + 1;
            break;
        }
    }
    const outputs = sig.slice(end);
    assert.match(outputs, /^\(.*\)$/, `no output types in ${sig}`);
    const item = parseAbiItem(`function ${sig.slice(0, end)} view returns ${outputs}`);
    const rest = tokens.slice(4);
    const b = rest.indexOf('--block');
    assert.ok(b >= 0 && b === rest.length - 2, `${command}: needs --block N at the end`);
    const blockNumber = BigInt(rest[b + 1]);
    const args = rest.slice(0, b).map((a, i) => {
        const v = substitute(a, vars);
        return item.inputs[i].type.startsWith('uint') ? BigInt(v) : v;
    });
    assert.equal(args.length, item.inputs.length, `${command}: wrong number of arguments`);
    return { address, abi: [item], functionName: item.name, args, blockNumber };
}

/** Formats a decoded value the way `cast` prints it (without its "[1e8]" hints). */
function format(param, value) {
    if (param.type === 'tuple') return `(${param.components.map((c, i) => format(c, value[i])).join(', ')})`;
    if (param.type.endsWith('[]')) {
        const inner = { ...param, type: param.type.slice(0, -2) };
        return `[${value.map((v) => format(inner, v)).join(', ')}]`;
    }
    if (param.type === 'address') return getAddress(value);
    if (param.type === 'string') return JSON.stringify(value);
    return String(value);
}

let anvil;
before(async () => {
    anvil = await startAnvil();
});
after(async () => {
    await anvil?.stop();
});

test('every check of the walk-through in docs/contracts.md holds on Anvil', async () => {
    const { vars, steps } = parseDoc();
    assert.deepEqual(
        [...steps.keys()],
        [1, 2, 3, 4, 5, 6, 7, 8],
        'the doc documents steps 1..8, in order',
    );

    const publicClient = createPublicClient({ transport: http(anvil.url), cacheTime: 0 });
    const blockOfStep = new Map();
    const ctx = await runWalkthrough(anvil.url, async (n) => {
        blockOfStep.set(n, await publicClient.getBlockNumber());
    });
    assert.equal(blockOfStep.size, 8, 'the script runs 8 steps');

    // The doc's variables are what the script deployed and computed.
    const expectedVars = {
        TOKEN: ctx.token,
        REGISTRY: ctx.registry,
        ESCROW: ctx.escrow,
        PUBLISHER: ctx.publisher,
        PROVIDER: ctx.provider,
        DEPLOYMENT: DEPLOYMENT_ID,
        CHANNEL: ctx.channelId,
    };
    for (const [name, value] of Object.entries(expectedVars))
        assert.equal(vars[name]?.toLowerCase(), value.toLowerCase(), `$${name} in the doc`);
    assert.equal(vars.ETH_RPC_URL, 'http://127.0.0.1:8545');
    assert.equal(vars.TOKEN, getAddress(vars.TOKEN), 'addresses in the doc are checksummed');

    let checked = 0;
    for (const [n, rows] of steps) {
        assert.ok(rows.length > 0, `step ${n} has checks`);
        for (const row of rows) {
            const request = parseCommand(row.command, vars);
            assert.equal(request.blockNumber, blockOfStep.get(n), `step ${n} (${row.label}): the step's block`);
            const value = await publicClient.readContract(request);
            const got = format(request.abi[0].outputs[0], value);
            const want = substitute(row.expected, vars);
            assert.equal(got.toLowerCase(), want.toLowerCase(), `step ${n}, ${row.label}: ${row.command}`);
            ++checked;
        }
    }
    assert.ok(checked >= 30, `only ${checked} checks parsed from the doc`);
});
