// `hermes-chat ingest` refreshes the statistics views on its schedule (issue 10, outcome 8: "a
// materialized view that the ingester refreshes on a schedule"): a message stored after the
// views were last refreshed shows in the report once the ingester's timer has run, without
// `stats --refresh`. The built CLI against real Mosquitto + PostgreSQL (a fresh database), with
// --stats-refresh-ms shortened; dates are fixed and the report's clock injected.
import {randomUUID} from 'node:crypto';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {silentLogger} from '../../src/log.js';
import {openDb, type Db} from '../../src/store/db.js';
import {runMigrations} from '../../src/store/migrate.js';
import {loadStats, refreshStats} from '../../src/store/stats.js';
import {eventually} from '../helpers/chat-recorder.js';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../helpers/db.js';
import {spawnIngest, type IngestProcess} from '../helpers/ingest-process.js';
import {isBrokerReachable, TEST_MQTT_URL} from '../helpers/targets.js';

const isAvailable = (await isBrokerReachable(TEST_MQTT_URL)) && (await isPostgresReachable());
const STORED_AT = '2026-05-10T08:00:00Z';
const NOW = new Date('2026-05-10T20:00:00Z');

describe.skipIf(!isAvailable && process.env.HERMES_REQUIRE_SERVICES !== '1')('hermes-chat ingest refreshes the statistics views on a schedule', () => {
	let database: TestDatabase;
	let db: Db;
	let ingest: IngestProcess | undefined;

	beforeAll(async () => {
		database = await createTestDatabase();
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
		db = openDb({databaseUrl: database.url, max: 1});
		await refreshStats(db);
	}, 60_000);
	afterAll(async () => {
		ingest?.kill();
		await ingest?.exited;
		await db?.close();
		await database?.drop();
	});

	it('a message stored after the last refresh is counted once the ingester\'s timer has run', async () => {
		await db.query(
			`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id, created_at)
			VALUES ('s1', 'alice', 'Alice', 'bob', 'hello', 'text', 'alice:bob', $1)`,
			[STORED_AT],
		);
		// Not counted yet: the views hold what the last refresh saw.
		expect((await loadStats(db, {days: 1, now: NOW})).messages).toBe(0);
		ingest = spawnIngest(['--stats-refresh-ms', '200'], {
			MQTT_URL: TEST_MQTT_URL,
			DATABASE_URL: database.url,
			MQTT_TOPIC: `t-${randomUUID().slice(0, 8)}/messages`,
		});
		await ingest.waitForLog((line) => line.msg === 'statistics refreshed', 30_000);
		await eventually(async () => expect(await loadStats(db, {days: 1, now: NOW})).toMatchObject({messages: 1, users: [{id: 'alice', messages: 1}]}));
	});
});
