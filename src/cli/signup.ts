// Self sign-up from the first-run screen (issue 9): ask an id and a password (twice, hidden), send
// the request over the broker as the client `signup` (live/signup-link.ts), show a refusal and ask
// again. May import accounts/ (password rules), core/ (sanitize), protocol/ and cli/.
import {passwordProblem} from '../accounts/password.js';
import {sanitizeInline} from '../core/sanitize.js';
import {mapBrokerUrls} from '../live/broker-urls.js';
import {isValidUserId, type SignupReply} from '../protocol/index.js';
import {AbortError} from './errors.js';

/** How many sign-up attempts (answers to the id question) before giving up. */
export const SIGNUP_TRIES = 5;

/** Options for {@link signUpInteractively}. */
export interface SignupPromptOptions {
	/** Echoed question (the id). */
	ask: (question: string) => Promise<string>;
	/** Hidden question (the password). */
	askHidden: (question: string) => Promise<string>;
	/** Send the request and wait for the reply (requestSignup); throws one line when nobody answers. */
	request: (userId: string, password: string) => Promise<SignupReply>;
	/** Prints one line (stderr). */
	say: (line: string) => void;
}

/**
 * Ask for a new account until the server creates one: an id (checked here first: protocol
 * isValidUserId), a password twice (checked here first: accounts/password.ts passwordProblem),
 * then the request; the server's refusal (sanitized, one line) is shown and the questions start
 * again, {@link SIGNUP_TRIES} times at most. The typed password is never shown.
 * @returns the new account's id and password, for the normal login.
 * @throws AbortError when nobody answers the request (sign-up not allowed), the broker refuses
 *   the `signup` client, or the tries are used up.
 */
export async function signUpInteractively(options: SignupPromptOptions): Promise<{userId: string; password: string}> {
	const {say} = options;
	for (let attempt = 1; attempt <= SIGNUP_TRIES; attempt++) {
		const userId = (await options.ask('Sign up — pick your user id (letters, digits, _ . -): ')).trim();
		if (!isValidUserId(userId)) {
			say(`hermes-chat: "${sanitizeInline(userId).slice(0, 80)}" is not a valid user id (1-64 of A-Z a-z 0-9 _ . -; not all, presence, server or signup)`);
			continue;
		}
		const password = await options.askHidden(`Password for ${userId}: `);
		const problem = passwordProblem(password);
		if (problem) {
			say(`hermes-chat: ${problem}`);
			continue;
		}
		if ((await options.askHidden('Again: ')) !== password) {
			say('hermes-chat: the two passwords differ');
			continue;
		}
		say(`hermes-chat: asking the server for account ${userId}…`);
		let reply: SignupReply;
		try {
			reply = await options.request(userId, password);
		} catch (error) {
			throw new AbortError(`sign-up: ${sanitizeInline((error as Error).message)}`, 'ask the operator for an account: `hermes-chat account create <id>`');
		}
		if (reply.ok) {
			say(`hermes-chat: account ${userId} created`);
			return {userId, password};
		}
		say(`hermes-chat: sign-up refused: ${sanitizeInline(reply.error)}`);
	}
	throw new AbortError(`sign-up: ${SIGNUP_TRIES} tries`, 'run hermes-chat again, or ask the operator: `hermes-chat account create <id>`');
}

/**
 * The broker URL of the `signup` client: the configured `mqttUrl` with user `signup` and the
 * published sign-up password (`HERMES_SIGNUP_PASSWORD`), on every entry of a broker list.
 */
export function signupBrokerUrl(mqttUrl: string, signupPassword: string): string {
	return mapBrokerUrls(mqttUrl, (url) => {
		url.username = 'signup';
		url.password = signupPassword;
	});
}
