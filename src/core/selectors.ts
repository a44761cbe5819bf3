// View selectors: ChatState → the rows each pane renders. Untrusted text is sanitized here.
// Pure: imports protocol/ and core/ only.
import {conversationIdFor, type PresenceState} from '../protocol/index.js';
import {conversationTitle, directPeerOf, kindOf} from './conversation-info.js';
import {formatListTime, formatTime} from './format.js';
import {calculateLayout} from './layout.js';
import {tickOf} from './receipts.js';
import {sanitizeInline} from './sanitize.js';
import type {ChatState, Thread} from './state.js';
import {visibleThreadRows, type ThreadLayoutInput, type ThreadWindow} from './thread-rows.js';
import type {ChatMessage, ConversationKind, LocalStatus} from './types.js';

/** One entry of the conversation list. Text fields are sanitized. */
export interface ConversationRow {
	conversationId: string;
	kind: ConversationKind;
	/** The other user of a direct chat; the conversation id for rooms and the broadcast. */
	peerId: string;
	/** Peer name (direct), room title (group), `everyone` (broadcast). */
	name: string;
	/** Presence of a direct chat's peer; rooms and the broadcast count as online. */
	presence: PresenceState;
	/** Presence status message (`/away lunch`), sanitized; '' when none. */
	statusMessage: string;
	unread: number;
	/** Unread messages that mention me (the `@` marker; shown even when muted). */
	mentions: number;
	/** Muted by me: no notifications, unread shown dim. */
	isMuted: boolean;
	/** Last message as `name: text` (`me: text` for mine, no name for a system line), one line, sanitized ('' when none). */
	preview: string;
	/** Tick state of the last message when it is mine. */
	previewStatus?: LocalStatus;
	/** Time of the last message ('' when none). */
	time: string;
	isTyping: boolean;
	/** Who is typing: `typing…` in a direct chat, else "Bob is typing…", "Alice, Bob typing…", "3 people typing…"; sanitized, or ''. */
	typing: string;
	/** "last seen HH:MM" for offline peers with a known time, else ''. */
	lastSeen: string;
	isOpen: boolean;
	isSelected: boolean;
	/** Last activity in ms since the epoch (0 when none); the list's sort key. */
	lastActivityAt: number;
}

const EMPTY_THREAD: Thread = {messages: [], hasMore: false, isLoadingOlder: false, isLoaded: false};

/** What a conversation is called (peer name, room title, `everyone`), unsanitized. */
export function peerName(state: ChatState, conversationId: string): string {
	return conversationTitle(state, conversationId);
}

/**
 * The conversation list: every conversation (rooms and direct chats together) plus everyone
 * online now, sorted by last activity (newest first), then by name.
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
	const kind = summary?.kind ?? kindOf(conversationId);
	const peerId = directPeerOf(state, conversationId);
	const presence = peerId === undefined ? undefined : state.presence[peerId];
	const presenceState: PresenceState = peerId === undefined ? 'online' : (presence?.state ?? 'offline');
	// In a direct chat the typist is the title already; a room names them.
	const typing = kind === 'direct' && typingLine(state, conversationId) !== '' ? 'typing…' : typingLine(state, conversationId);
	return {
		conversationId,
		kind,
		peerId: peerId ?? conversationId,
		name: sanitizeInline(conversationTitle(state, conversationId)),
		presence: presenceState,
		statusMessage: sanitizeInline(presence?.statusMessage ?? ''),
		unread: summary?.unread ?? 0,
		mentions: state.unreadMentions[conversationId] ?? 0,
		isMuted: summary?.isMuted ?? false,
		...lastMessagePreview(state, conversationId),
		isTyping: typing !== '',
		typing,
		lastSeen: presenceState === 'offline' && presence && presence.at > 0 ? `last seen ${formatTime(presence.at, state.now, state.timeZone)}` : '',
		isOpen: state.openConversationId === conversationId,
		isSelected: state.selectedConversationId === conversationId,
		lastActivityAt: summary?.lastActivityAt ?? 0,
	};
}

/**
 * The list's second line: `name: text` of the last message in a room or the broadcast (`me:` for
 * mine; the bare text in a direct chat and for a system line), its time, and for mine its tick (aggregated over the members when the message
 * is loaded, else the state Postgres gave).
 */
