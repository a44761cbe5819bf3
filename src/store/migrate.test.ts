import pg from 'pg';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {silentLogger} from '../log.js';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../../test/helpers/db.js';
import {startFreshPGlite, type FreshPGliteServer} from '../../test/helpers/fresh-pglite.js';
import {runMigrations} from './migrate.js';

const logger = silentLogger();
const tables = async (url: string) => {
	const client = new pg.Client(url);
	await client.connect();
	const {rows} = await client.query<{table_name: string}>(
		"SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
	await client.end();
	return rows.map((r) => r.table_name);
};
const SCHEMA = ['accounts', 'chat_messages', 'chat_stats_refreshed', 'chat_users', 'conversation_members', 'conversations', 'hermes_my_account', 'hermes_my_conversations', 'message_actions', 'message_reactions', 'message_receipts', 'message_status', 'message_versions', 'pgmigrations'];
const ALL = ['001_initial', '002_created_at_index', '003_sender_scoped_message_id', '004_conversations', '005_accounts_rls', '006_message_actions', '007_search_stats', '008_ingest_speed', '009_list_speed', '010_list_order', '011_ingest_round_trips', '012_list_function'];

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('runMigrations on PostgreSQL', () => {
	let db: TestDatabase;
	beforeAll(async () => void (db = await createTestDatabase()));
	afterAll(async () => db?.drop());

	it('applies every migration once when two processes start together, then nothing', async () => {
		// Two spellings of one database: separate in-process queues, so only the advisory lock serialises them.
		const other = db.url.replace('127.0.0.1', 'localhost');
		const results = await Promise.all([runMigrations({databaseUrl: db.url, logger}), runMigrations({databaseUrl: other, logger})]);
		expect(results.flat()).toEqual(ALL);
		expect(await runMigrations({databaseUrl: db.url, logger})).toEqual([]);
		expect(await tables(db.url)).toEqual(SCHEMA);
	});

	it('fails with the driver error when the server is unreachable', async () => {
		await expect(runMigrations({databaseUrl: 'postgres://postgres@127.0.0.1:1/none', logger})).rejects.toThrow(/ECONNREFUSED/);
	});
});

describe('runMigrations on PGlite behind pglite-socket', () => {
	let server: FreshPGliteServer;
	let url: string;
	beforeAll(async () => {
		server = await startFreshPGlite();
		url = server.url;
	});
	afterAll(async () => server?.stop());

	it('applies every migration once when run twice at the same time, and the schema is there', async () => {
		const results = await Promise.all([runMigrations({databaseUrl: url, logger}), runMigrations({databaseUrl: url, logger})]);
		expect(results).toEqual([ALL, []]);
		expect(await tables(url)).toEqual(SCHEMA);
	});
});
