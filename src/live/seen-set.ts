// A bounded "have I seen this id?" set, used to drop duplicate deliveries (QoS 1 redelivery,
// outbox resends) before they become events. Pure: no imports.

/**
 * Remembers the last `capacity` ids added, forgetting the oldest first (FIFO).
 * A duplicate arriving after its original was forgotten is let through again; with the
 * default capacity that needs 10,000 newer distinct ids in between.
 */
export class SeenSet {
	readonly #capacity: number;
	readonly #ids = new Set<string>();

	/** @param capacity how many ids to remember (default 10,000; at least 1). */
	constructor(capacity = 10_000) {
		this.#capacity = Math.max(1, capacity);
	}

	/**
	 * Record `id`.
	 * @returns true when `id` is new, false when it was already remembered.
	 */
	add(id: string): boolean {
		if (this.#ids.has(id)) return false;
		this.#ids.add(id);
		if (this.#ids.size > this.#capacity) {
			// A Set iterates in insertion order, so the first key is the oldest.
			const oldest = this.#ids.values().next().value as string;
			this.#ids.delete(oldest);
		}
		return true;
	}

	/** Forget `id` (it counts as new again). */
	delete(id: string): void {
		this.#ids.delete(id);
	}

	/** Whether `id` is remembered. */
	has(id: string): boolean {
		return this.#ids.has(id);
	}

	/** Number of ids remembered. */
	get size(): number {
		return this.#ids.size;
	}
}
