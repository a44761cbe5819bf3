// `npx tsx bench/ack-after-commit.ts`: what holding each PUBACK until its COMMIT costs with mqtt.js,
// on real Mosquitto + PostgreSQL (issue 11, outcome 2). One subscriber receives N QoS 1 publishes
// and commits them (one row each, unnest batches ≤ 500):
//   at-once      PUBACK as the publish arrives (mqtt.js default), commit in batches — the ingester today;
//   after-commit PUBACK from `handleMessage`'s callback once the publish's batch has committed.
// mqtt.js handles incoming packets one at a time and reads the next only after that callback, so
// in after-commit each "batch" holds one publish: the transactions count shows it.
import {randomUUID} from 'node:crypto';
import mqtt, {type MqttClient} from 'mqtt';
import pg from 'pg';
import {createDatabase, MQTT_URL, round, servicesProblem} from './lib.js';

const N = Number(process.env.BENCH_ACK_MESSAGES ?? 2_000);
const LINGER_MS = 10;

async function run(mode: 'at-once' | 'after-commit', pool: pg.Pool): Promise<{mode: string; messagesPerSecond: number; transactions: number}> {
	const topic = `bench-ack/${randomUUID().slice(0, 8)}`;
	const subscriber: MqttClient = await mqtt.connectAsync(MQTT_URL, {protocolVersion: 5, clientId: `sub-${randomUUID().slice(0, 6)}`, properties: {receiveMaximum: 65_535}});
	let queue: Array<{id: string; ack?: () => void}> = [];
	let transactions = 0;
	let committed = 0;
	let timer: NodeJS.Timeout | undefined;
	let onAll: () => void = () => undefined;
	const allCommitted = new Promise<void>((resolve) => (onAll = resolve));
	const flush = async () => {
		timer = undefined;
		const batch = queue.splice(0, 500);
		if (batch.length === 0) return;
		await pool.query('INSERT INTO bench_rows (id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [batch.map((b) => b.id)]);
		transactions++;
		committed += batch.length;
		for (const item of batch) item.ack?.();
		if (committed >= N) onAll();
		if (queue.length) timer = setTimeout(flush, 0);
	};
	const enqueue = (item: {id: string; ack?: () => void}) => {
		queue.push(item);
		if (queue.length >= 500) void flush();
		else timer ??= setTimeout(flush, LINGER_MS);
	};
	if (mode === 'after-commit') {
		subscriber.handleMessage = (packet, callback) => enqueue({id: String(packet.payload), ack: () => callback()});
	} else {
		subscriber.on('message', (_topic, payload) => enqueue({id: String(payload)}));
	}
	await subscriber.subscribeAsync(topic, {qos: 1});
	const publisher = await mqtt.connectAsync(MQTT_URL, {protocolVersion: 5, clientId: `pub-${randomUUID().slice(0, 6)}`});
	const startedAt = performance.now();
	await Promise.all(Array.from({length: N}, (_, i) => publisher.publishAsync(topic, `${mode}-${i}-${randomUUID()}`, {qos: 1})));
	await allCommitted;
	const seconds = (performance.now() - startedAt) / 1_000;
	await publisher.endAsync();
	await subscriber.endAsync();
	queue = [];
	return {mode, messagesPerSecond: Math.round(N / seconds), transactions};
}

const problem = await servicesProblem();
if (problem) {
	process.stderr.write(`bench: skipped — ${problem}\n`);
	process.exitCode = 1;
} else {
	const database = await createDatabase();
	const pool = new pg.Pool({connectionString: database.url, max: 2});
	try {
		await pool.query('CREATE TABLE bench_rows (id text PRIMARY KEY)');
		const rows = [await run('at-once', pool), await run('after-commit', pool)];
		for (const row of rows) process.stdout.write(`${row.mode}: ${N} messages, ${row.messagesPerSecond} messages/s, ${row.transactions} transactions\n`);
		process.stdout.write(`after-commit ÷ at-once throughput: ${round(rows[1]!.messagesPerSecond / rows[0]!.messagesPerSecond, 3)}\n`);
	} finally {
		await pool.end();
		await database.drop();
	}
}
