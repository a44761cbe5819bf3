// The headless chat client: ChatPort over MQTT (live/) and PostgreSQL (store/), for the TUI.
// May import live/, store/, protocol/, core/ types and log; never tui/ or cli/.
import {randomUUID} from 'node:crypto';
import type {Logger} from '../log.js';
import {ChatLink, type ChatLinkEvent} from '../live/chat-link.js';
import type {OutboxPayload} from '../live/outbox-entries.js';
import {SeenSet} from '../live/seen-set.js';
import {directMembersOf, isValidUserId, type MessageV2} from '../protocol/index.js';
import {findConversationId, isKnownUser, loadMembers, loadPresences, searchUsers} from '../store/history-people.js';
import {loadAroundPage, loadLatestPage, loadMessageReceipts, loadOlderPage, loadPageBefore, loadReceipts, loadRecentSent, type HistoryPage} from '../store/history.js';
import {loadMessageVersion} from '../store/history-actions.js';
import {wasDeliveredTo} from '../store/seen-queries.js';
import {loadAwaySummary} from '../store/away.js';
import {refuseSearch, searchMessages} from '../store/search.js';
import type {AwaySummary, ChatEvent, ChatMessage, ChatPort, ConversationSummary, Identity, KnownUser, MessageStatusReport, Receipt, RoomChange, SearchHit, SearchQuery} from '../core/types.js';
import {CATCH_UP_PASSES, CatchUp} from './catch-up.js';
import {DatabaseLink, describeFailure} from './database-link.js';
import {EventHub} from './event-hub.js';
import {ListWalk} from './list-walk.js';
import {PendingSends, rejectionNotice} from './pending-sends.js';
import {messagePayloadFor, refuseConversation, refuseMessage, refuseStatusMessage} from './outgoing.js';
import {changeRoomPayload, createRoomPayload, newRoomId, refuseRoomChange, refuseTitle, refuseUserIds, RoomMembership} from './rooms.js';
import {changeFromPayload, messageFromPayload, presenceFromPayload, receiptFromPayload} from './to-core.js';
import {deletePayload, editPayload, EditVersions, isEncodable, reactPayload, refuseEditText, refuseReaction, refuseTarget, type ActionTarget} from './message-actions.js';

export {CATCH_UP_PASSES};

/** Options for {@link createChatClient}. */
export interface ChatClientOptions {
	identity: Identity;
	/** `mqtt://[user:password@]host:port`, or a comma-separated list of brokers of one cluster (failed over between). */
	mqttUrl: string;
	/** `postgres://user:password@host:port/database`. */
	databaseUrl: string;
	/** Topic base, e.g. `chat/messages`. */
	topicBase: string;
	logger: Logger;
	/** Outbox: first resend delay without a ✓, in ms (default 3000; doubles up to `maxResendAfterMs`, default 30,000). */
	resendAfterMs?: number;
	/** Outbox: longest resend delay, in ms (default 30,000). */
	maxResendAfterMs?: number;
	/** Database probe interval while it is down, in ms (default 5000). */
	databaseProbeMs?: number;
	/** Broker reconnect interval in ms (default 1000). */
	reconnectPeriodMs?: number;
	/** Last Will delay in s (MQTT 5; default 10). */
	willDelaySeconds?: number;
	/**
	 * After an outage the catch-up from PostgreSQL runs when the services are back, again this
	 * many ms later (default 2000), and then at doubling delays, {@link CATCH_UP_PASSES} passes
	 * in all (2, 6, 14, 30, 62 s after with the default). Why more than one: a message published
	 * just before this client re-subscribed may be committed after the first pass, and a
	 * restarting hub accepts MQTT clients seconds before its ingester subscribes, so receipts
	 * and resends published in between are stored only once they are published again.
	 */
	catchUpSettleMs?: number;
	/**
	 * Folder that keeps my unconfirmed messages across runs (e.g. `$HERMES_HOME/outbox/<user>`,
	 * one locked file per running client; see live/outbox-store.ts): what clients of mine that
	 * are gone could not get confirmed is sent again, same message ids, at start.
	 */
	outboxDir?: string;
	/**
	 * Rows of the conversation list's first page (default 50: what fits a terminal) and of each
	 * later page (default 200), loaded by keyset in the background after the first one unless
	 * `isBackground` is false (then only as asked: `loadMoreConversations`).
	 */
	listPages?: {first: number; more: number; isBackground?: boolean};
}

