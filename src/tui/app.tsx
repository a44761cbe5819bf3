// The TUI root: lays out the panes for a fixed size and wires keys, composer and overlays.
// Main file of src/tui; the only importer of ink/react with its siblings. May import core/.
import {Box, Text, useApp, useInput, type Key} from 'ink';
import {memo, useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore} from 'react';
import {parseCommand, type Command} from '../core/commands.js';
import {knownPeople} from '../core/completion.js';
import {cleanText} from '../core/line-editor.js';
import type {Effect} from '../core/effects.js';
import {DEFAULT_KEYMAP, isPassedOnFromOverlay, isTextInput, keyToAction, type Keymap} from '../core/keymap.js';
import {mouseToAction} from '../core/mouse.js';
import {splitKeys} from '../core/split-keys.js';
import {calculateLayout, listWindow, MAX_COMPOSER_LINES} from '../core/layout.js';
import {conversationRows, findMessage, openPeerId, openThreadWindow, switcherMatches, threadTitle, typingLine} from '../core/selectors.js';
import {sanitizeInline} from '../core/sanitize.js';
import {displayWidth} from '../core/text-layout.js';
import {initialState, type NotifyPrefs} from '../core/state.js';
import type {TypingSend} from '../core/typing.js';
import type {ChatPort} from '../core/types.js';
import {Composer, draftLines} from './composer.js';
import type {EditorOutcome} from './external-editor.js';
import type {TerminalEvent} from './filtered-stdin.js';
import {ConversationList} from './conversation-list.js';
import {executeCommand} from './execute-command.js';
import {HelpOverlay} from './help-overlay.js';
import {InfoView} from './info-view.js';
import {StatusBar} from './status-bar.js';
import {StatusView} from './status-view.js';
import {Switcher} from './switcher.js';
import {ThreadPane} from './thread-pane.js';
import {useChat} from './use-chat.js';
import {useComposer, type ComposerContext, type SubmitResult} from './use-composer.js';

/** Props of {@link App}. */
export interface AppProps {
	port: ChatPort;
	/** Terminal size in cells (from useTerminalSize, or fixed in tests). */
	size: {columns: number; rows: number};
	keymap?: Keymap;
	notify?: Partial<NotifyPrefs>;
	/** Write a notification (already sanitized effect). */
	onNotify?: (effect: Extract<Effect, {kind: 'notify'}>) => void;
	/** Called when notification preferences change (`/notify`), to persist them. */
	onNotifyChange?: (prefs: NotifyPrefs) => void;
	/** A notice shown on its own line until dismissed with Esc (e.g. a bad key map entry in the config file). */
	initialNotice?: string;
	/** Unsent drafts to start with, by conversation id. */
	drafts?: Record<string, string>;
	/** The drafts changed (debounced {@link DRAFTS_DEBOUNCE_MS}): conversation id → unsent text. */
	onDraftsChange?: (drafts: Record<string, string>) => void;
	/** Subscribe to pastes and mouse events from the terminal (see filtered-stdin). */
	terminalEvents?: (listener: (event: TerminalEvent) => void) => () => void;
	/** Ctrl+X Ctrl+E and `/editor`: edit a draft in the external editor (blocks until it exits). */
	onEditor?: (draft: string) => EditorOutcome;
	/** Clock in ms (default Date.now). */
	now?: () => number;
	/** `clock-ticked` interval in ms; 0 = none (tests emit ticks). */
	tickMs?: number;
}

const noop = (): void => {};
/** How long drafts wait after the last edit before `onDraftsChange`, in ms. */
export const DRAFTS_DEBOUNCE_MS = 500;

