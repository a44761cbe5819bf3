import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {LoginCheck, ServiceAnswer} from '../client/login-check.js';
import {readSavedPassword, savePassword} from './credentials.js';
import {AbortError} from './errors.js';
import {logIn, PASSWORD_TRIES, type LoginOptions} from './login.js';

let home: string;
beforeEach(() => {
	home = mkdtempSync(join(tmpdir(), 'hermes-login-'));
});
afterEach(() => rmSync(home, {recursive: true, force: true}));

const accepted: ServiceAnswer = {kind: 'accepted'};
const unreachable: ServiceAnswer = {kind: 'unreachable', detail: 'ECONNREFUSED'};
const wrong: ServiceAnswer = {kind: 'refused', refusal: 'wrong-password'};
const disabled: ServiceAnswer = {kind: 'refused', refusal: 'disabled-or-unknown'};

/** Services that accept `good` only; the database answers `refusal` to anything else. */
function services(good: string, refusal: ServiceAnswer = wrong) {
	const tried: string[] = [];
	const check = async (urls: {databaseUrl: string; mqttUrl: string}): Promise<LoginCheck> => {
		const password = decodeURIComponent(new URL(urls.databaseUrl).password);
		tried.push(password);
		return password === good ? {database: accepted, broker: accepted} : {database: refusal, broker: wrong};
	};
	return {check, tried};
}

/** Login options over a temp home; the terminal answers `replies` in order (more questions fail the test). */
function options(overrides: Partial<LoginOptions> & Pick<LoginOptions, 'check'>, replies: string[] = []) {
	const said: string[] = [];
	const questions: string[] = [];
	const all: LoginOptions = {
		urls: {databaseUrl: 'postgres://db.example:5432/hermes', mqttUrl: 'mqtt://db.example:1883'},
		userId: 'alice',
		home,
		env: {},
		isAskEveryTime: false,
		isInteractive: true,
		ask: async (question) => {
			questions.push(question);
			const reply = replies.shift();
			if (reply === undefined) throw new Error(`unexpected question: ${question}`);
			return reply;
		},
		say: (line) => said.push(line),
		...overrides,
	};
	return {all, said, questions};
}

describe('logIn', () => {
	it('saves a typed password once it was accepted, and uses the saved one next time without asking', async () => {
		const {check, tried} = services('right');
		const first = options({check}, ['right']);
		const result = await logIn(first.all);
		expect(result).toMatchObject({source: 'prompt', isVerified: true, databaseUrl: 'postgres://alice:right@db.example:5432/hermes', mqttUrl: 'mqtt://alice:right@db.example:1883'});
		expect(await readSavedPassword(home, 'alice')).toBe('right');
		const second = options({check});
		expect((await logIn(second.all)).source).toBe('saved');
		expect(second.questions).toEqual([]);
		expect(tried).toEqual(['right', 'right']);
	});

	it('tries a password just chosen at sign-up first, without asking, and saves it once accepted', async () => {
		const {check, tried} = services('chosen pw');
		const run = options({check, password: 'chosen pw', env: {HERMES_PASSWORD: 'other'}});
		expect(await logIn(run.all)).toMatchObject({source: 'prompt', isVerified: true});
		expect(run.questions).toEqual([]);
		expect(tried).toEqual(['chosen pw']);
		expect(await readSavedPassword(home, 'alice')).toBe('chosen pw');
	});

	it('asks again after a wrong password, saying so in one line, and gives up after three tries', async () => {
		const {check} = services('right');
		const recovered = options({check}, ['nope', 'right']);
		expect((await logIn(recovered.all)).source).toBe('prompt');
		expect(recovered.said).toEqual(['hermes-chat: wrong password for alice']);
		expect(recovered.questions).toHaveLength(2);

		const hopeless = options({check, isAskEveryTime: true}, ['a', 'b', 'c', 'd']);
		const refusal = logIn(hopeless.all);
		await expect(refusal).rejects.toBeInstanceOf(AbortError);
		await expect(refusal).rejects.toThrow(/^wrong password for alice$/);
		expect(hopeless.questions).toHaveLength(PASSWORD_TRIES);
	});

	it('deletes a saved password that is refused, then asks', async () => {
		await savePassword(home, 'alice', 'old');
		const {check} = services('new');
		const run = options({check}, ['new']);
		expect((await logIn(run.all)).source).toBe('prompt');
		expect(run.said).toEqual(['hermes-chat: wrong password for alice (the saved password was deleted)']);
		expect(await readSavedPassword(home, 'alice')).toBe('new');
	});

	it('saves nothing when asked every time, and never reads the saved file', async () => {
		await savePassword(home, 'alice', 'stale');
		const {check, tried} = services('right');
		const run = options({check, isAskEveryTime: true}, ['right']);
		await logIn(run.all);
		expect(tried).toEqual(['right']);
		expect(await readSavedPassword(home, 'alice')).toBe('stale');
	});

	it('stops at once for a disabled or unknown account, a refused HERMES_PASSWORD, or no terminal', async () => {
		const {check} = services('right', disabled);
		await expect(logIn(options({check}, ['x', 'right']).all)).rejects.toThrow(/^account alice is disabled or unknown$/);
		const env = options({check: services('right').check, env: {HERMES_PASSWORD: 'bad'}});
		await expect(logIn(env.all)).rejects.toThrow(/^wrong password for alice$/);
		expect(env.questions).toEqual([]);
		await savePassword(home, 'alice', 'old');
		const headless = options({check: services('right').check, isInteractive: false});
		await expect(logIn(headless.all)).rejects.toThrow(/^wrong password for alice$/);
		expect(await readSavedPassword(home, 'alice')).toBeUndefined();
	});

	it('takes PostgreSQL’s reason over the broker’s, and names a broker that refuses what PostgreSQL took', async () => {
		await expect(logIn(options({check: async () => ({database: disabled, broker: wrong})}, ['pw']).all)).rejects.toThrow('account alice is disabled or unknown');
		const brokerOnly = logIn(options({check: async () => ({database: accepted, broker: wrong})}, ['pw']).all);
		await expect(brokerOnly).rejects.toThrow('the MQTT broker refused account alice (PostgreSQL accepted the password)');
	});

	it('starts unverified, saving nothing, when neither service answers', async () => {
		const run = options({check: async () => ({database: unreachable, broker: unreachable})}, ['pw']);
		expect(await logIn(run.all)).toMatchObject({source: 'prompt', isVerified: false});
		expect(await readSavedPassword(home, 'alice')).toBeUndefined();
	});
});
