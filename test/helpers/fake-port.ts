// A ChatPort for component tests: records every request and lets the test emit events.
// May import core/ and protocol/ only.
import {conversationIdFor, peerOf} from '../../src/protocol/index.js';
import type {AwayEntry, AwaySummary, ChatEvent, ChatMessage, ChatPort, ConversationSummary, Identity, KnownUser, Member, MessageStatusReport, Receipt, RoomChange, SearchHit, SearchQuery} from '../../src/core/types.js';

/** One recorded request: the ChatPort method name and its arguments. */
export interface PortCall {
	method: keyof ChatPort;
	args: unknown[];
}

/**
 * In-memory ChatPort. Requests resolve at once and are recorded in `calls`; nothing is
 * emitted unless the test calls {@link FakeChatPort.emit} (or sets canned answers).
 */
export class FakeChatPort implements ChatPort {
	readonly calls: PortCall[] = [];
	/** Answer of `messageInfo`, by message id. */
	info = new Map<string, Receipt[]>();
	/** Answer of `recentStatus`. */
	status: MessageStatusReport[] = [];
	/** User ids `isKnownUser` says yes to (`undefined` = everyone). */
	knownUsers?: Set<string>;
	/** The server's people (`chat_users`), searched by `searchUsers`. */
	users: KnownUser[] = [];
	/** Answer of `loadMembers` (emitted as `members-loaded`), by conversation id; absent = nothing emitted. */
	members = new Map<string, Member[]>();
	/** Answer of `searchMessages`. */
	searchAnswer: {hits: SearchHit[]; error?: string} = {hits: []};
	/** Answer of `loadAwaySummary`. */
	away: AwayEntry[] = [];
	/** `total` of `loadAwaySummary` (default: `away.length`). */
	awayTotal?: number;
	/** Pages `loadMoreConversations` emits in turn (`conversations-loaded`), the last without `hasMore`. */
	morePages: ConversationSummary[][] = [];
	/** Conversation ids of the first page (set by the test) and of the pages `loadMoreConversations` emitted. */
	walked = new Set<string>();
	/** Conversations `findConversation` finds in "PostgreSQL", by lower-case id or title. */
	stored = new Map<string, ConversationSummary>();
	/** Id `createRoom` resolves with (undefined = refused). */
	nextRoomId: string | undefined = 'room-1';
	private readonly listeners = new Set<(event: ChatEvent) => void>();
	private sent = 0;

	constructor(readonly me: Identity = {userId: 'alice', name: 'Alice'}) {}

