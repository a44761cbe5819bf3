// Size-or-time batching with up to maxInFlight writes at once and capped exponential backoff.
// Pure scheduling over an injected write function; imports nothing outside ingest/.

/** Options for {@link Batcher}. */
export interface BatcherOptions<T> {
	/** Largest batch, in items (≥ 1). */
	maxSize: number;
	/** How long the first queued item waits for more before a write starts, in ms. */
	lingerMs: number;
	/** Write one batch; throw to have the same batch retried after a backoff. */
	write(items: T[]): Promise<void>;
	/** Told about each failed attempt and the delay before the next one (ms). */
	onRetry?(error: unknown, attempt: number, delayMs: number): void;
	/** First retry delay in ms (default 250); doubles per attempt. */
	backoffInitialMs?: number;
	/** Largest retry delay in ms (default 5000). */
	backoffMaxMs?: number;
	/**
	 * Writes that may run at once (default 1). With 2, the next batch is written while one
	 * commits (issue 12: the ingester idled half the time waiting on its one transaction); the
	 * write function must then keep whatever order matters itself (the ingester's transactions
	 * lock their conversations before storing, so seq order is commit order per conversation).
	 */
	maxInFlight?: number;
	/**
	 * With no write running, start one at once — with the items queued in this turn of the event
	 * loop (one socket read of publishes) — instead of `lingerMs` after the first item (default
	 * false). Group commit: under load, batches still grow while the writes in flight commit, and
	 * `lingerMs` still applies to a batch that would start beside a running write; at a low rate no
	 * item waits for company that is not coming (issue 12: the 10 ms linger was most of ✓'s p50
	 * at 200 msg/s).
	 */
	startsWhenIdle?: boolean;
	/**
	 * The largest batch to cut now, in items: asked each time a batch is cut, clamped to
	 * 1…`maxSize` (default: `maxSize`). The hub caps its batches while a chat user reads history,
	 * whose page waits for the batch being written, and writes full batches otherwise.
	 */
	sizeNow?(): number;
}

/**
 * Collects items and writes them in batches: a write starts when `maxSize` items are queued
 * or `lingerMs` after the first one, and at most `maxInFlight` writes run at a time; items
 * arriving while every slot is busy form the next batch, which starts as soon as a write ends.
 * A failed write is retried with the same items (250 ms, 500 ms … capped at 5 s) until it
 * succeeds: nothing is dropped; batches are cut in arrival order (with one write in flight
 * they are also written in that order).
 */
export class Batcher<T> {
	private readonly queue: T[] = [];
	private timer: NodeJS.Timeout | undefined;
	private immediate: NodeJS.Immediate | undefined;
	private writes = 0;
	private inFlight = 0;
	private readonly idleWaiters: Array<() => void> = [];
	private isAbandoned = false;
	private readonly wakeRetries = new Set<() => void>();

	constructor(private readonly options: BatcherOptions<T>) {}

	/** Items queued or being written. */
	get pending(): number {
		return this.queue.length + this.inFlight;
	}

	/** Queue one item. Ignored after {@link Batcher.abandon} (nothing would ever write it). */
	push(item: T): void {
		// A receipt re-queued by the write in flight after abandon() used to sit here for good,
		// and flush() never resolved (issue 11).
		if (this.isAbandoned) return;
		this.queue.push(item);
		if (this.writes >= this.maxInFlight) return;
		if (this.queue.length >= this.options.maxSize) this.kick();
		else if (this.writes === 0 && this.options.startsWhenIdle) this.immediate ??= setImmediate(() => this.kick());
		else this.timer ??= setTimeout(() => this.kick(), this.options.lingerMs);
	}

	private sizeNow(): number {
		const size = this.options.sizeNow?.() ?? this.options.maxSize;
		return Math.max(1, Math.min(this.options.maxSize, Math.floor(size) || 1));
	}

	private get maxInFlight(): number {
		return Math.max(1, this.options.maxInFlight ?? 1);
	}

	/** Start writing now and resolve when everything queued so far (and since) is written. */
	flush(): Promise<void> {
		this.kick();
		if (this.writes === 0 && this.queue.length === 0) return Promise.resolve();
		return new Promise((resolve) => this.idleWaiters.push(resolve));
	}

	/**
	 * Give up: drop what is queued, stop retrying the batch in flight (its current attempt
	 * still finishes) and resolve {@link Batcher.flush} waiters once it has.
	 * @returns how many items were given up (queued + in flight).
	 */
	abandon(): number {
		const dropped = this.pending;
		this.isAbandoned = true;
		this.queue.length = 0;
		this.clearSchedule();
		for (const wake of this.wakeRetries) wake();
		if (this.writes === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
		return dropped;
	}

	private clearSchedule(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		if (this.immediate) clearImmediate(this.immediate);
		this.immediate = undefined;
	}

	private kick(): void {
		this.clearSchedule();
		while (this.writes < this.maxInFlight && this.queue.length > 0 && !this.isAbandoned) {
			const items = this.queue.splice(0, this.sizeNow());
			this.inFlight += items.length;
			this.writes++;
			void this.writeUntilDone(items).finally(() => {
				this.writes--;
				this.inFlight -= items.length;
				// Whatever queued up during the write has waited long enough: write it now.
				if (this.queue.length > 0 && !this.isAbandoned) return this.kick();
				if (this.writes === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
			});
		}
	}

	private async writeUntilDone(items: T[]): Promise<void> {
		const initial = this.options.backoffInitialMs ?? 250;
		const max = this.options.backoffMaxMs ?? 5_000;
		for (let attempt = 1; ; attempt++) {
			try {
				await this.options.write(items);
				return;
			} catch (error) {
				if (this.isAbandoned) return;
				const delayMs = Math.min(max, initial * 2 ** (attempt - 1));
				this.options.onRetry?.(error, attempt, delayMs);
				let wake: (() => void) | undefined;
				await new Promise<void>((resolve) => {
					const timer = setTimeout(resolve, delayMs);
					wake = () => (clearTimeout(timer), resolve());
					this.wakeRetries.add(wake);
				});
				this.wakeRetries.delete(wake!);
				if (this.isAbandoned) return;
			}
		}
	}
}
