// Migration 003 (sender-scoped message ids) upgrades a database built by 001–002 without
// losing or changing a row, on PostgreSQL and on PGlite (the embedded hub).
import {cp, mkdtemp, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {PGlite} from '@electric-sql/pglite';
import {PGLiteSocketServer} from '@electric-sql/pglite-socket';
import pg from 'pg';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {silentLogger} from '../log.js';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../../test/helpers/db.js';
import {migrationsDir, runMigrations} from './migrate.js';

const logger = silentLogger();

// Data as the 002 schema holds it: a conversation with receipts, a broadcast, read markers.
const SEED = `
INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id, created_at)
VALUES ('m-1', 'alice', 'Alice', 'bob', 'hi bob', 'alice:bob', '2026-01-01T10:00:00Z'),
       ('m-2', 'bob', 'Bob', 'alice', 'hi alice', 'alice:bob', '2026-01-01T10:00:05Z'),
       ('m-3', 'carol', 'Carol', 'all', 'hello all', 'all', '2026-01-01T10:01:00Z');
INSERT INTO message_status (message_id, status, timestamp, user_id)
VALUES ('m-1', 'sent', '2026-01-01T10:00:00Z', 'alice'), ('m-1', 'received_by_server', '2026-01-01T10:00:00Z', 'alice'),
       ('m-1', 'delivered', '2026-01-01T10:00:01Z', 'bob'), ('m-1', 'read', '2026-01-01T10:00:02Z', 'bob'),
       ('m-2', 'sent', '2026-01-01T10:00:05Z', 'bob'), ('m-3', 'read', '2026-01-01T10:01:09Z', 'alice');
INSERT INTO chat_users (user_id, display_name) VALUES ('alice', 'Alice'), ('bob', 'Bob'), ('carol', 'Carol');
INSERT INTO conversation_members (user_id, conversation_id, peer_id, last_seq, last_read_seq)
VALUES ('alice', 'alice:bob', 'bob', 2, 2), ('bob', 'alice:bob', 'alice', 2, 1);`;

// Every Hermes column, as text, in a stable order: what must survive the upgrade unchanged.
const SNAPSHOT = {
	chat_messages: 'SELECT id, message_id, sender_id, sender_name, receiver_id, content, message_type, created_at, updated_at, conversation_id, seq FROM chat_messages ORDER BY seq',
	message_status: 'SELECT id, message_id, status, timestamp, user_id FROM message_status ORDER BY id',
	chat_users: 'SELECT * FROM chat_users ORDER BY user_id',
	conversation_members: 'SELECT * FROM conversation_members ORDER BY user_id, conversation_id',
};

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
	const client = new pg.Client(url);
	await client.connect();
	try {
		return await work(client);
	} finally {
		await client.end();
	}
}

async function snapshot(url: string): Promise<Record<string, unknown[]>> {
	return withClient(url, async (client) => {
		const out: Record<string, unknown[]> = {};
		for (const [table, sql] of Object.entries(SNAPSHOT)) out[table] = (await client.query(sql)).rows;
		return out;
	});
}

/** The upgrade contract, run once per backend. */
function upgradeSuite(connect: () => Promise<string>) {
	let url: string;
	let oldDir: string;
	beforeAll(async () => {
		url = await connect();
		oldDir = await mkdtemp(join('/tmp', 'integrity-migrations-'));
		for (const name of ['001_initial.sql', '002_created_at_index.sql']) await cp(join(migrationsDir(), name), join(oldDir, name));
	});
	afterAll(async () => oldDir && rm(oldDir, {recursive: true, force: true}));

	it('keeps every row and column of a 002 database, and fills message_status.sender_id', async () => {
		expect(await runMigrations({databaseUrl: url, logger, dir: oldDir})).toEqual(['001_initial', '002_created_at_index']);
		await withClient(url, (client) => client.query(SEED));
		const before = await snapshot(url);
		expect(await runMigrations({databaseUrl: url, logger})).toEqual(['003_sender_scoped_message_id']);
		expect(await snapshot(url)).toEqual(before);
		const senders = await withClient(url, (client) =>
			client.query<{message_id: string; sender_id: string}>('SELECT DISTINCT message_id, sender_id FROM message_status ORDER BY 1'));
		expect(senders.rows).toEqual([
			{message_id: 'm-1', sender_id: 'alice'},
			{message_id: 'm-2', sender_id: 'bob'},
			{message_id: 'm-3', sender_id: 'carol'},
		]);
	});

	it('then lets another sender use the same id, keeps one row per sender, and still takes Hermes-style status inserts', async () => {
		await withClient(url, async (client) => {
			const insert = `INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id)
				VALUES ('m-1', $1, 'X', 'alice', 'squat', 'alice:bob') ON CONFLICT (message_id, sender_id) DO NOTHING`;
			expect((await client.query(insert, ['bob'])).rowCount).toBe(1);
			expect((await client.query(insert, ['bob'])).rowCount).toBe(0);
			// A writer that does not know sender_id (the Hermes source system): filled from the first message.
			await client.query("INSERT INTO message_status (message_id, status, user_id) VALUES ('m-2', 'read', 'alice')");
			const filled = await client.query("SELECT sender_id FROM message_status WHERE message_id = 'm-2' AND status = 'read'");
			expect(filled.rows).toEqual([{sender_id: 'bob'}]);
			// A status for a message that does not exist is still refused (the foreign key).
			await expect(client.query("INSERT INTO message_status (message_id, status, user_id, sender_id) VALUES ('m-9', 'read', 'x', 'y')")).rejects.toThrow(/foreign key/);
		});
	});
}

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('migration 003 upgrade on PostgreSQL', () => {
	let db: TestDatabase;
	afterAll(async () => db?.drop());
	upgradeSuite(async () => (db = await createTestDatabase()).url);
});

describe('migration 003 upgrade on PGlite behind pglite-socket', () => {
	let lite: PGlite;
	let server: PGLiteSocketServer;
	afterAll(async () => {
		await server?.stop();
		await lite?.close();
	});
	upgradeSuite(async () => {
		lite = await PGlite.create();
		server = new PGLiteSocketServer({db: lite, port: 0, maxConnections: 4});
		await server.start();
		return `postgres://postgres@${server.getServerConn()}/postgres`;
	});
});
