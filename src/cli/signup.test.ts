import {describe, expect, it} from 'vitest';
import type {SignupReply} from '../protocol/index.js';
import {AbortError} from './errors.js';
import {SIGNUP_TRIES, signupBrokerUrl, signUpInteractively} from './signup.js';

/** Scripted terminal: answers in order, recording questions and said lines. */
function terminal(echoed: string[], hidden: string[], replies: Array<SignupReply | Error>) {
	const questions: string[] = [];
	const said: string[] = [];
	const requests: Array<[string, string]> = [];
	return {
		questions,
		said,
		requests,
		options: {
			ask: async (question: string) => (questions.push(question), echoed.shift() ?? ''),
			askHidden: async (question: string) => (questions.push(question), hidden.shift() ?? ''),
			request: async (userId: string, password: string) => {
				requests.push([userId, password]);
				const reply = replies.shift();
				if (!reply) throw new Error('no more replies');
				if (reply instanceof Error) throw reply;
				return reply;
			},
			say: (line: string) => said.push(line),
		},
	};
}

describe('signUpInteractively', () => {
	it('shows the refusal, asks again, and returns the new account', async () => {
		const t = terminal(['taken', 'fresh'], ['password 1', 'password 1', 'password 2', 'password 2'], [{v: 1, ok: false, error: 'that id is taken'}, {v: 1, ok: true}]);
		expect(await signUpInteractively(t.options)).toEqual({userId: 'fresh', password: 'password 2'});
		expect(t.requests).toEqual([['taken', 'password 1'], ['fresh', 'password 2']]);
		expect(t.said).toContain('hermes-chat: sign-up refused: that id is taken');
		expect(t.said.at(-1)).toBe('hermes-chat: account fresh created');
		expect(t.said.join('\n')).not.toMatch(/password [12]/);
	});

	it('checks the id, the password rules and the repeat before sending anything', async () => {
		const t = terminal(['a/b', 'bob', 'bob', 'bob'], ['short', 'long enough', 'different!', 'long enough', 'long enough'], [{v: 1, ok: true}]);
		expect(await signUpInteractively(t.options)).toEqual({userId: 'bob', password: 'long enough'});
		expect(t.requests).toHaveLength(1);
		expect(t.said.slice(0, 3)).toEqual([
			'hermes-chat: "a/b" is not a valid user id (1-64 of A-Z a-z 0-9 _ . -; not all, presence, server or signup)',
			'hermes-chat: a password needs at least 8 characters',
			'hermes-chat: the two passwords differ',
		]);
	});

	it('sanitizes the server’s refusal before it reaches the terminal', async () => {
		const t = terminal(['eve', 'eve'], ['long enough', 'long enough', 'long enough', 'long enough'], [{v: 1, ok: false, error: 'no\u001b]0;pwned\u0007 way'}, {v: 1, ok: true}]);
		await signUpInteractively(t.options);
		expect(t.said.join('')).not.toMatch(/[\u001b\u0007]/);
	});

	it('stops with one line when nobody answers, and after its tries', async () => {
		const silent = terminal(['zed'], ['long enough', 'long enough'], [new Error('no answer to the sign-up request within 10000 ms: sign-up is not allowed on this server (ask the operator)')]);
		await expect(signUpInteractively(silent.options)).rejects.toThrow(AbortError);
		await expect(signUpInteractively(terminal(['zed'], ['long enough', 'long enough'], [new Error('no answer')]).options)).rejects.toThrow(/^sign-up: no answer$/);
		const stubborn = terminal(Array(SIGNUP_TRIES).fill('x/y'), [], []);
		await expect(signUpInteractively(stubborn.options)).rejects.toThrow(`sign-up: ${SIGNUP_TRIES} tries`);
	});

	it('makes the broker URL of the `signup` client from the configured one', () => {
		expect(signupBrokerUrl('mqtt://broker.example:1883', 'p@ss w/rd')).toBe('mqtt://signup:p%40ss%20w%2Frd@broker.example:1883');
	});
});
