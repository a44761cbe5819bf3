// Size-or-time batching with one write in flight and capped exponential backoff on failure.
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
}

/**
 * Collects items and writes them in batches: a write starts when `maxSize` items are queued
 * or `lingerMs` after the first one, and only one write runs at a time; items arriving
 * meanwhile form the next batch, which starts as soon as the write ends. A failed write is
 * retried with the same items (250 ms, 500 ms … capped at 5 s) until it succeeds: nothing
 * is dropped, nothing is reordered.
 */
export class Batcher<T> {
	private readonly queue: T[] = [];
	private timer: NodeJS.Timeout | undefined;
	private writing: Promise<void> | undefined;
	private inFlight = 0;
	private readonly idleWaiters: Array<() => void> = [];
	private isAbandoned = false;
	private wakeRetry: (() => void) | undefined;

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
		if (this.writing) return;
		if (this.queue.length >= this.options.maxSize) this.kick();
		else this.timer ??= setTimeout(() => this.kick(), this.options.lingerMs);
	}

	/** Start writing now and resolve when everything queued so far (and since) is written. */
	flush(): Promise<void> {
		this.kick();
		if (!this.writing && this.queue.length === 0) return Promise.resolve();
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
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		this.wakeRetry?.();
		if (!this.writing) for (const resolve of this.idleWaiters.splice(0)) resolve();
		return dropped;
	}

	private kick(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		if (this.writing || this.queue.length === 0 || this.isAbandoned) return;
		const items = this.queue.splice(0, this.options.maxSize);
		this.inFlight = items.length;
		this.writing = this.writeUntilDone(items).finally(() => {
			this.writing = undefined;
			this.inFlight = 0;
			// Whatever queued up during the write has waited long enough: write it now.
			if (this.queue.length > 0 && !this.isAbandoned) return this.kick();
			for (const resolve of this.idleWaiters.splice(0)) resolve();
		});
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
				await new Promise<void>((resolve) => {
					const timer = setTimeout(resolve, delayMs);
					this.wakeRetry = () => (clearTimeout(timer), resolve());
				});
				this.wakeRetry = undefined;
				if (this.isAbandoned) return;
			}
		}
	}
}
