import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {AbortError} from './errors.js';
import {openSettings, resolveIdentity} from './settings.js';

describe('resolveIdentity', () => {
	let home: string;
	beforeEach(() => {
		home = mkdtempSync(join(tmpdir(), 'hermes-settings-'));
	});
	afterEach(() => rmSync(home, {recursive: true, force: true}));

	const never = async () => {
		throw new Error('must not ask');
	};

	it('takes flags over env, and remembers the identity for the next run', async () => {
		const settings = openSettings({HERMES_HOME: home});
		const env = {CHAT_USER_ID: 'david', CHAT_USER_NAME: 'David'};
		expect(await resolveIdentity({user: 'fredy', name: 'Fredy'}, settings, env, never)).toEqual({userId: 'fredy', name: 'Fredy'});
		expect(await resolveIdentity({}, settings, env, never)).toEqual({userId: 'david', name: 'David'});
		const again = openSettings({HERMES_HOME: home});
		expect(await resolveIdentity({}, again, {}, never)).toEqual({userId: 'david', name: 'David'});
	});

	it('uses the id as the name when no name is given', async () => {
		const settings = openSettings({HERMES_HOME: home});
		expect(await resolveIdentity({user: 'bob'}, settings, {}, never)).toEqual({userId: 'bob', name: 'bob'});
	});

	it('refuses an invalid or reserved user id with a hint', async () => {
		const settings = openSettings({HERMES_HOME: home});
		await expect(resolveIdentity({user: 'a/b'}, settings, {}, never)).rejects.toBeInstanceOf(AbortError);
		await expect(resolveIdentity({user: 'server'}, settings, {}, never)).rejects.toThrow(/not a valid user id/);
	});
});
