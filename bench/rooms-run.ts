// `npx tsx bench/rooms-run.ts`: only the rooms benchmarks (bench/rooms.ts), printed as tables.
// `npm run bench` runs them too, with the others, and writes bench/results/.
import {createDatabase, servicesProblem} from './lib.js';
import {freePort, startPrivateBroker} from './private-broker.js';
import {runRoomFanOut, runRoomOpen} from './rooms.js';

const problem = await servicesProblem();
if (problem) {
	process.stderr.write(`bench: skipped — ${problem}\n`);
	process.exitCode = 1;
} else {
	const only = process.argv[2];
	if (only !== 'fan-out') {
		const database = await createDatabase();
		try {
			console.table((await runRoomOpen({databaseUrl: database.url, messages: Number(process.env.BENCH_ROOM_MESSAGES ?? 100_000), repeats: 200})).rows);
		} finally {
			await database.drop();
		}
	}
	if (only !== 'open') {
		const database = await createDatabase();
		const broker = await startPrivateBroker(process.env.BENCH_BROKER_PORT ? Number(process.env.BENCH_BROKER_PORT) : await freePort(), process.env.BENCH_TMP ?? '/tmp/hermes-bench');
		try {
			const result = await runRoomFanOut({mqttUrl: broker.url, databaseUrl: database.url, rounds: Number(process.env.BENCH_ROOM_ROUNDS ?? 200)});
			console.table(result.rows);
			console.log('room ÷ direct', result.ratio);
		} finally {
			await broker.stop();
			await database.drop();
		}
	}
}