/**
 * Start a chat client and return its {@link ChatPort} at once: the broker and the database
 * are connected in the background (`connection-changed`: connecting → up / down, retried
 * until they answer), so this resolves even when both are down.
 *
 * Behaviour beyond ChatPort's JSDoc:
 * - `sendMessage` to a direct conversation with someone nobody has seen yet (not in chat_users,
 *   no presence seen) still sends, then reports an info notice: the message is stored and shown
 *   to them when they first open the chat. An invalid conversation id or content is refused with
 *   an error notice, and so is a room this client knows I left or was removed from (the server
 *   would refuse it: `you are not a member of this room`).
 * - room actions (`createRoom`, `changeRoom`) go through the outbox like messages (persisted,
 *   resent until the server's ✓ or ✗); a refusal by the server is an error notice with its
 *   reason; a ✓ of `mute`/`unmute` (no system line) reloads the conversation list.
 * - a system line (room membership or settings changed) arrives in `messages-received` and then
 *   reloads that room's members (`members-loaded`) and the conversation list.
 * - `loadOlder` that fails reports a notice and an empty `older` page with `hasMore: true`,
 *   so the thread stops waiting and may ask again.
 * - `isKnownUser` answers true when the database cannot be asked (benefit of the doubt).
 * - my presence is republished on every connect in the state last set (default `online`).
 * - with `outboxDir`, messages an earlier run left unconfirmed are queued again at start
 *   (`message-sent`, status `pending`, plus an info notice); a new listener is told every
 *   message still waiting for its ✓, and a standing outbox write problem.
 * - `sendMessage` writes the outbox file (fsync) before `message-sent`; when the file cannot
 *   be written, `outbox-problem-changed` carries a one-line warning until a write succeeds.
 * - a message the server refuses for good (`rejected` receipt) is re-emitted as `message-sent`
 *   with status `rejected` and its reason, plus an error notice.
 * - when the broker or the database comes back after being `down`, the client catches up from
 *   PostgreSQL: messages to me stored while I was away (since this client started) arrive as
 *   `messages-received` (with `seq`) and get their `delivered` receipt; receipts of mine that
 *   PostgreSQL lacks (lost with the connection) are published again; the delivered/read
 *   receipts of my messages stored meanwhile arrive as `receipts-received`; then the
 *   conversation list is reloaded (`conversations-loaded`).
 *   Marking caught-up messages read is the caller's call, as for live ones (the TUI does it
 *   for the open conversation). The broker coming back also probes the database at once
 *   (an embedded hub restarts both).
 * - the conversation list comes in pages (issue 12): `loadConversations` emits the first page
 *   (`hasMore` when there is more), then the rest follows page by page in the background, the
 *   last one with `memberOf` (every conversation of mine: rooms not in it were left). A live
 *   message in a conversation the list has not reached yet loads its row at once.
 * @throws Error when `identity.userId` is not a valid user id (a programming error: the CLI validates it).
 */
export async function createChatClient(options: ChatClientOptions): Promise<ChatPort> {
	if (!isValidUserId(options.identity.userId)) {
		throw new Error(`invalid user id ${JSON.stringify(options.identity.userId)}`);
	}
	const client = new ChatClient(options);
	client.start();
	return client;
}

class ChatClient implements ChatPort {
	readonly me: Identity;
	readonly #options: ChatClientOptions;
	readonly #hub: EventHub;
	readonly #link: ChatLink;
	readonly #database: DatabaseLink;
	/** My messages and room actions not yet confirmed (or refused) by the ingester. */
	readonly #pending = new PendingSends();
	/** Users known to exist (seen live or in chat_users). */
	readonly #knownUsers = new Set<string>();
	readonly #presenceSeenLive = new Set<string>();
	readonly #readSent = new SeenSet();
	readonly #rooms: RoomMembership;
	readonly #editVersions = new EditVersions();
	#isBrokerDownNoticed = false;
	/** The outbox file's current write problem (one line), for listeners that come later. */
	#outboxProblem: string | undefined;
	#isClosed = false;
	readonly #catchUp: CatchUp;
	/** The conversation list, page by page. */
	readonly #list: ListWalk;

