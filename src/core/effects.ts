// Effects: the I/O a state transition asks the shell to do (load pages, mark read, notify).
// Pure: imports protocol/ and core/ only. The TUI performs them through ChatPort.
import type {ChatAction} from './actions.js';
import {sanitizeInline} from './sanitize.js';
import {kindOf} from './conversation-info.js';
import {conversationRows, peerName} from './selectors.js';
import {HISTORY_PAGE, type ChatState, type NotifyMode} from './state.js';
import {isMentioned} from './mentions.js';
import {hasMyReaction, parseSearch} from './message-actions.js';
import type {ChatMessage, SearchQuery} from './types.js';

/** A request for I/O, planned from one transition. */
export type Effect =
	/** `limit` is a count of messages (a page is {@link HISTORY_PAGE}). */
	| {kind: 'load-latest'; conversationId: string; limit: number}
	/** Keyset pagination: the `limit` messages with `seq < beforeSeq`. */
	| {kind: 'load-older'; conversationId: string; beforeSeq: number; limit: number}
	| {kind: 'mark-read'; messages: readonly ChatMessage[]}
	/** `title`/`body` are sanitized, single line. */
	| {kind: 'notify'; conversationId: string; mode: Exclude<NotifyMode, 'off'>; title: string; body: string}
	| {kind: 'load-info'; messageId: string}
	/** The switcher's query, to find people the server knows beyond the list. */
	| {kind: 'search-users'; query: string; limit: number}
	| {kind: 'load-status'}
	/** The current members of a conversation (a room opened, a system line arrived, `/members`). */
	| {kind: 'load-members'; conversationId: string}
	/** The conversation list again (a system line changed a room's title, topic or members). */
	| {kind: 'load-conversations'}
	/** The next page of a partial conversation list (the selection came near its loaded end). */
	| {kind: 'load-more-conversations'}
	/** The page around a stored message (a reply's original, a search hit, the first unread): `history-loaded` around. */
	| {kind: 'load-around'; conversationId: string; seq: number; limit: number}
	/** Soft-delete a message (confirmed). */
	| {kind: 'delete-message'; conversationId: string; messageId: string; senderId: string}
	/** Add (`isOn`) or remove my reaction. */
	| {kind: 'react'; conversationId: string; messageId: string; senderId: string; emoji: string; isOn: boolean}
	/** Full-text search; the answer comes back as `search-loaded` for `text`. */
	| {kind: 'search-messages'; text: string; query: SearchQuery}
	/** The "while you were away" summary (once per run). */
	| {kind: 'load-away'}
	| {kind: 'quit'};

/** People asked of the server per switcher search. */
export const SWITCHER_SEARCH_LIMIT = 50;

function batchOf(messages: readonly ChatMessage[], conversationId: string): ChatMessage[] {
	return messages.filter((m) => m.conversationId === conversationId);
}

/** Effects of the message actions of issue 10: jumps, delete, reactions, search, the away summary. */
function messageActionEffects(prev: ChatState, action: ChatAction, next: ChatState): Effect[] {
	switch (action.type) {
		case 'around-requested':
			return [{kind: 'load-around', conversationId: action.conversationId, seq: action.seq, limit: HISTORY_PAGE}];
		case 'delete-confirmed': {
			const overlay = prev.overlay;
			if (overlay?.kind !== 'confirm-delete') return [];
			const {conversationId, messageId, senderId} = overlay.target;
			return [{kind: 'delete-message', conversationId, messageId, senderId}];
		}
		case 'reaction-toggled': {
			const {conversationId, messageId, senderId} = action.target;
			return [{kind: 'react', conversationId, messageId, senderId, emoji: action.emoji, isOn: !hasMyReaction(prev, action.target, action.emoji)}];
		}
		case 'search-requested': {
			if (next.overlay?.kind !== 'search' || !next.overlay.isLoading) return [];
			const parsed = parseSearch(action.text, next);
			return parsed.ok ? [{kind: 'search-messages', text: action.text, query: parsed.query}] : [];
		}
		default:
			return next.isAwayAsked && !prev.isAwayAsked ? [{kind: 'load-away'}] : [];
	}
}

/**
 * Whether the list's selection is within half a screen of the last loaded row (each row is two
 * lines): a partial list loads its next page before the user reaches the end, and again on every
 * move at the end while more exist (a page may still be on its way: the client shares it).
 */
function isNearListEnd(state: ChatState): boolean {
	const rows = conversationRows(state);
	const index = rows.findIndex((r) => r.isSelected);
	const prefetch = Math.max(3, Math.floor(state.viewport.rows / 4));
	return index >= rows.length - 1 - prefetch;
}

/** The notification mode in force for a conversation (its override, else the global mode). */
export function notifyModeFor(state: ChatState, conversationId: string): NotifyMode {
	return state.notify.perConversation[conversationId] ?? state.notify.mode;
}

/**
 * The effects of `prev` → `next` under `action`:
 * opening a conversation loads its latest page; a scroll to the top loads an older page
 * (keyset on `seq`); scrolling down past the gap of an older page (`/history --before`, around a
 * message), or sending a message from it, loads the latest; incoming messages in the open conversation are marked read, and
 * those elsewhere notify (never my own nor in a muted conversation, one notification per burst
 * and conversation); opening a room loads its members; a new system line reloads the list (and
 * the members of the open room);
 * messages after the divider are marked read once it is placed.
 */
