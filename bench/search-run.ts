// `npx tsx bench/search-run.ts`: the search benchmark (bench/search.ts) on a fresh database;
// writes bench/results/search.{json,md} and search-explain.txt (ignored by git: rerun to see them).
// BENCH_SEARCH_MESSAGES (default 1,000,000), BENCH_SEARCH_RUNS (default 200 per query kind).
import {mkdir, writeFile} from 'node:fs/promises';
import {cpus, loadavg} from 'node:os';
import {createDatabase, PG_ADMIN_URL} from './lib.js';
import {runSearchBench, searchMarkdown, seedSearch} from './search.js';

const MESSAGES = Number(process.env.BENCH_SEARCH_MESSAGES ?? 1_000_000);
const RUNS = Number(process.env.BENCH_SEARCH_RUNS ?? 200);
const RESULTS = new URL('./results/', import.meta.url);

const startedAt = new Date().toISOString();
// BENCH_SEARCH_DATABASE_URL: measure again on a database seeded before (BENCH_KEEP_DATABASE=1 keeps one).
const reused = process.env.BENCH_SEARCH_DATABASE_URL;
const database = reused ? {url: reused, drop: async () => undefined} : await createDatabase();
try {
	const seedStart = performance.now();
	if (!reused) await seedSearch(database.url, MESSAGES, (stored) => process.stderr.write(`bench: search, ${stored.toLocaleString('en-US')} messages stored…\n`));
	const seedSeconds = Math.round((performance.now() - seedStart) / 100) / 10;
	process.stderr.write(`bench: search, seeded in ${seedSeconds} s; ${RUNS} runs per query kind…\n`);
	const {rows, explains} = await runSearchBench(database.url, RUNS);
	const environment = {node: process.version, cpus: cpus().length, loadAverage: loadavg().map((l) => Math.round(l * 100) / 100), postgres: PG_ADMIN_URL.replace(/:[^:@/]*@/, '@')};
	const markdown = [
		searchMarkdown(rows, MESSAGES),
		`_${startedAt}, Node ${process.version}, ${cpus().length} CPUs, load average ${environment.loadAverage.join(' / ')}, PostgreSQL on localhost; seeded in ${seedSeconds} s._`,
		'',
	].join('\n');
	await mkdir(RESULTS, {recursive: true});
	await writeFile(new URL('search.json', RESULTS), `${JSON.stringify({startedAt, environment, messages: MESSAGES, seedSeconds, rows}, null, 2)}\n`);
	await writeFile(new URL('search.md', RESULTS), markdown);
	await writeFile(new URL('search-explain.txt', RESULTS), Object.entries(explains).map(([name, plan]) => `== ${name}\n${plan}\n`).join('\n'));
	process.stdout.write(markdown);
} finally {
	if (!process.env.BENCH_KEEP_DATABASE) await database.drop();
	else process.stderr.write(`bench: kept ${database.url}\n`);
}
