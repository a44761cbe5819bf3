// What hermes-chat remembers between runs, per person: a shared config.json (key map, who chose
// which identity last) plus one file per user id. May import conf, node:fs/os/path, protocol/, core/ and tui/ types.
import {readdirSync} from 'node:fs';
import {userInfo} from 'node:os';
import {dirname, join} from 'node:path';
import Conf from 'conf';
import type {Identity} from '../core/types.js';
import {isValidUserId} from '../protocol/index.js';
import type {NotificationSettings} from '../tui/run.js';

/** Key map overrides: action name → key spec(s) (the help overlay lists the actions). */
export type KeymapSettings = Record<string, string | string[]>;

/** The shared file, `config.json`: what belongs to this config directory, not to one person. */
export interface SharedSettings {
	/** Key map for everyone here; a person's own `keymap` entries win. */
	keymap?: KeymapSettings;
	/**
	 * Notification defaults for a person who has not chosen any (`/notify` writes the person's
	 * own file). Before per-user settings this was everyone's choice; it is kept as the default.
	 */
	notifications?: NotificationSettings;
	/**
	 * OS account name → the user id that account last chose explicitly (`--user`, `CHAT_USER_ID`
	 * or the prompt): what a bare `hermes-chat` uses.
	 */
	lastUserByAccount?: Record<string, string>;
	/** Before per-user settings: the identity of the last run. Moved to its user's file on open. */
	user?: Identity;
}

/** One person's file, `users/<userId>.json`. */
export interface UserSettings {
	/** Display name (1–100 characters). */
	name?: string;
	/** Notification preferences, written back when `/notify` changes them. */
	notifications?: NotificationSettings;
	/** Unsent composer text per conversation id (only non-empty drafts are kept). */
	drafts?: Record<string, string>;
	/** This person's key map entries, over the shared ones. */
	keymap?: KeymapSettings;
	/** Account mode: ask for the password on every start and never save it (as `--ask-password`). */
	askPassword?: boolean;
}

/**
 * The settings directory: `config.json` (shared) and `users/<userId>.json` (one per person), so
 * two people on one machine (or one HOME) never overwrite each other's name, notifications or
 * drafts, and two running TUIs of different people never write the same file.
 */
export class SettingsStore {
	/** The shared file. */
	readonly shared: Conf<SharedSettings>;
	/** The OS account this process runs as (for {@link SharedSettings.lastUserByAccount}). */
	readonly account: string;
	readonly #users = new Map<string, Conf<UserSettings>>();

	constructor(shared: Conf<SharedSettings>, account: string) {
		this.shared = shared;
		this.account = account;
	}

	/** Directory of the per-user files. */
	get usersDir(): string {
		return join(dirname(this.shared.path), 'users');
	}

	/** The file of `userId` (created on first write). `userId` must be valid (protocol isValidUserId). */
	user(userId: string): Conf<UserSettings> {
		let file = this.#users.get(userId);
		if (!file) {
			file = new Conf<UserSettings>({projectName: 'hermes-chat', cwd: this.usersDir, configName: userId});
			this.#users.set(userId, file);
		}
		return file;
	}

	/** User ids that have a settings file here, sorted. */
	knownUserIds(): string[] {
		try {
			return readdirSync(this.usersDir)
				.filter((name) => name.endsWith('.json'))
				.map((name) => name.slice(0, -'.json'.length))
				.sort();
		} catch {
			return [];
		}
	}

	/** The user id this OS account chose last, if any. */
	lastUser(): string | undefined {
		return this.shared.get('lastUserByAccount')?.[this.account];
	}

	/** Remember `userId` as this OS account's explicit choice. */
	setLastUser(userId: string): void {
		this.shared.set('lastUserByAccount', {...this.shared.get('lastUserByAccount'), [this.account]: userId});
	}

	/** Key map for `userId`: the shared entries, then the person's own over them. */
	keymapFor(userId: string): KeymapSettings | undefined {
		const shared = this.shared.get('keymap');
		const own = this.user(userId).get('keymap');
		return shared || own ? {...shared, ...own} : undefined;
	}

	/** Notification settings of `userId`: their own, else the shared default. */
	notificationsFor(userId: string): NotificationSettings | undefined {
		return this.user(userId).get('notifications') ?? this.shared.get('notifications');
	}
}

/**
 * Open the settings of `$HERMES_HOME/config/` when `HERMES_HOME` is set, else of conf's platform
 * default (e.g. `~/.config/hermes-chat/`), migrating a single-identity `config.json` of earlier
 * versions (see {@link migrateSettings}).
 */
export function openSettings(env: Record<string, string | undefined> = process.env, account = osAccount(env)): SettingsStore {
	const shared = new Conf<SharedSettings>({
		projectName: 'hermes-chat',
		projectSuffix: '',
		...(env.HERMES_HOME ? {cwd: `${env.HERMES_HOME}/config`} : {}),
	});
	const store = new SettingsStore(shared, account);
	migrateSettings(store);
	return store;
}

/**
 * Move the one identity of a pre-per-user `config.json` (`user: {userId, name}`, with the
 * file-wide `notifications`) into `users/<userId>.json`, and make it this account's last choice,
 * so a bare start behaves as before. Nothing is lost: a per-user file that already exists keeps
 * its own values; the shared `notifications` and `keymap` stay as defaults for everyone.
 * Idempotent; a no-op for files without `user`.
 */
export function migrateSettings(store: SettingsStore): void {
	const legacy = store.shared.get('user');
	// A hand-edited, invalid id stays where it is (resolveIdentity refuses it with a hint).
	if (!legacy || !isValidUserId(legacy.userId)) return;
	const file = store.user(legacy.userId);
	if (file.get('name') === undefined && legacy.name) file.set('name', legacy.name);
	const notifications = store.shared.get('notifications');
	if (file.get('notifications') === undefined && notifications) file.set('notifications', notifications);
	if (store.lastUser() === undefined) store.setLastUser(legacy.userId);
	store.shared.delete('user');
}

/**
 * Saves drafts at most every `delayMs` (default 500): the composer may report every keystroke.
 * {@link DraftSaver.flush} writes what is pending now (call it when the TUI ends).
 */
export class DraftSaver {
	readonly #file: Conf<UserSettings>;
	readonly #delayMs: number;
	#pending: Record<string, string> | undefined;
	#timer: ReturnType<typeof setTimeout> | undefined;

	constructor(file: Conf<UserSettings>, delayMs = 500) {
		this.#file = file;
		this.#delayMs = delayMs;
	}

	/** Queue `drafts` (conversation id → text) to be written; empty drafts are dropped. */
	save(drafts: Record<string, string>): void {
		this.#pending = Object.fromEntries(Object.entries(drafts).filter(([, text]) => text !== ''));
		this.#timer ??= setTimeout(() => this.flush(), this.#delayMs);
		this.#timer.unref?.();
	}

	/** Write pending drafts now. */
	flush(): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = undefined;
		const drafts = this.#pending;
		this.#pending = undefined;
		if (drafts === undefined) return;
		if (Object.keys(drafts).length === 0) this.#file.delete('drafts');
		else this.#file.set('drafts', drafts);
	}
}

/** The OS account name (`os.userInfo()`, else `$USER`/`$LOGNAME`, else `default`). */
export function osAccount(env: Record<string, string | undefined> = process.env): string {
	try {
		return userInfo().username || 'default';
	} catch {
		// No passwd entry (some containers run as a bare uid).
		return env.USER || env.LOGNAME || 'default';
	}
}
