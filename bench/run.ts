// `npm run bench`: ingest throughput (batched vs one transaction per message), QoS 1 round
// trip (TCP_NODELAY on vs off) and rooms (send → every member's inbox in a room of 50 vs a direct
// chat, on a private Mosquitto; opening a 100,000-message room vs direct chat) against real
// PostgreSQL + Mosquitto; writes bench/results/latest.{json,md}.
import {mkdir, writeFile} from 'node:fs/promises';
import {cpus} from 'node:os';
import {runIngestThroughput, type ThroughputRow} from './ingest-throughput.js';
import {createDatabase, MQTT_URL, PG_ADMIN_URL, servicesProblem} from './lib.js';
import {freePort, startPrivateBroker} from './private-broker.js';
import {runQosLatency, type LatencyRow} from './qos-latency.js';
import {roomsMarkdown, runRoomFanOut, runRoomOpen} from './rooms.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 5_000);
const SLOW_MESSAGES = Number(process.env.BENCH_SLOW_MESSAGES ?? 2_000);
const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 200);
const ROOM_ROUNDS = Number(process.env.BENCH_ROOM_ROUNDS ?? 200);
const ROOM_MESSAGES = Number(process.env.BENCH_ROOM_MESSAGES ?? 100_000);
const ROOM_OPENS = Number(process.env.BENCH_ROOM_OPENS ?? 200);
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
	process.stderr.write(`bench: rooms, ${ROOM_ROUNDS} rounds room of 50 vs direct chat on a private Mosquitto…\n`);
	const fanOutDatabase = await createDatabase();
	const broker = await startPrivateBroker(process.env.BENCH_BROKER_PORT ? Number(process.env.BENCH_BROKER_PORT) : await freePort(), process.env.BENCH_TMP ?? '/tmp/hermes-bench');
	const fanOut = await runRoomFanOut({mqttUrl: broker.url, databaseUrl: fanOutDatabase.url, rounds: ROOM_ROUNDS})
		.finally(() => broker.stop().then(() => fanOutDatabase.drop()));
	process.stderr.write(`bench: rooms, opening ${ROOM_MESSAGES}-message conversations ${ROOM_OPENS} times each…\n`);
	const openDatabase = await createDatabase();
	const open = await runRoomOpen({databaseUrl: openDatabase.url, messages: ROOM_MESSAGES, repeats: ROOM_OPENS}).finally(() => openDatabase.drop());
	const environment = {node: process.version, cpus: cpus().length, postgres: PG_ADMIN_URL.replace(/:[^:@/]*@/, '@'), mqtt: MQTT_URL};
	const result = {startedAt, environment, throughput, latency, rooms: {fanOut, open}};
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
		roomsMarkdown(fanOut, open, ROOM_ROUNDS, ROOM_OPENS),
		`_${startedAt}, Node ${process.version}, ${cpus().length} CPUs, PostgreSQL and Mosquitto on localhost._`,
		'',
	].join('\n');
	await mkdir(RESULTS, {recursive: true});
	await writeFile(new URL('latest.json', RESULTS), `${JSON.stringify(result, null, 2)}\n`);
	await writeFile(new URL('latest.md', RESULTS), markdown);
	process.stdout.write(markdown);
}
