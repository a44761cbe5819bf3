// The TUI root: lays out the panes for a fixed size and wires keys, composer and overlays.
// Main file of src/tui; the only importer of ink/react with its siblings. May import core/.
import {Box, Text, useApp, useInput, type Key} from 'ink';
import {memo, useEffect, useMemo, useRef} from 'react';
import type {Effect} from '../core/effects.js';
import {DEFAULT_KEYMAP, type Keymap} from '../core/keymap.js';
import {calculateLayout, listWindow} from '../core/layout.js';
import {conversationTitle, kindOf} from '../core/conversation-info.js';
import {memberRows, recipientRows} from '../core/member-rows.js';
import {conversationRows, findMessage, openThreadWindow, switcherMatches, threadTitle, typingLine} from '../core/selectors.js';
import {sanitizeInline} from '../core/sanitize.js';
import {displayWidth, truncate} from '../core/text-layout.js';
import {composeLine, confirmDeleteLine} from '../core/message-actions.js';
import {reactPickerLine} from '../core/message-keys.js';
import {initialState, type NotifyPrefs} from '../core/state.js';
import type {ChatPort} from '../core/types.js';
import {Composer} from './composer.js';
import type {EditorOutcome} from './external-editor.js';
import type {TerminalEvent} from './filtered-stdin.js';
import {ConversationList} from './conversation-list.js';
import {HelpOverlay} from './help-overlay.js';
import {InfoView} from './info-view.js';
import {MembersView} from './members-view.js';
import {StatusBar} from './status-bar.js';
import {StatusView} from './status-view.js';
import {Switcher} from './switcher.js';
import {AwayView} from './away-view.js';
import {SearchView} from './search-view.js';
import {ThreadPane, type ThreadBanner} from './thread-pane.js';
import {useChat} from './use-chat.js';
import {useChatInput} from './use-chat-input.js';

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
	/** The drafts changed (debounced, see use-drafts-report): conversation id → unsent text. */
	onDraftsChange?: (drafts: Record<string, string>) => void;
	/** Subscribe to pastes and mouse events from the terminal (see filtered-stdin). */
	terminalEvents?: (listener: (event: TerminalEvent) => void) => () => void;
	/** Ctrl+X Ctrl+E and `/editor`: edit a draft in the external editor (blocks until it exits). */
	onEditor?: (draft: string) => EditorOutcome;
	/** Clock in ms (default Date.now). */
	now?: () => number;
	/** IANA time zone for times and days on screen (default the process's). */
	timeZone?: string;
	/** `clock-ticked` interval in ms; 0 = none (tests emit ticks). */
	tickMs?: number;
}

const noop = (): void => {};

