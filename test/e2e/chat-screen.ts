// E2E helper: start the built hermes-chat in a real terminal and read its panes off the screen.
// Used by three-users.e2e.test.ts; wraps test/helpers/terminal.ts (not modified).
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {isPostgresReachable, TEST_PG_ADMIN_URL} from '../helpers/db.js';
import {isBrokerReachable, TEST_MQTT_URL} from '../helpers/targets.js';
import {startTerminal, type TerminalSession} from '../helpers/terminal.js';

/** The built CLI (`npm run build`; `npm test` builds first). */
export const CLI_PATH = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
/** Broker the suite runs against (env `TEST_MQTT_URL`). */
export {TEST_MQTT_URL};
/** Terminal size of every chat, as the screens in the brief. */
export const COLUMNS = 110;
export const ROWS = 30;
/** Presence marks of the list rows (theme.ts): online, away, busy, offline. */
export const PRESENCE = {online: '●', away: '◐', busy: '⊘', offline: '○'} as const;

/** Why the suite cannot run here (services down, CLI not built), or undefined when it can. */
export async function suiteProblem(): Promise<string | undefined> {
	if (!existsSync(CLI_PATH)) return `${CLI_PATH} is missing (run npm run build)`;
	if (!(await isPostgresReachable())) return `PostgreSQL unreachable at ${TEST_PG_ADMIN_URL} (TEST_PG_ADMIN_URL)`;
	if (!(await isBrokerReachable(TEST_MQTT_URL))) return `MQTT broker unreachable at ${TEST_MQTT_URL} (TEST_MQTT_URL)`;
	return undefined;
}

/** Where one chat connects and keeps its data. */
export interface ChatOptions {
	userId: string;
	name: string;
	/** HERMES_HOME of this user (config, logs). */
	home: string;
	mqttUrl: string;
	databaseUrl: string;
	topicBase: string;
}

/**
 * Start `hermes-chat --user … --mqtt-url … --database-url … --topic …` in a 110×30 terminal
 * with a clean environment (no service variables inherited) and wait until the status bar
 * says `broker up` and `db up`.
 * @throws TerminalWaitError (with the last screen) when it does not get there in `timeoutMs`.
 */
export async function startChat(options: ChatOptions, timeoutMs = 20_000): Promise<TerminalSession> {
	const session = startTerminal({
		command: process.execPath,
		args: [CLI_PATH, '--user', options.userId, '--name', options.name, '--mqtt-url', options.mqttUrl, '--database-url', options.databaseUrl, '--topic', options.topicBase],
		env: {
			HERMES_HOME: options.home,
			FORCE_COLOR: undefined,
			NO_COLOR: undefined,
			MQTT_URL: undefined,
			DATABASE_URL: undefined,
			MQTT_TOPIC: undefined,
			CHAT_USER_ID: undefined,
			CHAT_USER_NAME: undefined,
		},
		cols: COLUMNS,
		rows: ROWS,
	});
	try {
		await session.waitFor(/broker up │ db up/, timeoutMs);
	} catch (error) {
		await session.close();
		throw error;
	}
	return session;
}

/** The inner text of the conversation list (left) and thread (right) panes, row by row. */
export interface Panes {
	list: string[];
	thread: string[];
}

/** Split a screen into its two bordered panes (rows that are not inside both are skipped). */
export function panesOf(screen: string): Panes {
	const list: string[] = [];
	const thread: string[] = [];
	for (const line of screen.split('\n')) {
		if (!line.startsWith('│')) continue;
		const end = line.indexOf('│', 1);
		if (end < 0) continue;
		list.push(line.slice(1, end));
		const rest = line.slice(end + 1);
		if (rest.startsWith('│')) thread.push(rest.slice(1, rest.lastIndexOf('│')));
	}
	return {list, thread};
}

/** One conversation of the list: its first line (presence, name, unread, time) and second (preview/typing). */
export interface ListEntry {
	head: string;
	sub: string;
}

