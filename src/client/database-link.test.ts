import {describe, expect, it} from 'vitest';
import {silentLogger} from '../log.js';
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
