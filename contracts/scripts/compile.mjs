#!/usr/bin/env node
// Compiles every contracts/src/*.sol with the exact-pinned solcjs and writes one
// artifact per contract to contracts/artifacts/<Contract>.json. The output is
// byte-stable (fixed key order, 2-space indent, trailing newline), so running it
// twice gives identical files and the artifacts can be committed: the C++ build
// reads them and needs no Node.
//
//   node scripts/compile.mjs           regenerate contracts/artifacts/
//   node scripts/compile.mjs --check   compile in memory, compare with the committed
//                                      artifacts, exit 1 listing any difference

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
let solc;
try {
    solc = require('solc');
} catch {
    console.error('solc is not installed: run `npm ci` in contracts/');
    process.exit(1);
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src');
const artifactsDir = join(root, 'artifacts');
const nodeModules = join(root, 'node_modules');

// Compiler settings. Changing any of them changes every bytecode: regenerate and
// commit the artifacts in the same change.
const EVM_VERSION = 'cancun';
const OPTIMIZER_RUNS = 200;

function fail(lines) {
    for (const line of [].concat(lines)) console.error(line);
    process.exit(1);
}

function sha256(text) {
    return createHash('sha256').update(text, 'utf8').digest('hex');
}

// Source unit names are relative to contracts/ ("src/TestToken.sol") or npm package
// paths ("@openzeppelin/contracts/..."), never absolute, so the metadata hash inside
// the bytecode does not depend on where the repository is checked out.
function readSourceUnit(name) {
    if (normalize(name) !== name || name.split('/').includes('..')) return null;
    let file;
    if (name.startsWith('@openzeppelin/')) file = join(nodeModules, name);
    else if (name.startsWith('src/')) file = join(root, name);
    else return null;
    if (!file.startsWith(root + sep) || !existsSync(file)) return null;
    return readFileSync(file, 'utf8');
}

function findImports(name) {
    const contents = readSourceUnit(name);
    if (contents === null) {
        return {
            error:
                `cannot resolve import "${name}": only src/... and @openzeppelin/... ` +
                `are allowed (run \`npm ci\` in contracts/ if node_modules is missing)`,
        };
    }
    return { contents };
}

function compile() {
    const files = readdirSync(srcDir)
        .filter((f) => f.endsWith('.sol'))
        .sort();
    if (files.length === 0) fail(`no .sol files in ${srcDir}`);

    const sources = {};
    for (const f of files) sources[`src/${f}`] = { content: readFileSync(join(srcDir, f), 'utf8') };

    const input = {
        language: 'Solidity',
        sources,
        settings: {
            optimizer: { enabled: true, runs: OPTIMIZER_RUNS },
            evmVersion: EVM_VERSION,
            outputSelection: {
                '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
            },
        },
    };

    const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
    const diagnostics = output.errors ?? [];
    // Warnings fail the build too, like the C++ ci preset's -Werror.
    const problems = diagnostics.filter((d) => d.severity !== 'info');
    if (problems.length > 0) {
        fail([
            `solc ${solc.version()} reported ${problems.length} problem(s):`,
            ...problems.map((d) => d.formattedMessage ?? d.message),
        ]);
    }

    const artifacts = new Map();
    for (const sourceName of Object.keys(sources)) {
        const contracts = output.contracts?.[sourceName] ?? {};
        for (const contractName of Object.keys(contracts).sort()) {
            if (artifacts.has(contractName)) {
                fail(`contract name ${contractName} is declared twice; names must be unique`);
            }
            const c = contracts[contractName];
            // Fixed key order: this object's shape is the artifact format.
            const artifact = {
                contractName,
                sourceName,
                sourceSha256: sha256(sources[sourceName].content),
                compiler: {
                    version: solc.version(),
                    evmVersion: EVM_VERSION,
                    optimizerRuns: OPTIMIZER_RUNS,
                },
                abi: c.abi,
                bytecode: `0x${c.evm.bytecode.object}`,
                deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
            };
            artifacts.set(`${contractName}.json`, `${JSON.stringify(artifact, null, 2)}\n`);
        }
    }
    return artifacts;
}

function committedArtifacts() {
    if (!existsSync(artifactsDir)) return [];
    return readdirSync(artifactsDir)
        .filter((f) => f.endsWith('.json'))
        .sort();
}

const check = process.argv.includes('--check');
const artifacts = compile();

if (check) {
    const differences = [];
    for (const [file, text] of artifacts) {
        const path = join(artifactsDir, file);
        if (!existsSync(path)) differences.push(`  missing: artifacts/${file}`);
        else if (readFileSync(path, 'utf8') !== text) differences.push(`  differs: artifacts/${file}`);
    }
    for (const file of committedArtifacts()) {
        if (!artifacts.has(file)) differences.push(`  stale (no such contract in src/): artifacts/${file}`);
    }
    if (differences.length > 0) {
        fail([
            'contract artifacts do not match the sources:',
            ...differences,
            'run `npm run compile` in contracts/ and commit the artifacts',
        ]);
    }
    console.log(`${artifacts.size} artifact(s) match the sources (solc ${solc.version()})`);
} else {
    mkdirSync(artifactsDir, { recursive: true });
    for (const file of committedArtifacts()) {
        if (!artifacts.has(file)) rmSync(join(artifactsDir, file));
    }
    for (const [file, text] of artifacts) writeFileSync(join(artifactsDir, file), text);
    console.log(`wrote ${artifacts.size} artifact(s) to contracts/artifacts (solc ${solc.version()})`);
}
