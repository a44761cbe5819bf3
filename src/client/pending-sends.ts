// What this client has queued and the server has not answered yet: my messages (shown ◷/✓ in
// the thread until ✓ received_by_server or ✗ rejected) and my room actions.
// Pure: imports live/ types, core/ types and the client's to-core mapping only.
import type {OutboxPayload} from '../live/outbox-entries.js';
import type {ChatMessage, RoomAction} from '../core/types.js';
import {messageFromPayload} from './to-core.js';

/** What the server's ✗ was about: my message (now `rejected`, with the reason), a room action, or an edit/delete/reaction. */
export type Rejection = {message?: ChatMessage; roomAction?: RoomAction; messageAction?: 'edit' | 'delete' | 'react'};

/** My messages and room actions waiting for the server's ✓ or ✗, by message id. */
export class PendingSends {
	readonly #messages = new Map<string, ChatMessage>();
	readonly #roomActions = new Map<string, RoomAction>();
	readonly #messageActions = new Map<string, 'edit' | 'delete' | 'react'>();

	/** Track a queued payload; a message comes back as the `pending` ChatMessage to show. */
	add(payload: OutboxPayload): ChatMessage | undefined {
		if (payload.type === 'room') {
			this.#roomActions.set(payload.message_id, payload.action);
			return undefined;
		}
		if (payload.type !== 'message') {
			this.#messageActions.set(payload.message_id, payload.type);
			return undefined;
		}
		const message: ChatMessage = {...messageFromPayload(payload), status: 'pending'};
		this.#messages.set(message.messageId, message);
		return message;
	}

	/** My messages still waiting, oldest first. */
	messages(): ChatMessage[] {
		return [...this.#messages.values()];
	}

	/** The broker took message `messageId` (PUBACK): its `sent` copy, or undefined when it is not a pending message. */
	markPubacked(messageId: string): ChatMessage | undefined {
		const message = this.#messages.get(messageId);
		if (message?.status !== 'pending') return undefined;
		const sent: ChatMessage = {...message, status: 'sent'};
		this.#messages.set(messageId, sent);
		return sent;
	}

	/** The server stored it (✓): forget it; returns the room action or message action it was, if one. */
	confirm(messageId: string): RoomAction | 'edit' | 'delete' | 'react' | undefined {
		const action = this.#roomActions.get(messageId) ?? this.#messageActions.get(messageId);
		this.#messages.delete(messageId);
		this.#roomActions.delete(messageId);
		this.#messageActions.delete(messageId);
		return action;
	}

	/** The server's ✓ of `messageId` is about an edit, delete or reaction of mine (not a message of the thread). */
	isMessageAction(messageId: string): boolean {
		return this.#messageActions.has(messageId);
	}

	/** The server refused it for good (✗ with `reason`): forget it and say what it was. */
	reject(messageId: string, reason: string): Rejection {
		const roomAction = this.#roomActions.get(messageId);
		const messageAction = this.#messageActions.get(messageId);
		const message = this.#messages.get(messageId);
		this.#messages.delete(messageId);
		this.#roomActions.delete(messageId);
		this.#messageActions.delete(messageId);
		return {
			...(roomAction ? {roomAction} : {}),
			...(messageAction ? {messageAction} : {}),
			...(message ? {message: {...message, status: 'rejected', rejectedReason: reason}} : {}),
		};
	}
}

/** The error notice of a ✗ (`reason` is one untrusted line from the server). */
export function rejectionNotice({message, roomAction, messageAction}: Rejection, reason: string): string {
	if (roomAction) return `✗ ${roomAction} refused by the server: ${reason}`;
	if (messageAction) return `✗ ${messageAction === 'react' ? 'reaction' : messageAction} refused by the server: ${reason}`;
	const to = !message ? '' : message.conversationId === 'all' ? ' to everyone' : message.receiverId === message.conversationId ? ' to the room' : ` to ${message.receiverId}`;
	return `✗ message${to} refused by the server: ${reason} — it was not sent; edit it and send again`;
}
