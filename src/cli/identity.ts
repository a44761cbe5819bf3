// Who am I: the identity rule of `hermes-chat` (flags, environment, this account's last choice,
// the prompt). May import node:readline, protocol/, core/ types and cli/.
import {createInterface} from 'node:readline/promises';
import type {Identity} from '../core/types.js';
import {isValidUserId} from '../protocol/index.js';
import {AbortError} from './errors.js';
import type {SettingsStore} from './settings.js';

/** Identity flags (`--user`, `--name`). */
export interface IdentityFlags {
	user?: string;
	name?: string;
}

/** Asks one question on the terminal and returns the answer (tests pass their own). */
export type Ask = (question: string) => Promise<string>;

/**
 * Who am I. The user id is, first found:
 * 1. `--user`, else `CHAT_USER_ID` — an explicit choice, remembered as this OS account's last;
 * 2. with one identity set up here (or none yet but a remembered choice): that one;
 * 3. with several: asked on the terminal, listing them, Enter taking the one this OS account
 *    last chose explicitly — never silently somebody else's (without a terminal: the last
 *    choice, else refused);
 * 4. with none: the first-run question (id, then display name).
 * The answer to a question is remembered as this account's choice.
 * The display name is `--name`, else `CHAT_USER_NAME`, else the one saved in that user's own
 * file, else asked (first run), else the id; it is saved in that user's file only, so naming
 * fredy never renames anyone else.
 * In account mode (`isAccountMode`: the services log in with the chat account) the first-run
 * question asks for the account's user id and says how to get one; with `signUp` (the server
 * allows self sign-up, cli/signup.ts), an empty answer runs it and its new id is the answer.
 * @throws AbortError for an invalid user id, or when the id must be asked and `isInteractive`
 *   is false (no terminal to ask on).
 */
export async function resolveIdentity(
	flags: IdentityFlags,
	store: SettingsStore,
	env: Record<string, string | undefined> = process.env,
	ask: Ask = askOnTerminal,
	isInteractive = process.stdin.isTTY === true,
	isAccountMode = false,
	signUp?: () => Promise<string>,
): Promise<Identity> {
	const explicit = nonEmpty(flags.user) ?? nonEmpty(env.CHAT_USER_ID);
	let name = nonEmpty(flags.name) ?? nonEmpty(env.CHAT_USER_NAME);
	let isChosen = explicit !== undefined;
	let userId = explicit;
	if (userId === undefined) {
		const known = store.knownUserIds().filter(isValidUserId);
		const last = store.lastUser();
		if (known.length > 1 && isInteractive) {
			const answer = (await ask(`Who are you? ${known.join(', ')} — or a new user id${last ? ` [${last}]` : ''}: `)).trim();
			userId = answer || last || '';
			isChosen = true;
		} else if (known.length > 1 || (known.length === 0 && last !== undefined)) {
			userId = last;
		} else if (known.length === 1) {
			userId = known[0]!;
		}
		if (userId === undefined) {
			if (!isInteractive) {
				const hint = known.length > 1 ? `pass --user with one of ${known.join(', ')}` : 'pass --user <id> or set CHAT_USER_ID';
				throw new AbortError(known.length > 1 ? 'several identities are set up here' : 'no user id given', hint);
			}
			const question = isAccountMode ? (signUp ? SIGNUP_QUESTION : ACCOUNT_QUESTION) : 'Pick a user id (letters, digits, _ . -): ';
			userId = (await ask(question)).trim();
			if (userId === '' && isAccountMode && signUp) userId = await signUp();
			isChosen = true;
		}
		if (isChosen && !known.includes(userId) && name === undefined && isValidUserId(userId)) {
			name = nonEmpty(await ask(`Display name [${userId}]: `));
		}
	}
	if (!isValidUserId(userId)) {
		throw new AbortError(`"${userId}" is not a valid user id`, 'use 1-64 of A-Z a-z 0-9 _ . - (not all, presence, server or signup)');
	}
	const file = store.user(userId);
	const saved = file.get('name');
	const identity = {userId, name: (name ?? saved ?? userId).slice(0, 100)};
	if (identity.name !== saved) file.set('name', identity.name);
	if (isChosen) store.setLastUser(userId);
	return identity;
}

/** The first-run question in account mode: the id is an account an operator created. */
export const ACCOUNT_QUESTION =
	'No account yet? Ask your operator to run `hermes-chat account create <id>` and give you its password.\n' +
	'Your account user id: ';

/** The first-run question in account mode when self sign-up is configured (HERMES_SIGNUP_PASSWORD). */
export const SIGNUP_QUESTION =
	'No account yet? Press Enter to sign up (or ask your operator: `hermes-chat account create <id>`).\n' +
	'Your account user id: ';

function nonEmpty(value: string | undefined): string | undefined {
	const trimmed = value?.trim();
	return trimmed ? trimmed : undefined;
}

/** Ask `question` on the terminal (readline, echoed) and resolve with the answer. */
export async function askOnTerminal(question: string): Promise<string> {
	const rl = createInterface({input: process.stdin, output: process.stdout});
	try {
		return await rl.question(question);
	} finally {
		rl.close();
	}
}
