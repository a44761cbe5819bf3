// Message merging rules: dedupe by messageId, the server's order (seq), statuses never go backwards,
// edits by version, a delete is final, reactions toggle (issue 10).
// Pure: imports protocol/ and core/ only.
import {STATUS_FLOW, statusRank} from '../protocol/index.js';
import type {ChatMessage, LocalStatus, MessageChange, ReplyRef} from './types.js';

/**
 * Rank of a local status: pending (-1) < sent < received_by_server < delivered < read;
 * `rejected` is final (the server never stores the message, so nothing can follow it).
 */
export function localRank(status: LocalStatus): number {
	if (status === 'rejected') return STATUS_FLOW.length;
	return status === 'pending' ? -1 : statusRank(status);
}

/** The further of two statuses (a status never goes backwards). */
export function furthestStatus(a: LocalStatus, b: LocalStatus): LocalStatus {
	return localRank(b) > localRank(a) ? b : a;
}

/**
 * Two copies of one message → one: the stored copy (with `seq`) wins over a live one,
 * a later copy over an earlier one otherwise, and the furthest status is kept. A message of
 * another sender under the same id is no copy: `known` is returned unchanged.
 * The text follows {@link newerText}: a deleted copy wins and stays deleted, else the higher
 * edit `version` (a stale stored copy or a late live copy never undoes a newer edit); the reply
 * quote likewise (see newerQuote).
 */
export function mergeMessage(known: ChatMessage, incoming: ChatMessage): ChatMessage {
	// A message is (sender, message id): another sender's message under the same id is not a copy
	// of this one and must not replace its text (the first one seen stays; see the report of issue 8).
	if (known.senderId !== incoming.senderId) return known;
	const status = furthestStatus(known.status, incoming.status);
	const isIncomingStored = incoming.seq !== undefined || known.seq === undefined;
	const base = isIncomingStored ? {...known, ...incoming} : {...incoming, ...known};
	const text = newerText(known, incoming);
	const merged: ChatMessage = {...withoutText(base), ...textOf(text), status};
	const replyTo = newerQuote(known.replyTo, incoming.replyTo, base.replyTo);
	if (replyTo) merged.replyTo = replyTo;
	// A live copy carries no reactions: the known ones stay.
	if (merged.reactions === undefined && known.reactions !== undefined && !merged.deletedAt) merged.reactions = known.reactions;
	if (merged.deletedAt !== undefined) delete merged.reactions;
	if (
		merged.status === known.status &&
		merged.seq === known.seq &&
		merged.createdAt === known.createdAt &&
		text === known &&
		merged.reactions === known.reactions &&
		merged.replyTo === known.replyTo
	) {
		return known;
	}
	return merged;
}

/**
 * Of two copies' reply quotes, the newer: a deleted original's quote wins (deletion is final),
 * else the one showing the higher edit version of the original, so a stale stored page never
 * brings back text a live edit replaced; on a tie `base` (the copy that wins the other fields).
 * The fields of the other quote that the newer one lacks (seq, sender name) are kept.
 */
function newerQuote(known: ReplyRef | undefined, incoming: ReplyRef | undefined, base: ReplyRef | undefined): ReplyRef | undefined {
	if (!known || !incoming) return base;
	let winner: ReplyRef;
	if (known.isDeleted || incoming.isDeleted) winner = known.isDeleted ? known : incoming;
	else if ((known.version ?? 0) !== (incoming.version ?? 0)) winner = (known.version ?? 0) > (incoming.version ?? 0) ? known : incoming;
	else return base;
	if (winner === base) return base;
	const merged: ReplyRef = {...(winner === known ? incoming : known), ...winner};
	if (winner.isDeleted) delete merged.preview;
	const keys = Object.keys(merged) as Array<keyof ReplyRef>;
	return keys.length === Object.keys(winner).length && keys.every((k) => merged[k] === winner[k]) ? winner : merged;
}

/** The text-bearing fields of a message: content, version, edit and delete marks, mentions. */
const TEXT_FIELDS = ['content', 'version', 'editedAt', 'deletedAt', 'deletedBy', 'mentions'] as const;

function withoutText(message: ChatMessage): ChatMessage {
	const copy = {...message};
	for (const field of TEXT_FIELDS) delete copy[field];
	return copy as ChatMessage;
}

function textOf(message: ChatMessage): Partial<ChatMessage> {
	const text: Partial<ChatMessage> = {content: message.content};
	for (const field of TEXT_FIELDS) if (message[field] !== undefined) (text as Record<string, unknown>)[field] = message[field];
	return text;
}

/**
 * Of two copies of one message, the one whose text counts: a deleted copy (deletion is final;
 * the earlier deletion when both are), else the higher edit `version`; on a tie `known` (nothing
 * newer arrived). Returns one of its arguments.
 */
