// runTui: full-screen session on the alternate screen, restored on every exit path.
// May import react, ink, core/ and tui/.
import {render} from 'ink';
import {resolveKeymap, type Keymap} from '../core/keymap.js';
import type {NotifyMode, NotifyPrefs} from '../core/state.js';
import type {ChatPort} from '../core/types.js';
import {App} from './app.js';
import {editExternally} from './external-editor.js';
import {filteredStdin} from './filtered-stdin.js';
import {notificationBytes, type DesktopKind} from './notify-effect.js';
import {useTerminalSize} from './use-terminal-size.js';

/** Alternate screen buffer on, cursor hidden (DEC private modes 1049 and 25). */
export const ENTER_SCREEN = '\x1b[?1049h\x1b[?25l';
/** Cursor shown, back to the main screen buffer. */
export const LEAVE_SCREEN = '\x1b[?25h\x1b[?1049l';
/**
 * Input modes on: bracketed paste (DEC 2004: a paste arrives between markers, so its line
 * breaks are not Enter presses) and mouse reports (X10 clicks and wheel 1000, in the SGR
 * encoding 1006). Terminals without them ignore these; Shift+drag still selects text.
 */
export const INPUT_MODES_ON = '\x1b[?2004h\x1b[?1000h\x1b[?1006h';
/** Input modes off again (every exit path, and while the external editor runs). */
export const INPUT_MODES_OFF = '\x1b[?1006l\x1b[?1000l\x1b[?2004l';
/** Frames per second cap: a burst of background messages costs at most this many redraws. */
export const MAX_FPS = 20;

/** Notification settings as stored in the config file. */
export interface NotificationSettings {
	/** Global mode (default `bell`). */
	mode?: NotifyMode;
	/** Conversation ids muted individually. */
	muted?: string[];
	/** Per-conversation modes (override `mode`). */
	perConversation?: Record<string, NotifyMode>;
	/** Desktop escape: OSC 9 (iTerm2, kitty, WezTerm) or OSC 777 (VTE, urxvt); default osc9. */
	desktop?: DesktopKind;
}

/** Options of {@link runTui}. */
export interface RunTuiOptions {
	port: ChatPort;
	/** Key map overrides from the config file: `{action: keySpec | keySpec[]}`. */
	keymap?: Record<string, string | string[]>;
	notifications?: NotificationSettings;
	/** Persist changed notification preferences (`/notify`). */
	onNotificationsChange?: (settings: NotificationSettings) => void;
	stdout?: NodeJS.WriteStream;
	stdin?: NodeJS.ReadStream;
	/** Clock in ms since the epoch (default Date.now): what "today" is for times in the list and thread. */
	now?: () => number;
	/** Unsent drafts to start with, by conversation id. */
	drafts?: Record<string, string>;
	/** The drafts changed (debounced): conversation id → unsent text, empty drafts left out. */
	onDraftsChange?: (drafts: Record<string, string>) => void;
	/** Environment for $VISUAL/$EDITOR (default process.env). */
	env?: NodeJS.ProcessEnv;
	/** IANA time zone for every time and day on screen (default the process's: `TZ`, else the system's). */
	timeZone?: string;
}

/**
 * Run the chat TUI until `/quit`, the quit key (Ctrl+C), SIGTERM or a crash.
 * Enters the alternate screen buffer and hides the cursor; restores both (and cooked
 * mode) on every exit path. On an uncaught exception or unhandled rejection the app is
 * unmounted, the terminal restored, and then the returned promise rejects with that
 * error, for the caller to print as one line (main.ts does).
 * Does not close the port (the caller owns it).
 * @throws Error at once when stdin is not a terminal (nothing is drawn then).
 */