/** The list entry whose name is `name`, or undefined when the list has none. */
export function listEntry(screen: string, name: string): ListEntry | undefined {
	const {list} = panesOf(screen);
	const index = list.findIndex((row) => new RegExp(`^[${Object.values(PRESENCE).join('')}][▸ ]${name}\\b`).test(row));
	return index < 0 ? undefined : {head: list[index]!, sub: list[index + 1] ?? ''};
}

/** The unread count `(N)` of a list entry (0 when it shows none). */
export function unreadOf(entry: ListEntry | undefined): number {
	const match = entry?.head.match(/\((\d+)\)/);
	return match ? Number(match[1]) : 0;
}

/** The thread pane's title row ("Ben (ben) · online"). */
export function threadTitle(screen: string): string {
	return panesOf(screen).thread[0]?.trim() ?? '';
}

/**
 * The composer as the last complete frame shows it (its row sits above the bottom border and the
 * status bar); undefined while a frame is only partly drawn. `isFocused`: the › prompt mark;
 * `text` is what is typed, or the placeholder while empty.
 */
export function composerOf(screen: string): {isFocused: boolean; text: string} | undefined {
	const lines = screen.trimEnd().split('\n');
	const [row, bottom, status] = lines.slice(-3);
	if (!row?.startsWith('│') || !bottom?.startsWith('╰') || !status?.includes(' │ ')) return undefined;
	const inner = row.slice(row.indexOf('││') + 2, row.lastIndexOf('│'));
	return {isFocused: inner.startsWith('›'), text: inner.slice(1).trim()};
}

/** Press Esc and wait for the frame where the list has the focus back (the composer lost its › mark). */
export async function escapeToList(session: TerminalSession): Promise<void> {
	session.press('escape');
	await session.waitFor(screenWhere('composer unfocused', (s) => composerOf(s)?.isFocused === false));
}

/** The n of every "<time> <Name>: message <n>" row in the thread pane (seeded messages), top to bottom. */
export function seededNumbers(screen: string): number[] {
	return panesOf(screen)
		.thread.map((row) => row.match(/\S+: message (\d+)\b/))
		.filter((m): m is RegExpMatchArray => m !== null)
		.map((m) => Number(m[1]));
}

/**
 * A `waitFor` matcher for any condition on the screen: the harness calls `.test(screen)`
 * on a RegExp, so this RegExp answers with `check`. `label` names it in timeout errors.
 */
export function screenWhere(label: string, check: (screen: string) => boolean): RegExp {
	return new (class extends RegExp {
		override test(screen: string): boolean {
			return check(screen);
		}
		override toString(): string {
			return label;
		}
	})(label.replace(/[^\w]/g, '_'));
}

/** Type `line` (a command or text) into the composer and press Enter once it shows there. */
export async function submit(session: TerminalSession, line: string): Promise<void> {
	session.write(line);
	await session.waitFor(`› ${line}`);
	session.press('enter');
}

/** How long an open took, in ms from the Enter key. */
export interface OpenTiming {
	/** Until the first complete frame without the switcher (the conversation is open, maybe still loading). */
	closedMs: number;
	/** Until the screen matched what the caller waited for (e.g. the newest message). */
	shownMs: number;
}

/**
 * Open a conversation with the quick switcher: Ctrl+K, type `query`, wait for `expectRow`
 * among the matches, Enter, then wait until the screen matches `shown`.
 * @throws TerminalWaitError (with the last screen) when a step does not show in time.
 */
export async function switchTo(session: TerminalSession, query: string, expectRow: string, shown: string | RegExp, timeoutMs = 15_000): Promise<OpenTiming> {
	session.press('ctrl-k');
	await session.waitFor('Switch to');
	session.write(query);
	await session.waitFor(screenWhere(`switcher shows "${expectRow}" for "${query}"`, (s) => s.includes(`> ${query}`) && s.includes(expectRow)));
	const started = performance.now();
	const since = () => performance.now() - started;
	session.press('enter');
	const [closedMs, shownMs] = await Promise.all([
		session.waitFor(screenWhere('switcher closed', (s) => !s.includes('Switch to') && composerOf(s) !== undefined), timeoutMs).then(since),
		session.waitFor(shown, timeoutMs).then(since),
	]);
	return {closedMs, shownMs};
}
