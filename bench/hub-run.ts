// `npx tsx bench/hub-run.ts`: the embedded-hub benchmark (bench/hub.ts) on its own, for development:
// starts a private Mosquitto and a private PostgreSQL (fsync off there: a stricter baseline) for the
// private-stack baseline, writes bench/results/hub.{json,md} (ignored by git). Needs `npm run build`.
// Env: BENCH_HUB_PORT_BASE (private broker = base, PostgreSQL = base + 1, hub MQTT/PG = base + 2/3;
// default: any free ports), BENCH_TMP (default /tmp/hermes-bench), BENCH_HUB_MESSAGES / _BURSTS /
// _ROUNDS / _PUBLISHERS / _WINDOW (see bench/hub.ts).
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {cpus} from 'node:os';
import {join} from 'node:path';
import {runHubSection} from './hub.js';
import {freePort, startPrivateBroker} from './private-broker.js';

const RESULTS = new URL('./results/', import.meta.url);
const tmpRoot = process.env.BENCH_TMP ?? '/tmp/hermes-bench';
// Read by services.ts when it loads, hence the dynamic import after setting it.
process.env.FAULTS_TMP ??= tmpRoot;
const {PrivatePostgres} = await import('../test/faults/helpers/services.js');
const base = process.env.BENCH_HUB_PORT_BASE ? Number(process.env.BENCH_HUB_PORT_BASE) : undefined;
if (base !== undefined) {
	process.env.BENCH_HUB_MQTT_PORT ??= String(base + 2);
	process.env.BENCH_HUB_PG_PORT ??= String(base + 3);
}
await mkdir(tmpRoot, {recursive: true});
const tmpDir = await mkdtemp(join(tmpRoot, 'hub-run-'));
const broker = await startPrivateBroker(base ?? (await freePort()), tmpDir);
const postgres = await PrivatePostgres.start(base !== undefined ? base + 1 : await freePort()).catch(async (error: unknown) => {
	await broker.stop();
	throw error;
});
try {
	const startedAt = new Date().toISOString();
	const section = await runHubSection({mqttUrl: broker.url, pgAdminUrl: postgres.adminUrl, tmpDir, log: (line) => process.stderr.write(`${line}\n`)});
	const markdown = `${section.markdown}\n_${startedAt}, Node ${process.version}, ${cpus().length} CPUs._\n`;
	await mkdir(RESULTS, {recursive: true});
	await writeFile(new URL('hub.json', RESULTS), `${JSON.stringify({startedAt, ...section}, null, 2)}\n`);
	await writeFile(new URL('hub.md', RESULTS), markdown);
	process.stdout.write(markdown);
} finally {
	await postgres.destroy();
	await broker.stop();
	await rm(tmpDir, {recursive: true, force: true});
}
