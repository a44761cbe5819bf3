// "Have I reported this message already?" for live deliveries (QoS 1 redelivery, outbox
// resends), with memory bounded per sender and no answer that is ever wrong. Pure: no imports.

/** `new`: report it; `repeat`: reported before, drop it; `unknown`: too old to remember, ask the store. */
export type DedupeVerdict = 'new' | 'repeat' | 'unknown';

interface SenderWindow {
	/** Remembered ids of this sender with their send time (ms), oldest first. */
	ids: Map<string, number>;
	/** Every forgotten id had a send time at or before this (ms); -Infinity while nothing was. */
	floor: number;
}

/**
 * Remembers, per sender (a message is (sender, message_id), protocol 1.1), the last
 * `perSender` message ids with their send times. When one is forgotten the sender's *floor*
 * rises to its send time, so a later delivery of that sender at or before the floor is
 * `unknown` rather than wrongly `new` — the caller resolves it from the store (the client's
 * own `delivered` receipt there says it was reported). A fixed-size window of ids let a
 * redelivery after 10,000 others through again; this never does.
 * Memory: at most `perSender` ids per sender seen in the run.
 */
export class MessageDedupe {
	readonly #perSender: number;
	readonly #senders = new Map<string, SenderWindow>();

	/** @param perSender ids remembered per sender (default 1,000; at least 1). */
	constructor(perSender = 1_000) {
		this.#perSender = Math.max(1, perSender);
	}

	/**
	 * Classify one delivery and remember it.
	 * @param sentAt the message's send time in ms (payload `timestamp`), the sender's own clock.
	 */
	check(senderId: string, messageId: string, sentAt: number): DedupeVerdict {
		let window = this.#senders.get(senderId);
		if (!window) this.#senders.set(senderId, (window = {ids: new Map(), floor: -Infinity}));
		if (window.ids.has(messageId)) return 'repeat';
		const verdict = sentAt <= window.floor ? 'unknown' : 'new';
		window.ids.set(messageId, sentAt);
		if (window.ids.size > this.#perSender) {
			// Forget the entry remembered longest; the floor covers its send time from now on.
			const [oldestId, oldestAt] = window.ids.entries().next().value as [string, number];
			window.ids.delete(oldestId);
			window.floor = Math.max(window.floor, oldestAt);
		}
		return verdict;
	}

	/** Ids remembered, over all senders. */
	get size(): number {
		let total = 0;
		for (const window of this.#senders.values()) total += window.ids.size;
		return total;
	}
}