	constructor(options: ChatClientOptions) {
		this.me = {userId: options.identity.userId, name: options.identity.name};
		this.#options = options;
		this.#rooms = new RoomMembership(this.me.userId);
		this.#hub = new EventHub(options.logger);
		this.#link = new ChatLink({
			url: options.mqttUrl,
			base: options.topicBase,
			userId: this.me.userId,
			name: this.me.name,
			logger: options.logger,
			resendAfterMs: options.resendAfterMs,
			maxResendAfterMs: options.maxResendAfterMs,
			reconnectPeriodMs: options.reconnectPeriodMs,
			willDelaySeconds: options.willDelaySeconds,
			...(options.outboxDir ? {outboxDir: options.outboxDir} : {}),
			onEvent: (event) => this.#onLinkEvent(event),
		});
		this.#database = new DatabaseLink({
			databaseUrl: options.databaseUrl,
			logger: options.logger,
			probeEveryMs: options.databaseProbeMs,
			onStateChanged: (state, detail) => {
				this.#hub.emit({type: 'connection-changed', service: 'database', state, detail});
				this.#catchUp.noteState('database', state);
			},
			onNotice: (text) => this.#notice('error', text),
		});
		this.#knownUsers.add(this.me.userId);
		this.#list = new ListWalk({
			me: this.me.userId,
			run: (what, work) => this.#database.run(what, work),
			emit: (event) => this.#hub.emit(event),
			onRows: (rows, event) => this.#onListRows(rows, event),
			...(options.listPages ? {firstPage: options.listPages.first, morePage: options.listPages.more, ...(options.listPages.isBackground === false ? {backgroundAfterMs: false as const} : {})} : {}),
		});
		this.#catchUp = new CatchUp({
			me: this.me.userId,
			logger: options.logger,
			link: this.#link,
			database: this.#database,
			hub: this.#hub,
			settleMs: options.catchUpSettleMs ?? 2_000,
			hasReadSent: (senderId, messageId) => this.#readSent.has(`${senderId}\u0000${messageId}`),
			onMissed: (message) => {
				this.#knownUsers.add(message.senderId);
				this.#hub.addMessage(message);
			},
			sendDelivered: (message) => this.#sendDelivered(message),
			reloadConversations: () => this.loadConversations(),
		});
	}

	start(): void {
		this.#link.start();
		this.#database.start();
		void this.#restorePending();
	}

	subscribe(listener: (event: ChatEvent) => void): () => void {
		const unsubscribe = this.#hub.subscribe(listener);
		// Messages still waiting for their ✓ (e.g. restored from the outbox file before this listener came).
		for (const message of this.#pending.messages()) listener({type: 'message-sent', message});
		if (this.#outboxProblem) listener({type: 'outbox-problem-changed', problem: this.#outboxProblem});
		return unsubscribe;
	}

	async #restorePending(): Promise<void> {
		const restored = await this.#link.restorePending();
		if (this.#isClosed || restored.length === 0) return;
		for (const payload of restored) this.#notePending(payload);
		const count = restored.length === 1 ? '1 message' : `${restored.length} messages`;
		this.#notice('info', `${count} from your last session not yet stored by the server — sending again`);
	}

	/** Track a queued payload: a message is shown pending in the thread at once. */
	#notePending(payload: OutboxPayload): void {
		const message = this.#pending.add(payload);
		if (message) this.#hub.emit({type: 'message-sent', message});
	}

	async sendMessage(conversationId: string, content: string, options?: {replyTo?: {messageId: string; senderId: string}}): Promise<void> {
		if (this.#isClosed) return;
		if (this.#rooms.hasLeft(conversationId)) {
			return this.#notice('error', 'not sent: you are not a member of this room any more — ask an admin to /invite you');
		}
		const replyTo = options?.replyTo;
		if (replyTo && refuseTarget(this.me.userId, {conversationId, ...replyTo})) return this.#notice('error', 'not sent: the message replied to has a bad id');
		const payload = messagePayloadFor(this.me, conversationId, content, randomUUID(), new Date(), replyTo);
		const refusal = refuseMessage(payload);
		if (refusal) return this.#notice('error', refusal);
		this.#link.sendMessage(payload);
		this.#notePending(payload);
		this.#noticeIfBrokerDown();
		const peer = directMembersOf(conversationId)?.find((id) => id !== this.me.userId);
		if (peer) void this.#warnIfUnknown(peer);
	}

	sendTyping(conversationId: string, isTyping: boolean): void {
		if (this.#isClosed || refuseConversation(this.me.userId, conversationId) || this.#rooms.hasLeft(conversationId)) return;
		this.#link.sendTyping(conversationId, isTyping);
	}

	async createRoom(title: string, userIds: readonly string[]): Promise<string | undefined> {
		if (this.#isClosed) return undefined;
		const refusal = refuseTitle(title) ?? refuseUserIds(userIds, false);
		if (refusal) {
			this.#notice('error', refusal);
			return undefined;
		}
		const conversationId = newRoomId();
		this.#sendRoom(createRoomPayload(this.me, conversationId, title, userIds, randomUUID(), new Date()));
		this.#rooms.noteJoined(conversationId);
		return conversationId;
	}

	async changeRoom(conversationId: string, change: RoomChange): Promise<void> {
		if (this.#isClosed) return;
		const refusal = refuseRoomChange(conversationId, change);
		if (refusal) return this.#notice('error', refusal);
		if (this.#rooms.hasLeft(conversationId)) return this.#notice('error', 'you are not a member of this room any more');
		this.#sendRoom(changeRoomPayload(this.me, conversationId, change, randomUUID(), new Date()));
	}

	#sendRoom(payload: OutboxPayload & {type: 'room'}): void {
		this.#link.sendRoom(payload);
		this.#notePending(payload);
		this.#noticeIfBrokerDown();
	}

	#noticeIfBrokerDown(): void {
		if (this.#link.isConnected || this.#isBrokerDownNoticed) return;
		this.#isBrokerDownNoticed = true;
		this.#notice('info', 'not connected to the broker — messages are kept and sent when it is back');
	}

	async loadMembers(conversationId: string): Promise<void> {
		const rows = await this.#database.run('load members', (db) => loadMembers(db, conversationId));
		if (!rows || this.#isClosed) return;
		this.#hub.emit({type: 'members-loaded', conversationId, members: rows.map(({presence: _presence, ...member}) => member)});
		const stored = rows.flatMap((r) => (r.presence && !this.#presenceSeenLive.has(r.userId) ? [r.presence] : []));
		for (const r of rows) this.#knownUsers.add(r.userId);
		if (stored.length > 0) this.#hub.addPresences(stored);
	}

	markRead(messages: readonly ChatMessage[]): void {
		if (this.#isClosed) return;
		for (const m of messages) {
			if (m.senderId === this.me.userId || !this.#readSent.add(`${m.senderId}\u0000${m.messageId}`)) continue;
			this.#link.sendStatus(m.conversationId, m.senderId, m.messageId, 'read').catch((error: Error) =>
				this.#options.logger.debug({err: error.message, messageId: m.messageId}, 'read receipt not sent'),
			);
		}
	}

	async loadLatest(conversationId: string, limit: number): Promise<void> {
		const page = await this.#database.run('load history', (db) => loadLatestPage(db, conversationId, limit, this.me.userId));
		if (page) this.#emitPage(conversationId, 'latest', page);
	}

	async loadOlder(conversationId: string, beforeSeq: number, limit: number): Promise<void> {
		const page = await this.#database.run('load older messages', (db) => loadOlderPage(db, conversationId, beforeSeq, limit, this.me.userId));
		this.#emitPage(conversationId, 'older', page ?? {messages: [], hasMore: true});
	}

	async loadBefore(conversationId: string, before: Date, limit: number): Promise<void> {
		const page = await this.#database.run('load history', (db) => loadPageBefore(db, conversationId, before, limit, this.me.userId));
		if (page) this.#emitPage(conversationId, 'before', page);
	}

	async editMessage(conversationId: string, messageId: string, content: string): Promise<void> {
		const target = {conversationId, messageId, senderId: this.me.userId};
		const refusal = this.#refuseAction(target) ?? refuseEditText(content);
		if (refusal) return this.#notice('error', refusal);
		// The database's version when it answers (another client of mine may have edited it).
		const stored = this.#database.isUp ? await this.#database.run('look up the message', (db) => loadMessageVersion(db, this.me.userId, messageId)) : undefined;
		const version = this.#editVersions.next(this.me.userId, messageId, stored ?? 0);
		if (version === undefined) return this.#notice('error', 'this message cannot be edited any more (edit limit reached)');
		const payload = editPayload(this.me, target, content, version, randomUUID(), new Date());
		if (!isEncodable(payload)) return this.#notice('error', 'the new text is too large once encoded — shorten it');
		this.#sendAction(payload);
	}

	async deleteMessage(conversationId: string, messageId: string, senderId: string): Promise<void> {
		const target = {conversationId, messageId, senderId};
		const refusal = this.#refuseAction(target);
		if (refusal) return this.#notice('error', refusal);
		this.#sendAction(deletePayload(this.me, target, randomUUID(), new Date()));
	}

	async react(conversationId: string, messageId: string, senderId: string, emoji: string, isOn: boolean): Promise<void> {
		const target = {conversationId, messageId, senderId};
		const refusal = this.#refuseAction(target) ?? refuseReaction(emoji);
		if (refusal) return this.#notice('error', refusal);
		this.#sendAction(reactPayload(this.me, target, emoji, isOn, randomUUID(), new Date()));
	}

	/** Why an action on `target` is refused here (one line), before the server would. */
	#refuseAction(target: ActionTarget): string | undefined {
		if (this.#isClosed) return 'the chat is closing';
		const bad = refuseTarget(this.me.userId, target);
		if (bad) return bad;
		if (this.#rooms.hasLeft(target.conversationId)) return 'you are not a member of this room any more';
		// Not stored yet: the server would not find it. Its ✓ comes first.
		if (target.senderId === this.me.userId && this.#pending.messages().some((m) => m.messageId === target.messageId)) {
			return 'that message is not stored yet — wait for its ✓';
		}
		return undefined;
	}

	#sendAction(payload: Parameters<ChatLink['sendAction']>[0]): void {
		this.#link.sendAction(payload);
		this.#notePending(payload);
		this.#noticeIfBrokerDown();
	}

	async searchMessages(query: SearchQuery): Promise<{hits: SearchHit[]; error?: string}> {
		const refusal = refuseSearch(query);
		if (refusal) return {hits: [], error: refusal};
		let failure: string | undefined;
		const result = await this.#database.run('search', (db) => searchMessages(db, this.me.userId, query).catch((error: unknown) => {
			failure = describeFailure('search', error);
			throw error;
		}), {isQuiet: true});
		return result ?? {hits: [], error: failure ?? 'could not search: the client is closed'};
	}

	async loadAround(conversationId: string, seq: number, limit: number): Promise<void> {
		const page = await this.#database.run('load the message in context', (db) => loadAroundPage(db, conversationId, seq, limit, this.me.userId));
		if (page) this.#emitPage(conversationId, 'around', page, seq);
	}

	/** A history page as `history-loaded`, noting the edit versions it shows. */
	#emitPage(conversationId: string, mode: 'latest' | 'older' | 'before' | 'around', page: HistoryPage, focusSeq?: number): void {
		for (const m of page.messages) if (m.version) this.#editVersions.note(m.senderId, m.messageId, m.version);
		this.#hub.emit({type: 'history-loaded', conversationId, mode, ...page, ...(focusSeq !== undefined ? {focusSeq} : {})});
	}

	async loadAwaySummary(): Promise<AwaySummary> {
		return (await this.#database.run('load the unread summary', (db) => loadAwaySummary(db, this.me.userId))) ?? {entries: [], total: 0};
	}

	async loadConversations(): Promise<void> {
		await this.#list.restart();
	}

	async loadMoreConversations(): Promise<void> {
		await this.#list.more();
	}

	async findConversation(name: string): Promise<string | undefined> {
		const id = await this.#database.run('find the conversation', (db) => findConversationId(db, this.me.userId, name));
		if (id === undefined) return undefined;
		if (!this.#list.hasShown(id)) await this.#list.loadById([id]);
		return id;
	}

	/** Rows the list walk emits: room membership, known users, then presence (last seen) of quiet peers. */
	#onListRows(conversations: readonly ConversationSummary[], extent: {hasMore?: boolean; memberOf?: readonly string[]}): void {
		this.#rooms.noteConversations(conversations, extent);
		const peers = conversations.flatMap((c) => (c.peerId ? [c.peerId] : []));
		for (const peer of peers) this.#knownUsers.add(peer);
		// Seed presence (last seen) of peers whose retained presence has not arrived live.
		const quiet = peers.filter((id) => !this.#presenceSeenLive.has(id));
		if (quiet.length === 0) return;
		void this.#database.run('load presence', (db) => loadPresences(db, quiet)).then((stored) => {
			const fresh = stored?.filter((p) => !this.#presenceSeenLive.has(p.userId)) ?? [];
			if (fresh.length > 0) this.#hub.addPresences(fresh);
		});
	}

	setPresence(state: 'online' | 'away' | 'busy', statusMessage = ''): void {
		if (this.#isClosed) return;
		const refusal = refuseStatusMessage(statusMessage);
		if (refusal) return this.#notice('error', refusal);
		this.#link.setPresence(state, statusMessage).catch((error: Error) =>
			this.#options.logger.debug({err: error.message}, 'presence not published'),
		);
	}

	async recentStatus(limit: number): Promise<MessageStatusReport[]> {
		const stored = (await this.#database.run('load message status', (db) => loadRecentSent(db, this.me.userId, limit))) ?? [];
		const storedIds = new Set(stored.map((r) => r.message.messageId));
		// Messages without ✓ are not in Postgres yet; they are the most interesting ones here.
		const waiting = this.#pending
			.messages()
			.filter((m) => !storedIds.has(m.messageId))
			.reverse()
			.map((message) => ({message, receipts: [] as Receipt[]}));
		return [...waiting, ...stored].slice(0, Math.max(1, limit));
	}

	async messageInfo(messageId: string, senderId?: string): Promise<Receipt[]> {
		const load = senderId === undefined ? (db: Parameters<typeof loadReceipts>[0]) => loadReceipts(db, [messageId]) : (db: Parameters<typeof loadReceipts>[0]) => loadMessageReceipts(db, senderId, messageId);
		return (await this.#database.run('load message info', load)) ?? [];
	}

	async searchUsers(query: string, limit: number): Promise<KnownUser[]> {
		const users = await this.#database.run('search people', (db) => searchUsers(db, query, limit));
		for (const u of users ?? []) this.#knownUsers.add(u.userId);
		return users ?? [];
	}

	async isKnownUser(userId: string): Promise<boolean> {
		if (this.#knownUsers.has(userId)) return true;
		const known = await this.#database.run('look up the user', (db) => isKnownUser(db, userId));
		if (known) this.#knownUsers.add(userId);
		return known ?? true;
	}

	async close(): Promise<void> {
		if (this.#isClosed) return;
		this.#isClosed = true;
		this.#catchUp.close();
		this.#list.stop();
		this.#hub.flush();
		await this.#link.close();
		await this.#database.close();
	}

	#onLinkEvent(event: ChatLinkEvent): void {
		switch (event.type) {
			case 'state-changed':
				if (event.state === 'up') this.#isBrokerDownNoticed = false;
				this.#hub.emit({type: 'connection-changed', service: 'broker', state: event.state, detail: event.detail});
				this.#catchUp.noteState('broker', event.state);
				return;
			case 'message-pubacked': {
				const sent = this.#pending.markPubacked(event.messageId);
				if (sent) this.#hub.emit({type: 'message-sent', message: sent});
				return;
			}
			case 'message-arrived': {
				if (event.isPossibleRepeat) return void this.#reportUnlessDelivered(event.payload);
				this.#reportArrival(event.payload);
				return;
			}
			case 'status-arrived': {
				const {payload} = event;
				// An edit, delete or reaction of mine: its effect arrives as a change; ✗ is handled below.
				if (this.#pending.isMessageAction(payload.message_id)) return void this.#pending.confirm(payload.message_id);
				if (payload.status === 'received_by_server') {
					const action = this.#pending.confirm(payload.message_id);
					// Room actions are not messages of the thread: their system line (if any) is.
					if (action) return void ((action === 'mute' || action === 'unmute') && this.loadConversations());
				}
				this.#hub.addReceipt(receiptFromPayload(payload));
				return;
			}
			case 'own-message-stored':
				// Its seq puts my message in the room's one order (merging keeps the furthest tick).
				this.#hub.emit({type: 'message-sent', message: {...messageFromPayload(event.payload), status: 'received_by_server'}});
				return;
			case 'outbox-problem-changed':
				this.#outboxProblem = event.problem;
				this.#hub.emit(event);
				return;
			case 'message-rejected': {
				const rejection = this.#pending.reject(event.messageId, event.reason);
				if (rejection.message) this.#hub.emit({type: 'message-sent', message: rejection.message});
				this.#notice('error', rejectionNotice(rejection, event.reason));
				return;
			}
			case 'message-changed': {
				const change = changeFromPayload(event.payload);
				if (change.kind === 'edit') {
					this.#editVersions.note(change.senderId, change.messageId, change.version);
					// Receipts reset to delivered-only after an edit: reading the new text sends `read` again.
					this.#readSent.delete(`${change.senderId}\u0000${change.messageId}`);
				}
				this.#hub.addChange(change);
				return;
			}
			case 'typing-arrived': {
				const {payload} = event;
				this.#hub.emit({
					type: 'typing-changed',
					userId: payload.sender_id,
					name: payload.sender_name,
					conversationId: payload.conversation_id,
					isTyping: payload.is_typing,
					at: Date.now(),
				});
				return;
			}
			case 'presence-arrived':
				this.#knownUsers.add(event.payload.user_id);
				this.#presenceSeenLive.add(event.payload.user_id);
				this.#hub.addPresences([presenceFromPayload(event.payload)]);
				return;
		}
	}

	#reportArrival(payload: MessageV2): void {
		this.#knownUsers.add(payload.sender_id);
		const message = messageFromPayload(payload, Date.now());
		this.#hub.addMessage(message);
		// A conversation the list has not reached yet (a partial list): its row, with title and unread.
		if (!this.#list.hasShown(message.conversationId)) void this.#list.loadById([message.conversationId]);
		// My own message from another client of mine: receipts are for the others.
		if (payload.sender_id !== this.me.userId) this.#sendDelivered(message);
		if (message.messageType === 'system') this.#afterSystemMessage(message);
	}

	/** A room changed: note my own membership, then reload its members and the conversation list. */
	#afterSystemMessage(message: ChatMessage): void {
		const change = this.#rooms.noteSystemMessage(message);
		// The event is delivered after COMMIT, so the rows are there to read. One query at a time.
		const members = change === 'left' ? Promise.resolve() : this.loadMembers(message.conversationId);
		void members.then(() => this.loadConversations());
	}

	/**
	 * A redelivery older than what the link remembers (of its conversation's seqs and of its
	 * sender's ids; both memories are bounded): my stored `delivered`
	 * receipt says whether I reported it already. With the database unreachable it is
	 * reported (the thread merges copies of one message id).
	 */
	async #reportUnlessDelivered(payload: MessageV2): Promise<void> {
		const seen = await this.#database.run('check a late redelivery', (db) => wasDeliveredTo(db, payload.sender_id, payload.message_id, this.me.userId));
		if (seen === true || this.#isClosed) return;
		this.#reportArrival(payload);
	}

	#sendDelivered({conversationId, senderId, messageId}: ChatMessage): void {
		this.#link.sendStatus(conversationId, senderId, messageId, 'delivered').catch((error: Error) =>
			this.#options.logger.debug({err: error.message, messageId}, 'delivered receipt not sent'),
		);
	}

	async #warnIfUnknown(to: string): Promise<void> {
		if (this.#knownUsers.has(to) || !this.#database.isUp) return;
		const known = await this.#database.run('look up the recipient', (db) => isKnownUser(db, to));
		if (known) this.#knownUsers.add(to);
		else if (known === false) {
			this.#notice('info', `nobody called ${to} has used this server yet — sent anyway; they will see it when they join`);
		}
	}

	#notice(level: 'info' | 'error', text: string): void {
		this.#hub.emit({type: 'notice', level, text});
	}
}
