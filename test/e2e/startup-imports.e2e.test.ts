// End to end: `--version` and every `--help` of the built CLI load no heavy package (issue 12,
// outcome 6). The commands import Ink, React, pg, PGlite, aedes, mqtt, zod, conf, pino… inside their
// actions; one static import of them anywhere on the path to main.ts costs every start ~0.1–0.4 s.
// The check is what the process loaded (recorded by test/helpers/record-packages.mjs), not a timing.
import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CLI, embeddedEnv} from './embedded-cli.js';

const RECORDER = new URL('../helpers/record-packages.mjs', import.meta.url).pathname;

/** Packages a quick command must not load: the UI, the drivers, the hub, validation, config and logging. */
const HEAVY = [
	'ink', 'react', 'react-reconciler', 'yoga-layout', 'pg', '@electric-sql/pglite', '@electric-sql/pglite-socket',
	'aedes', 'mqtt', 'zod', 'conf', 'pino', 'prom-client', 'node-pg-migrate', 'proper-lockfile',
];

/** The package a recorded line names: the last `node_modules/<pkg>` of an ESM URL, or a bare `require`. */
function packageOf(line: string): string | undefined {
	const [kind, target = ''] = line.split(' ', 2);
	if (kind === 'esm') {
		const match = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(target);
		return match?.[1];
	}
	if (target.startsWith('.') || target.startsWith('/') || target.startsWith('node:')) return undefined;
	const parts = target.split('/');
	return target.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

interface Loaded {
	code: number;
	stdout: string;
	packages: Set<string>;
}

let home: string;
let runs = 0;

/** Run the built CLI with the recorder; resolves with its exit code, stdout and the packages it loaded. */
async function runRecorded(args: readonly string[]): Promise<Loaded> {
	const out = join(home, `loaded-${++runs}.txt`);
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries({...process.env, ...embeddedEnv(home), RECORD_PACKAGES_OUT: out})) {
		if (value !== undefined) env[key] = value;
	}
	const {code, stdout} = await new Promise<{code: number; stdout: string}>((resolve) => {
		execFile(process.execPath, ['--import', RECORDER, CLI, ...args], {env, cwd: home, timeout: 30_000}, (error, stdout) => {
			resolve({code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout});
		});
	});
	const lines = existsSync(out) ? (await readFile(out, 'utf8')).split('\n').filter(Boolean) : [];
	return {code, stdout, packages: new Set(lines.map(packageOf).filter((name): name is string => name !== undefined))};
}

beforeAll(async () => {
	if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
	home = await mkdtemp(join(tmpdir(), 'hermes-startup-imports-'));
});

afterAll(async () => {
	await rm(home, {recursive: true, force: true});
});

describe('quick commands load no heavy package', () => {
	const QUICK = [
		['--version'], ['-V'], ['--help'], ['help'],
		['chat', '--help'], ['hub', '--help'], ['hub', 'start', '--help'], ['hub', 'status', '--help'], ['hub', 'secret', '--help'],
		['ingest', '--help'], ['migrate', '--help'], ['logout', '--help'], ['stats', '--help'], ['export', '--help'],
		['account', '--help'], ['account', 'create', '--help'], ['account', 'list', '--help'], ['account', 'setup-broker', '--help'],
	];
	it.each(QUICK.map((args) => [args.join(' '), args] as const))('%s', async (_name, args) => {
		const run = await runRecorded(args);
		expect(run.code).toBe(0);
		expect(run.stdout).not.toBe('');
		// The recorder works: commander is always loaded.
		expect(run.packages).toContain('commander');
		expect([...run.packages].filter((name) => HEAVY.includes(name))).toEqual([]);
	});
});

describe('the recorder sees what a command loads lazily', () => {
	it('`hub status` (reads hub.json with zod) loads zod and no UI', async () => {
		const run = await runRecorded(['hub', 'status']);
		expect(run.code).toBe(3); // not running in this empty HERMES_HOME
		expect(run.packages).toContain('zod');
		expect(run.packages).not.toContain('ink');
	});
});
