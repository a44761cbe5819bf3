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
	/** Clock in ms (default Date.now). */
	now?: () => number;
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
	readonly #options: Required<Omit<OutboxOptions, 'onPubacked' | 'onPublishFailed'>> &
		Pick<OutboxOptions, 'onPubacked' | 'onPublishFailed'>;
	#isConnected = false;
	#isClosed = false;
	#timer: ReturnType<typeof setTimeout> | undefined;
	/** When {@link #timer} fires, in ms. */
	#timerAt = Infinity;

	constructor(options: OutboxOptions) {
		this.#options = {resendAfterMs: 3_000, maxResendAfterMs: 30_000, now: Date.now, ...options};
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
		};
		this.#entries.set(messageId, entry);
		if (this.#isConnected) this.#publish(messageId, entry);
	}

	/**
	 * The ingester committed `messageId` (`received_by_server`): forget it.
	 * @returns whether it was queued here.
	 */
	confirm(messageId: string): boolean {
		// A timer left with nothing due costs one scan when it fires; cheaper than re-arming here.
		return this.#entries.delete(messageId);
	}

	/** Report the broker link state; on connect every queued message not in flight is republished. */
	setConnected(isConnected: boolean): void {
		this.#isConnected = isConnected;
		if (isConnected) {
			for (const [id, entry] of this.#entries) if (!entry.isInFlight) this.#publish(id, entry);
		}
		this.#arm();
	}

	/**
	 * Evidence that an ingester is back (a `received_by_server` for any message): republish
	 * at once, with the delay reset, every message that has waited at least `resendAfterMs`.
	 */
	nudge(): void {
		if (!this.#isConnected) return;
		const due = this.#options.now() - this.#options.resendAfterMs;
		for (const [id, entry] of this.#entries) {
			if (entry.isInFlight || entry.publishedAt > due) continue;
			entry.delayMs = this.#options.resendAfterMs;
			this.#publish(id, entry);
		}
		this.#arm();
	}

	/** Ids of the messages still waiting for their receipt, oldest first. */
	pendingIds(): string[] {
		return [...this.#entries.keys()];
	}

	/** How many times `messageId` has been published (undefined when not queued). */
	attemptsOf(messageId: string): number | undefined {
		return this.#entries.get(messageId)?.attempts;
	}

	/** Stop the resend timer; queued messages are kept but no longer published. */
	close(): void {
		this.#isClosed = true;
		this.#isConnected = false;
		this.#disarm();
	}

	#publish(messageId: string, entry: Entry): void {
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
			this.#publish(id, entry);
		}
		this.#arm();
	}
}
