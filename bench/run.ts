// `npm run bench`: ingest throughput (batched vs one transaction per message) and QoS 1 round
// trip (TCP_NODELAY on vs off) against real PostgreSQL + Mosquitto; writes bench/results/latest.{json,md}.
import {mkdir, writeFile} from 'node:fs/promises';
import {cpus} from 'node:os';
import {runIngestThroughput, type ThroughputRow} from './ingest-throughput.js';
import {MQTT_URL, PG_ADMIN_URL, servicesProblem} from './lib.js';
import {runQosLatency, type LatencyRow} from './qos-latency.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 5_000);
const SLOW_MESSAGES = Number(process.env.BENCH_SLOW_MESSAGES ?? 2_000);
const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 200);
const RESULTS = new URL('./results/', import.meta.url);

function table<T extends object>(rows: T[], columns: Array<[keyof T, string]>): string {
	const head = `| ${columns.map(([, title]) => title).join(' | ')} |`;
	const rule = `|${columns.map(() => ' --- |').join('')}`;
	const body = rows.map((row) => `| ${columns.map(([key]) => String(row[key])).join(' | ')} |`);
	return [head, rule, ...body].join('\n');
}

const problem = await servicesProblem();
if (problem) {
	process.stderr.write(`bench: skipped — ${problem} (set TEST_PG_ADMIN_URL / TEST_MQTT_URL)\n`);
	process.exitCode = 1;
} else {
	const startedAt = new Date().toISOString();
	process.stderr.write(`bench: ingest throughput, ${MESSAGES} messages batched, ${SLOW_MESSAGES} per unbatched mode…\n`);
	const throughput = await runIngestThroughput(MESSAGES, SLOW_MESSAGES);
	process.stderr.write(`bench: QoS 1 round trips, ${ROUND_TRIPS} per mode…\n`);
	const latency = await runQosLatency(ROUND_TRIPS);
	const environment = {node: process.version, cpus: cpus().length, postgres: PG_ADMIN_URL.replace(/:[^:@/]*@/, '@'), mqtt: MQTT_URL};
	const result = {startedAt, environment, throughput, latency};
	const markdown = [
		`### Ingest throughput (publish → commit → ✓ receipt; one publisher keeping ≤ 1000 unconfirmed)`,
		'',
		table<ThroughputRow>(throughput.rows, [['mode', 'mode'], ['messages', 'messages'], ['messagesPerSecond', 'messages/s'], ['ms', 'total ms'], ['transactions', 'transactions']]),
		'',
		`Batched ingester vs one transaction per message: **${throughput.ratio}×** the throughput.`,
		'',
		`### QoS 1 round trip (publish to a topic you subscribe to, wait for PUBACK + delivery; ${ROUND_TRIPS} in sequence)`,
		'',
		table<LatencyRow>(latency.rows, [['mode', 'socket'], ['medianMs', 'median ms'], ['p99Ms', 'p99 ms'], ['meanMs', 'mean ms']]),
		'',
		`Median round trip without TCP_NODELAY ÷ with it: **${latency.ratio}**.`,
		'',
		`_${startedAt}, Node ${process.version}, ${cpus().length} CPUs, PostgreSQL and Mosquitto on localhost._`,
		'',
	].join('\n');
	await mkdir(RESULTS, {recursive: true});
	await writeFile(new URL('latest.json', RESULTS), `${JSON.stringify(result, null, 2)}\n`);
	await writeFile(new URL('latest.md', RESULTS), markdown);
	process.stdout.write(markdown);
}
