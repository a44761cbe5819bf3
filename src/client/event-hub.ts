// Fan-out of ChatEvents to listeners, with bursts batched and connection states replayed.
// Pure apart from setImmediate: imports core/ types and log only.
import type {Logger} from '../log.js';
import type {ChatEvent, ChatMessage, MessageChange, Presence, Receipt} from '../core/types.js';

type ConnectionEvent = Extract<ChatEvent, {type: 'connection-changed'}>;

/**
 * Delivers events to every listener. Messages, message changes (after the messages, so an
 * edit never comes before its message), receipts and presences that arrive in the same turn of
 * the event loop go out as ONE event each (a burst is one array); everything
 * else goes out at once, after any batch still pending, so order is kept. A new listener is
 * first told the current broker and database states and everyone's latest presence (retained
 * presence arrives once, right after connecting, possibly before the TUI subscribes).
 */
export class EventHub {
	readonly #listeners = new Set<(event: ChatEvent) => void>();
	readonly #logger: Logger;
	readonly #connections = new Map<string, ConnectionEvent>();
	/** Latest presence per user, replayed to new listeners. */
	readonly #latestPresence = new Map<string, Presence>();
	#messages: ChatMessage[] = [];
	#changes: MessageChange[] = [];
	#receipts: Receipt[] = [];
	#presences: Presence[] = [];
	#flushScheduled = false;

	constructor(logger: Logger) {
		this.#logger = logger;
	}

	/** Add a listener; returns its unsubscribe function. */
	subscribe(listener: (event: ChatEvent) => void): () => void {
		this.#listeners.add(listener);
		for (const event of this.#connections.values()) this.#deliver(listener, event);
		if (this.#latestPresence.size > 0) this.#deliver(listener, {type: 'presence-changed', presences: [...this.#latestPresence.values()]});
		return () => this.#listeners.delete(listener);
	}

	/** Emit one event now (after flushing pending batches). */
	emit(event: ChatEvent): void {
		this.flush();
		if (event.type === 'connection-changed') this.#connections.set(event.service, event);
		for (const listener of [...this.#listeners]) this.#deliver(listener, event);
	}

	/** Queue an incoming message for the next `messages-received` batch. */
	addMessage(message: ChatMessage): void {
		this.#messages.push(message);
		this.#schedule();
	}

	/** Queue an edit, delete or reaction for the next `messages-changed` batch. */
	addChange(change: MessageChange): void {
		this.#changes.push(change);
		this.#schedule();
	}

	/** Queue a receipt for the next `receipts-received` batch. */
	addReceipt(receipt: Receipt): void {
		this.#receipts.push(receipt);
		this.#schedule();
	}

	/** Queue presences for the next `presence-changed` batch. */
	addPresences(presences: readonly Presence[]): void {
		this.#presences.push(...presences);
		this.#schedule();
	}

	/** Emit pending batches now. */
	flush(): void {
		const messages = this.#messages.splice(0);
		const changes = this.#changes.splice(0);
		const receipts = this.#receipts.splice(0);
		const presences = this.#presences.splice(0);
		for (const presence of presences) {
			const known = this.#latestPresence.get(presence.userId);
			if (!known || known.at <= presence.at) this.#latestPresence.set(presence.userId, presence);
		}
		const out: ChatEvent[] = [];
		if (messages.length > 0) out.push({type: 'messages-received', messages});
		if (changes.length > 0) out.push({type: 'messages-changed', changes});
		if (receipts.length > 0) out.push({type: 'receipts-received', receipts});
		if (presences.length > 0) out.push({type: 'presence-changed', presences});
		for (const event of out) for (const listener of [...this.#listeners]) this.#deliver(listener, event);
	}

	#schedule(): void {
		if (this.#flushScheduled) return;
		this.#flushScheduled = true;
		setImmediate(() => {
			this.#flushScheduled = false;
			this.flush();
		});
	}

	#deliver(listener: (event: ChatEvent) => void, event: ChatEvent): void {
		try {
			listener(event);
		} catch (error) {
			this.#logger.error({err: error, event: event.type}, 'chat event listener threw');
		}
	}
}
