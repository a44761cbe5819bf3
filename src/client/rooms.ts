// Room actions of the client (issue 8): checks with one-line refusals, the v2 `room` payloads,
// and what this client knows of its own membership (rooms I left or was removed from).
// Pure: imports protocol/ and core/ types only.
import {randomUUID} from 'node:crypto';
import {
	MAX_ACTION_USERS,
	MAX_TITLE_LENGTH,
	MAX_TOPIC_LENGTH,
	PROTOCOL_VERSION,
	conversationKindOf,
	isValidUserId,
	unstorableTextReason,
	type RoomV2,
} from '../protocol/index.js';
import type {ChatMessage, ConversationSummary, Identity, RoomChange} from '../core/types.js';

/** A new group room id: `room-` + a UUID v4 (rooms contract: chosen by the creator's client). */
export function newRoomId(): string {
	return `room-${randomUUID()}`;
}

/** Why `title` cannot be a room title (one line), or undefined: 1–100 characters after trimming, storable. */
export function refuseTitle(title: string): string | undefined {
	const trimmed = title.trim();
	if (trimmed === '') return 'a room needs a name — /room create <name> [members…]';
	if (trimmed.length > MAX_TITLE_LENGTH) return `room name is ${trimmed.length} characters; the limit is ${MAX_TITLE_LENGTH} — shorten it`;
	const unstorable = unstorableTextReason(trimmed);
	return unstorable ? `room name not set: it ${unstorable} — remove that character` : undefined;
}

/** Why `userIds` cannot be named in one room action, or undefined (1–50 valid ids when `isRequired`). */
export function refuseUserIds(userIds: readonly string[], isRequired: boolean): string | undefined {
	const bad = userIds.find((id) => !isValidUserId(id));
	if (bad !== undefined) return `"${bad}" is not a user id — use 1-64 letters, digits, _ . or -`;
	if (isRequired && userIds.length === 0) return 'name at least one user';
	if (userIds.length > MAX_ACTION_USERS) return `at most ${MAX_ACTION_USERS} users at a time`;
	return undefined;
}

/** Why `change` cannot be asked of room `conversationId` (one line), or undefined (rights are the server's to check). */
export function refuseRoomChange(conversationId: string, change: RoomChange): string | undefined {
	if (conversationKindOf(conversationId) !== 'group') return 'that is not a room — room commands work in rooms only';
	switch (change.action) {
		case 'invite':
		case 'kick':
		case 'op':
			return refuseUserIds(change.userIds, true);
		case 'rename':
			return refuseTitle(change.title);
		case 'topic': {
			if (change.topic.length > MAX_TOPIC_LENGTH) return `topic is ${change.topic.length} characters; the limit is ${MAX_TOPIC_LENGTH} — shorten it`;
			const unstorable = unstorableTextReason(change.topic);
			return unstorable ? `topic not set: it ${unstorable} — remove that character` : undefined;
		}
		default:
			return undefined;
	}
}

/** The `room` payload creating room `conversationId` titled `title` with `userIds` (me excluded, each once). */
export function createRoomPayload(me: Identity, conversationId: string, title: string, userIds: readonly string[], messageId: string, now: Date): RoomV2 {
	const members = [...new Set(userIds)].filter((id) => id !== me.userId);
	return {...header(me, conversationId, messageId, now), action: 'create', title: title.trim(), user_ids: members};
}

/** The `room` payload asking for `change` of room `conversationId`. */
export function changeRoomPayload(me: Identity, conversationId: string, change: RoomChange, messageId: string, now: Date): RoomV2 {
	const base = header(me, conversationId, messageId, now);
	switch (change.action) {
		case 'invite':
		case 'kick':
		case 'op':
			return {...base, action: change.action, user_ids: [...new Set(change.userIds)]};
		case 'rename':
			return {...base, action: 'rename', title: change.title.trim()};
		case 'topic':
			return {...base, action: 'topic', topic: change.topic};
		default:
			return {...base, action: change.action};
	}
}

function header(me: Identity, conversationId: string, messageId: string, now: Date) {
	return {v: PROTOCOL_VERSION, type: 'room', message_id: messageId, conversation_id: conversationId, sender_id: me.userId, sender_name: me.name, timestamp: now.toISOString()} as const;
}

/**
 * The rooms this client knows I am no longer in: from the conversation list (a room I was in
 * that is gone from it) and from system lines (my `leave`, a `kick` naming me; an `invite`
 * naming me brings it back). Used to refuse a send with a notice before the server does.
 */
export class RoomMembership {
	readonly #me: string;
	readonly #current = new Set<string>();
	readonly #left = new Set<string>();
	/**
	 * Rooms joined here (created, joined, an invite or creation line) and not yet in any list or
	 * walk: a walk that began before the join reached the server ends without them, and must not
	 * take them as left.
	 */
	readonly #unlisted = new Set<string>();

	constructor(me: string) {
		this.#me = me;
	}

	/** Whether I am known to have left (or been removed from) room `conversationId`. */
	hasLeft(conversationId: string): boolean {
		return this.#left.has(conversationId);
	}

	/** A room I created or joined just now. */
	noteJoined(conversationId: string): void {
		this.#noteMember(conversationId);
		this.#unlisted.add(conversationId);
	}

	/**
	 * A fresh conversation list (the current member rows of mine), or a page of it: as in the
	 * `conversations-loaded` event, `hasMore` = a page (a room missing from it may be further down:
	 * nothing is taken as left), `memberOf` = every conversation of mine, seen over a walk by pages.
	 */
	noteConversations(conversations: readonly ConversationSummary[], extent: {hasMore?: boolean; memberOf?: readonly string[]} = {}): void {
		const listed = new Set(conversations.filter((c) => c.kind === 'group').map((c) => c.conversationId));
		const memberOf = extent.memberOf ? new Set(extent.memberOf) : extent.hasMore ? undefined : listed;
		if (memberOf) {
			for (const id of this.#current) {
				if (memberOf.has(id)) this.#unlisted.delete(id);
				else if (!this.#unlisted.has(id)) {
					this.#left.add(id);
					this.#current.delete(id);
				}
			}
		}
		for (const id of listed) {
			this.#noteMember(id);
			this.#unlisted.delete(id);
		}
	}

	#noteMember(conversationId: string): void {
		this.#current.add(conversationId);
		this.#left.delete(conversationId);
	}

	/** A system line: whether it changed my membership (`joined`, `left`) or not. */
	noteSystemMessage(message: ChatMessage): 'joined' | 'left' | undefined {
		const {event} = message;
		if (message.messageType !== 'system' || !event) return undefined;
		const isAboutMe = event.userIds.includes(this.#me);
		if ((event.action === 'leave' && message.senderId === this.#me) || (event.action === 'kick' && isAboutMe)) {
			this.#current.delete(message.conversationId);
			this.#unlisted.delete(message.conversationId);
			this.#left.add(message.conversationId);
			return 'left';
		}
		if ((event.action === 'invite' || event.action === 'create') && (isAboutMe || message.senderId === this.#me)) {
			if (event.action === 'invite' && !isAboutMe) return undefined;
			this.noteJoined(message.conversationId);
			return 'joined';
		}
		return undefined;
	}
}
