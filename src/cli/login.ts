// Logging in before the chat opens (account mode): find the password, let both services judge
// it, ask again on a refusal, keep it when it worked. May import client/ types and cli/.
import type {LoginCheck, LoginRefusal, ServiceAnswer} from '../client/login-check.js';
import {accountUrls, forgetPassword, resolvePassword, savePassword, type PasswordSource} from './credentials.js';
import {AbortError} from './errors.js';

/** How many passwords typed on the terminal are tried before giving up. */
export const PASSWORD_TRIES = 3;

/** Options for {@link logIn}. */
export interface LoginOptions {
	/** The configured URLs (the database one without a user name). */
	urls: {databaseUrl: string; mqttUrl: string};
	userId: string;
	/** `HERMES_HOME` (the credential file lives under it). */
	home: string;
	env?: Record<string, string | undefined>;
	/** `--ask-password` or the user's `askPassword` setting: never read nor save the credential file. */
	isAskEveryTime: boolean;
	isInteractive: boolean;
	/** Hidden question on the terminal. */
	ask: (question: string) => Promise<string>;
	/** Both services' verdict on these URLs (client/login-check.ts checkLogin). */
	check: (urls: {databaseUrl: string; mqttUrl: string}) => Promise<LoginCheck>;
	/** Prints one line (stderr), e.g. a refusal before the question is asked again. */
	say: (line: string) => void;
	/** A password just chosen on this terminal (sign-up): tried first, as if typed at the prompt. */
	password?: string;
}

/** What {@link logIn} settled on. */
export interface LoginResult {
	/** The URLs with the account's credentials, for the chat client. */
	databaseUrl: string;
	mqttUrl: string;
	source: PasswordSource;
	/** Whether a service accepted the password (false: neither could be reached; the chat retries). */
	isVerified: boolean;
}

/**
 * Log in as `userId`: the password is `HERMES_PASSWORD`, else the saved credential, else asked
 * (see credentials.ts resolvePassword); both services are asked at once. A refusal is one line
 * ("wrong password for alice", "account alice is disabled or unknown"); a refused saved
 * credential is deleted; on a terminal a wrong password is asked again, {@link PASSWORD_TRIES}
 * typed tries in all. A password typed here is saved once a service accepted it, unless
 * `isAskEveryTime`. When neither service answers, the chat starts anyway (it retries in the
 * background) and nothing is saved.
 * @throws AbortError with the refusal line when no more tries are left, at once for a disabled
 *   or unknown account or a refused `HERMES_PASSWORD`; or without a terminal and a password.
 */
export async function logIn(options: LoginOptions): Promise<LoginResult> {
	const {userId, home} = options;
	let isPromptOnly = false;
	let tries = 0;
	let chosen = options.password;
	for (;;) {
		const {password, source} = chosen !== undefined ? {password: chosen, source: 'prompt' as const} : await resolvePassword({...options, isPromptOnly});
		chosen = undefined;
		const urls = accountUrls(options.urls, userId, password);
		const verdict = await options.check(urls);
		const refusal = refusalOf(verdict);
		if (!refusal) {
			const isVerified = verdict.database.kind === 'accepted' || verdict.broker.kind === 'accepted';
			if (source === 'prompt' && isVerified && !options.isAskEveryTime) {
				await savePassword(home, userId, password).catch((error: Error) =>
					options.say(`hermes-chat: could not save the password (${error.message}) — it will be asked again next time`),
				);
			}
			return {...urls, source, isVerified};
		}
		if (source === 'saved') await forgetPassword(home, userId);
		if (source === 'prompt') tries += 1;
		const line = refusalLine(refusal, userId);
		if (refusal.refusal === 'disabled-or-unknown' || refusal.isBrokerOnly) {
			throw new AbortError(line, `ask the operator to create or enable it: \`hermes-chat account create ${userId}\``);
		}
		if (source === 'env') throw new AbortError(line, 'check HERMES_PASSWORD');
		if (!options.isInteractive) {
			throw new AbortError(line, source === 'saved' ? 'the saved password was deleted; set HERMES_PASSWORD' : 'set HERMES_PASSWORD');
		}
		if (tries >= PASSWORD_TRIES) {
			throw new AbortError(line, `${PASSWORD_TRIES} tries; ask the operator for a new one: \`hermes-chat account passwd ${userId}\``);
		}
		options.say(`hermes-chat: ${line}${source === 'saved' ? ' (the saved password was deleted)' : ''}`);
		isPromptOnly = true;
	}
}

interface Refusal {
	refusal: LoginRefusal;
	/** The broker refused a password PostgreSQL accepted: the broker account is missing or different. */
	isBrokerOnly: boolean;
}

/** PostgreSQL's answer wins (its codes tell a wrong password from a disabled account; Mosquitto's do not). */
function refusalOf(verdict: LoginCheck): Refusal | undefined {
	if (verdict.database.kind === 'refused') return {refusal: verdict.database.refusal, isBrokerOnly: false};
	if (verdict.broker.kind === 'refused') {
		return {refusal: verdict.broker.refusal, isBrokerOnly: isAccepted(verdict.database)};
	}
	return undefined;
}

function isAccepted(answer: ServiceAnswer): boolean {
	return answer.kind === 'accepted';
}

/** The one line for a refusal. */
export function refusalLine(refusal: Refusal, userId: string): string {
	if (refusal.isBrokerOnly) return `the MQTT broker refused account ${userId} (PostgreSQL accepted the password)`;
	return refusal.refusal === 'wrong-password' ? `wrong password for ${userId}` : `account ${userId} is disabled or unknown`;
}
