// View selectors: ChatState → the rows each pane renders. Untrusted text is sanitized here.
// Pure: imports protocol/ and core/ only.
import {BROADCAST_ID, conversationIdFor, peerOf, type PresenceState} from '../protocol/index.js';
import {formatListTime, formatTime} from './format.js';
import {calculateLayout} from './layout.js';
import {sanitizeInline} from './sanitize.js';
import type {ChatState, Thread} from './state.js';
import {visibleThreadRows, type ThreadLayoutInput, type ThreadWindow} from './thread-rows.js';
import type {ChatMessage} from './types.js';

/** One entry of the conversation list. Text fields are sanitized. */
export interface ConversationRow {
	conversationId: string;
	peerId: string;
	name: string;
	presence: PresenceState;
	/** Presence status message (`/away lunch`), sanitized; '' when none. */
	statusMessage: string;
	unread: number;
	/** Last message, one line, sanitized ('' when none). */
	preview: string;
	/** Time of the last message ('' when none). */
	time: string;
	isTyping: boolean;
	/** "last seen HH:MM" for offline peers with a known time, else ''. */
	lastSeen: string;
	isOpen: boolean;
	isSelected: boolean;
	/** Last activity in ms since the epoch (0 when none); the list's sort key. */
	lastActivityAt: number;
}

const EMPTY_THREAD: Thread = {messages: [], hasMore: false, isLoadingOlder: false, isLoaded: false};

/** The display name of a user: presence name, else the conversation's peer name, else the id. */
export function peerName(state: ChatState, conversationId: string): string {
	const peerId = peerOf(conversationId, state.me.userId);
	if (peerId === BROADCAST_ID) return 'everyone';
	return state.presence[peerId]?.name ?? state.conversations[conversationId]?.peerName ?? state.knownUsers[peerId] ?? peerId;
}

/**
 * The conversation list: every conversation plus everyone online now, sorted by last
 * activity (newest first), then by name.
 */
export function conversationRows(state: ChatState): ConversationRow[] {
	const ids = new Set(Object.keys(state.conversations));
	for (const presence of Object.values(state.presence)) {
		if (presence.userId !== state.me.userId && presence.state !== 'offline') {
			ids.add(conversationIdFor(state.me.userId, presence.userId));
		}
	}
	const rows = [...ids].map((id) => conversationRow(state, id));
	rows.sort((a, b) => b.lastActivityAt - a.lastActivityAt || a.name.localeCompare(b.name));
	// Until the user moves, the first conversation is the selected one.
	if (rows[0] && !rows.some((r) => r.isSelected)) rows[0] = {...rows[0], isSelected: true};
	return rows;
}

function conversationRow(state: ChatState, conversationId: string): ConversationRow {
	const summary = state.conversations[conversationId];
	const peerId = summary?.peerId ?? peerOf(conversationId, state.me.userId);
	const presence = state.presence[peerId];
	const presenceState: PresenceState = peerId === BROADCAST_ID ? 'online' : (presence?.state ?? 'offline');
	const last = summary?.lastMessage;
	const typists = state.typing[conversationId];
	return {
		conversationId,
		peerId,
		name: sanitizeInline(peerName(state, conversationId)),
		presence: presenceState,
		statusMessage: sanitizeInline(presence?.statusMessage ?? ''),
		unread: summary?.unread ?? 0,
		// A line break in the preview reads as a space, not as a control picture.
		preview: last ? sanitizeInline(last.content.replace(/\r?\n/g, ' ')) : '',
		time: last ? formatListTime(last.createdAt, state.now, state.timeZone) : '',
		isTyping: typists !== undefined && Object.keys(typists).length > 0,
		lastSeen: presenceState === 'offline' && presence && presence.at > 0 ? `last seen ${formatTime(presence.at, state.now, state.timeZone)}` : '',
		isOpen: state.openConversationId === conversationId,
		isSelected: state.selectedConversationId === conversationId,
		lastActivityAt: summary?.lastActivityAt ?? 0,
	};
}

/** The loaded thread of a conversation (an empty one when nothing is loaded). */
export function threadOf(state: ChatState, conversationId: string | undefined): Thread {
	return (conversationId && state.threads[conversationId]) || EMPTY_THREAD;
}

/**
 * How the open conversation lays out in the thread pane of the current viewport (messages,
 * width, clock, zone, divider, gap, selection); undefined when nothing is open.
 */