/** The whole screen: list | thread + composer, status bar; overlays replace the panes. */
export function App(props: AppProps) {
	const {port, size, keymap = DEFAULT_KEYMAP, notify, onNotify = noop, onNotifyChange, initialNotice, now, tickMs, terminalEvents, onEditor} = props;
	const {exit} = useApp();
	const initial = useMemo(
		() => initialState(port.me, {viewport: size, ...(notify ? {notify} : {})}),
		// eslint-disable-next-line react-hooks/exhaustive-deps
		[],
	);
	const [stickyNotice, setStickyNotice] = useState(initialNotice);
	const stickyRef = useRef(stickyNotice);
	stickyRef.current = stickyNotice;
	const {state, dispatch, stateRef} = useChat(port, {initial, onNotify, onQuit: exit, ...(now ? {now} : {}), ...(tickMs === undefined ? {} : {tickMs})});

	useEffect(() => {
		const {columns, rows} = stateRef.current.viewport;
		if (columns !== size.columns || rows !== size.rows) dispatch({type: 'terminal-resized', columns: size.columns, rows: size.rows});
	}, [size.columns, size.rows, dispatch, stateRef]);

	const notifyChangeRef = useRef(onNotifyChange);
	notifyChangeRef.current = onNotifyChange;
	const firstNotify = useRef(state.notify);
	useEffect(() => {
		if (state.notify !== firstNotify.current) notifyChangeRef.current?.(state.notify);
	}, [state.notify]);

	// The text last refused as too long: Enter on it again sends it split (the offer in the notice).
	const splitOffer = useRef<string | undefined>(undefined);
	const editorRef = useRef<(draft: string) => void>(noop);
	const onSubmit = useCallback(
		(text: string): SubmitResult => {
			const parsed = parseCommand(text, stateRef.current);
			// The editor runs after this submit has emptied the composer, so a cancel can give the text back.
			const openEditor = (draft: string): void => void setImmediate(() => editorRef.current(draft));
			const run = (command: Command) => executeCommand(command, {port, state: stateRef.current, dispatch, openEditor});
			if (parsed.ok) {
				splitOffer.current = undefined;
				return run(parsed.command);
			}
			if (parsed.parts && splitOffer.current === text) {
				splitOffer.current = undefined;
				const parts = parsed.parts;
				return (async () => {
					for (const part of parts) if (!(await run(part))) return false;
					return true;
				})();
			}
			splitOffer.current = parsed.parts ? text : undefined;
			dispatch({type: 'notice', level: 'error', text: parsed.error});
			return false;
		},
		[port, dispatch, stateRef],
	);
	const onTyping = useCallback((send: TypingSend) => port.sendTyping(send.to, send.isTyping), [port]);
	const onChoices = useCallback((choices: readonly string[]) => dispatch({type: 'notice', level: 'info', text: choices.join('  ')}), [dispatch]);
	const draftsTimer = useRef<NodeJS.Timeout | undefined>(undefined);
	const draftsChangeRef = useRef(props.onDraftsChange);
	draftsChangeRef.current = props.onDraftsChange;
	const pendingDrafts = useRef<Record<string, string> | undefined>(undefined);
	const flushDrafts = useCallback(() => {
		clearTimeout(draftsTimer.current);
		const drafts = pendingDrafts.current;
		pendingDrafts.current = undefined;
		if (drafts) draftsChangeRef.current?.(drafts);
	}, []);
	const onDraftsChange = useCallback(
		(drafts: Record<string, string>) => {
			pendingDrafts.current = drafts;
			clearTimeout(draftsTimer.current);
			draftsTimer.current = setTimeout(flushDrafts, DRAFTS_DEBOUNCE_MS);
		},
		[flushDrafts],
	);
	// Quitting within the debounce still reports the last drafts: nothing typed is lost.
	useEffect(() => flushDrafts, [flushDrafts]);
	const composer = useComposer({
		onSubmit,
		onTyping,
		onChoices,
		onDraftsChange,
		onEditor: (draft) => editorRef.current(draft),
		...(props.drafts ? {drafts: props.drafts} : {}),
		now: now ?? Date.now,
	});
	const contextFor = useCallback(
		(current: typeof state): ComposerContext => ({
			conversationId: current.openConversationId,
			to: openPeerId(current),
			people: () => knownPeople(stateRef.current),
		}),
		[stateRef],
	);
	editorRef.current = (draft: string) => {
		if (!onEditor) {
			dispatch({type: 'notice', level: 'error', text: 'no external editor here — set $VISUAL or $EDITOR and run the chat in a terminal'});
			return;
		}
		const outcome = onEditor(draft);
		// A notice either way: the new status line also makes Ink draw the whole frame again.
		if ('reason' in outcome) {
			dispatch({type: 'notice', level: 'info', text: outcome.reason});
			// `/editor text` emptied the composer when it was run: the draft comes back there.
			if (composer.store.get().value === '') composer.insert(draft, contextFor(stateRef.current));
			return;
		}
		dispatch({type: 'notice', level: 'info', text: 'message from the editor'});
		composer.submitText(outcome.text, contextFor(stateRef.current));
	};
	useEffect(() => composer.switchTo(state.openConversationId), [composer, state.openConversationId]);
	const composerLines = useSyncExternalStore(composer.store.subscribe, () => draftLines(composer.store.get(), MAX_COMPOSER_LINES));

	useEffect(
		() =>
			terminalEvents?.((event) => {
				const current = stateRef.current;
				if (event.kind === 'mouse') {
					const action = mouseToAction(event.event, current);
					if (action) dispatch(action);
					return;
				}
				if (current.overlay?.kind === 'switcher') {
					dispatch({type: 'switcher-query-changed', query: current.overlay.query + cleanText(event.text, false).trim()});
					return;
				}
				// A paste is text for the composer, whatever had the focus (never a key, never a send).
				if (current.overlay) dispatch({type: 'overlay-closed'});
				if (current.focus !== 'composer') dispatch({type: 'focus-moved', pane: 'composer'});
				composer.insert(event.text, contextFor(stateRef.current));
			}),
		[terminalEvents, dispatch, stateRef, composer, contextFor],
	);

	const keymapRef = useRef(keymap);
	keymapRef.current = keymap;
	const onKey = useCallback(
		(chunk: string, flags: Key) => {
			for (const {input, key} of splitKeys(chunk, flags)) {
				// Esc dismisses the sticky notice first, unless it is closing an overlay.
				if (stickyRef.current !== undefined && key.escape && !stateRef.current.overlay) {
					setStickyNotice(undefined);
					continue;
				}
				let current = stateRef.current;
				if (isPassedOnFromOverlay(input, key, current, keymapRef.current)) {
					// The overlay closes and the key does its usual job; typing goes to the composer.
					dispatch({type: 'overlay-closed'});
					if (isTextInput(input, key) && stateRef.current.focus !== 'composer') dispatch({type: 'focus-moved', pane: 'composer'});
					current = stateRef.current;
				}
				// Tab completes in a composer with text (as in WeeChat and shells); empty, it moves the focus.
				if (current.focus === 'composer' && !current.overlay && key.tab && !key.shift && composer.store.get().value !== '') {
					composer.handleKey(input, key, contextFor(current));
					continue;
				}
				const action = keyToAction(input, key, current, keymapRef.current);
				if (action) {
					dispatch(action);
					// The "/" that moved focus to the composer starts the command (a whole chunk when pasted or fast).
					if (action.type === 'focus-moved' && action.pane === 'composer' && input.startsWith('/')) composer.handleKey(input, key, contextFor(stateRef.current));
					continue;
				}
				if (current.focus === 'composer' && !current.overlay) composer.handleKey(input, key, contextFor(current));
			}
		},
		[dispatch, stateRef, composer, contextFor],
	);

	// The sticky notice wraps onto up to three rows above the status bar.
	const stickyText = stickyNotice === undefined ? undefined : sanitizeInline(stickyNotice);
	const stickyRows = stickyText === undefined ? 0 : Math.min(3, Math.ceil(displayWidth(stickyText) / Math.max(1, size.columns)));
	const layout = useMemo(() => calculateLayout(size.columns, size.rows - stickyRows, composerLines), [size.columns, size.rows, stickyRows, composerLines]);
	const rows = useMemo(() => conversationRows(state), [state.conversations, state.presence, state.typing, state.selectedConversationId, state.openConversationId, state.now, state.me]);
	const selectedIndex = rows.findIndex((r) => r.isSelected);
	const window = listWindow(rows.length, selectedIndex, layout.listRows);
	const visibleRows = useMemo(() => rows.slice(window.start, window.start + window.size), [rows, window.start, window.size]);
	const openThread = state.openConversationId ? state.threads[state.openConversationId] : undefined;
	const threadWindow = useMemo(
		() => openThreadWindow(state),
		// eslint-disable-next-line react-hooks/exhaustive-deps
		[openThread, state.openConversationId, state.scroll, state.viewport, state.divider, state.selectedMessageId, state.now],
	);
	const title = useMemo(() => threadTitle(state), [state.openConversationId, state.presence, state.conversations, state.now]);
	const typing = typingLine(state, state.openConversationId);
	const mainHeight = layout.height - 1;

	return (
		<Box flexDirection="column" width={layout.columns} height={layout.height + stickyRows}>
			<KeyHandler onKey={onKey} />
			{state.overlay ? (
				<Overlay state={state} keymap={keymap} width={layout.columns} height={mainHeight} />
			) : (
				<Box flexDirection="row" height={mainHeight}>
					<ConversationList rows={visibleRows} width={layout.listWidth} height={mainHeight} isFocused={state.focus === 'list'} />
					<Box flexDirection="column" width={layout.threadWidth}>
						<ThreadPane
							title={title}
							rows={threadWindow.rows}
							typing={typing}
							width={layout.threadWidth}
							height={layout.threadBoxRows}
							rowCount={layout.threadRows}
							isFocused={state.focus === 'thread'}
						/>
						<Composer
							store={composer.store}
							hasConversation={state.openConversationId !== undefined}
							width={layout.threadWidth}
							lines={layout.composerRows - 2}
							isFocused={state.focus === 'composer'}
						/>
					</Box>
				</Box>
			)}
			{stickyText === undefined ? null : (
				<Box height={stickyRows} width={layout.columns} overflow="hidden">
					<Text color="red">{stickyText}</Text>
				</Box>
			)}
			<StatusBar me={state.me} broker={state.broker} database={state.database} {...(state.notice ? {notice: state.notice} : {})} width={layout.columns} />
		</Box>
	);
}

// The one input listener of the app: a stable handler subscribed once, so no key is
// lost while React re-subscribes (see use-composer.ts).
const KeyHandler = memo(function KeyHandler({onKey}: {onKey: (input: string, key: Key) => void}) {
	useInput(onKey);
	return null;
});

function Overlay({state, keymap, width, height}: {state: ReturnType<typeof initialState>; keymap: Keymap; width: number; height: number}) {
	const overlay = state.overlay!;
	switch (overlay.kind) {
		case 'help':
			return <HelpOverlay keymap={keymap} width={width} height={height} />;
		case 'switcher':
			return <Switcher query={overlay.query} matches={switcherMatches(state, overlay.query)} index={overlay.index} width={width} height={height} />;
		case 'info': {
			const message = findMessage(state, overlay.messageId);
			return <InfoView {...(message ? {message} : {})} {...(overlay.receipts ? {receipts: overlay.receipts} : {})} width={width} height={height} />;
		}
		case 'status':
			return <StatusView {...(overlay.reports ? {reports: overlay.reports} : {})} now={state.now} width={width} height={height} />;
	}
}
