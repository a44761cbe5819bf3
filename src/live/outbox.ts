// The outbox: the end-to-end ✓ guarantee. Every message I send is kept until the ingester's
// `received_by_server` receipt arrives, and republished until then. No imports outside live/.

/** Publishes one message at QoS 1: resolves on PUBACK, rejects when it could not be sent. */
export type OutboxPublish = (topic: string, bytes: Buffer) => Promise<void>;

/** Options for {@link Outbox}. */
export interface OutboxOptions {
	/** Publish at QoS 1; must reject at once (not queue) while the broker is not connected. */
	publish: OutboxPublish;
	/** First resend delay in ms (default 3000); doubles after every timed resend. */
	resendAfterMs?: number;
	/** Cap of the resend delay in ms (default 30,000). */
	maxResendAfterMs?: number;
	/** Called once per message on its first PUBACK (unless its receipt already came). */
	onPubacked?: (messageId: string) => void;
	/** Called when a publish attempt fails; the message stays queued. */
	onPublishFailed?: (messageId: string, error: Error) => void;
	/** Called after a message was queued or confirmed (the pending list changed). */
	onChange?: () => void;
	/**
	 * Monotonic clock in ms (default `performance.now`). Never a wall clock: Date.now steps
	 * back with NTP or a manual change, and a clock stepped back 1 h stalled every resend
	 * for that hour (issue 11).
	 */
	now?: () => number;
}

/** Publishes made by an {@link Outbox}, by reason. */
export interface OutboxStats {
	/** First publish of a message. */
	first: number;
	/** Resends because no receipt came within the (growing) delay. */
	afterTimeout: number;
	/** Resends because the broker connection came back. */
	afterReconnect: number;
	/** Resends because a newer message was confirmed first (see {@link Outbox.confirm}). */
	afterNewerConfirmed: number;
}

interface Entry {
	topic: string;
	bytes: Buffer;
	/** Publishes made so far (first send included). */
	attempts: number;
	/** A publish is waiting for its PUBACK; mqtt.js itself retransmits it after a reconnect. */
	isInFlight: boolean;
	isPubacked: boolean;
	/** Current resend delay in ms. */
	delayMs: number;
	/** When the last publish started, in ms (0 = never published). */
	publishedAt: number;
	/** Publish counter values of the first and the latest copy (0 = never published). */
	firstCopy: number;
	lastCopy: number;
}

/**
 * Keeps every message until {@link Outbox.confirm} is called with its id, publishing it
 * when added (if connected), again after every reconnect ({@link Outbox.setConnected}),
 * and again whenever `resendAfterMs` (doubling up to `maxResendAfterMs`) passes with
 * no receipt. A message is never dropped while the process lives; duplicates this causes
 * are removed downstream by message_id (ingester `ON CONFLICT DO NOTHING`, receivers'
 * {@link SeenSet}).
 */
export class Outbox {
	readonly #entries = new Map<string, Entry>();
	readonly #options: Required<Omit<OutboxOptions, 'onPubacked' | 'onPublishFailed' | 'onChange'>> &
		Pick<OutboxOptions, 'onPubacked' | 'onPublishFailed' | 'onChange'>;
	#isConnected = false;
	#isClosed = false;
	/** Publishes made so far: orders copies without relying on clock resolution. */
	#copies = 0;
	readonly #stats: OutboxStats = {first: 0, afterTimeout: 0, afterReconnect: 0, afterNewerConfirmed: 0};
	#timer: ReturnType<typeof setTimeout> | undefined;
	/** When {@link #timer} fires, in ms. */
	#timerAt = Infinity;

