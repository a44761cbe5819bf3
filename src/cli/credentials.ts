// Account mode (issue 9, client side): a DATABASE_URL without a user name means "log in as my
// chat account", and this file says where that account's password comes from and where it is
// kept. May import node:fs/path/crypto and cli/.
import {randomBytes} from 'node:crypto';
import {chmod, mkdir, open, readFile, rename, rm, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {withBrokerCredentials} from '../live/broker-urls.js';
import type {ServiceConfig} from './config.js';
import {AbortError} from './errors.js';

/**
 * Whether `config` is account mode: a database URL is configured and names no user
 * (`postgres://db.example:5432/hermes`). A URL with a user (operators, tests, older set-ups) is
 * used as given; the embedded hub (no URL) is never account mode.
 */
export function isAccountMode(config: ServiceConfig): boolean {
	if (!config.databaseUrl) return false;
	try {
		return new URL(config.databaseUrl).username === '';
	} catch {
		// An unparsable URL: let the client report it as it always did.
		return false;
	}
}

/**
 * The service URLs that log in as `userId` with `password`: PostgreSQL as the login role
 * `userId`, MQTT with user name `userId` — unless the MQTT URL carries a user name of its own,
 * which is kept with its password. The MQTT URL may be a comma-separated broker list (one
 * cluster): every entry gets the same credentials. Both parts are percent-encoded by WHATWG URL.
 * @throws TypeError when a URL cannot be parsed.
 */
export function accountUrls(urls: {databaseUrl: string; mqttUrl: string}, userId: string, password: string): {databaseUrl: string; mqttUrl: string} {
	const database = new URL(urls.databaseUrl);
	database.username = userId;
	database.password = password;
	return {databaseUrl: database.toString(), mqttUrl: withBrokerCredentials(urls.mqttUrl, userId, password)};
}

/**
 * `{home}/credentials/<userId>`: the saved password of one account. `userId` must be a valid user
 * id; `.` and `..` are valid ids but no file names, so they never have a saved password.
 * @throws Error for `.` and `..`.
 */
export function credentialPath(home: string, userId: string): string {
	if (isDotName(userId)) throw new Error(`user id "${userId}" cannot have a saved password`);
	return join(home, 'credentials', userId);
}

function isDotName(userId: string): boolean {
	return userId === '.' || userId === '..';
}

/**
 * The saved password of `userId`, or `undefined` when none is saved (or the file is empty).
 * The file holds the password only, UTF-8, no newline. A file that group or others may read is
 * not trusted: it is deleted and `undefined` returned (the password is asked again).
 * @throws Error for read failures other than a missing file.
 */
export async function readSavedPassword(home: string, userId: string): Promise<string | undefined> {
	if (isDotName(userId)) return undefined;
	const path = credentialPath(home, userId);
	try {
		if (((await stat(path)).mode & 0o077) !== 0) {
			await rm(path, {force: true});
			return undefined;
		}
		const password = await readFile(path, 'utf8');
		return password === '' ? undefined : password;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw error;
	}
}

/**
 * Save `password` for `userId`, atomically: written to a temp file created 0600 in the same
 * directory, fsynced, then renamed over the old one, so a reader sees the old or the new
 * password, never half of one. The directory is created (or tightened) to 0700.
 * @throws Error when the file cannot be written (the temp file is removed), or for `.` and `..`.
 */
export async function savePassword(home: string, userId: string, password: string): Promise<void> {
	const path = credentialPath(home, userId);
	const dir = join(home, 'credentials');
	await mkdir(dir, {recursive: true, mode: 0o700});
	await chmod(dir, 0o700);
	const temp = join(dir, `.${userId}.${randomBytes(6).toString('hex')}.tmp`);
	const file = await open(temp, 'wx', 0o600);
	try {
		await file.writeFile(password, 'utf8');
		await file.sync();
		await file.close();
		await rename(temp, path);
	} catch (error) {
		await file.close().catch(() => undefined);
		await rm(temp, {force: true});
		throw error;
	}
}

/** Delete the saved password of `userId`. @returns whether there was one. */
export async function forgetPassword(home: string, userId: string): Promise<boolean> {
	if (isDotName(userId)) return false;
	try {
		await rm(credentialPath(home, userId));
		return true;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
		throw error;
	}
}

/** Where a password came from: the environment, the credential file, or the terminal. */
export type PasswordSource = 'env' | 'saved' | 'prompt';

/** Options for {@link resolvePassword}. */
export interface PasswordOptions {
	userId: string;
	/** `HERMES_HOME` (see config.ts hermesHome). */
	home: string;
	env?: Record<string, string | undefined>;
	/** `--ask-password` or the user's `askPassword` setting: skip the saved credential. */
	isAskEveryTime?: boolean;
	/** Skip `HERMES_PASSWORD` and the saved file (after they were refused). */
	isPromptOnly?: boolean;
	/** Whether there is a terminal to ask on. */
	isInteractive: boolean;
	/** Hidden question on the terminal (see password-prompt.ts). */
	ask: (question: string) => Promise<string>;
}

/**
 * The password of `userId`, first found: `HERMES_PASSWORD`; the saved credential (unless
 * `isAskEveryTime`); a hidden question on the terminal (an empty answer is asked again).
 * @throws AbortError without a terminal when neither of the first two gives one.
 */
export async function resolvePassword(options: PasswordOptions): Promise<{password: string; source: PasswordSource}> {
	const env = options.env ?? process.env;
	if (!options.isPromptOnly) {
		const fromEnv = env.HERMES_PASSWORD;
		if (fromEnv) return {password: fromEnv, source: 'env'};
		if (!options.isAskEveryTime) {
			const saved = await readSavedPassword(options.home, options.userId);
			if (saved !== undefined) return {password: saved, source: 'saved'};
		}
	}
	if (!options.isInteractive) {
		throw new AbortError(`no password for ${options.userId}`, 'set HERMES_PASSWORD, or run it in a terminal to be asked');
	}
	for (;;) {
		const password = await options.ask(`Password for ${options.userId}: `);
		if (password !== '') return {password, source: 'prompt'};
	}
}
