// (a) Ingest throughput: the batching ingester versus the same ingester writing one
// transaction per message (batch size 1), end to end: publish → store → ✓ receipt.
import {randomUUID} from 'node:crypto';
import pg from 'pg';
import {startIngester} from '../src/ingest/ingester.js';
import {silentLogger} from '../src/log.js';
import {runMigrations} from '../src/store/migrate.js';
import {createDatabase, MQTT_URL, publishAndAwaitReceipts, round} from './lib.js';

/** One measured configuration. */
export interface ThroughputRow {
	mode: string;
	messages: number;
	ms: number;
	messagesPerSecond: number;
	transactions: number;
}

async function measure(mode: string, databaseUrl: string, count: number, batchSize: number, lingerMs: number): Promise<ThroughputRow> {
	const base = `bench-${randomUUID().slice(0, 8)}/messages`;
	const ingester = await startIngester({
		mqttUrl: MQTT_URL, databaseUrl, topicBase: base, batchSize, lingerMs, migrate: false,
		sharedGroup: `bench${randomUUID().slice(0, 6)}`, logger: silentLogger(),
	});
	try {
		const ms = await publishAndAwaitReceipts(MQTT_URL, base, count);
		return {mode, messages: count, ms: round(ms, 0), messagesPerSecond: round((count / ms) * 1000, 0), transactions: ingester.stats().batches};
	} finally {
		await ingester.stop();
	}
}

/** Database only: `count` single-row INSERT statements (autocommit) vs one unnest INSERT per 500 rows. */
async function measureInsertsOnly(databaseUrl: string, count: number): Promise<ThroughputRow[]> {
	const client = new pg.Client(databaseUrl);
	await client.connect();
	const row = (prefix: string, i: number) => [`${prefix}-${i}`, 'bench', 'Bench', 'peer', `text ${i}`, 'text', 'bench:peer'];
	try {
		let started = performance.now();
		for (let i = 0; i < count; i++) {
			await client.query(
				`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id)
				 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id, sender_id) DO NOTHING`, row('single', i));
		}
		const singleMs = performance.now() - started;
		started = performance.now();
		for (let offset = 0; offset < count; offset += 500) {
			const rows = Array.from({length: Math.min(500, count - offset)}, (_, i) => row('batch', offset + i));
			const columns = [0, 1, 2, 3, 4, 5, 6].map((c) => rows.map((r) => r[c]));
			await client.query(
				`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id)
				 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
				 ON CONFLICT (message_id, sender_id) DO NOTHING`, columns);
		}
		const batchMs = performance.now() - started;
		return [
			{mode: 'SQL only: one INSERT per message', messages: count, ms: round(singleMs, 0), messagesPerSecond: round((count / singleMs) * 1000, 0), transactions: count},
			{mode: 'SQL only: unnest INSERT per 500', messages: count, ms: round(batchMs, 0), messagesPerSecond: round((count / batchMs) * 1000, 0), transactions: Math.ceil(count / 500)},
		];
	} finally {
		await client.end();
	}
}

/**
 * Run (a); returns the rows and the batched/unbatched ratio (messages/s over messages/s).
 * The unbatched modes run `slowCount` messages so the whole benchmark stays under 2 minutes.
 */
export async function runIngestThroughput(count: number, slowCount: number): Promise<{rows: ThroughputRow[]; ratio: number}> {
	const database = await createDatabase();
	try {
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
		const batched = await measure('ingester, batched (500 / 10 ms)', database.url, count, 500, 10);
		const single = await measure('ingester, one transaction per message', database.url, slowCount, 1, 0);
		const sqlOnly = await measureInsertsOnly(database.url, slowCount);
		return {rows: [batched, single, ...sqlOnly], ratio: round(batched.messagesPerSecond / single.messagesPerSecond, 1)};
	} finally {
		await database.drop();
	}
}
