// `npm run bench`: starts its own Mosquitto and PostgreSQL (never the machine's shared ones), runs
// every section of SECTIONS in turn — each compares its figures with baselines in the same run,
// interleaved rounds, medians — records the load average around each, and writes
// bench/results/<YYYY-MM-DD>.json and .md (git-ignored; README shows a chosen table), then prints
// the markdown. BENCH_QUICK=1 scales every section down for a smoke run. Everything it started is
// stopped on every exit path, Ctrl+C included.
// Env: BENCH_QUICK, BENCH_MESSAGES, BENCH_ROUNDS, BENCH_PUBLISHERS, BENCH_TMP (default /tmp/hermes-bench),
// BENCH_PORT_BASE (first of the ports tried for the private services; default: any free port).
import './quick-env.js';
import {existsSync} from 'node:fs';
import {chmod, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {cpus, loadavg} from 'node:os';
import {join} from 'node:path';
import {historySection} from './history.js';
import {runHubSection} from './hub.js';
import {runIngestSection, runScaleOutSection} from './ingest-section.js';
import {runLatencySection} from './latency-section.js';
import {BenchPostgres} from './private-postgres.js';
import {freePort, MOSQUITTO_BIN, startPrivateBroker} from './private-broker.js';
import {cleanUpOnSignals, isStopping, onCleanup, runCleanups} from './procs.js';
import type {BenchSection, BenchSectionRunner, BenchServices} from './section.js';
import {startupSection} from './startup.js';

/** The sections, in order. Other sections are appended here (one line each). */
const SECTIONS: Array<[string, BenchSectionRunner]> = [
	['ingest', runIngestSection],
	['latency', runLatencySection],
	['scale-out', runScaleOutSection],
	['history', historySection],
	['hub', runHubSection],
	['startup', startupSection],
];

const RESULTS = new URL('./results/', import.meta.url);
const quick = ['1', 'true', 'yes'].includes(process.env.BENCH_QUICK ?? '');
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function port(offset: number): Promise<number> {
	const base = process.env.BENCH_PORT_BASE;
	return base ? Number(base) + offset : freePort();
}

async function main(): Promise<void> {
	// BENCH_SECTIONS=latency,hub runs only those (ids as in SECTIONS); unset: all of them;
	// checked before any service starts.
	const only = process.env.BENCH_SECTIONS?.split(',').map((id) => id.trim()).filter(Boolean);
	const unknown = only?.filter((id) => !SECTIONS.some(([known]) => known === id)) ?? [];
	if (unknown.length > 0) throw new Error(`BENCH_SECTIONS: no section ${unknown.join(', ')} (sections: ${SECTIONS.map(([id]) => id).join(', ')})`);
	cleanUpOnSignals();
	if (!existsSync(MOSQUITTO_BIN)) throw new Error(`no Mosquitto at ${MOSQUITTO_BIN} (env MOSQUITTO_BIN)`);
	const tmpRoot = process.env.BENCH_TMP ?? '/tmp/hermes-bench';
	await mkdir(tmpRoot, {recursive: true});
	const tmpDir = await mkdtemp(join(tmpRoot, 'run-'));
	// PostgreSQL runs as `postgres` when we are root: it must reach its data dir below this one.
	await chmod(tmpDir, 0o755);
	onCleanup(() => rm(tmpDir, {recursive: true, force: true}));
	log(`starting a private Mosquitto and PostgreSQL (fsync on) under ${tmpDir}…`);
	const broker = await startPrivateBroker(await port(0), tmpDir);
	onCleanup(() => broker.stop());
	const postgres = await BenchPostgres.start(await port(1), tmpDir);
	onCleanup(() => postgres.stop());
	const services: BenchServices = {
		mqttUrl: broker.url, pgAdminUrl: postgres.adminUrl, tmpDir, log, quick,
		mosquittoPid: broker.pid, postmasterPid: postgres.postmasterPid(),
	};
	const startedAt = new Date();
	const sections: Array<BenchSection & {loadavg: {before: number[]; after: number[]}; seconds: number}> = [];
	const failures: string[] = [];
	for (const [id, run] of SECTIONS) {
		if (isStopping()) return;
		if (only && !only.includes(id)) continue;
		const before = loadavg();
		const started = performance.now();
		log(`section ${id} (load average ${before.map((l) => l.toFixed(2)).join(' ')})…`);
		try {
			const section = await run(services);
			sections.push({...section, loadavg: {before, after: loadavg()}, seconds: Math.round((performance.now() - started) / 1000)});
		} catch (error) {
			// One clear line; the other sections still run.
			const line = `section ${id} failed: ${(error as Error).message.split('\n')[0]}`;
			log(line);
			failures.push(line);
		}
	}
	const environment = {
		node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, quick,
		services: 'private Mosquitto 2 (docker limits) + private PostgreSQL (fsync on), 127.0.0.1',
	};
	const markdown = [
		`## hermes-chat benchmark, ${startedAt.toISOString().slice(0, 16)}Z${quick ? ' (BENCH_QUICK: smoke run, not figures)' : ''}`,
		'',
		`_${environment.cpus} CPUs (${environment.cpuModel}), Node ${process.version}, ${environment.services}._`,
		'',
		...sections.flatMap((s) => [s.markdown.trim(), '', `_Section ${s.id}: ${s.seconds} s, load average ${s.loadavg.before[0]!.toFixed(2)} → ${s.loadavg.after[0]!.toFixed(2)}._`, '']),
		...failures.map((line) => `- ${line}`),
		'',
	].join('\n');
	await mkdir(RESULTS, {recursive: true});
	const stem = startedAt.toISOString().slice(0, 10);
	await writeFile(new URL(`${stem}.json`, RESULTS), `${JSON.stringify({startedAt: startedAt.toISOString(), environment, sections, failures}, null, 2)}\n`);
	await writeFile(new URL(`${stem}.md`, RESULTS), markdown);
	process.stdout.write(markdown);
	log(`wrote bench/results/${stem}.json and .md`);
	if (failures.length) process.exitCode = 1;
}

// A crash anywhere (a child's stream, a client's socket) still stops what the run started.
process.on('uncaughtException', (error) => {
	log(`crashed: ${error.stack ?? error.message}`);
	void runCleanups().finally(() => process.exit(1));
});

try {
	await main();
} catch (error) {
	log(`failed: ${(error as Error).message}`);
	process.exitCode = 1;
} finally {
	await runCleanups();
}
