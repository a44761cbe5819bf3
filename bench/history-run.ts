// `npx tsx bench/history-run.ts`: the history section (bench/history.ts) on its own, for
// development. Starts a private PostgreSQL (initdb, fsync on) on BENCH_PG_PORT (default 21600)
// under FAULTS_TMP (default /tmp/hermes-bench-history), writes bench/results/history.{json,md}
// (git-ignored) and stops it. BENCH_HISTORY_KEEP=1 keeps the cluster and the seeded database
// running (printed); BENCH_PG_ADMIN_URL + BENCH_HISTORY_DATABASE then rerun on them without seeding.
import {mkdir, writeFile} from 'node:fs/promises';
import {cpus, loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';

process.env.FAULTS_TMP ??= join(tmpdir(), 'hermes-bench-history');
const {PrivatePostgres} = await import('../test/faults/helpers/services.js');
const {runHistory} = await import('./history.js');

const KEEP = process.env.BENCH_HISTORY_KEEP === '1';
const RESULTS = new URL('./results/', import.meta.url);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

const startedAt = new Date().toISOString();
const reusedUrl = process.env.BENCH_PG_ADMIN_URL;
const cluster = reusedUrl ? undefined : await PrivatePostgres.start(Number(process.env.BENCH_PG_PORT ?? 21_600), {fsync: true});
const pgAdminUrl = reusedUrl ?? cluster!.adminUrl;
try {
	const section = await runHistory(
		{mqttUrl: '', pgAdminUrl, tmpDir: process.env.FAULTS_TMP, log},
		{databaseName: process.env.BENCH_HISTORY_DATABASE, keep: KEEP},
	);
	const environment = {node: process.version, cpus: cpus().length, loadAverage: loadavg().map((l) => Math.round(l * 100) / 100)};
	await mkdir(RESULTS, {recursive: true});
	await writeFile(new URL('history.json', RESULTS), `${JSON.stringify({startedAt, environment, ...section}, null, 2)}\n`);
	await writeFile(new URL('history.md', RESULTS), `${section.markdown}\n_${startedAt}, Node ${process.version}, ${cpus().length} CPUs, private PostgreSQL (fsync on)._\n`);
	process.stdout.write(section.markdown);
} finally {
	if (cluster && !KEEP) await cluster.destroy();
	else if (cluster) log(`kept the cluster: BENCH_PG_ADMIN_URL=${pgAdminUrl} (stop: pg_ctl -D ${cluster.dir}/data stop)`);
}
