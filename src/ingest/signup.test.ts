import {describe, expect, it} from 'vitest';
import {AccountError, type AccountBackend} from '../accounts/backend.js';
import {silentLogger} from '../log.js';
import {createSignupHandler} from './signup.js';

/** An in-memory backend with the real contract's refusals (exists; `reserved` ids), or failing with `failure`. */
function memoryBackend(name: string, failure?: Error, reserved: string[] = []): AccountBackend & {ids: Set<string>} {
	const ids = new Set<string>();
	return {
		name,
		ids,
		idProblem: (userId) => Promise.resolve(reserved.includes(userId) ? new AccountError('reserved', `${userId} is reserved on ${name}`) : undefined),
		async create(userId) {
			if (failure) throw failure;
			if (ids.has(userId)) throw new AccountError('exists', `${userId} exists`);
			ids.add(userId);
		},
		setPassword: () => Promise.resolve(),
		setDisabled: () => Promise.resolve(),
		close: () => Promise.resolve(),
	};
}

const request = (userId: string, password = 'long enough') => ({v: 1 as const, reply_id: 'r'.repeat(16), user_id: userId, password});

describe('createSignupHandler', () => {
	it('creates on every backend in order, and says "that id is taken" the second time', async () => {
		const [postgres, mosquitto] = [memoryBackend('postgres'), memoryBackend('mosquitto')];
		const handle = createSignupHandler({backends: [postgres, mosquitto], perMinute: 10, logger: silentLogger()});
		expect(await handle(request('alice'))).toEqual({v: 1, ok: true});
		expect([...postgres.ids, ...mosquitto.ids]).toEqual(['alice', 'alice']);
		expect(await handle(request('alice'))).toEqual({v: 1, ok: false, error: 'that id is taken'});
	});

	it('refuses the requests past the limit within a minute, and takes them again a minute later', async () => {
		let now = 1_000_000;
		const handle = createSignupHandler({backends: [memoryBackend('postgres')], perMinute: 2, logger: silentLogger(), now: () => now});
		expect((await handle(request('a1'))).ok).toBe(true);
		now += 30_000;
		expect((await handle(request('a2'))).ok).toBe(true);
		expect(await handle(request('a3'))).toEqual({v: 1, ok: false, error: 'too many sign-ups right now; try again in a minute'});
		now += 30_000; // the first one is a minute old: one slot free
		expect((await handle(request('a3'))).ok).toBe(true);
		expect((await handle(request('a4'))).ok).toBe(false);
	});

	it('checks the id and password rules before any backend', async () => {
		const postgres = memoryBackend('postgres');
		const handle = createSignupHandler({backends: [postgres], perMinute: 10, logger: silentLogger()});
		expect(await handle(request('all'))).toEqual({v: 1, ok: false, error: 'that id is reserved'});
		expect(await handle(request('Signup'))).toEqual({v: 1, ok: false, error: 'that id is reserved'});
		expect((await handle(request('a b'))).ok).toBe(false);
		expect(await handle(request('bob', 'short'))).toEqual({v: 1, ok: false, error: 'a password needs at least 8 characters'});
		expect(await handle(request('bob', 'line\nbreak pw'))).toEqual({v: 1, ok: false, error: 'a password may not contain NUL or line breaks'});
		expect(postgres.ids.size).toBe(0);
	});

	it('creates nothing anywhere for an id a later backend always refuses (the broker\'s ingester)', async () => {
		const [postgres, mosquitto] = [memoryBackend('postgres'), memoryBackend('mosquitto', undefined, ['ingester'])];
		const handle = createSignupHandler({backends: [postgres, mosquitto], perMinute: 10, logger: silentLogger()});
		expect(await handle(request('ingester'))).toEqual({v: 1, ok: false, error: 'that id is reserved'});
		expect([...postgres.ids, ...mosquitto.ids]).toEqual([]);
	});

	it('never passes on an infrastructure error, and reports a half-made account as a server failure', async () => {
		const secret = new Error('connect ECONNREFUSED postgres://owner:s3cret@db');
		const down = createSignupHandler({backends: [memoryBackend('postgres', secret)], perMinute: 10, logger: silentLogger()});
		expect(await down(request('carol'))).toEqual({v: 1, ok: false, error: 'sign-up failed on the server; try again later or ask the operator'});
		const half = createSignupHandler({backends: [memoryBackend('postgres'), memoryBackend('mosquitto', new AccountError('exists', 'x'))], perMinute: 10, logger: silentLogger()});
		expect(await half(request('dave'))).toEqual({v: 1, ok: false, error: 'sign-up failed on the server; try again later or ask the operator'});
	});
});
