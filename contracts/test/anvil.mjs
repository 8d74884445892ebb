// Test fixture: a real Anvil node on 127.0.0.1, started per test file and always
// stopped afterwards.
//
//   const anvil = await startAnvil();   // { url, port, stop() }
//   ...
//   await anvil.stop();                 // in after(); safe to call twice
//
// The binary is the one @foundry-rs/anvil installed for this platform (its
// platform package's bin/anvil), run directly rather than through the npm
// wrapper so the process we kill is Anvil itself. Anvil picks a free port
// itself (--port 0) and prints it; the fixture then waits until it answers
// JSON-RPC.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

const STARTUP_TIMEOUT_MS = 15000;
const STOP_TIMEOUT_MS = 3000;

const ARCH = { x64: 'amd64', arm64: 'arm64' };

/** Absolute path of the anvil binary installed by npm for this platform. */
export function anvilBinary() {
    const pkg = `@foundry-rs/anvil-${process.platform}-${ARCH[process.arch] ?? process.arch}`;
    let manifest;
    try {
        manifest = require.resolve(`${pkg}/package.json`);
    } catch {
        throw new Error(
            `${pkg} is not installed: run \`npm ci\` in contracts/ ` +
                `(Anvil ships binaries for linux/darwin on x64/arm64 only)`,
        );
    }
    const bin = JSON.parse(readFileSync(manifest, 'utf8')).bin?.anvil ?? 'bin/anvil';
    const path = join(dirname(manifest), bin);
    if (!existsSync(path)) throw new Error(`${pkg} has no anvil binary at ${path}: reinstall with \`npm ci\``);
    return path;
}

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

const running = new Set();
// Last resort if the test process exits without running after(): never leave an
// Anvil behind.
process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts Anvil (chain id 31337, the default ten funded dev accounts, automine).
 * @returns {Promise<{url: string, port: number, stop: () => Promise<void>}>}
 */
export async function startAnvil() {
    const child = spawn(anvilBinary(), ['--host', '127.0.0.1', '--port', '0', '--chain-id', '31337'], {
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);

    let output = '';
    let exited = null;
    const exitPromise = new Promise((resolveExit) => {
        child.on('exit', (code, signal) => {
            exited = { code, signal };
            running.delete(child);
            resolveExit();
        });
    });
    child.on('error', (err) => {
        output += `\nspawn error: ${err.message}`;
    });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => {
        output += d;
    });
    child.stderr.on('data', (d) => {
        output += d;
    });

    const stop = async () => {
        if (exited) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exitPromise;
        clearTimeout(timer);
    };

    try {
        const deadline = Date.now() + STARTUP_TIMEOUT_MS;
        let url = null;
        let port = 0;
        while (Date.now() < deadline) {
            if (exited) throw new Error(`anvil exited early (${JSON.stringify(exited)})`);
            const m = !url && /Listening on 127\.0\.0\.1:(\d+)/.exec(output);
            if (m) {
                port = Number(m[1]);
                url = `http://127.0.0.1:${port}`;
            }
            if (url) {
                try {
                    const chainId = await rpc(url, 'eth_chainId');
                    if (Number(chainId) !== 31337) throw new Error(`unexpected chain id ${chainId}`);
                    return { url, port, stop };
                } catch (err) {
                    if (/unexpected chain id/.test(err.message)) throw err;
                    // not answering yet
                }
            }
            await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error(`anvil did not answer JSON-RPC within ${STARTUP_TIMEOUT_MS} ms`);
    } catch (err) {
        await stop();
        err.message += `\nanvil output:\n${output.slice(-2000)}`;
        throw err;
    }
}