function lastMessagePreview(state: ChatState, conversationId: string): Pick<ConversationRow, 'preview' | 'previewStatus' | 'time'> {
	const last = state.conversations[conversationId]?.lastMessage;
	if (!last) return {preview: '', time: ''};
	const isMine = last.senderId === state.me.userId;
	// A line break in the preview reads as a space, not as a control picture.
	const text = sanitizeInline(last.content.replace(/\r?\n/g, ' '));
	// A direct chat has one other writer: the name would only repeat the title.
	const isNamed = last.messageType !== 'system' && kindOf(conversationId) !== 'direct';
	const who = !isNamed ? '' : isMine ? 'me: ' : `${sanitizeInline(last.senderName)}: `;
	// By id: the server's copy replaces the sender's clock with the storage time, so times differ.
	const isLast = (m: ChatMessage) => m.senderId === state.me.userId && (last.messageId !== undefined ? m.messageId === last.messageId : m.createdAt === last.createdAt);
	const loaded = isMine ? threadOf(state, conversationId).messages.findLast(isLast) : undefined;
	const status = loaded ? tickOf(state, loaded) : last.status;
	return {
		preview: who + text,
		time: formatListTime(last.createdAt, state.now, state.timeZone),
		...(isMine && last.messageType !== 'system' && status ? {previewStatus: status} : {}),
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
		statusOf: (message) => tickOf(state, message),
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

/**
 * Who is typing in a conversation, sanitized, or '': "Bob is typing…", "Alice, Bob typing…",
 * "3 people typing…" (from three on, names would not fit).
 */
export function typingLine(state: ChatState, conversationId: string | undefined): string {
	const typists = conversationId ? state.typing[conversationId] : undefined;
	if (!typists) return '';
	const names = Object.entries(typists)
		.filter(([userId]) => userId !== state.me.userId)
		.map(([, t]) => sanitizeInline(t.name));
	if (names.length === 0) return '';
	if (names.length === 1) return `${names[0]} is typing…`;
	if (names.length === 2) return `${names.join(', ')} typing…`;
	return `${names.length} people typing…`;
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
	const isInfoable = (m: ChatMessage): boolean => m.senderId === state.me.userId && m.messageType !== 'system';
	if (selected && isInfoable(selected)) return selected;
	if (selected) return undefined;
	return messages.findLast(isInfoable);
}

/** Total unread messages across conversations that are not muted. */
export function totalUnread(state: ChatState): number {
	return Object.values(state.conversations).reduce((sum, c) => sum + (c.isMuted ? 0 : c.unread), 0);
}

/**
 * Header of the thread pane, sanitized: "Bob (bob) · away: lunch" / "Bob (bob) · offline · last
 * seen 09:12" for a direct chat; "# Title · 3 members · muted · topic" for a room.
 */
export function threadTitle(state: ChatState): string {
	const id = state.openConversationId;
	if (!id) return '';
	const row = conversationRow(state, id);
	if (row.kind === 'broadcast') return 'everyone (broadcast)';
	if (row.kind === 'group') {
		const summary = state.conversations[id];
		const count = state.members[id]?.length ?? summary?.memberCount ?? 0;
		const topic = sanitizeInline((summary?.topic ?? '').replace(/\r?\n/g, ' '));
		// The topic (free text, the longest) goes last, so the count stays in sight.
		const parts = [`# ${row.name}`, ...(count > 0 ? [`${count} member${count === 1 ? '' : 's'}`] : []), ...(row.isMuted ? ['muted'] : []), ...(topic ? [topic] : [])];
		return parts.join(' · ');
	}
	const parts = [`${row.name} (${row.peerId})`, row.statusMessage ? `${row.presence}: ${row.statusMessage}` : row.presence];
	if (row.lastSeen) parts.push(row.lastSeen);
	return parts.join(' · ');
}

/** The conversation id between me and `userId` (`all` for broadcasts). */
export function conversationWith(state: ChatState, userId: string): string {
	return conversationIdFor(state.me.userId, userId);
}
