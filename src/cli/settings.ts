// The user's remembered settings (identity, key map, notifications), stored with `conf`.
// May import conf, node:readline, protocol/ and core/types.
import {createInterface} from 'node:readline/promises';
import Conf from 'conf';
import {isValidUserId} from '../protocol/index.js';
import type {Identity} from '../core/types.js';
import type {NotificationSettings} from '../tui/run.js';
import {AbortError} from './errors.js';

/** What hermes-chat remembers between runs (the config file, JSON). */
export interface Settings {
	/** The identity of the last run. */
	user?: Identity;
	/** Key map overrides: action name → key spec(s) (the help overlay lists the actions). */
	keymap?: Record<string, string | string[]>;
	/** Notification preferences (written back when `/notify` changes them). */
	notifications?: NotificationSettings;
}

/**
 * Open the settings store: `$HERMES_HOME/config/config.json` when `HERMES_HOME` is set,
 * else conf's platform default (e.g. `~/.config/hermes-chat/config.json`).
 */
export function openSettings(env: Record<string, string | undefined> = process.env): Conf<Settings> {
	return new Conf<Settings>({
		projectName: 'hermes-chat',
		projectSuffix: '',
		...(env.HERMES_HOME ? {cwd: `${env.HERMES_HOME}/config`} : {}),
	});
}

/** Identity flags (`--user`, `--name`). */
export interface IdentityFlags {
	user?: string;
	name?: string;
}

/**
 * Who am I: `--user`/`--name`, else `CHAT_USER_ID`/`CHAT_USER_NAME`, else the identity
 * remembered from the last run, else asked on the terminal (first run). The result is
 * remembered for next time.
 * @throws AbortError for an invalid user id, or when no identity is known and stdin is
 *   not a terminal to ask on.
 */
export async function resolveIdentity(
	flags: IdentityFlags,
	settings: Conf<Settings>,
	env: Record<string, string | undefined> = process.env,
	ask: (question: string) => Promise<string> = askOnTerminal,
): Promise<Identity> {
	const remembered = settings.get('user');
	let userId = flags.user ?? env.CHAT_USER_ID ?? remembered?.userId;
	let name = flags.name ?? env.CHAT_USER_NAME ?? (remembered?.userId === userId ? remembered?.name : undefined);
	if (!userId) {
		if (!process.stdin.isTTY) {
			throw new AbortError('no user id given', 'pass --user <id> or set CHAT_USER_ID');
		}
		userId = (await ask('Pick a user id (letters, digits, _ . -): ')).trim();
		name ??= (await ask(`Display name [${userId}]: `)).trim() || undefined;
	}
	if (!isValidUserId(userId)) {
		throw new AbortError(
			`"${userId}" is not a valid user id`,
			'use 1-64 of A-Z a-z 0-9 _ . - (not all, presence or server)',
		);
	}
	const identity = {userId, name: (name ?? userId).slice(0, 100)};
	settings.set('user', identity);
	return identity;
}

async function askOnTerminal(question: string): Promise<string> {
	const rl = createInterface({input: process.stdin, output: process.stdout});
	try {
		return await rl.question(question);
	} finally {
		rl.close();
	}
}