export async function runTui(options: RunTuiOptions): Promise<void> {
	const stdout = options.stdout ?? process.stdout;
	const stdin = options.stdin ?? process.stdin;
	if (!stdin.isTTY) {
		throw new Error('the chat needs an interactive terminal (stdin is not a TTY) — run it in a terminal, not through a pipe');
	}
	const {keymap, errors: keymapErrors} = resolveKeymap(options.keymap ?? {});
	// What to do comes first: a long notice is cut at the terminal's width.
	const keymapError = keymapErrors.length > 0 ? `config keymap (Esc hides this; the rest is in use) skipped: ${keymapErrors.join('; ')}` : undefined;
	const settings = options.notifications ?? {};
	const perConversation: Record<string, NotifyMode> = {...settings.perConversation};
	for (const id of settings.muted ?? []) perConversation[id] = 'off';
	const notify: NotifyPrefs = {mode: settings.mode ?? 'bell', perConversation};
	const onNotifyChange = (prefs: NotifyPrefs): void =>
		options.onNotificationsChange?.({...settings, mode: prefs.mode, perConversation: {...prefs.perConversation}, muted: []});

	let isRestored = false;
	const restore = (): void => {
		if (isRestored) return;
		isRestored = true;
		stdout.write(INPUT_MODES_OFF + LEAVE_SCREEN);
	};
	stdout.write(ENTER_SCREEN + INPUT_MODES_ON);
	// Raw mode before the first frame: keys typed while Ink starts are kept for it instead
	// of being echoed and line-buffered by the terminal (Ink turns raw mode on in an effect).
	if (stdin.isTTY) stdin.setRawMode(true);
	const input = filteredStdin(stdin);
	const openEditor = (draft: string) =>
		editExternally(
			draft,
			{
				release: () => {
					input.pause();
					if (stdin.isTTY) stdin.setRawMode(false);
					stdout.write(INPUT_MODES_OFF + LEAVE_SCREEN);
				},
				reclaim: () => {
					// Back on a cleared alternate screen with the cursor home: Ink's next frame
					// (its erase moves up from row 1 and stays there) is drawn whole from the top.
					stdout.write(ENTER_SCREEN + '\x1b[2J\x1b[H' + INPUT_MODES_ON);
					if (stdin.isTTY) stdin.setRawMode(true);
					input.resume();
				},
			},
			options.env,
		);
	const instance = render(
		<Sized
			port={options.port}
			keymap={keymap}
			notify={notify}
			onNotify={(effect) => stdout.write(notificationBytes(effect, settings.desktop))}
			onNotifyChange={onNotifyChange}
			{...(keymapError ? {initialNotice: keymapError} : {})}
			{...(options.now ? {now: options.now} : {})}
			{...(options.timeZone ? {timeZone: options.timeZone} : {})}
			{...(options.drafts ? {drafts: options.drafts} : {})}
			{...(options.onDraftsChange ? {onDraftsChange: options.onDraftsChange} : {})}
			terminalEvents={input.subscribe}
			onEditor={openEditor}
		/>,
		// incrementalRendering stays off: in Ink 6.8 it left the first row of a
		// terminal-high frame stale on the alternate screen (seen under a pty).
		{stdout, stdin: input.stream, exitOnCtrlC: false, patchConsole: true, maxFps: MAX_FPS, incrementalRendering: false},
	);

	let crash: unknown;
	const onCrash = (error: unknown): void => {
		crash ??= error;
		instance.unmount();
	};
	const onTerm = (): void => instance.unmount();
	// One list, so what is registered here is exactly what `finally` removes.
	const handlers = [
		['uncaughtException', onCrash],
		['unhandledRejection', onCrash],
		['SIGTERM', onTerm],
		['SIGHUP', onTerm],
		// Ctrl+C arrives as a key in raw mode; this is `kill -INT`.
		['SIGINT', onTerm],
		// Last resort if the process exits without unmounting (process.exit elsewhere).
		['exit', restore],
	] as const;
	for (const [event, handler] of handlers) process.on(event, handler);
	try {
		await instance.waitUntilExit();
	} catch (error) {
		crash ??= error;
	} finally {
		instance.cleanup();
		input.dispose();
		if (stdin.isTTY) stdin.setRawMode(false);
		restore();
		for (const [event, handler] of handlers) process.off(event, handler);
	}
	// The terminal is restored by now, so the caller's one-line report (cli/main.ts
	// errorLine) lands on the normal screen.
	if (crash !== undefined) throw crash instanceof Error ? crash : new Error(String(crash));
}

type SizedProps = Omit<Parameters<typeof App>[0], 'size'>;

// Reads the live terminal size so <App> gets it as a plain prop (and tests can fix it).
function Sized(props: SizedProps) {
	const size = useTerminalSize();
	return <App {...props} size={size} />;
}
