import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {AbortError} from './errors.js';
import {ACCOUNT_QUESTION, resolveIdentity, SIGNUP_QUESTION, type Ask} from './identity.js';
import {openSettings} from './settings.js';

let home: string;
beforeEach(() => {
	home = mkdtempSync(join(tmpdir(), 'hermes-identity-'));
});
afterEach(() => rmSync(home, {recursive: true, force: true}));

const never: Ask = async () => {
	throw new Error('must not ask');
};
/** Answers the questions in order, recording them. */
function answers(...replies: string[]): Ask & {questions: string[]} {
	const questions: string[] = [];
	return Object.assign(async (question: string) => (questions.push(question), replies.shift() ?? ''), {questions});
}
const store = (account = 'os-user') => openSettings({HERMES_HOME: home}, account);

describe('resolveIdentity', () => {
	it('takes flags over env, and remembers the explicit choice for a bare start', async () => {
		const env = {CHAT_USER_ID: 'david', CHAT_USER_NAME: 'David'};
		expect(await resolveIdentity({user: 'fredy', name: 'Fredy'}, store(), env, never)).toEqual({userId: 'fredy', name: 'Fredy'});
		expect(await resolveIdentity({}, store(), env, never)).toEqual({userId: 'david', name: 'David'});
		expect(await resolveIdentity({}, store(), {}, never, false)).toEqual({userId: 'david', name: 'David'});
	});

	// Regression (issue 7): one shared identity, so `--user fredy` took david's place and name.
	it('keeps each person’s own name: --user fredy after david ran is still Fredy', async () => {
		await resolveIdentity({user: 'fredy', name: 'Fredy'}, store(), {}, never);
		await resolveIdentity({user: 'david', name: 'David'}, store(), {}, never);
		expect(await resolveIdentity({user: 'fredy'}, store(), {}, never)).toEqual({userId: 'fredy', name: 'Fredy'});
		expect(await resolveIdentity({user: 'david'}, store(), {}, never)).toEqual({userId: 'david', name: 'David'});
		// Renaming fredy touches fredy only.
		await resolveIdentity({user: 'fredy', name: 'Fredy K.'}, store(), {}, never);
		expect(await resolveIdentity({user: 'david'}, store(), {}, never)).toEqual({userId: 'david', name: 'David'});
		expect(await resolveIdentity({user: 'fredy'}, store(), {}, never)).toEqual({userId: 'fredy', name: 'Fredy K.'});
	});

	it('gives each OS account sharing one HOME the identity it chose last (no terminal to ask on)', async () => {
		await resolveIdentity({user: 'fredy', name: 'Fredy'}, store('fredy-os'), {}, never);
		await resolveIdentity({user: 'david', name: 'David'}, store('david-os'), {}, never);
		expect(await resolveIdentity({}, store('fredy-os'), {}, never, false)).toEqual({userId: 'fredy', name: 'Fredy'});
		expect(await resolveIdentity({}, store('david-os'), {}, never, false)).toEqual({userId: 'david', name: 'David'});
	});

	it('asks, listing them, when several identities exist and this account never chose; the answer is remembered', async () => {
		await resolveIdentity({user: 'fredy'}, store('a'), {}, never);
		await resolveIdentity({user: 'david'}, store('b'), {}, never);
		await expect(resolveIdentity({}, store('c'), {}, never, false)).rejects.toThrow(
			new AbortError('several identities are set up here', 'pass --user with one of david, fredy'),
		);
		const ask = answers('fredy');
		expect(await resolveIdentity({}, store('c'), {}, ask, true)).toEqual({userId: 'fredy', name: 'fredy'});
		expect(ask.questions).toEqual(['Who are you? david, fredy — or a new user id: ']);
		expect(store('c').lastUser()).toBe('fredy');
	});

	// Regression (issue 7): a bare start logged in as whoever ran last, silently.
	it('with several identities, a bare start asks; Enter takes this account’s last explicit choice', async () => {
		await resolveIdentity({user: 'fredy', name: 'Fredy'}, store(), {}, never);
		await resolveIdentity({user: 'david', name: 'David'}, store(), {}, never);
		const enter = answers('');
		expect(await resolveIdentity({}, store(), {}, enter, true)).toEqual({userId: 'david', name: 'David'});
		expect(enter.questions).toEqual(['Who are you? david, fredy — or a new user id [david]: ']);
		const fredy = answers('fredy');
		expect(await resolveIdentity({}, store(), {}, fredy, true)).toEqual({userId: 'fredy', name: 'Fredy'});
		expect(store().lastUser()).toBe('fredy');
		const newcomer = answers('erin', 'Erin');
		expect(await resolveIdentity({}, store(), {}, newcomer, true)).toEqual({userId: 'erin', name: 'Erin'});
		expect(newcomer.questions).toEqual(['Who are you? david, fredy — or a new user id [fredy]: ', 'Display name [erin]: ']);
	});

	it('uses the only identity there is without asking', async () => {
		await resolveIdentity({user: 'solo', name: 'Solo'}, store('a'), {}, never);
		expect(await resolveIdentity({}, store('other'), {}, never, false)).toEqual({userId: 'solo', name: 'Solo'});
	});

	it('asks id and name on the first run, and refuses without a terminal', async () => {
		await expect(resolveIdentity({}, store(), {}, never, false)).rejects.toThrow(/no user id given/);
		const ask = answers('zed', 'Zed Shaw');
		expect(await resolveIdentity({}, store(), {}, ask, true)).toEqual({userId: 'zed', name: 'Zed Shaw'});
		expect(await resolveIdentity({}, store(), {}, never, false)).toEqual({userId: 'zed', name: 'Zed Shaw'});
	});

	it('in account mode, the first-run question asks for the account id and says how to get an account', async () => {
		const ask = answers('alice', 'Alice');
		expect(await resolveIdentity({}, store(), {}, ask, true, true)).toEqual({userId: 'alice', name: 'Alice'});
		expect(ask.questions[0]).toBe(ACCOUNT_QUESTION);
		expect(ACCOUNT_QUESTION).toContain('hermes-chat account create <id>');
	});

	it('with sign-up configured, Enter on the first-run question signs up and takes the new id', async () => {
		const ask = answers('', 'Newbie');
		let signUps = 0;
		const signUp = async () => (signUps++, 'newbie');
		expect(await resolveIdentity({}, store(), {}, ask, true, true, signUp)).toEqual({userId: 'newbie', name: 'Newbie'});
		expect(ask.questions).toEqual([SIGNUP_QUESTION, 'Display name [newbie]: ']);
		expect(SIGNUP_QUESTION).toContain('Press Enter to sign up');
		expect(signUps).toBe(1);
	});

	it('with sign-up configured, an id typed at the first-run question is an existing account: no sign-up', async () => {
		const ask = answers('alice', 'Alice');
		const signUp = async (): Promise<string> => {
			throw new Error('must not sign up');
		};
		expect(await resolveIdentity({}, store(), {}, ask, true, true, signUp)).toEqual({userId: 'alice', name: 'Alice'});
	});

	it('uses the id as the name when no name is given', async () => {
		expect(await resolveIdentity({user: 'bob'}, store(), {}, never)).toEqual({userId: 'bob', name: 'bob'});
	});

	it('refuses an invalid or reserved user id with a hint', async () => {
		await expect(resolveIdentity({user: 'a/b'}, store(), {}, never)).rejects.toBeInstanceOf(AbortError);
		await expect(resolveIdentity({user: 'server'}, store(), {}, never)).rejects.toThrow(/not a valid user id/);
	});
});
