// Catch-up from PostgreSQL after an outage of the broker or the database: the messages of my
// conversations stored meanwhile, receipts of mine PostgreSQL lacks, receipts on my messages.
// May import live/ (the link), store/, core/ types and log; never tui/ or cli/.
import type {Logger} from '../log.js';
import type {ChatLink} from '../live/chat-link.js';
import {loadHeadSeq, loadReceiptsOnMine, loadUnreceiptedMessages} from '../store/catch-up.js';
import type {ChatMessage} from '../core/types.js';
import type {DatabaseLink} from './database-link.js';
import type {EventHub} from './event-hub.js';

/** Catch-up passes after one outage (the first at once, then at doubling delays). */
export const CATCH_UP_PASSES = 6;

/** What a {@link CatchUp} works with (the chat client's parts). */
export interface CatchUpOptions {
	me: string;
	logger: Logger;
	link: ChatLink;
	database: DatabaseLink;
	hub: EventHub;
	/** Delay of the second pass in ms (then doubling); see ChatClientOptions.catchUpSettleMs. */
	settleMs: number;
	/** Whether I sent `read` for message (`senderId`, `messageId`) in this run. */
	hasReadSent(senderId: string, messageId: string): boolean;
	/** A message I never saw: report it as if live. */
	onMissed(message: ChatMessage): void;
	/** Publish my `delivered` for a message. */
	sendDelivered(message: ChatMessage): void;
	/** Reload the conversation list (after the first pass). */
	reloadConversations(): Promise<void>;
}

/**
 * The catch-up of one chat client: a mark (the newest seq when the database first answered),
 * then passes after every outage ({@link CATCH_UP_PASSES}: at once, after `settleMs`, then at
 * doubling delays). Why more than one: a message published just before this client
 * re-subscribed may be committed after the first pass, and a restarting hub accepts MQTT
 * clients seconds before its ingester subscribes.
 */
export class CatchUp {
	readonly #options: CatchUpOptions;
	readonly #wasDown = {broker: false, database: false};
	#from: number | undefined;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#isClosed = false;

	constructor(options: CatchUpOptions) {
		this.#options = options;
	}

	/** A service changed state: mark the start when the database first answers; catch up when one comes back. */
	noteState(service: 'broker' | 'database', state: string): void {
		if (service === 'database' && state === 'up' && this.#from === undefined) void this.#startMark();
		this.#reloadAfterOutage(service, state);
	}

	/** Stop the pending passes. */
	close(): void {
		this.#isClosed = true;
		if (this.#timer) clearTimeout(this.#timer);
	}

	/**
	 * After an outage this client missed what was published meanwhile (a clean MQTT session
	 * keeps nothing for it, and an embedded hub restart loses every session): catch up from
	 * PostgreSQL when the service is back, again after `catchUpSettleMs`, and reload the list.
	 */
	#reloadAfterOutage(service: 'broker' | 'database', state: string): void {
		if (state === 'down') this.#wasDown[service] = true;
		if (state !== 'up' || !this.#wasDown[service] || this.#isClosed) return;
		this.#wasDown[service] = false;
		// The database's own `up` runs this again; until then there is nothing to read.
		if (service === 'broker' && !this.#options.database.isUp) this.#options.database.probeNow();
		void this.#catchUp().then(() => this.#options.reloadConversations());
		this.#scheduleCatchUp(this.#options.settleMs, CATCH_UP_PASSES - 1);
	}

	/** The next catch-up pass in `delayMs`, then `passesLeft - 1` more at doubling delays. */
	#scheduleCatchUp(delayMs: number, passesLeft: number): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = undefined;
		if (passesLeft <= 0 || this.#isClosed) return;
		this.#timer = setTimeout(() => {
			this.#timer = undefined;
			void this.#catchUp().then(() => this.#scheduleCatchUp(delayMs * 2, passesLeft - 1));
		}, delayMs);
		this.#timer.unref?.();
	}

	async #startMark(): Promise<void> {
		const head = await this.#options.database.run('read the newest message', loadHeadSeq, {isQuiet: true});
		if (head !== undefined) this.#from ??= head;
	}

	/**
	 * One catch-up pass over what was stored since the catch-up mark (the newest seq when the
	 * database first answered): messages to me that I never saw arrive as if live (each id
	 * once: the link's de-duplication covers both ways in) and get `delivered`; a `delivered` or
	 * `read` of mine that PostgreSQL lacks is published again (a receipt published while a
	 * restarting hub's ingester was not subscribed yet is lost; stored once however often it
	 * comes); the receipts of my messages stored meanwhile are reported.
	 * Quiet: a database still down is retried when it comes back (its `up` runs this again).
	 * @returns whether the pass found anything to do.
	 */
	async #catchUp(): Promise<boolean> {
		const from = this.#from;
		if (this.#isClosed || from === undefined || !this.#options.database.isUp) return false;
		const {me} = this.#options;
		const unreceipted = await this.#options.database.run('catch up on messages', (db) => loadUnreceiptedMessages(db, me, from), {isQuiet: true});
		if (this.#isClosed || unreceipted === undefined) return false;
		let work = 0;
		let fresh = 0;
		for (const {message, isDeliveredStored, prevSeq} of unreceipted) {
			// A message too old for the dedupe memory was reported already if my delivered is stored.
			const {conversationId, senderId, messageId, seq} = message;
			const verdict = this.#options.link.noteMessage({conversationId, senderId, messageId, sentAt: message.createdAt, seq, prevSeq});
			if (verdict === 'new' || (verdict === 'unknown' && !isDeliveredStored)) {
				this.#options.onMissed(message);
				fresh += 1;
			} else if (!isDeliveredStored) {
				work += 1;
			}
			if (!isDeliveredStored) this.#options.sendDelivered(message);
			if (this.#options.hasReadSent(message.senderId, message.messageId)) {
				work += 1;
				this.#options.link.sendStatus(message.conversationId, message.senderId, message.messageId, 'read').catch((error: Error) =>
					this.#options.logger.debug({err: error.message, messageId: message.messageId}, 'read receipt not sent again'),
				);
			}
		}
		const receipts = await this.#options.database.run('catch up on receipts', (db) => loadReceiptsOnMine(db, me, from), {isQuiet: true});
		if (this.#isClosed) return false;
		for (const receipt of receipts ?? []) this.#options.hub.addReceipt(receipt);
		if (fresh + work > 0) this.#options.logger.info({fresh, resent: work, from}, 'caught up from PostgreSQL after an outage');
		return fresh + work > 0;
	}
}