export function openThreadLayout(state: ChatState): (ThreadLayoutInput & {height: number}) | undefined {
	if (!state.openConversationId) return undefined;
	const layout = calculateLayout(state.viewport.columns, state.viewport.rows);
	const thread = threadOf(state, state.openConversationId);
	const divider = state.divider?.conversationId === state.openConversationId ? state.divider : undefined;
	return {
		messages: thread.messages,
		me: state.me.userId,
		width: layout.threadInnerWidth,
		height: layout.threadRows,
		now: state.now,
		timeZone: state.timeZone,
		hasMore: thread.hasMore,
		isLoadingOlder: thread.isLoadingOlder,
		...(divider?.beforeMessageId ? {dividerBeforeId: divider.beforeMessageId} : {}),
		...(thread.gapAfterMessageId ? {gapAfterId: thread.gapAfterMessageId} : {}),
		...(state.selectedMessageId ? {selectedMessageId: state.selectedMessageId} : {}),
	};
}

/** The thread rows of the open conversation that fit the thread pane of the current viewport. */
export function openThreadWindow(state: ChatState, scroll = state.scroll): ThreadWindow {
	const input = openThreadLayout(state);
	if (!input) return {rows: [], isAtTop: true, maxScroll: 0};
	return visibleThreadRows({...input, scroll});
}

/** "alice is typing…" / "alice and bob are typing…" for a conversation, or ''. Sanitized. */
export function typingLine(state: ChatState, conversationId: string | undefined): string {
	const typists = conversationId ? state.typing[conversationId] : undefined;
	if (!typists) return '';
	const names = Object.entries(typists)
		.filter(([userId]) => userId !== state.me.userId)
		.map(([, t]) => sanitizeInline(t.name));
	if (names.length === 0) return '';
	if (names.length === 1) return `${names[0]} is typing…`;
	return `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are typing…`;
}

/**
 * Conversations and people the server knows (found by the switcher's search, `knownUsers`)
 * whose name or user id contains `query` (case-insensitive); prefix matches first, then the
 * list's order (conversations before people without one). Empty query: the list, then the rest.
 */
export function switcherMatches(state: ChatState, query: string): ConversationRow[] {
	const q = query.trim().toLowerCase();
	const listed = conversationRows(state);
	const ids = new Set(listed.map((r) => r.peerId));
	const people = Object.keys(state.knownUsers)
		.filter((userId) => userId !== state.me.userId && !ids.has(userId))
		.map((userId) => conversationRow(state, conversationIdFor(state.me.userId, userId)))
		.sort((a, b) => a.name.localeCompare(b.name));
	const rows = [...listed, ...people];
	if (q === '') return rows;
	const score = (row: ConversationRow): number => {
		const name = row.name.toLowerCase();
		const id = row.peerId.toLowerCase();
		if (name.startsWith(q) || id.startsWith(q)) return 0;
		if (name.includes(q) || id.includes(q)) return 1;
		return -1;
	};
	return rows
		.map((row) => ({row, s: score(row)}))
		.filter((x) => x.s >= 0)
		.sort((a, b) => a.s - b.s)
		.map((x) => x.row);
}

/** A message of the open conversation by id. */
export function findMessage(state: ChatState, messageId: string): ChatMessage | undefined {
	const conversationId = state.messageIndex[messageId];
	return threadOf(state, conversationId).messages.find((m) => m.messageId === messageId);
}

/** The message the info view is about: the selected one if it is mine, else my newest in the open thread. */
export function infoTarget(state: ChatState): ChatMessage | undefined {
	const messages = threadOf(state, state.openConversationId).messages;
	const selected = state.selectedMessageId ? findMessage(state, state.selectedMessageId) : undefined;
	if (selected && selected.senderId === state.me.userId) return selected;
	if (selected) return undefined;
	return messages.findLast((m) => m.senderId === state.me.userId);
}

/** Total unread messages across conversations. */
export function totalUnread(state: ChatState): number {
	return Object.values(state.conversations).reduce((sum, c) => sum + c.unread, 0);
}

/** Header of the thread pane: "Bob · away: lunch" / "Bob · offline · last seen 09:12". Sanitized. */
export function threadTitle(state: ChatState): string {
	const id = state.openConversationId;
	if (!id) return '';
	const row = conversationRow(state, id);
	if (row.peerId === BROADCAST_ID) return 'everyone (broadcast)';
	const parts = [`${row.name} (${row.peerId})`, row.statusMessage ? `${row.presence}: ${row.statusMessage}` : row.presence];
	if (row.lastSeen) parts.push(row.lastSeen);
	return parts.join(' · ');
}

/** The conversation id between me and `userId` (`all` for broadcasts). */
export function conversationWith(state: ChatState, userId: string): string {
	return conversationIdFor(state.me.userId, userId);
}

/** The user id typing indicators and plain text go to in the open conversation (`all` for broadcasts). */
export function openPeerId(state: ChatState): string | undefined {
	return state.openConversationId ? peerOf(state.openConversationId, state.me.userId) : undefined;
}