/** The whole screen: list | thread + composer, status bar; overlays replace the panes. */
export function App(props: AppProps) {
	const {port, size, keymap = DEFAULT_KEYMAP, notify, onNotify = noop, onNotifyChange, initialNotice, now, timeZone, tickMs, terminalEvents, onEditor} = props;
	const {exit} = useApp();
	const initial = useMemo(
		() => initialState(port.me, {viewport: size, ...(notify ? {notify} : {}), ...(timeZone ? {timeZone} : {})}),
		// eslint-disable-next-line react-hooks/exhaustive-deps
		[],
	);
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

	const {composer, composerLines, onKey, stickyNotice} = useChatInput({
		port,
		dispatch,
		stateRef,
		openConversationId: state.openConversationId,
		keymap,
		now: now ?? Date.now,
		...(initialNotice === undefined ? {} : {initialNotice}),
		...(props.drafts ? {drafts: props.drafts} : {}),
		...(props.onDraftsChange ? {onDraftsChange: props.onDraftsChange} : {}),
		...(terminalEvents ? {terminalEvents} : {}),
		...(onEditor ? {onEditor} : {}),
	});

	// The sticky notice wraps onto up to three rows above the status bar.
	const stickyText = stickyNotice === undefined ? undefined : sanitizeInline(stickyNotice);
	const stickyRows = stickyText === undefined ? 0 : Math.min(3, Math.ceil(displayWidth(stickyText) / Math.max(1, size.columns)));
	const layout = useMemo(() => calculateLayout(size.columns, size.rows - stickyRows, composerLines), [size.columns, size.rows, stickyRows, composerLines]);
	const rows = useMemo(
		() => conversationRows(state),
		// eslint-disable-next-line react-hooks/exhaustive-deps
		[state.conversations, state.presence, state.typing, state.selectedConversationId, state.openConversationId, state.now, state.me, state.threads, state.members, state.receipts, state.unreadMentions],
	);
	const selectedIndex = rows.findIndex((r) => r.isSelected);
	const window = listWindow(rows.length, selectedIndex, layout.listRows);
	const visibleRows = useMemo(() => rows.slice(window.start, window.start + window.size), [rows, window.start, window.size]);
	const openThread = state.openConversationId ? state.threads[state.openConversationId] : undefined;
	const threadWindow = useMemo(
		() => openThreadWindow(state),
		// eslint-disable-next-line react-hooks/exhaustive-deps
		[openThread, state.openConversationId, state.scroll, state.viewport, state.divider, state.selectedMessageId, state.now, state.members, state.receipts],
	);
	const title = useMemo(
		() => threadTitle(state),
		// eslint-disable-next-line react-hooks/exhaustive-deps
		[state.openConversationId, state.presence, state.conversations, state.now, state.members],
	);
	const typing = typingLine(state, state.openConversationId);
	const banner = bannerOf(state, Math.max(1, layout.threadWidth - 2));
	const mainHeight = layout.height - 1;
	// The delete confirmation and the reaction picker sit on the thread's bottom line, the message in view.
	const isFullOverlay = state.overlay !== undefined && state.overlay.kind !== 'confirm-delete' && state.overlay.kind !== 'react';

	return (
		<Box flexDirection="column" width={layout.columns} height={layout.height + stickyRows}>
			<KeyHandler onKey={onKey} />
			{isFullOverlay ? (
				<Overlay state={state} keymap={keymap} width={layout.columns} height={mainHeight} />
			) : (
				<Box flexDirection="row" height={mainHeight}>
					<ConversationList rows={visibleRows} width={layout.listWidth} height={mainHeight} isFocused={state.focus === 'list'} />
					<Box flexDirection="column" width={layout.threadWidth}>
						<ThreadPane
							title={title}
							rows={threadWindow.rows}
							typing={typing}
							{...(banner ? {banner} : {})}
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
			<StatusBar me={state.me} broker={state.broker} database={state.database} {...(state.notice ? {notice: state.notice} : {})} {...(state.outboxProblem ? {warning: state.outboxProblem} : {})} width={layout.columns} />
		</Box>
	);
}

/** What a conversation is called in overlays: `#Title` for a room, else its title (unsanitized). */
function recipientName(state: ReturnType<typeof initialState>, conversationId: string): string {
	return `${kindOf(conversationId) === 'group' ? '#' : ''}${conversationTitle(state, conversationId)}`;
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
			const recipients = message ? recipientRows(state, message, overlay.receipts ?? []) : [];
			const to = message ? sanitizeInline(recipientName(state, message.conversationId)) : '';
			return (
				<InfoView
					{...(message ? {message} : {})}
					{...(overlay.receipts ? {receipts: overlay.receipts} : {})}
					recipients={recipients}
					to={to}
					timeZone={state.timeZone}
					width={width}
					height={height}
				/>
			);
		}
		case 'members': {
			const members = memberRows(state, overlay.conversationId);
			return <MembersView title={sanitizeInline(recipientName(state, overlay.conversationId))} {...(members ? {members} : {})} width={width} height={height} />;
		}
		case 'status':
			return <StatusView {...(overlay.reports ? {reports: overlay.reports} : {})} now={state.now} timeZone={state.timeZone} width={width} height={height} />;
		case 'search':
			return (
				<SearchView
					query={overlay.query}
					{...(overlay.searched === undefined ? {} : {searched: overlay.searched})}
					{...(overlay.hits ? {hits: overlay.hits} : {})}
					{...(overlay.error ? {error: overlay.error} : {})}
					isLoading={overlay.isLoading === true}
					index={overlay.index}
					now={state.now}
					timeZone={state.timeZone}
					width={width}
					height={height}
				/>
			);
		case 'away':
			return <AwayView entries={overlay.entries} total={overlay.total} index={overlay.index} timeZone={state.timeZone} width={width} height={height} />;
		case 'confirm-delete':
		case 'react':
			return null;
	}
}

/**
 * The thread's bottom line when it is not "typing…": the delete confirmation, the reaction
 * picker, or what the composer is doing (replying to / editing). Sanitized, within `width`.
 */
function bannerOf(state: ReturnType<typeof initialState>, width: number): ThreadBanner | undefined {
	const overlay = state.overlay;
	if (overlay?.kind === 'confirm-delete') {
		return {tone: 'alert', text: confirmDeleteLine(state, overlay.target, width)};
	}
	if (overlay?.kind === 'react') return {tone: 'picker', text: truncate(sanitizeInline(reactPickerLine(overlay)), width)};
	const line = composeLine(state, width);
	return line ? {tone: 'compose', text: line} : undefined;
}
