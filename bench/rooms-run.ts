// `npx tsx bench/rooms-run.ts`: only the rooms benchmarks (bench/rooms.ts); writes
// bench/results/rooms.{json,md}. `npm run bench` runs them too, with the others (latest.*).
import {mkdir, writeFile} from 'node:fs/promises';
import {cpus, loadavg} from 'node:os';
import {createDatabase, PG_ADMIN_URL, servicesProblem} from './lib.js';
import {freePort, startPrivateBroker} from './private-broker.js';
import {roomsMarkdown, runRoomFanOut, runRoomOpen} from './rooms.js';

const ROOM_ROUNDS = Number(process.env.BENCH_ROOM_ROUNDS ?? 200);
const ROOM_MESSAGES = Number(process.env.BENCH_ROOM_MESSAGES ?? 100_000);
const ROOM_OPENS = Number(process.env.BENCH_ROOM_OPENS ?? 200);
const RESULTS = new URL('./results/', import.meta.url);

const problem = await servicesProblem();
if (problem) {
	process.stderr.write(`bench: skipped — ${problem}\n`);
	process.exitCode = 1;
} else {
	const startedAt = new Date().toISOString();
	process.stderr.write(`bench: rooms, ${ROOM_ROUNDS} rounds room of 50 vs direct chat on a private Mosquitto…\n`);
	const fanOutDatabase = await createDatabase();
	const broker = await startPrivateBroker(process.env.BENCH_BROKER_PORT ? Number(process.env.BENCH_BROKER_PORT) : await freePort(), process.env.BENCH_TMP ?? '/tmp/hermes-bench');
	const fanOut = await runRoomFanOut({mqttUrl: broker.url, databaseUrl: fanOutDatabase.url, rounds: ROOM_ROUNDS})
		.finally(() => broker.stop().then(() => fanOutDatabase.drop()));
	process.stderr.write(`bench: rooms, opening ${ROOM_MESSAGES}-message conversations ${ROOM_OPENS} times each…\n`);
	const openDatabase = await createDatabase();
	const open = await runRoomOpen({databaseUrl: openDatabase.url, messages: ROOM_MESSAGES, repeats: ROOM_OPENS}).finally(() => openDatabase.drop());
	// The load average is recorded because absolute times on a shared machine mean little; the ratios are measured in one run.
	const environment = {node: process.version, cpus: cpus().length, loadAverage: loadavg().map((l) => Math.round(l * 100) / 100), postgres: PG_ADMIN_URL.replace(/:[^:@/]*@/, '@')};
	const markdown = [
		roomsMarkdown(fanOut, open, ROOM_ROUNDS, ROOM_OPENS),
		`_${startedAt}, Node ${process.version}, ${cpus().length} CPUs, load average ${environment.loadAverage.join(' / ')}, PostgreSQL on localhost, private Mosquitto._`,
		'',
	].join('\n');
	await mkdir(RESULTS, {recursive: true});
	await writeFile(new URL('rooms.json', RESULTS), `${JSON.stringify({startedAt, environment, fanOut, open}, null, 2)}\n`);
	await writeFile(new URL('rooms.md', RESULTS), markdown);
	process.stdout.write(markdown);
}
