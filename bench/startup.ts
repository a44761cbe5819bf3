// Start-up benchmark (issue 12, outcome 6): how long the built CLI takes from process start to
// `--version`, to `--help`, and to the chat's first frame with the embedded hub already running,
// each beside `node -e 0` (the floor: Node's own start) in the same run, interleaved, medians;
// plus the chat's RSS once it is connected. Needs `npm run build` (it measures dist/, as shipped).
// Section for `npm run bench` (bench/section.ts); standalone: `npx tsx bench/startup.ts`.
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {cpus, loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {embeddedEnv} from '../test/e2e/embedded-cli.js';
import {startTerminal} from '../test/helpers/terminal.js';
import type {BenchSection, BenchSectionRunner, BenchServices} from './section.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
/**
 * BENCH_STARTUP_COMPARE: main.js of another build (e.g. a copy of the previous commit's dist/, with
 * package.json and node_modules beside it as in the repository), measured in the same rounds.
 */
const COMPARE_CLI = process.env.BENCH_STARTUP_COMPARE || undefined;
/** Measured rounds (after one warm-up round); each round runs every figure once, in rotating order. */
const ROUNDS = Math.max(5, Number(process.env.BENCH_STARTUP_ROUNDS ?? 7));
/** The chat's first frame: both panes drawn (top and bottom borders) and the status bar. */
const FIRST_FRAME = /╭[\s\S]*╰[\s\S]*(broker|db) /;
const CONNECTED = /broker up │ db up/;
const TARGET_QUICK_MS = 150;
const TARGET_FRAME_MS = 400;

type Figure = 'baseline' | 'version' | 'help' | 'frame' | 'compare';

/** One round's figures, in ms (RSS in MB). */
interface Round {
	baselineMs: number;
	versionMs: number;
	helpMs: number;
	firstFrameMs: number;
	connectedMs: number;
	rssMb: number;
	/** The same figures for BENCH_STARTUP_COMPARE's build, when given. */
	compare?: {versionMs: number; helpMs: number; firstFrameMs: number; connectedMs: number; rssMb: number};
}

interface Summary {
	median: number;
	min: number;
	max: number;
}

/** Ports for the benchmark's own hub: 0 = any free one (a private range can be given, see the standalone runner). */
export interface StartupBenchOptions {
	mqttPort?: number;
	pgPort?: number;
	rounds?: number;
}

/**
 * Run `node args` to completion with `env` and resolve with the ms from spawn to exit.
 * @throws Error on a non-zero exit (with its stderr).
 */
function timeProcess(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
	return new Promise((resolve, reject) => {
		const started = performance.now();
		const child = spawn(process.execPath, args, {env, stdio: ['ignore', 'ignore', 'pipe']});
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('error', reject);
		child.on('exit', (code) => {
			const ms = performance.now() - started;
			if (code === 0) resolve(ms);
			else reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
		});
	});
}

/** Environment without `undefined` values (child_process wants strings). */
function plainEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries({...process.env, ...overrides})) if (value !== undefined) env[key] = value;
	return env;
}

/** RSS of `pid` in MB, from /proc (Linux); NaN elsewhere. */
async function rssMb(pid: number): Promise<number> {
	const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
	const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
	return kb ? Number(kb) / 1024 : Number.NaN;
}

/**
 * Start the chat in a pty (110×30) as `fredy` on the running hub of `home`; resolve with the ms from
 * spawn to the first frame and to "broker up │ db up", and the RSS once connected.
 */
async function timeFirstFrame(home: string, cli = CLI): Promise<{firstFrameMs: number; connectedMs: number; rssMb: number}> {
	const started = performance.now();
	const session = startTerminal({command: process.execPath, args: [cli, '--user', 'fredy', '--name', 'Fredy'], env: embeddedEnv(home), cwd: home, cols: 110, rows: 30});
	try {
		await session.waitFor(FIRST_FRAME, 60_000);
		const firstFrameMs = performance.now() - started;
		await session.waitFor(CONNECTED, 60_000);
		const connectedMs = performance.now() - started;
		return {firstFrameMs, connectedMs, rssMb: await rssMb(session.pid)};
	} finally {
		await session.close();
	}
}

function summary(values: readonly number[]): Summary {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = sorted.length >> 1;
	const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
	return {median: Math.round(median), min: Math.round(sorted[0]!), max: Math.round(sorted.at(-1)!)};
}

