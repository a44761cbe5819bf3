// The chat core: one immutable ChatState folded from ChatEvents and UiActions by chatReducer.
// Pure: imports protocol/ and core/ only (no Ink, no I/O, no clock).
import type {
	ChatMessage,
	ConversationSummary,
	Identity,
	Member,
	MessageStatusReport,
	Presence,
	Receipt,
	AwayEntry,
	SearchHit,
	ServiceState,
} from './types.js';
import {systemTimeZone} from './format.js';

/** A pane that can hold the keyboard focus, in Tab order. */
export type Pane = 'list' | 'thread' | 'composer';
/** Tab order of the panes. */
export const PANES: readonly Pane[] = ['list', 'thread', 'composer'];

/** How a new message is announced: terminal bell, desktop escape (OSC 9/777), both, or not at all. */
export type NotifyMode = 'off' | 'bell' | 'desktop' | 'both';

/** Notification preferences: a global mode and per-conversation overrides. */
export interface NotifyPrefs {
	mode: NotifyMode;
	/** Conversation id → mode that overrides the global one. */
	perConversation: Readonly<Record<string, NotifyMode>>;
}

/** One conversation's loaded messages, oldest first. */
export interface Thread {
	messages: readonly ChatMessage[];
	/** Whether Postgres holds messages older than `messages[0]`. */
	hasMore: boolean;
	/** An older page was asked for and has not arrived yet. */
	isLoadingOlder: boolean;
	/** Whether a `latest` page has been loaded since start. */
	isLoaded: boolean;
	/**
	 * Set after `/history --before` when newer stored messages are not loaded: the last
	 * message of that page, after which the thread shows a gap marker (live messages that
	 * arrive meanwhile go below it). Cleared by the next `latest` page.
	 */
	gapAfterMessageId?: string;
	/** The reader moved past the gap (End, PgDn at the bottom): a `latest` page was asked for. */
	isLoadingLatest?: boolean;
}

/** Where the "new messages" divider sits in the open conversation. */
export interface Divider {
	conversationId: string;
	/** Unread count when the conversation was opened. */
	unreadAtOpen: number;
	/** The first unread message; undefined until resolved against loaded messages. */
	beforeMessageId?: string;
	/** Whether the thread has been scrolled to the divider once (opening lands on it, reloads do not). */
	hasLanded?: boolean;
}

/** Someone typing in a conversation. */
export interface Typist {
	name: string;
	/** When the typing indicator stops counting, in ms (event `at` + TYPING_TTL_MS). */
	expiresAt: number;
}

/** A modal view over the panes. */
export type Overlay =
	| {kind: 'help'}
	| {kind: 'switcher'; query: string; index: number}
	| {kind: 'info'; messageId: string; receipts?: readonly Receipt[]}
	| {kind: 'status'; reports?: readonly MessageStatusReport[]}
	/** The members of a conversation (`/members`, the members key): name, id, role, presence, muted. */
	| {kind: 'members'; conversationId: string}
	/** "Delete this message? y/n" (shown on the thread's bottom line; the message stays in view). */
	| {kind: 'confirm-delete'; target: MessageTarget}
	/** The reaction picker (thread's bottom line): common emoji by number, or one typed in `typed`. */
	| {kind: 'react'; target: MessageTarget; index: number; typed: string}
	/**
	 * Message search (Ctrl+F, `/search`): `query` is the line being typed (flags included);
	 * `searched` the line the shown `hits` answer; `index` the highlighted hit.
	 */
	| {kind: 'search'; query: string; index: number; searched?: string; hits?: readonly SearchHit[]; error?: string; isLoading?: boolean}
	/** "While you were away": conversations with unread messages, mentions first; `index` highlighted. */
	| {kind: 'away'; entries: readonly AwayEntry[]; index: number; total: number};

/** The message an action is about: where it is, whose it is, and what the composer shows of it. */
export interface MessageTarget {
	conversationId: string;
	messageId: string;
	senderId: string;
	/** Untrusted: sanitize before display. */
	senderName: string;
	/** The message text (untrusted). */
	content: string;
	seq?: number;
}

/** The composer is writing a reply to, or a new version of, a message (Esc cancels). */
export interface ComposeMode {
	kind: 'reply' | 'edit';
	target: MessageTarget;
}

