// chatReducer's handling of ChatEvents (facts reported by the shell).
// Pure: imports protocol/ and core/ only.
import {newSummary} from './conversation-info.js';
import {isMentioned} from './mentions.js';
import {compareMessages, mergeMessages} from './merge.js';
import {TYPING_TTL_MS, type ChatState, type Divider, type Thread} from './state.js';
import {openThreadLayout} from './selectors.js';
import {scrollToMessage, threadRowCount} from './thread-rows.js';
import type {ChatEvent, ChatMessage, ConversationSummary} from './types.js';

const NEW_THREAD: Thread = {messages: [], hasMore: true, isLoadingOlder: false, isLoaded: false};

/** Live messages (received or sent by me): dedupe, thread insert, summary, unread, typing. */
export function reduceLiveMessages(state: ChatState, messages: readonly ChatMessage[]): ChatState {
	const fresh = messages.filter((m) => state.messageIndex[m.messageId] === undefined);
	const known = messages.filter((m) => state.messageIndex[m.messageId] !== undefined);
	let next = known.length > 0 ? mergeKnown(state, known) : state;
	if (fresh.length === 0) return next;
	const byConversation = groupBy(fresh, (m) => m.conversationId);
	const threads = {...next.threads};
	const conversations = {...next.conversations};
	const messageIndex = {...next.messageIndex};
	let typing = next.typing;
	let unreadMentions = next.unreadMentions;
	for (const [conversationId, list] of byConversation) {
		const thread = threads[conversationId] ?? NEW_THREAD;
		threads[conversationId] = {...thread, messages: mergeMessages(thread.messages, list)};
		for (const m of list) messageIndex[m.messageId] = conversationId;
		const isOpen = next.openConversationId === conversationId;
		const fromOthers = list.filter((m) => m.senderId !== next.me.userId);
		// A burst may carry two copies of one new message (live and catch-up): count it once.
		const unread = new Set(fromOthers.map((m) => m.messageId)).size;
		const mentioning = new Set(fromOthers.filter((m) => m.messageType === 'text' && isMentioned(m, next.me.userId)).map((m) => m.messageId)).size;
		if (!isOpen && mentioning > 0) unreadMentions = {...unreadMentions, [conversationId]: (unreadMentions[conversationId] ?? 0) + mentioning};
		conversations[conversationId] = withActivity(next, conversations[conversationId], conversationId, list, isOpen ? 0 : unread);
		const typists = typing[conversationId];
		if (typists && fromOthers.some((m) => typists[m.senderId])) {
			const remaining = {...typists};
			for (const m of fromOthers) delete remaining[m.senderId];
			typing = {...typing, [conversationId]: remaining};
		}
	}
	next = {...next, threads, conversations, messageIndex, typing, unreadMentions};
	const open = next.openConversationId;
	if (open && next.scroll > 0 && byConversation.has(open)) next = {...next, scroll: next.scroll + addedRows(state, next, byConversation.get(open)!)};
	return next;
}

/**
 * Rows that `added` (new messages of the open conversation) put below the reader's position:
 * the rows from the first of them to the newest, after minus before. Keeps the rows the reader
 * is looking at in place while new ones arrive (day separators and the gap marker included).
 */
function addedRows(before: ChatState, after: ChatState, added: readonly ChatMessage[]): number {
	const was = openThreadLayout(before);
	const is = openThreadLayout(after);
	if (!was || !is) return 0;
	const ids = new Set(added.map((m) => m.messageId));
	const first = is.messages.findIndex((m) => ids.has(m.messageId));
	if (first < 0) return 0;
	return Math.max(0, threadRowCount(is, first) - threadRowCount(was, first));
}

function mergeKnown(state: ChatState, known: readonly ChatMessage[]): ChatState {
	const threads = {...state.threads};
	for (const [conversationId, list] of groupBy(known, (m) => state.messageIndex[m.messageId]!)) {
		const thread = threads[conversationId];
		if (thread) threads[conversationId] = {...thread, messages: mergeMessages(thread.messages, list)};
	}
	return {...state, threads};
}

function withActivity(
	state: ChatState,
	summary: ConversationSummary | undefined,
	conversationId: string,
	list: readonly ChatMessage[],
	unreadIncrement: number,
): ConversationSummary {
	// The server's order, not the arrival order: by seq when both sides have one (created_at is a
	// transaction's start time, the same for a whole batch and not monotonic across ingesters).
	const newest = list.reduce((a, b) => (compareMessages(b, a) >= 0 ? b : a));
	const base: ConversationSummary = summary ?? newSummary(state, conversationId, {message: newest});
	const lastSeq = base.lastMessage?.seq;
	const isNewer = lastSeq !== undefined && newest.seq !== undefined ? newest.seq >= lastSeq : newest.createdAt >= base.lastActivityAt;
	return {
		...base,
		...renamedBy(base, list),
		unread: base.unread + unreadIncrement,
		...(isNewer
			? {
					lastMessage: {
						messageId: newest.messageId,
						senderId: newest.senderId,
						senderName: newest.senderName,
						content: newest.content,
						createdAt: newest.createdAt,
						messageType: newest.messageType,
						...(newest.senderId === state.me.userId ? {status: newest.status} : {}),
						...(newest.seq !== undefined ? {seq: newest.seq} : {}),
					},
					lastActivityAt: Math.max(base.lastActivityAt, newest.createdAt),
				}
			: {}),
	};
}