/** Run the start-up rounds against a hub it starts (and stops) in `services.tmpDir`. */
export async function runStartupBench(services: BenchServices, options: StartupBenchOptions = {}): Promise<BenchSection> {
	if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (the benchmark measures the built CLI)`);
	const rounds = Math.max(5, options.rounds ?? ROUNDS);
	const home = join(services.tmpDir, 'startup-home');
	await mkdir(home, {recursive: true});
	const env = plainEnv(embeddedEnv(home));
	const loadBefore = loadavg();
	services.log(`startup: starting the embedded hub in ${home}…`);
	await timeProcess([CLI, 'hub', 'start', '--mqtt-port', String(options.mqttPort ?? 0), '--pg-port', String(options.pgPort ?? 0)], env);
	const measured: Round[] = [];
	try {
		const figures: Figure[] = ['baseline', 'version', 'help', 'frame', ...(COMPARE_CLI ? ['compare' as const] : [])];
		// Round 0 warms the page cache and creates fredy's settings; it is not counted.
		for (let round = 0; round <= rounds; round++) {
			const result: Partial<Round> = {};
			// Rotating order: no figure always runs right after the pty's teardown.
			for (let i = 0; i < figures.length; i++) {
				const figure = figures[(i + round) % figures.length]!;
				if (figure === 'baseline') result.baselineMs = await timeProcess(['-e', '0'], env);
				else if (figure === 'version') result.versionMs = await timeProcess([CLI, '--version'], env);
				else if (figure === 'help') result.helpMs = await timeProcess([CLI, '--help'], env);
				else if (figure === 'frame') Object.assign(result, await timeFirstFrame(home));
				else {
					const compare = COMPARE_CLI!;
					const versionMs = await timeProcess([compare, '--version'], env);
					const helpMs = await timeProcess([compare, '--help'], env);
					result.compare = {versionMs, helpMs, ...(await timeFirstFrame(home, compare))};
				}
			}
			if (round > 0) measured.push(result as Round);
			services.log(`startup: round ${round}${round ? '' : ' (warm-up)'}: ${JSON.stringify(result, (_key, value: unknown) => (typeof value === 'number' ? Math.round(value) : value))}`);
		}
	} finally {
		await timeProcess([CLI, 'hub', 'stop'], env).catch((error: Error) => services.log(`startup: hub stop: ${error.message}`));
	}
	const loadAfter = loadavg();
	const pick = (key: Exclude<keyof Round, 'compare'>) => summary(measured.map((round) => round[key]));
	const medians = {
		baseline: pick('baselineMs'),
		version: pick('versionMs'),
		help: pick('helpMs'),
		firstFrame: pick('firstFrameMs'),
		connected: pick('connectedMs'),
		rssMb: pick('rssMb'),
	};
	const compared = COMPARE_CLI
		? {
				cli: COMPARE_CLI,
				version: summary(measured.map((round) => round.compare!.versionMs)),
				help: summary(measured.map((round) => round.compare!.helpMs)),
				firstFrame: summary(measured.map((round) => round.compare!.firstFrameMs)),
				connected: summary(measured.map((round) => round.compare!.connectedMs)),
				rssMb: summary(measured.map((round) => round.compare!.rssMb)),
			}
		: undefined;
	const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(' / ');
	const row = (name: string, s: Summary, target: string, unit = 'ms') =>
		`| ${name} | ${s.median} ${unit} | ${s.min}–${s.max} ${unit} | ${unit === 'ms' && name !== '`node -e 0` (baseline)' ? `+${s.median - medians.baseline.median} ms` : '—'} | ${target} |`;
	const markdown = [
		'### Start-up (built CLI, from process start; the chat with the embedded hub already running)',
		'',
		'| figure | median | min–max | over `node -e 0` | target |',
		'| --- | --- | --- | --- | --- |',
		row('`node -e 0` (baseline)', medians.baseline, '—'),
		row('`hermes-chat --version`', medians.version, `≤ ${TARGET_QUICK_MS} ms`),
		row('`hermes-chat --help`', medians.help, `≤ ${TARGET_QUICK_MS} ms`),
		row('chat: first frame', medians.firstFrame, `≤ ${TARGET_FRAME_MS} ms`),
		row('chat: broker up │ db up', medians.connected, '—'),
		row('chat: RSS when connected', medians.rssMb, '—', 'MB'),
		...(compared
			? [
					row('compared build: `--version`', compared.version, '—'),
					row('compared build: `--help`', compared.help, '—'),
					row('compared build: first frame', compared.firstFrame, '—'),
					row('compared build: broker up │ db up', compared.connected, '—'),
					row('compared build: RSS when connected', compared.rssMb, '—', 'MB'),
				]
			: []),
		'',
		`_${rounds} interleaved rounds (rotating order) after a warm-up round; load average ${load(loadBefore)} before, ${load(loadAfter)} after; Node ${process.version}, ${cpus().length} CPUs._`,
		'',
	].join('\n');
	return {id: 'startup', markdown, data: {rounds: measured, medians, compared, loadAverage: {before: loadBefore, after: loadAfter}, node: process.version, cpus: cpus().length}};
}

/** The section for `npm run bench` (its private services are not used: the CLI starts its own hub). */
export const startupSection: BenchSectionRunner = (services) => runStartupBench(services);

// Standalone: `npx tsx bench/startup.ts` (BENCH_STARTUP_ROUNDS, BENCH_STARTUP_MQTT_PORT, BENCH_STARTUP_PG_PORT,
// BENCH_STARTUP_COMPARE, BENCH_TMP); writes bench/results/startup.{json,md} (ignored by git).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const base = process.env.BENCH_TMP ?? tmpdir();
	await mkdir(base, {recursive: true});
	const tmpDir = await mkdtemp(join(base, 'hermes-bench-startup-'));
	try {
		const port = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
		const section = await runStartupBench(
			{mqttUrl: '', pgAdminUrl: '', tmpDir, log: (line) => process.stderr.write(`bench: ${line}\n`)},
			{mqttPort: port('BENCH_STARTUP_MQTT_PORT'), pgPort: port('BENCH_STARTUP_PG_PORT')},
		);
		const results = new URL('./results/', import.meta.url);
		await mkdir(results, {recursive: true});
		await writeFile(new URL('startup.json', results), `${JSON.stringify(section.data, null, 2)}\n`);
		await writeFile(new URL('startup.md', results), section.markdown);
		process.stdout.write(section.markdown);
	} finally {
		await rm(tmpDir, {recursive: true, force: true});
	}
}