/** What one member did with one of my messages: first delivered / read times in ms. */
export interface MemberReceipt {
	delivered?: number;
	read?: number;
}

/** Everything the TUI shows, as data. */
export interface ChatState {
	me: Identity;
	broker: ServiceState;
	database: ServiceState;
	/** Conversation id → summary (unread, last message, activity). */
	conversations: Readonly<Record<string, ConversationSummary>>;
	/** Conversation id → loaded messages. */
	threads: Readonly<Record<string, Thread>>;
	/** Message id → conversation id, for dedupe and receipts. */
	messageIndex: Readonly<Record<string, string>>;
	/** Conversation id → its current members, as last loaded (`members-loaded`). */
	members: Readonly<Record<string, readonly Member[]>>;
	/**
	 * Message id (of my messages) → member user id → delivered/read times from live and loaded
	 * receipts; the tick of a group message aggregates these over the current members.
	 */
	receipts: Readonly<Record<string, Readonly<Record<string, MemberReceipt>>>>;
	/** User id → last known presence. */
	presence: Readonly<Record<string, Presence>>;
	/** User id → display name of people the server knows (`chat_users`), as found by the switcher. */
	knownUsers: Readonly<Record<string, string>>;
	/** Conversation id → user id → typist. */
	typing: Readonly<Record<string, Readonly<Record<string, Typist>>>>;
	openConversationId?: string;
	/** Conversation highlighted in the list. */
	selectedConversationId?: string;
	/** Message highlighted in the thread (for info). */
	selectedMessageId?: string;
	focus: Pane;
	/** Thread scroll position: rows above the bottom (0 = newest row visible). */
	scroll: number;
	divider?: Divider;
	overlay?: Overlay;
	/** The last notice or error, shown in the status bar. */
	notice?: {level: 'info' | 'error'; text: string};
	/** A standing warning: the outbox file cannot be written (shown until a write succeeds). */
	outboxProblem?: string;
	notify: NotifyPrefs;
	/** Terminal size in cells; page sizes and wrapping depend on it. */
	viewport: {columns: number; rows: number};
	/** Latest clock tick, in ms (0 before the first). */
	now: number;
	/** IANA time zone every time and day on screen is shown in (e.g. `Europe/Berlin`). */
	timeZone: string;
	/** `/quit` or the quit key was used: the shell unmounts. */
	isQuitting: boolean;
	/** Replying to or editing a message: what the composer's next text does. */
	compose?: ComposeMode;
	/** Conversation id → unread messages that mention me (the list's `@` marker); reset when opened. */
	unreadMentions: Readonly<Record<string, number>>;
	/** The "while you were away" summary was asked for (once per run, after the first list). */
	isAwayAsked: boolean;
	/** The conversation list is a first page or a few: more exist in PostgreSQL (`loadMoreConversations`). */
	hasMoreConversations: boolean;
}

/** How long a typing indicator lasts without a refresh, in ms. */
export const TYPING_TTL_MS = 6_000;
/** Messages per history page (`loadLatest` / `loadOlder`). */
export const HISTORY_PAGE = 50;

/** Options for {@link initialState}. */
export interface InitialStateOptions {
	notify?: Partial<NotifyPrefs>;
	viewport?: {columns: number; rows: number};
	/** IANA time zone for times on screen; default the process's ({@link systemTimeZone}). */
	timeZone?: string;
}

/** The state before any event: services connecting, nothing loaded, focus on the list. */
export function initialState(me: Identity, options: InitialStateOptions = {}): ChatState {
	return {
		me,
		broker: 'connecting',
		database: 'connecting',
		conversations: {},
		threads: {},
		messageIndex: {},
		members: {},
		receipts: {},
		presence: {},
		knownUsers: {},
		typing: {},
		focus: 'list',
		scroll: 0,
		notify: {mode: options.notify?.mode ?? 'bell', perConversation: options.notify?.perConversation ?? {}},
		viewport: options.viewport ?? {columns: 80, rows: 24},
		now: 0,
		timeZone: options.timeZone ?? systemTimeZone(),
		isQuitting: false,
		unreadMentions: {},
		isAwayAsked: false,
		hasMoreConversations: false,
	};
}