/**
 * What new messages tell about a conversation's name: a direct chat takes the peer's latest
 * display name; a room the title and topic of its latest create/rename/topic system line.
 */
function renamedBy(summary: ConversationSummary, list: readonly ChatMessage[]): Partial<ConversationSummary> {
	if (summary.kind === 'direct') {
		const fromPeer = [...list].sort(compareMessages).findLast((m) => m.senderId === summary.peerId);
		return fromPeer ? {title: fromPeer.senderName} : {};
	}
	if (summary.kind !== 'group') return {};
	const change: Partial<ConversationSummary> = {};
	// In server order: of two renames in one burst, the later stored wins whatever arrived first.
	for (const m of [...list].sort(compareMessages)) {
		if (m.messageType !== 'system' || !m.event) continue;
		if (m.event.title !== undefined && (m.event.action === 'create' || m.event.action === 'rename')) change.title = m.event.title;
		if (m.event.topic !== undefined && (m.event.action === 'create' || m.event.action === 'topic')) change.topic = m.event.topic;
	}
	return change;
}

/**
 * A page of history. `latest` replaces the thread (keeping unstored live copies not older than
 * the page) and returns to the present; `before` (`/history --before`) replaces it too, and
 * when newer stored messages exist it marks a gap after the page; `around` (a reply's original,
 * a search hit) does the same and selects the `focusSeq` message; `older` prepends.
 * Opening a conversation with unread messages lands on the "new messages" divider.
 */
export function reduceHistory(state: ChatState, event: Extract<ChatEvent, {type: 'history-loaded'}>): ChatState {
	const {conversationId, messages, mode, hasMore} = event;
	const thread = state.threads[conversationId] ?? NEW_THREAD;
	let merged: readonly ChatMessage[];
	if (mode === 'older') {
		merged = mergeMessages(thread.messages, messages);
	} else {
		// An unstored copy missing from the page is in flight (keep it), unless it is older than
		// the whole page (then it was stored and scrolled out of the page). A stored copy the page
		// lacks but not older than it was committed after the page's query ran (delivered live
		// meanwhile; with several ingesters even a seq inside the page's range can commit late): keep it.
		const oldestLoaded = messages[0]?.createdAt ?? 0;
		const oldestLoadedSeq = messages.reduce((min, m) => Math.min(min, m.seq ?? Infinity), Infinity);
		const loadedIds = new Set(messages.map((m) => m.messageId));
		const isKept = (m: ChatMessage): boolean => {
			if (loadedIds.has(m.messageId)) return true;
			if (mode !== 'latest') return m.seq === undefined;
			return m.seq === undefined ? m.createdAt >= oldestLoaded : m.seq > oldestLoadedSeq || messages.length === 0;
		};
		const kept = thread.messages.filter(isKept);
		merged = mergeMessages(kept, messages);
	}
	const messageIndex = {...state.messageIndex};
	for (const m of messages) messageIndex[m.messageId] = conversationId;
	const gapAfter = (mode === 'before' || mode === 'around') && event.hasNewer ? messages.at(-1)?.messageId : undefined;
	const nextThread: Thread = {
		messages: merged,
		hasMore,
		isLoadingOlder: mode === 'older' ? false : thread.isLoadingOlder,
		isLoaded: thread.isLoaded || mode === 'latest',
		// An older page keeps the gap (and a pending return to the present) of the page it extends.
		...(mode === 'older' && thread.gapAfterMessageId ? {gapAfterMessageId: thread.gapAfterMessageId} : {}),
		...(mode === 'older' && thread.isLoadingLatest ? {isLoadingLatest: true} : {}),
		...(gapAfter ? {gapAfterMessageId: gapAfter} : {}),
	};
	let next: ChatState = {...state, threads: {...state.threads, [conversationId]: nextThread}, messageIndex};
	const newest = merged.at(-1);
	const summary = next.conversations[conversationId];
	if (mode === 'latest' && newest && (!summary || newest.createdAt > summary.lastActivityAt)) {
		next = {...next, conversations: {...next.conversations, [conversationId]: withActivity(next, summary, conversationId, [newest], 0)}};
	}
	if (state.openConversationId !== conversationId || mode === 'older') return resolveDivider(next);
	next = resolveDivider({...next, scroll: 0});
	if (mode === 'around') return focusOn(next, merged.find((m) => m.seq === event.focusSeq));
	// `before`: the page ends where the date is; show its newest rows, not a divider.
	return mode === 'latest' ? landOnDivider(next) : next;
}

