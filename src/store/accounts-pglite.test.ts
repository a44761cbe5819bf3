// Migration 005 on PGlite (the embedded hub runs the same migrations): the group role, an
// account's login role with the client-side SCRAM verifier, and row-level security under SET ROLE.
import pg from 'pg';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startFreshPGlite, type FreshPGliteServer} from '../../test/helpers/fresh-pglite.js';
import {silentLogger} from '../log.js';
import {createPostgresAccountBackend, type PostgresAccountBackend} from './accounts.js';
import type {Db} from './db.js';
import {loadConversations} from './history-people.js';
import {runMigrations} from './migrate.js';

describe('accounts and row-level security on PGlite behind pglite-socket', () => {
	let server: FreshPGliteServer;
	let client: pg.Client;
	let accounts: PostgresAccountBackend;
	beforeAll(async () => {
		server = await startFreshPGlite();
		const {url} = server;
		// Twice: the role is created idempotently (DO … EXCEPTION WHEN duplicate_object).
		expect(await runMigrations({databaseUrl: url, logger: silentLogger()})).toContain('005_accounts_rls');
		expect(await runMigrations({databaseUrl: url, logger: silentLogger()})).toEqual([]);
		accounts = createPostgresAccountBackend({databaseUrl: url});
		await accounts.create('alice', 'alice-secret');
		await accounts.create('carol', 'carol-secret');
		client = new pg.Client(url);
		await client.connect();
		await client.query(`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id) VALUES
			('m-1', 'alice', 'Alice', 'bob', 'hi bob', 'alice:bob'), ('m-2', 'bob', 'Bob', 'carol', 'hi carol', 'bob:carol'),
			('m-3', 'carol', 'Carol', 'all', 'hi all', 'all')`);
		await client.query(`INSERT INTO message_status (message_id, sender_id, status, user_id) VALUES
			('m-1', 'alice', 'sent', 'alice'), ('m-2', 'bob', 'read', 'carol')`);
	});
	afterAll(async () => {
		await client?.end();
		await accounts?.close();
		await server?.stop();
	});

	it('stores the verifier computed client-side as the role password', async () => {
		const {rows} = await client.query<{rolpassword: string; rolcanlogin: boolean}>(
			"SELECT rolpassword, rolcanlogin FROM pg_authid WHERE rolname = 'alice'");
		expect(rows[0]!.rolcanlogin).toBe(true);
		expect(rows[0]!.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
		expect(await accounts.verify('alice', 'alice-secret')).toBe(true);
	});

	it('shows a member role its own conversations and `all` only, and refuses its writes', async () => {
		await client.query('SET ROLE alice');
		try {
			expect((await client.query('SELECT message_id FROM chat_messages ORDER BY 1')).rows.map((r) => r.message_id)).toEqual(['m-1', 'm-3']);
			expect((await client.query('SELECT message_id FROM message_status ORDER BY 1')).rows.map((r) => r.message_id)).toEqual(['m-1']);
			expect((await client.query('SELECT id FROM conversations ORDER BY 1')).rows.map((r) => r.id)).toEqual(['alice:bob', 'all']);
			await expect(client.query("DELETE FROM chat_messages WHERE message_id = 'm-1'")).rejects.toThrow(/permission denied/);
		} finally {
			await client.query('RESET ROLE');
		}
		expect((await client.query('SELECT count(*)::int AS n FROM chat_messages')).rows[0].n).toBe(3);
	});

	it("lists a chat user's own conversations through hermes_conversation_page under SET ROLE (the hub), nobody else's (migration 012)", async () => {
		const listOf = async (id: string) => (await loadConversations(db, id)).map((c) => c.conversationId);
		const db = {query: (sql: string, params?: unknown[]) => client.query(sql, params)} as unknown as Db;
		// The hub's owner (no SET ROLE: PGlite's superuser) lists anyone's.
		expect(await listOf('bob')).toEqual(['alice:bob', 'all', 'bob:carol']);
		await client.query('SET ROLE alice');
		try {
			expect(await listOf('alice')).toEqual(['alice:bob', 'all']);
			expect(await listOf('bob')).toEqual([]);
		} finally {
			await client.query('RESET ROLE');
		}
	});

	it('shows a disabled account nothing, even through a session that was already in', async () => {
		await client.query('SET ROLE carol');
		try {
			// Before: her own receipt on bob's message is hers to see.
			expect((await client.query('SELECT message_id FROM message_status')).rows.map((r) => r.message_id)).toEqual(['m-2']);
		} finally {
			await client.query('RESET ROLE');
		}
		await accounts.setDisabled('carol', true);
		await client.query('SET ROLE carol');
		try {
			expect((await client.query('SELECT message_id FROM chat_messages')).rows).toEqual([]);
			// Not even the receipt that carries her own name.
			expect((await client.query('SELECT message_id FROM message_status')).rows).toEqual([]);
		} finally {
			await client.query('RESET ROLE');
		}
		const {rows} = await client.query<{rolcanlogin: boolean}>("SELECT rolcanlogin FROM pg_authid WHERE rolname = 'carol'");
		expect(rows[0]!.rolcanlogin).toBe(false);
	});
});