	subscribe(listener: (event: ChatEvent) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** Deliver events to every subscriber, in order. */
	emit(...events: ChatEvent[]): void {
		for (const event of events) for (const listener of this.listeners) listener(event);
	}

	/** Number of current subscribers (0 after the TUI unmounts). */
	get listenerCount(): number {
		return this.listeners.size;
	}

	/** Recorded calls of one method. */
	callsOf(method: keyof ChatPort): unknown[][] {
		return this.calls.filter((c) => c.method === method).map((c) => c.args);
	}

	async sendMessage(conversationId: string, content: string, options?: {replyTo?: {messageId: string; senderId: string}}): Promise<void> {
		this.record('sendMessage', conversationId, content, ...(options ? [options] : []));
		this.sent += 1;
		const message: ChatMessage = {
			messageId: `fake-${this.sent}`,
			messageType: 'text',
			senderId: this.me.userId,
			senderName: this.me.name,
			receiverId: conversationId.startsWith('room-') ? conversationId : peerOf(conversationId, this.me.userId),
			conversationId,
			content,
			createdAt: Date.UTC(2026, 10, 22, 10, 0, this.sent),
			status: 'pending',
			...(options?.replyTo ? {replyTo: options.replyTo} : {}),
		};
		this.emit({type: 'message-sent', message});
	}

	async editMessage(conversationId: string, messageId: string, content: string): Promise<void> {
		this.record('editMessage', conversationId, messageId, content);
	}

	async deleteMessage(conversationId: string, messageId: string, senderId: string): Promise<void> {
		this.record('deleteMessage', conversationId, messageId, senderId);
	}

	async react(conversationId: string, messageId: string, senderId: string, emoji: string, isOn: boolean): Promise<void> {
		this.record('react', conversationId, messageId, senderId, emoji, isOn);
	}

	async searchMessages(query: SearchQuery): Promise<{hits: SearchHit[]; error?: string}> {
		this.record('searchMessages', query);
		return this.searchAnswer;
	}

	async loadAround(conversationId: string, seq: number, limit: number): Promise<void> {
		this.record('loadAround', conversationId, seq, limit);
	}

	async loadAwaySummary(): Promise<AwaySummary> {
		this.record('loadAwaySummary');
		return {entries: this.away, total: Math.max(this.awayTotal ?? 0, this.away.length)};
	}

	sendTyping(conversationId: string, isTyping: boolean): void {
		this.record('sendTyping', conversationId, isTyping);
	}

	async createRoom(title: string, userIds: readonly string[]): Promise<string | undefined> {
		this.record('createRoom', title, [...userIds]);
		return this.nextRoomId;
	}

	async changeRoom(conversationId: string, change: RoomChange): Promise<void> {
		this.record('changeRoom', conversationId, change);
	}

	async loadMembers(conversationId: string): Promise<void> {
		this.record('loadMembers', conversationId);
		const members = this.members.get(conversationId);
		if (members) this.emit({type: 'members-loaded', conversationId, members});
	}

	markRead(messages: readonly ChatMessage[]): void {
		this.record('markRead', messages.map((m) => m.messageId));
	}

	async loadLatest(conversationId: string, limit: number): Promise<void> {
		this.record('loadLatest', conversationId, limit);
	}

	async loadOlder(conversationId: string, beforeSeq: number, limit: number): Promise<void> {
		this.record('loadOlder', conversationId, beforeSeq, limit);
	}

	async loadBefore(conversationId: string, before: Date, limit: number): Promise<void> {
		this.record('loadBefore', conversationId, before, limit);
	}

	async loadConversations(): Promise<void> {
		this.record('loadConversations');
	}

	async loadMoreConversations(): Promise<void> {
		this.record('loadMoreConversations');
		const page = this.morePages.shift();
		if (!page) return;
		for (const c of page) this.walked.add(c.conversationId);
		// As the client's walk: the last page names every conversation the walk saw.
		this.emit({type: 'conversations-loaded', conversations: page, ...(this.morePages.length > 0 ? {hasMore: true} : {memberOf: [...this.walked]})});
	}

	async findConversation(name: string): Promise<string | undefined> {
		this.record('findConversation', name);
		const found = this.stored.get(name.toLowerCase());
		if (found) this.emit({type: 'conversations-loaded', conversations: [found], hasMore: true});
		return found?.conversationId;
	}

	setPresence(state: 'online' | 'away' | 'busy', statusMessage?: string): void {
		this.record('setPresence', state, statusMessage);
	}

	async recentStatus(limit: number): Promise<MessageStatusReport[]> {
		this.record('recentStatus', limit);
		return this.status;
	}

	async messageInfo(messageId: string, senderId?: string): Promise<Receipt[]> {
		this.record('messageInfo', messageId, senderId);
		return this.info.get(messageId) ?? [];
	}

	async searchUsers(query: string, limit: number): Promise<KnownUser[]> {
		this.record('searchUsers', query, limit);
		const q = query.toLowerCase();
		return this.users.filter((u) => u.userId.toLowerCase().includes(q) || u.name.toLowerCase().includes(q)).slice(0, limit);
	}

	async isKnownUser(userId: string): Promise<boolean> {
		this.record('isKnownUser', userId);
		return this.knownUsers ? this.knownUsers.has(userId) : true;
	}

	async close(): Promise<void> {
		this.record('close');
	}

	private record(method: keyof ChatPort, ...args: unknown[]): void {
		this.calls.push({method, args});
	}
}

/**
 * A ChatMessage for tests; `at` is minutes after 2026-11-22 10:00 UTC; `to` a user, `all`, or a
 * room id (`room-…`: the message belongs to that room).
 */
export function fakeMessage(
	from: string,
	to: string,
	content: string,
	options: {id?: string; at?: number; seq?: number; name?: string; status?: ChatMessage['status']} = {},
): ChatMessage {
	const at = options.at ?? 0;
	return {
		messageId: options.id ?? `${from}-${to}-${at}-${content.length}`,
		messageType: 'text',
		...(options.seq === undefined ? {} : {seq: options.seq}),
		senderId: from,
		senderName: options.name ?? from[0]!.toUpperCase() + from.slice(1),
		receiverId: to,
		conversationId: to.startsWith('room-') ? to : conversationIdFor(from, to),
		content,
		createdAt: Date.UTC(2026, 10, 22, 10, at),
		status: options.status ?? 'received_by_server',
	};
}

/**
 * A system line of a room (`content` as the server would store it), from `from`; `at` as in
 * {@link fakeMessage}.
 */
export function fakeSystemMessage(
	from: string,
	roomId: string,
	content: string,
	event: NonNullable<ChatMessage['event']>,
	options: {id?: string; at?: number; seq?: number} = {},
): ChatMessage {
	return {...fakeMessage(from, roomId, content, options), messageType: 'system', event};
}

/** A Member for tests (joined at 2026-11-22 09:00 UTC). */
export function fakeMember(userId: string, options: Partial<Member> = {}): Member {
	return {userId, name: userId[0]!.toUpperCase() + userId.slice(1), role: 'member', joinedAt: Date.UTC(2026, 10, 22, 9), isMuted: false, lastReadSeq: 0, ...options};
}