/**
 * An `around` page arrived (a reply's original, a search hit): select the focus message, give
 * the thread the keyboard, and scroll so the message sits in the middle of the pane.
 */
function focusOn(state: ChatState, message: ChatMessage | undefined): ChatState {
	if (!message) return state;
	const layout = openThreadLayout(state);
	if (!layout) return state;
	const index = layout.messages.findIndex((m) => m.messageId === message.messageId);
	const below = threadRowCount(layout, index + 1);
	const own = threadRowCount(layout, index) - below;
	const scroll = Math.max(0, below - Math.max(0, Math.floor((layout.height - own) / 2)));
	return {...state, selectedMessageId: message.messageId, focus: 'thread', scroll};
}

/**
 * The first `latest` page after opening a conversation with unread messages lands on the
 * "new messages" divider (at the top of the pane when the unread ones do not all fit), once.
 */
export function landOnDivider(state: ChatState): ChatState {
	const divider = state.divider;
	if (!divider?.beforeMessageId || divider.hasLanded || divider.conversationId !== state.openConversationId) return state;
	const layout = openThreadLayout(state);
	if (!layout) return state;
	return {...state, scroll: scrollToMessage(layout, divider.beforeMessageId), divider: {...divider, hasLanded: true}};
}

/**
 * Pin the "new messages" divider to a message once enough messages are loaded: it goes
 * before the `unreadAtOpen`-th newest message from someone else. When the loaded page
 * holds fewer unread messages than that (more unread than one page), it goes before the
 * oldest loaded one, so they are all marked read.
 */
export function resolveDivider(state: ChatState): ChatState {
	const divider = state.divider;
	if (!divider || divider.beforeMessageId || divider.unreadAtOpen <= 0) return state;
	const thread = state.threads[divider.conversationId];
	const messages = thread?.messages ?? [];
	let count = 0;
	let oldest: string | undefined;
	for (let i = messages.length - 1; i >= 0; i--) {
		const m = messages[i]!;
		if (m.senderId === state.me.userId) continue;
		count += 1;
		oldest = m.messageId;
		if (count === divider.unreadAtOpen) break;
	}
	const isPinned = count === divider.unreadAtOpen || (thread?.isLoaded === true && oldest !== undefined);
	if (!isPinned || !oldest) return state;
	const resolved: Divider = {...divider, beforeMessageId: oldest};
	return {...state, divider: resolved};
}

/** Someone starts or stops typing; never shown for myself. */
export function reduceTyping(state: ChatState, event: Extract<ChatEvent, {type: 'typing-changed'}>): ChatState {
	if (event.userId === state.me.userId) return state;
	const current = state.typing[event.conversationId] ?? {};
	if (!event.isTyping && !current[event.userId]) return state;
	const nextTypists = {...current};
	if (event.isTyping) nextTypists[event.userId] = {name: event.name, expiresAt: event.at + TYPING_TTL_MS};
	else delete nextTypists[event.userId];
	return {...state, typing: {...state.typing, [event.conversationId]: nextTypists}};
}

/** The clock moves on: typing indicators past their expiry disappear. */
export function reduceClock(state: ChatState, now: number): ChatState {
	let typing: Record<string, Record<string, {name: string; expiresAt: number}>> | undefined;
	for (const [conversationId, typists] of Object.entries(state.typing)) {
		const expired = Object.entries(typists).filter(([, t]) => t.expiresAt <= now);
		if (expired.length === 0) continue;
		typing ??= {...state.typing};
		const remaining = {...typists};
		for (const [userId] of expired) delete remaining[userId];
		typing[conversationId] = remaining;
	}
	return {...state, now, ...(typing ? {typing} : {})};
}

/** Presence updates: per user, a newer publication replaces an older one. */
export function reducePresence(state: ChatState, presences: Extract<ChatEvent, {type: 'presence-changed'}>['presences']): ChatState {
	const presence = {...state.presence};
	let changed = false;
	for (const p of presences) {
		const known = presence[p.userId];
		if (known && known.at > p.at) continue;
		presence[p.userId] = p;
		changed = true;
	}
	return changed ? {...state, presence} : state;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
	const groups = new Map<string, T[]>();
	for (const item of items) {
		const k = key(item);
		const list = groups.get(k);
		if (list) list.push(item);
		else groups.set(k, [item]);
	}
	return groups;
}
