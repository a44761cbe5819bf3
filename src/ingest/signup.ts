// Deciding a self sign-up request (issue 9): the account rules, a rate limit, then the account is
// created on every backend, as `hermes-chat account create` does. May import accounts/, store/
// (the account id rules), protocol/ and log.
import {AccountError, type AccountBackend} from '../accounts/backend.js';
import {passwordProblem} from '../accounts/password.js';
import type {Logger} from '../log.js';
import type {SignupReply, SignupRequest} from '../protocol/index.js';
import {accountIdProblem} from '../store/accounts.js';

/** Default for {@link SignupHandlerOptions.perMinute} (defined in defaults.ts, loaded for `ingest --help`). */
export {DEFAULT_SIGNUPS_PER_MINUTE} from './defaults.js';
const MINUTE_MS = 60_000;

/** Options for {@link createSignupHandler}. */
export interface SignupHandlerOptions {
	/** Where the account must exist, in order (PostgreSQL first, then Mosquitto's dynsec). */
	backends: readonly AccountBackend[];
	/** Requests handled in any 60 s (sliding window) before the rest are refused; each costs two password hashes. */
	perMinute: number;
	logger: Logger;
	/** Clock in ms (tests). */
	now?: () => number;
}

/**
 * The decision on one request, as the reply to send:
 * 1. more than `perMinute` requests in the last minute → "too many sign-ups right now; try again in a minute";
 * 2. the id (store/accounts.ts accountIdProblem) and password (accounts/password.ts passwordProblem)
 *    rules → their one line;
 * 3. every backend's `idProblem`: `reserved` → "that id is reserved", nothing created anywhere;
 * 4. `create` on each backend in order: `exists` on the first → "that id is taken"; any other
 *    refusal → its line; a failure after the first backend (the account is then only partly made)
 *    → "sign-up failed on the server; ask the operator", logged with what to repair.
 * Never throws; the password is never logged.
 */
export function createSignupHandler(options: SignupHandlerOptions): (request: SignupRequest) => Promise<SignupReply> {
	const now = options.now ?? Date.now;
	const recent: number[] = [];
	const {logger} = options;
	return async (request) => {
		const at = now();
		while (recent.length > 0 && at - recent[0]! >= MINUTE_MS) recent.shift();
		if (recent.length >= options.perMinute) {
			logger.warn({perMinute: options.perMinute}, 'sign-up refused: rate limit');
			return refuse('too many sign-ups right now; try again in a minute');
		}
		recent.push(at);
		const userId = request.user_id;
		const idProblem = accountIdProblem(userId);
		if (idProblem) return refuse(idProblem.code === 'reserved' ? 'that id is reserved' : 'not a valid id: 1–64 characters of A-Z a-z 0-9 _ . -');
		const problem = passwordProblem(request.password);
		if (problem) return refuse(problem);
		// Every backend first, so an id one of them always refuses (the broker's admin or ingester,
		// a PostgreSQL role that is no account) is created on none.
		for (const backend of options.backends) {
			const refusal = await backend.idProblem(userId).catch((error: Error) => error);
			if (!refusal) continue;
			logger.info({userId, backend: backend.name, code: refusal instanceof AccountError ? refusal.code : undefined}, 'sign-up refused before any change');
			if (refusal instanceof AccountError) return refuse(refusal.code === 'reserved' ? 'that id is reserved' : refusal.message);
			return refuse('sign-up is unavailable right now; try again later');
		}
		const done: string[] = [];
		for (const backend of options.backends) {
			try {
				await backend.create(userId, request.password);
				done.push(backend.name);
			} catch (error) {
				const isRefusal = error instanceof AccountError;
				if (done.length === 0 && isRefusal) {
					logger.info({userId, backend: backend.name, code: error.code}, 'sign-up refused');
					return refuse(error.code === 'exists' ? 'that id is taken' : error.code === 'reserved' ? 'that id is reserved' : error.code === 'invalid' ? error.message : 'sign-up is unavailable right now; try again later');
				}
				logger.error(
					{userId, backend: backend.name, err: (error as Error).message, createdOn: done},
					done.length
						? `sign-up of ${userId} stopped half way: the account exists on ${done.join(', ')} only — finish it with \`hermes-chat account passwd\` or remove it`
						: 'sign-up failed',
				);
				return refuse('sign-up failed on the server; try again later or ask the operator');
			}
		}
		logger.info({userId, backends: done}, 'account created by sign-up');
		return {v: 1, ok: true};
	};
}

/** A refusal; its line is cut to the 200 characters a reply may carry. */
function refuse(error: string): SignupReply {
	return {v: 1, ok: false, error: error.slice(0, 200)};
}
