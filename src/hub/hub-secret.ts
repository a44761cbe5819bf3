// `{home}/hub-secret`: the password of both hub ports, readable by the hub's OS user only.
// May import node: modules only.
import {randomBytes, timingSafeEqual, createHash} from 'node:crypto';
import {chmod, mkdir, open, readFile, stat} from 'node:fs/promises';
import {join} from 'node:path';

/** Random bytes in a hub secret (256 bits); written as base64url (43 characters, URL-safe). */
export const HUB_SECRET_BYTES = 32;
/** Mode of the secret file: read and write for its owner only. */
export const HUB_SECRET_MODE = 0o600;

/**
 * The user name of the hub's own clients (its ingester, migrations, statistics) and of an
 * operator who needs everything: `server`, a reserved id no chat user can have
 * (protocol/topics.ts RESERVED_IDS), so it never collides with a chat identity.
 */
export const HUB_OWNER = 'server';

/** Path of the secret file in `home`. */
export function hubSecretPath(home: string): string {
	return join(home, 'hub-secret');
}

/** Thrown by {@link readHubSecret} when there is no usable secret file. */
export class HubSecretError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'HubSecretError';
	}
}

/**
 * The secret of the hub of `home`, creating it (0600, exclusive create, so two starting hubs
 * agree on one) on first use. A file found with a looser mode is tightened to 0600 and
 * reported through `onLoosened` (its secret may have been read: rotate it if that matters).
 * @returns the secret (base64url text, ≥ 32 random bytes from node:crypto).
 * @throws fs errors other than EEXIST (e.g. the home is not writable); HubSecretError for an
 *   empty or malformed file.
 */
export async function ensureHubSecret(home: string, onLoosened?: (mode: number) => void): Promise<string> {
	await mkdir(home, {recursive: true, mode: 0o700});
	const path = hubSecretPath(home);
	try {
		const file = await open(path, 'wx', HUB_SECRET_MODE);
		try {
			await file.writeFile(`${randomBytes(HUB_SECRET_BYTES).toString('base64url')}\n`);
			await file.sync();
		} finally {
			await file.close();
		}
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
	}
	const mode = (await stat(path)).mode & 0o777;
	if (mode !== HUB_SECRET_MODE) {
		await chmod(path, HUB_SECRET_MODE);
		onLoosened?.(mode);
	}
	return readHubSecret(home);
}

/**
 * Make `home` (the hub's data directory: secret, hub.json, pgdata, logs) 0700 when others may
 * enter or read it. @returns its previous mode when it was changed, else undefined.
 * @throws fs errors (e.g. `home` is not ours).
 */
export async function tightenHome(home: string): Promise<number | undefined> {
	const mode = (await stat(home)).mode & 0o777;
	if ((mode & 0o077) === 0) return undefined;
	await chmod(home, mode & 0o700);
	return mode;
}

/**
 * Read the secret of the hub of `home` (written by {@link ensureHubSecret}).
 * @throws HubSecretError when the file is missing, unreadable (EACCES for another OS user) or malformed.
 */
export async function readHubSecret(home: string): Promise<string> {
	let text: string;
	try {
		text = await readFile(hubSecretPath(home), 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code ?? 'error';
		throw new HubSecretError(`cannot read the hub secret ${hubSecretPath(home)} (${code})`);
	}
	const secret = text.trim();
	if (!/^[A-Za-z0-9_-]{43,}$/.test(secret)) throw new HubSecretError(`${hubSecretPath(home)} does not hold a hub secret`);
	return secret;
}

/**
 * Whether `given` is `secret`, in time independent of where they differ: both are hashed
 * (SHA-256) first so their lengths match for `timingSafeEqual`.
 */
export function isHubSecret(given: string | Buffer | undefined, secret: string): boolean {
	if (given === undefined) return false;
	const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();
	return timingSafeEqual(digest(given), digest(secret));
}

/**
 * `url` with `user` and `secret` as its credentials (`scheme://user:secret@host:port/…`).
 * Such a URL must never be printed or logged: use it only to connect.
 */
export function withHubCredentials(url: string, user: string, secret: string): string {
	const parsed = new URL(url);
	parsed.username = encodeURIComponent(user);
	parsed.password = encodeURIComponent(secret);
	return parsed.toString().replace(/\/$/, '');
}
