// Actions on one message (issue 10): which message a key or command is about, who may do what,
// reactions and search queries as typed. Pure: imports protocol/ and core/ only.
import {isValidUserId, refuseEmoji} from '../protocol/index.js';
import {conversationTitle, kindOf} from './conversation-info.js';
import {parseDate} from './dates.js';
import {sanitizeInline} from './sanitize.js';
import {findMessage, threadOf} from './selectors.js';
import type {ChatState, MessageTarget} from './state.js';
import {displayWidth, truncate} from './text-layout.js';
import type {ChatMessage, SearchQuery} from './types.js';

/** What can be done to a message. */
export type MessageActionKind = 'reply' | 'edit' | 'delete' | 'react';

/** The emoji of the reaction picker, by number 1–8. */
export const REACTION_CHOICES: readonly string[] = ['👍', '❤️', '😂', '🎉', '😮', '😢', '👀', '✅'];
/** Longest search text, in characters (UTF-16 code units), flags excluded. */
export const MAX_SEARCH_LENGTH = 200;

/** A message as the target of an action. */
export function targetOf(message: ChatMessage): MessageTarget {
	return {
		conversationId: message.conversationId,
		messageId: message.messageId,
		senderId: message.senderId,
		senderName: message.senderName,
		content: message.content,
		...(message.seq === undefined ? {} : {seq: message.seq}),
	};
}

/** Whether I am an admin of a group room (from the list's role, else the loaded members). */
export function isAdminOf(state: ChatState, conversationId: string): boolean {
	if (kindOf(conversationId) !== 'group') return false;
	const members = state.members[conversationId];
	const mine = members?.find((m) => m.userId === state.me.userId);
	return (mine?.role ?? state.conversations[conversationId]?.role) === 'admin';
}

/**
 * Whether `kind` may be done to `message` by me: not to system lines nor deleted messages nor
 * ones the server refused; edit only my own; delete my own, or anyone's in a room I am admin of.
 */
export function isAllowed(state: ChatState, kind: MessageActionKind, message: ChatMessage): boolean {
	if (message.messageType === 'system' || message.deletedAt !== undefined || message.status === 'rejected') return false;
	const isMine = message.senderId === state.me.userId;
	if (kind === 'edit') return isMine;
	if (kind === 'delete') return isMine || isAdminOf(state, message.conversationId);
	return true;
}

const WHAT: Record<MessageActionKind, string> = {reply: 'reply to', edit: 'edit', delete: 'delete', react: 'react to'};

/**
 * The message an action is about: the selected one, else the newest of the open conversation
 * that allows it (for edit and delete: my newest). A one-line error says why there is none.
 */
export function actionTarget(state: ChatState, kind: MessageActionKind): {ok: true; target: MessageTarget} | {ok: false; error: string} {
	const open = state.openConversationId;
	if (!open) return {ok: false, error: `no conversation open — open one to ${WHAT[kind]} a message`};
	const selected = state.selectedMessageId ? findMessage(state, state.selectedMessageId) : undefined;
	if (selected && selected.conversationId === open) {
		if (isAllowed(state, kind, selected)) return {ok: true, target: targetOf(selected)};
		if (selected.deletedAt !== undefined) return {ok: false, error: 'that message was deleted'};
		if (selected.messageType === 'system') return {ok: false, error: `a room event cannot be ${kind === 'reply' ? 'replied to' : `${kind}ed`}`};
		if (kind === 'edit') return {ok: false, error: 'you can only edit your own messages'};
		if (kind === 'delete') return {ok: false, error: 'you can delete your own messages (admins: any in their room)'};
		return {ok: false, error: `that message cannot be ${kind === 'reply' ? 'replied to' : 'reacted to'} (the server refused it)`};
	}
	const thread = threadOf(state, open);
	const isCandidate = (m: ChatMessage): boolean => isAllowed(state, kind, m) && (kind === 'reply' || kind === 'react' || m.senderId === state.me.userId);
	// An older page is shown (search hit, `o`, /history --before): the newest messages behind the
	// gap marker are not loaded, so "the last message" is only known among those that arrived live
	// after it (they continue up to now); an older page's last message is not the conversation's.
	const gap = thread.gapAfterMessageId === undefined ? -1 : thread.messages.findIndex((m) => m.messageId === thread.gapAfterMessageId);
	const last = thread.messages.slice(gap + 1).findLast(isCandidate);
	if (last) return {ok: true, target: targetOf(last)};
	if (gap >= 0) return {ok: false, error: `the newest messages are not loaded — press End to go to them, or select a message (s, ↑/↓) to ${WHAT[kind]}`};
	return {ok: false, error: kind === 'edit' || kind === 'delete' ? `no message of yours here to ${WHAT[kind]}` : `no message here to ${WHAT[kind]}`};
}

/** Whether I have reacted with `emoji` to the target (as loaded). */
export function hasMyReaction(state: ChatState, target: MessageTarget, emoji: string): boolean {
	const message = threadOf(state, target.conversationId).messages.find((m) => m.messageId === target.messageId && m.senderId === target.senderId);
	return message?.reactions?.[emoji]?.includes(state.me.userId) ?? false;
}

/**
 * Check a reaction as typed: trimmed, it must be one emoji by the protocol's rule (protocol/
 * v2-actions.ts refuseEmoji: one grapheme cluster of at most 32 bytes of UTF-8, skin tones, flags and
 * ZWJ sequences included), so that a refused `/react lol` stays in the composer with the reason
 * instead of being refused later by the client. Returns the emoji or a one-line error.
 */
