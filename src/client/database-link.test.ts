import {describe, expect, it} from 'vitest';
import {silentLogger} from '../log.js';
import {isPostgresReachable, TEST_PG_ADMIN_URL} from '../../test/helpers/db.js';
import {DatabaseLink, describeFailure, isUnreachable} from './database-link.js';

describe('isUnreachable', () => {
	it('treats socket errors and connection SQLSTATEs as unreachable, statement errors as not', () => {
		expect(isUnreachable(Object.assign(new Error('connect ECONNREFUSED'), {code: 'ECONNREFUSED'}))).toBe(true);
		expect(isUnreachable(new Error('timeout exceeded when trying to connect'))).toBe(true);
		expect(isUnreachable({code: '57P01', message: 'terminating connection due to administrator command'})).toBe(true);
		expect(isUnreachable({code: '3D000', message: 'database "x" does not exist'})).toBe(true);
		expect(isUnreachable({code: '42P01', message: 'relation "chat_messages" does not exist'})).toBe(false);
		expect(isUnreachable({code: '22P02', message: 'invalid input syntax'})).toBe(false);
	});

	it('says to migrate when the schema is missing', () => {
		expect(describeFailure('load history', {code: '42P01', message: 'relation "chat_messages" does not exist'})).toBe(
			'could not load history: the database has no hermes-chat schema (relation "chat_messages" does not exist) — run: hermes-chat migrate',
		);
	});
});

describe('DatabaseLink', () => {
	it('goes connecting → down for a refused server, and a request reports a notice instead of throwing', async () => {
		const states: string[] = [];
		const notices: string[] = [];
		let markDown = () => {};
		const down = new Promise<void>((resolve) => (markDown = resolve));
		const link = new DatabaseLink({
			databaseUrl: 'postgres://postgres@127.0.0.1:1/nowhere',
			logger: silentLogger(),
			onStateChanged: (state) => {
				states.push(state);
				if (state === 'down') markDown();
			},
			onNotice: (text) => notices.push(text),
		});
		link.start();
		await down;
		expect(states).toEqual(['connecting', 'down']);
		await expect(link.run('load history', (db) => db.query('SELECT 1'))).resolves.toBeUndefined();
		expect(notices).toHaveLength(1);
		expect(notices[0]).toMatch(/^could not load history: database unreachable \(.*ECONNREFUSED.*\) — retrying in the background$/);
		// Background work (the catch-up) fails quietly: retried when the database is back.
		await expect(link.run('catch up', (db) => db.query('SELECT 1'), {isQuiet: true})).resolves.toBeUndefined();
		expect(notices).toHaveLength(1);
		await link.close();
	});
});

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('DatabaseLink session settings (real PostgreSQL)', () => {
	it('runs its reads with jit = off and no parallel workers, keeping the settings the URL asks for, on the owner\'s URL too', async () => {
		// The admin URL is the owner's (superuser) kind of URL: no ALTER ROLE … SET jit = off there.
		const url = new URL(TEST_PG_ADMIN_URL);
		url.searchParams.set('options', '-c work_mem=5MB');
		const link = new DatabaseLink({databaseUrl: url.toString(), logger: silentLogger(), onStateChanged: () => undefined, onNotice: () => undefined});
		try {
			const settings = await link.run(
				'read settings',
				async (db) =>
					(await db.query<{jit: string; workers: string; work_mem: string}>(`SELECT current_setting('jit') AS jit, current_setting('max_parallel_workers_per_gather') AS workers, current_setting('work_mem') AS work_mem`)).rows[0],
			);
			expect(settings).toEqual({jit: 'off', workers: '0', work_mem: '5MB'});
		} finally {
			await link.close();
		}
	});
});
