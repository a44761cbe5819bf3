// Message merging rules: dedupe by messageId, order by time, statuses never go backwards.
// Pure: imports protocol/ and core/ only.
import {statusRank} from '../protocol/index.js';
import type {ChatMessage, LocalStatus} from './types.js';

/** Rank of a local status: pending (-1) < sent < received_by_server < delivered < read. */
export function localRank(status: LocalStatus): number {
	return status === 'pending' ? -1 : statusRank(status);
}

/** The further of two statuses (a status never goes backwards). */
export function furthestStatus(a: LocalStatus, b: LocalStatus): LocalStatus {
	return localRank(b) > localRank(a) ? b : a;
}

/** Two copies of one message → one: the stored fields win, the furthest status is kept. */
export function mergeMessage(known: ChatMessage, incoming: ChatMessage): ChatMessage {
	const status = furthestStatus(known.status, incoming.status);
	const seq = incoming.seq ?? known.seq;
	const merged: ChatMessage = {...known, ...incoming, status, ...(seq === undefined ? {} : {seq})};
	if (merged.status === known.status && merged.seq === known.seq && merged.createdAt === known.createdAt) {
		return known;
	}
	return merged;
}

/** Sort order of a thread: by creation time, then storage order, then id. */
export function compareMessages(a: ChatMessage, b: ChatMessage): number {
	return a.createdAt - b.createdAt || (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER) || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0);
}

/**
 * Merge `incoming` into the ordered list `known`: known ids are merged in place
 * ({@link mergeMessage}), new ones inserted in order. Returns `known` itself when nothing changed.
 */
export function mergeMessages(known: readonly ChatMessage[], incoming: readonly ChatMessage[]): readonly ChatMessage[] {
	if (incoming.length === 0) return known;
	const byId = new Map<string, number>();
	known.forEach((m, i) => byId.set(m.messageId, i));
	let next: ChatMessage[] | undefined;
	const added: ChatMessage[] = [];
	for (const message of incoming) {
		const index = byId.get(message.messageId);
		if (index === undefined) {
			byId.set(message.messageId, -1);
			added.push(message);
			continue;
		}
		if (index < 0) continue;
		const current = (next ?? known)[index]!;
		const merged = mergeMessage(current, message);
		if (merged !== current) {
			next ??= [...known];
			next[index] = merged;
		}
	}
	if (added.length === 0) return next ?? known;
	const base = next ?? [...known];
	const last = base.at(-1);
	added.sort(compareMessages);
	// The common case, live messages newer than everything loaded: append without re-sorting.
	if (!last || compareMessages(last, added[0]!) <= 0) return base.concat(added);
	return base.concat(added).sort(compareMessages);
}
