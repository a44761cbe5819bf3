// Why the hub ANALYZEs as tables grow (issue 12): on PGlite's one session the foreign-key check
// plans made while the tables were empty are kept — sequential scans of chat_messages for every
// status row — until ANALYZE invalidates them. Counted from the scan counters, not timed.
import pg from 'pg';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startFreshPGlite, type FreshPGliteServer} from '../../test/helpers/fresh-pglite.js';
import {silentLogger} from '../log.js';
import {analyzeStaleTables} from './maintenance.js';
import {runMigrations} from './migrate.js';

describe('analyzeStaleTables on PGlite (the embedded hub)', () => {
	let server: FreshPGliteServer;
	let client: pg.Client;
	beforeAll(async () => {
		server = await startFreshPGlite();
		const {url} = server;
		await runMigrations({databaseUrl: url, logger: silentLogger()});
		client = new pg.Client(url);
		await client.connect();
		await client.query('SET stats_fetch_consistency = none');
	});
	afterAll(async () => {
		await client?.end();
		await server?.stop();
	});

	const insertMessages = (from: number, to: number) =>
		client.query(
			`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id)
			SELECT 'm-' || g, 'alice', 'Alice', 'bob', 'hello ' || g, 'alice:bob' FROM generate_series($1::int, $2::int) g`,
			[from, to],
		);
	// Scans so far: the flushed counter plus the backend's pending ones (pg_stat_get_xact_*), read
	// fresh (stats_fetch_consistency none, set below): the pending counters alone would drop to
	// zero if the backend flushed them between two reads; the sum only grows (one backend).
	const seqScans = async () =>
		Number((await client.query<{n: string}>(`SELECT pg_stat_get_numscans('chat_messages'::regclass) + pg_stat_get_xact_numscans('chat_messages'::regclass) AS n`)).rows[0]!.n);
	/** Sequential scans of chat_messages while storing `sent` rows for messages `from`..`to` (rolled back). */
	const seqScansWhileStoringStatuses = async (from: number, to: number) => {
		const before = await seqScans();
		await client.query('BEGIN');
		try {
			await client.query(
				`INSERT INTO message_status (message_id, sender_id, status, user_id)
				SELECT 'm-' || g, 'alice', 'sent', 'alice' FROM generate_series($1::int, $2::int) g`,
				[from, to],
			);
			return (await seqScans()) - before;
		} finally {
			await client.query('ROLLBACK');
		}
	};

	it('re-plans the foreign-key check made on an empty table once the table has grown', async () => {
		// As a fresh hub: statistics of empty tables, then the first messages and their status rows.
		// (Migrations fill a few tables, never analyzed: those are stale, the empty ones are not.)
		expect(await analyzeStaleTables(client)).not.toContain('chat_messages');
		await client.query('ANALYZE');
		await insertMessages(1, 20);
		for (let i = 1; i <= 20; i++) await client.query(`INSERT INTO message_status (message_id, sender_id, status, user_id) VALUES ($1, 'alice', 'sent', 'alice')`, [`m-${i}`]);
		await insertMessages(21, 5_000);
		// The kept plan: a sequential scan of the (now 5,000-row) table per status row — at least
		// for most of the 100 (one loaded CI run of 2026-12-01 counted 80; the cause was not found,
		// it did not come back in 7 runs, 6 of them side by side); after ANALYZE: none.
		expect(await seqScansWhileStoringStatuses(21, 120)).toBeGreaterThanOrEqual(50);
		const analyzed = await analyzeStaleTables(client);
		expect(analyzed).toContain('chat_messages');
		expect(await seqScansWhileStoringStatuses(121, 220)).toBe(0);
		// Nothing grew since: nothing to analyze.
		expect(await analyzeStaleTables(client)).toEqual([]);
	});
});