	constructor(options: OutboxOptions) {
		// `??` per field: a caller passing `resendAfterMs: undefined` must get the default, not NaN timers.
		this.#options = {
			...options,
			resendAfterMs: options.resendAfterMs ?? 3_000,
			maxResendAfterMs: options.maxResendAfterMs ?? 30_000,
			now: options.now ?? (() => performance.now()),
		};
	}

	/** Queue a message (ignored when `messageId` is already queued) and publish it if connected. */
	add(messageId: string, topic: string, bytes: Buffer): void {
		if (this.#isClosed || this.#entries.has(messageId)) return;
		const entry: Entry = {
			topic,
			bytes,
			attempts: 0,
			isInFlight: false,
			isPubacked: false,
			delayMs: this.#options.resendAfterMs,
			publishedAt: 0,
			firstCopy: 0,
			lastCopy: 0,
		};
		this.#entries.set(messageId, entry);
		this.#options.onChange?.();
		if (this.#isConnected) this.#publish(messageId, entry, 'first');
	}

	/**
	 * The ingester committed `messageId` (`received_by_server`): forget it. A waiting message
	 * whose latest copy went out before this one's first copy was most likely lost (no
	 * ingester listened, or the broker dropped it from a full queue): it is republished at
	 * once with the delay reset, instead of waiting out a backoff that may have grown to
	 * `maxResendAfterMs`. Copies sent after that point are left alone, so a burst of
	 * confirmations resends each lost message once, not once per confirmation.
	 * @returns whether it was queued here.
	 */
	confirm(messageId: string): boolean {
		const confirmed = this.#entries.get(messageId);
		if (!confirmed) return false;
		this.#entries.delete(messageId);
		this.#options.onChange?.();
		if (!this.#isConnected || confirmed.firstCopy === 0) return true;
		// Entries are in insertion order; only older ones can have gone out before it.
		for (const [id, entry] of this.#entries) {
			if (entry.firstCopy > confirmed.firstCopy) break;
			if (entry.isInFlight || entry.lastCopy >= confirmed.firstCopy) continue;
			entry.delayMs = this.#options.resendAfterMs;
			this.#publish(id, entry, 'afterNewerConfirmed');
		}
		// A timer left with nothing due costs one scan when it fires; cheaper than re-arming here.
		return true;
	}

	/**
	 * The server will never store `messageId` (a `rejected` receipt): forget it without
	 * resending anything else (unlike {@link Outbox.confirm}, this says nothing about the
	 * messages sent before it).
	 * @returns whether it was queued here.
	 */
	reject(messageId: string): boolean {
		if (!this.#entries.delete(messageId)) return false;
		this.#options.onChange?.();
		return true;
	}

	/** Report the broker link state; on connect every queued message not in flight is republished. */
	setConnected(isConnected: boolean): void {
		this.#isConnected = isConnected;
		if (isConnected) {
			for (const [id, entry] of this.#entries) if (!entry.isInFlight) this.#publish(id, entry, 'afterReconnect');
		}
		this.#arm();
	}

	/** The messages still waiting for their receipt, oldest first (for persisting them). */
	pending(): Array<{messageId: string; topic: string; bytes: Buffer}> {
		return [...this.#entries].map(([messageId, {topic, bytes}]) => ({messageId, topic, bytes}));
	}

	/** Ids of the messages still waiting for their receipt, oldest first. */
	pendingIds(): string[] {
		return [...this.#entries.keys()];
	}

	/** How many times `messageId` has been published (undefined when not queued). */
	attemptsOf(messageId: string): number | undefined {
		return this.#entries.get(messageId)?.attempts;
	}

	/** Publish counts since start, by reason. */
	stats(): OutboxStats {
		return {...this.#stats};
	}

	/** Stop the resend timer; queued messages are kept but no longer published. */
	close(): void {
		this.#isClosed = true;
		this.#isConnected = false;
		this.#disarm();
	}

	#publish(messageId: string, entry: Entry, reason: keyof OutboxStats): void {
		this.#stats[reason] += 1;
		this.#copies += 1;
		entry.firstCopy ||= this.#copies;
		entry.lastCopy = this.#copies;
		entry.attempts += 1;
		entry.isInFlight = true;
		entry.publishedAt = this.#options.now();
		this.#options.publish(entry.topic, entry.bytes).then(
			() => {
				entry.isInFlight = false;
				if (!entry.isPubacked && this.#entries.get(messageId) === entry) {
					entry.isPubacked = true;
					this.#options.onPubacked?.(messageId);
				}
				this.#armFor(entry.publishedAt + entry.delayMs);
			},
			(error: Error) => {
				entry.isInFlight = false;
				this.#options.onPublishFailed?.(messageId, error);
				this.#armFor(entry.publishedAt + entry.delayMs);
			},
		);
	}

	/** Re-arm the one timer for the earliest due resend (entries in flight are mqtt.js's business). */
	#arm(): void {
		this.#disarm();
		let earliest = Infinity;
		for (const entry of this.#entries.values()) {
			if (!entry.isInFlight) earliest = Math.min(earliest, entry.publishedAt + entry.delayMs);
		}
		this.#armFor(earliest);
	}

	/** Make sure the timer fires no later than `dueAt` (ms); O(1), so PUBACK bursts stay cheap. */
	#armFor(dueAt: number): void {
		if (this.#isClosed || !this.#isConnected || dueAt >= this.#timerAt || dueAt === Infinity) return;
		this.#disarm();
		this.#timerAt = dueAt;
		this.#timer = setTimeout(() => this.#resendDue(), Math.max(0, dueAt - this.#options.now()));
		this.#timer.unref?.();
	}

	#disarm(): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = undefined;
		this.#timerAt = Infinity;
	}

	#resendDue(): void {
		this.#timer = undefined;
		this.#timerAt = Infinity;
		if (!this.#isConnected) return;
		const now = this.#options.now();
		for (const [id, entry] of this.#entries) {
			if (entry.isInFlight || entry.publishedAt + entry.delayMs > now) continue;
			entry.delayMs = Math.min(entry.delayMs * 2, this.#options.maxResendAfterMs);
			this.#publish(id, entry, 'afterTimeout');
		}
		this.#arm();
	}
}