export function planEffects(prev: ChatState, action: ChatAction, next: ChatState): Effect[] {
	const effects: Effect[] = [];
	const open = next.openConversationId;
	if (action.type === 'conversation-opened' && open) {
		// Opened at a message (search hit, first unread): the page around it, not the latest.
		effects.push(
			action.focusSeq === undefined
				? {kind: 'load-latest', conversationId: open, limit: HISTORY_PAGE}
				: {kind: 'load-around', conversationId: open, seq: action.focusSeq, limit: HISTORY_PAGE},
		);
		if (kindOf(open) === 'group') effects.push({kind: 'load-members', conversationId: open});
	}
	if (open) {
		const thread = next.threads[open];
		const before = thread?.messages[0]?.seq;
		if (thread?.isLoadingOlder && !prev.threads[open]?.isLoadingOlder && before !== undefined) {
			effects.push({kind: 'load-older', conversationId: open, beforeSeq: before, limit: HISTORY_PAGE});
		}
		// Past the gap after an older page (End, PgDn at the bottom, a message sent there): back to the present.
		const isToPresent = (action.type === 'thread-scrolled' && action.by < 0) || (action.type === 'message-submitted' && action.conversationId === open);
		if (thread?.isLoadingLatest && isToPresent) {
			effects.push({kind: 'load-latest', conversationId: open, limit: HISTORY_PAGE});
		}
	}
	const dividerId = next.divider?.beforeMessageId;
	if (next.divider && dividerId && next.divider.conversationId === open && dividerId !== prev.divider?.beforeMessageId) {
		const messages = next.threads[open]?.messages ?? [];
		const from = messages.findIndex((m) => m.messageId === dividerId);
		const unread = messages.slice(Math.max(0, from)).filter((m) => m.senderId !== next.me.userId);
		if (unread.length > 0) effects.push({kind: 'mark-read', messages: unread});
	}
	if (action.type === 'messages-received') {
		const fresh = action.messages.filter((m) => prev.messageIndex[m.messageId] === undefined && m.senderId !== next.me.userId);
		const inOpen = fresh.filter((m) => m.conversationId === open);
		if (inOpen.length > 0) effects.push({kind: 'mark-read', messages: inOpen});
		const elsewhere = new Map<string, ChatMessage>();
		for (const m of fresh) if (m.conversationId !== open) elsewhere.set(m.conversationId, m);
		for (const [conversationId, m] of elsewhere) {
			const mode = notifyModeFor(next, conversationId);
			// A mention of me notifies even in a muted room (not when notifications are off).
			const isMention = batchOf(fresh, conversationId).some((x) => x.messageType === 'text' && isMentioned(x, next.me.userId));
			if (mode === 'off' || (next.conversations[conversationId]?.isMuted && !isMention)) continue;
			const kind = kindOf(conversationId);
			const where = kind === 'broadcast' ? 'to everyone' : kind === 'group' ? `in #${peerName(next, conversationId)}` : '';
			const mention = isMention ? batchOf(fresh, conversationId).findLast((x) => isMentioned(x, next.me.userId)) : undefined;
			const title = sanitizeInline(
				mention
					? `${mention.senderName} mentioned you${where ? ` ${where}` : ''}`
					: kind === 'broadcast' ? `${m.senderName} to everyone` : kind === 'group' ? `${m.senderName} in #${peerName(next, conversationId)}` : peerName(next, conversationId),
			);
			effects.push({kind: 'notify', conversationId, mode, title, body: sanitizeInline((mention ?? m).content).slice(0, 200)});
		}
	}
	if (action.type === 'messages-received') {
		// A membership line: members, title or topic changed (or I was added or removed).
		const system = action.messages.filter((m) => m.messageType === 'system' && prev.messageIndex[m.messageId] === undefined);
		// A room first seen in a live message has no title yet: the list has it.
		const isNewRoom = action.messages.some((m) => kindOf(m.conversationId) === 'group' && prev.conversations[m.conversationId] === undefined);
		// While the list is partial the client loads such a room's row itself (it may be one not reached yet).
		if (system.length > 0 || (isNewRoom && !next.hasMoreConversations)) effects.push({kind: 'load-conversations'});
		for (const conversationId of new Set(system.map((m) => m.conversationId))) {
			if (conversationId === open || (next.overlay?.kind === 'members' && next.overlay.conversationId === conversationId)) {
				effects.push({kind: 'load-members', conversationId});
			}
		}
	}
	if (action.type === 'overlay-opened') {
		if (action.overlay.kind === 'members') effects.push({kind: 'load-members', conversationId: action.overlay.conversationId});
		if (action.overlay.kind === 'info') effects.push({kind: 'load-info', messageId: action.overlay.messageId});
		if (action.overlay.kind === 'status') effects.push({kind: 'load-status'});
		if (action.overlay.kind === 'switcher') effects.push({kind: 'search-users', query: action.overlay.query, limit: SWITCHER_SEARCH_LIMIT});
	}
	if (action.type === 'switcher-query-changed' && next.overlay?.kind === 'switcher') {
		effects.push({kind: 'search-users', query: next.overlay.query.trim(), limit: SWITCHER_SEARCH_LIMIT});
	}
	if (action.type === 'list-moved' && next.hasMoreConversations && isNearListEnd(next)) effects.push({kind: 'load-more-conversations'});
	effects.push(...messageActionEffects(prev, action, next));
	if (next.isQuitting && !prev.isQuitting) effects.push({kind: 'quit'});
	return effects;
}
