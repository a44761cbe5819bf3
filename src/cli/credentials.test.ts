import {chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {accountUrls, credentialPath, forgetPassword, isAccountMode, readSavedPassword, resolvePassword, savePassword} from './credentials.js';
import {AbortError} from './errors.js';

let home: string;
beforeEach(() => {
	home = mkdtempSync(join(tmpdir(), 'hermes-credentials-'));
});
afterEach(() => rmSync(home, {recursive: true, force: true}));

/** Answers the hidden questions in order, recording them. */
function answers(...replies: string[]) {
	const questions: string[] = [];
	return Object.assign(async (question: string) => (questions.push(question), replies.shift() ?? ''), {questions});
}
const never = async (): Promise<string> => {
	throw new Error('must not ask');
};

describe('isAccountMode', () => {
	it('is a database URL without a user name only', () => {
		expect(isAccountMode({databaseUrl: 'postgres://db.example:5432/hermes', topicBase: 't'})).toBe(true);
		expect(isAccountMode({databaseUrl: 'postgres://hermes:hermes@db.example/hermes', topicBase: 't'})).toBe(false);
		expect(isAccountMode({databaseUrl: 'postgres://postgres@127.0.0.1/test', topicBase: 't'})).toBe(false);
		expect(isAccountMode({topicBase: 't'})).toBe(false);
		expect(isAccountMode({databaseUrl: 'not a url', topicBase: 't'})).toBe(false);
	});
});

describe('accountUrls', () => {
	it('logs in to both as the user id, percent-encoding the password', () => {
		const urls = accountUrls({databaseUrl: 'postgres://db.example:5432/hermes', mqttUrl: 'mqtt://db.example:1883'}, 'alice', 'p@ss:/w rd');
		expect(urls.databaseUrl).toBe('postgres://alice:p%40ss%3A%2Fw%20rd@db.example:5432/hermes');
		expect(urls.mqttUrl).toBe('mqtt://alice:p%40ss%3A%2Fw%20rd@db.example:1883');
		expect(decodeURIComponent(new URL(urls.databaseUrl).password)).toBe('p@ss:/w rd');
	});

	it('keeps an MQTT URL that names its own user', () => {
		const urls = accountUrls({databaseUrl: 'postgres://db/hermes', mqttUrl: 'mqtt://bridge:secret@broker:1883'}, 'alice', 'pw');
		expect(urls.mqttUrl).toBe('mqtt://bridge:secret@broker:1883');
		expect(urls.databaseUrl).toBe('postgres://alice:pw@db/hermes');
	});
});

describe('the credential file', () => {
	it('is written 0600 in a 0700 directory, holding the password only, and read back', async () => {
		await savePassword(home, 'alice', 'correct horse');
		const path = credentialPath(home, 'alice');
		expect(path).toBe(join(home, 'credentials', 'alice'));
		expect(statSync(path).mode & 0o777).toBe(0o600);
		expect(statSync(join(home, 'credentials')).mode & 0o777).toBe(0o700);
		expect(readFileSync(path, 'utf8')).toBe('correct horse');
		expect(await readSavedPassword(home, 'alice')).toBe('correct horse');
	});

	it('is replaced atomically: no temp file is left, a too-open directory is tightened', async () => {
		mkdirSync(join(home, 'credentials'), {mode: 0o755});
		chmodSync(join(home, 'credentials'), 0o755);
		await savePassword(home, 'alice', 'one');
		await savePassword(home, 'alice', 'two');
		expect(readdirSync(join(home, 'credentials'))).toEqual(['alice']);
		expect(statSync(join(home, 'credentials')).mode & 0o777).toBe(0o700);
		expect(await readSavedPassword(home, 'alice')).toBe('two');
	});

	it('is not trusted when others may read it: deleted, and the password is asked', async () => {
		await savePassword(home, 'alice', 'leaked');
		chmodSync(credentialPath(home, 'alice'), 0o644);
		expect(await readSavedPassword(home, 'alice')).toBeUndefined();
		expect(readdirSync(join(home, 'credentials'))).toEqual([]);
	});

	it('never exists for the user ids . and .. (valid ids, but no file names)', async () => {
		await savePassword(home, 'alice', 'pw');
		for (const id of ['.', '..']) {
			await expect(savePassword(home, id, 'pw')).rejects.toThrow('cannot have a saved password');
			expect(await readSavedPassword(home, id)).toBeUndefined();
			expect(await forgetPassword(home, id)).toBe(false);
		}
		expect(readdirSync(join(home, 'credentials'))).toEqual(['alice']);
	});

	it('is deleted by forgetPassword, which says whether there was one', async () => {
		await savePassword(home, 'alice', 'pw');
		expect(await forgetPassword(home, 'alice')).toBe(true);
		expect(await forgetPassword(home, 'alice')).toBe(false);
		expect(await readSavedPassword(home, 'alice')).toBeUndefined();
	});
});

describe('resolvePassword', () => {
	const base = {userId: 'alice', isInteractive: true};

	it('takes HERMES_PASSWORD first, then the saved one, then asks', async () => {
		await savePassword(home, 'alice', 'saved');
		expect(await resolvePassword({...base, home, env: {HERMES_PASSWORD: 'from-env'}, ask: never})).toEqual({password: 'from-env', source: 'env'});
		expect(await resolvePassword({...base, home, env: {}, ask: never})).toEqual({password: 'saved', source: 'saved'});
		await forgetPassword(home, 'alice');
		const ask = answers('typed');
		expect(await resolvePassword({...base, home, env: {}, ask})).toEqual({password: 'typed', source: 'prompt'});
		expect(ask.questions).toEqual(['Password for alice: ']);
	});

	it('skips the saved one when asked every time, and both after a refusal', async () => {
		await savePassword(home, 'alice', 'saved');
		expect(await resolvePassword({...base, home, env: {}, isAskEveryTime: true, ask: answers('typed')})).toEqual({password: 'typed', source: 'prompt'});
		expect(await resolvePassword({...base, home, env: {HERMES_PASSWORD: 'e'}, isPromptOnly: true, ask: answers('again')})).toEqual({password: 'again', source: 'prompt'});
	});

	it('asks again after an empty answer', async () => {
		const ask = answers('', 'pw');
		expect((await resolvePassword({...base, home, env: {}, ask})).password).toBe('pw');
		expect(ask.questions).toHaveLength(2);
	});

	it('refuses in one line without a terminal and without a password', async () => {
		const refusal = resolvePassword({...base, home, env: {}, isInteractive: false, ask: never});
		await expect(refusal).rejects.toBeInstanceOf(AbortError);
		await expect(refusal).rejects.toThrow('no password for alice');
	});
});
