// `npm run bench:rls` (npx tsx bench/rls-run.ts): the row-level security benchmark (bench/rls.ts)
// on a fresh database of the local PostgreSQL; writes bench/results/rls.{json,md} (git-ignored).
import {mkdir, writeFile} from 'node:fs/promises';
import {cpus, loadavg} from 'node:os';
import {createDatabase, PG_ADMIN_URL} from './lib.js';
import {rlsMarkdown, runRlsBenchmark} from './rls.js';

const ROUNDS = Number(process.env.BENCH_RLS_ROUNDS ?? 30);
/** BENCH_RLS_KEEP=1: keep the database and the member role (printed) to study plans by hand. */
const KEEP = process.env.BENCH_RLS_KEEP === '1';
const RESULTS = new URL('./results/', import.meta.url);

const startedAt = new Date().toISOString();
process.stderr.write(`bench: row-level security, seeding ~211,000 messages, then ${ROUNDS} interleaved rounds owner vs member…\n`);
const database = await createDatabase();
const result = await runRlsBenchmark({databaseUrl: database.url, adminUrl: PG_ADMIN_URL, rounds: ROUNDS, keep: KEEP}).finally(() => (KEEP ? undefined : database.drop()));
// Absolute times on a shared machine mean little; the ratios are measured in one run.
const environment = {node: process.version, cpus: cpus().length, loadAverage: loadavg().map((l) => Math.round(l * 100) / 100), postgres: PG_ADMIN_URL.replace(/:[^:@/]*@/, '@')};
const markdown = [rlsMarkdown(result), `_${startedAt}, Node ${process.version}, ${cpus().length} CPUs, load average ${environment.loadAverage.join(' / ')}, PostgreSQL on localhost._`, ''].join('\n');
await mkdir(RESULTS, {recursive: true});
await writeFile(new URL('rls.json', RESULTS), `${JSON.stringify({startedAt, environment, ...result}, null, 2)}\n`);
await writeFile(new URL('rls.md', RESULTS), markdown);
process.stdout.write(`${markdown.split('<details>')[0]}`);