export function newerText(known: ChatMessage, incoming: ChatMessage): ChatMessage {
	if (known.deletedAt !== undefined) return known;
	if (incoming.deletedAt !== undefined) return incoming;
	const kv = known.version ?? 0;
	const iv = incoming.version ?? 0;
	if (iv > kv) return incoming;
	if (iv < kv) return known;
	// Same version, same text: prefer the stored copy's fields (it may carry editedAt/mentions).
	return incoming.seq !== undefined && known.seq === undefined && incoming.content === known.content ? incoming : known;
}

/**
 * Apply a committed change (issue 10) to a message. Edits apply when their version is newer
 * and the message is not deleted; a delete empties the text and is final; a reaction toggles
 * (emoji, user) idempotently. Returns `message` itself when nothing changed (another sender, a
 * stale edit, a repeated toggle).
 */
export function applyChange(message: ChatMessage, change: MessageChange): ChatMessage {
	if (message.senderId !== change.senderId || message.messageId !== change.messageId) return message;
	if (message.deletedAt !== undefined) return message;
	switch (change.kind) {
		case 'edit': {
			if (change.version <= (message.version ?? 0)) return message;
			const {mentions: _old, ...rest} = message;
			return {...rest, content: change.content, version: change.version, editedAt: change.editedAt, ...(change.mentions ? {mentions: change.mentions} : {})};
		}
		case 'delete': {
			const {reactions: _gone, mentions: _none, ...rest} = message;
			return {...rest, content: '', deletedAt: change.deletedAt, deletedBy: change.deletedBy};
		}
		case 'reaction':
			return toggleReaction(message, change.emoji, change.userId, change.isOn);
	}
}

/** Set (`isOn`) or clear one user's reaction `emoji`; idempotent; emoji with nobody left disappear. */
export function toggleReaction(message: ChatMessage, emoji: string, userId: string, isOn: boolean): ChatMessage {
	const users = message.reactions?.[emoji] ?? [];
	if (users.includes(userId) === isOn) return message;
	const reactions: Record<string, string[]> = {...message.reactions};
	const next = isOn ? [...users, userId] : users.filter((u) => u !== userId);
	if (next.length > 0) reactions[emoji] = next;
	else delete reactions[emoji];
	const {reactions: _old, ...rest} = message;
	return Object.keys(reactions).length > 0 ? {...rest, reactions} : rest;
}

/**
 * Sort order of a thread: the server's order. Stored messages (with `seq`) by `seq`, whatever
 * their timestamps or arrival order; then messages not stored yet (live copies, my unconfirmed
 * ones) by `createdAt` (this client's clock for those), then id. A total order, so sorting is stable
 * whatever order the copies arrive in.
 */
export function compareMessages(a: ChatMessage, b: ChatMessage): number {
	if (a.seq !== undefined && b.seq !== undefined) return a.seq - b.seq;
	if (a.seq !== undefined) return -1;
	if (b.seq !== undefined) return 1;
	return a.createdAt - b.createdAt || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0);
}

/**
 * Merge `incoming` into the ordered list `known`: copies of one message (in either list,
 * or twice in `incoming`) become one ({@link mergeMessage}), new ones are inserted in
 * order, and the list is re-sorted if a stored copy gave a message its `seq` or time. Returns
 * `known` itself when nothing changed.
 */
export function mergeMessages(known: readonly ChatMessage[], incoming: readonly ChatMessage[]): readonly ChatMessage[] {
	if (incoming.length === 0) return known;
	const batch = new Map<string, ChatMessage>();
	for (const message of incoming) {
		const seen = batch.get(message.messageId);
		batch.set(message.messageId, seen ? mergeMessage(seen, message) : message);
	}
	const index = new Map<string, number>();
	known.forEach((m, i) => index.set(m.messageId, i));
	let next: ChatMessage[] | undefined;
	let isMoved = false;
	const added: ChatMessage[] = [];
	for (const message of batch.values()) {
		const i = index.get(message.messageId);
		if (i === undefined) {
			added.push(message);
			continue;
		}
		const current = known[i]!;
		const merged = mergeMessage(current, message);
		if (merged === current) continue;
		next ??= [...known];
		next[i] = merged;
		isMoved ||= merged.seq !== current.seq || merged.createdAt !== current.createdAt;
	}
	if (added.length === 0 && !next) return known;
	const base = next ?? [...known];
	added.sort(compareMessages);
	const last = base.at(-1);
	// The common case, live messages newer than everything loaded: append without re-sorting.
	if (!isMoved && (added.length === 0 || !last || compareMessages(last, added[0]!) <= 0)) return base.concat(added);
	return base.concat(added).sort(compareMessages);
}
