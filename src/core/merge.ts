// Message merging rules: dedupe by messageId, the server's order (seq), statuses never go backwards.
// Pure: imports protocol/ and core/ only.
import {STATUS_FLOW, statusRank} from '../protocol/index.js';
import type {ChatMessage, LocalStatus} from './types.js';

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
 */
export function mergeMessage(known: ChatMessage, incoming: ChatMessage): ChatMessage {
	// A message is (sender, message id): another sender's message under the same id is not a copy
	// of this one and must not replace its text (the first one seen stays; see the report of issue 8).
	if (known.senderId !== incoming.senderId) return known;
	const status = furthestStatus(known.status, incoming.status);
	const isIncomingStored = incoming.seq !== undefined || known.seq === undefined;
	const base = isIncomingStored ? {...known, ...incoming} : {...incoming, ...known};
	const merged: ChatMessage = {...base, status};
	if (merged.status === known.status && merged.seq === known.seq && merged.createdAt === known.createdAt) {
		return known;
	}
	return merged;
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