export function checkReaction(raw: string): {ok: true; emoji: string} | {ok: false; error: string} {
	const emoji = raw.trim();
	if (emoji === '') return {ok: false, error: 'usage: /react <emoji> (e.g. /react 👍)'};
	const reason = refuseEmoji(emoji);
	return reason ? {ok: false, error: `${reason} — e.g. /react 👍`} : {ok: true, emoji};
}

/** "replying to Bob: start of the text…" / "editing your message: …" for the line above the composer, sanitized, within `width` columns. */
export function composeLine(state: ChatState, width: number): string {
	const compose = state.compose;
	if (!compose) return '';
	const text = sanitizeInline(compose.target.content.replace(/\s*\r?\n\s*/g, ' '));
	const head = compose.kind === 'reply' ? `replying to ${sanitizeInline(compose.target.senderName)}: ` : 'editing your message: ';
	const tail = ' (Esc cancels)';
	const room = Math.max(1, width - displayWidth(head) - displayWidth(tail));
	return truncate(`${head}${truncate(text, room)}${tail}`, width);
}

/**
 * The delete confirmation line for `target` within `width` columns, naming the message by as much
 * of its text as fits — `delete “…” for everybody? y deletes, n keeps it` (someone else's:
 * `delete Bob's “…” …`) — so the reader sees which message y deletes; too narrow for 10 columns
 * of text: `delete your message for everybody? …`, cut to `width`. Sanitized (text and sender's
 * name are untrusted), one line.
 */
export function confirmDeleteLine(state: ChatState, target: MessageTarget, width: number): string {
	const isMine = target.senderId === state.me.userId;
	const name = isMine ? '' : `${sanitizeInline(target.senderName)}'s `;
	const tail = '” for everybody? y deletes, n keeps it';
	const room = width - displayWidth(`delete ${name}“`) - displayWidth(tail);
	if (room < 10) return truncate(`delete ${isMine ? 'your message' : `${name}message`} for everybody? y deletes, n keeps it`, width);
	const text = sanitizeInline(target.content.replace(/\s*\r?\n\s*/g, ' '));
	return `delete ${name}“${truncate(text, room)}${tail}`;
}

/**
 * Parse a search line: `[--in <conversation>] [--from <user>] [--before <date>] [--after <date>] words`.
 * `--in` takes a conversation id, a user id (the direct chat with them) or a room's title
 * (one word, case-insensitive); dates as `/history --before` takes them, in the zone times are
 * shown in. The words are websearch_to_tsquery syntax, 1–{@link MAX_SEARCH_LENGTH} characters.
 */
export function parseSearch(line: string, state: ChatState): {ok: true; query: SearchQuery} | {ok: false; error: string} {
	const query: SearchQuery = {text: ''};
	const words: string[] = [];
	const tokens = line.trim().split(/\s+/).filter((t) => t !== '');
	for (let i = 0; i < tokens.length; i++) {
		const token = tokens[i]!;
		if (!token.startsWith('--')) {
			words.push(token);
			continue;
		}
		const value = tokens[i + 1];
		if (value === undefined) return {ok: false, error: `${token} needs a value — /search [--in c] [--from u] [--before d] [--after d] words`};
		i += 1;
		switch (token) {
			case '--in': {
				const id = conversationNamed(state, value);
				if (!id) return {ok: false, error: `no conversation "${value}" — use its id, a user id, a room title or everyone`};
				query.conversationId = id;
				break;
			}
			case '--from':
				if (!isValidUserId(value)) return {ok: false, error: `"${value}" is not a user id (1-64 of A-Z a-z 0-9 _ . -)`};
				query.fromUserId = value;
				break;
			case '--before':
			case '--after': {
				// A date may be two tokens: `2026-11-22 10:00`.
				let raw = value;
				const next = tokens[i + 1];
				if (next && /^\d{2}:\d{2}(:\d{2})?$/.test(next)) {
					raw = `${value} ${next}`;
					i += 1;
				}
				const date = parseDate(raw, state.timeZone);
				if (!date) return {ok: false, error: `"${raw}" is not a date — use YYYY-MM-DD[THH:MM]`};
				if (token === '--before') query.before = date.getTime();
				else query.after = date.getTime();
				break;
			}
			default:
				return {ok: false, error: `unknown option ${token} — /search [--in c] [--from u] [--before d] [--after d] words`};
		}
	}
	query.text = words.join(' ');
	if (query.text === '') return {ok: false, error: 'search for what? — /search [--in c] [--from u] [--before d] [--after d] words'};
	if (query.text.length > MAX_SEARCH_LENGTH) return {ok: false, error: `search text is longer than ${MAX_SEARCH_LENGTH} characters`};
	return {ok: true, query};
}

/**
 * A conversation by id, by a user id (the direct chat), by a room's title (case-insensitive), or
 * the broadcast by the name the list shows for it (`everyone`, see conversationTitle).
 */
export function conversationNamed(state: ChatState, name: string): string | undefined {
	if (state.conversations[name]) return name;
	const bare = name.replace(/^#/, '').toLowerCase();
	const byTitle = Object.values(state.conversations).find((c) => c.kind === 'group' && conversationTitle(state, c.conversationId).toLowerCase() === bare);
	if (byTitle) return byTitle.conversationId;
	const direct = Object.values(state.conversations).find((c) => c.kind === 'direct' && c.peerId?.toLowerCase() === bare);
	if (direct) return direct.conversationId;
	if (name === 'all' || bare === conversationTitle(state, 'all')) return 'all';
	return undefined;
}
