// Edits, deletes and reactions of the client (issue 10): checks with one-line refusals, the v2
// payloads, and the edit version to ask for. Pure: imports protocol/ and core/ types only.
import {
	MAX_CONTENT_LENGTH,
	MAX_EDITS,
	PROTOCOL_VERSION,
	encodeV2,
	isValidUserId,
	refuseEmoji,
	unstorableTextReason,
	type DeleteV2,
	type EditV2,
	type ReactV2,
} from '../protocol/index.js';
import type {Identity} from '../core/types.js';
import {refuseConversation} from './outgoing.js';

/** The message an action is about, in its conversation. */
export interface ActionTarget {
	conversationId: string;
	messageId: string;
	senderId: string;
}

/** Why an action on `target` cannot be asked for (one line), or undefined. */
export function refuseTarget(me: string, target: ActionTarget): string | undefined {
	const bad = refuseConversation(me, target.conversationId);
	if (bad) return bad;
	if (!isValidUserId(target.senderId) || !/^[A-Za-z0-9._:-]{1,255}$/.test(target.messageId)) return 'that message cannot be acted on (bad id)';
	return undefined;
}

/** Why `content` cannot replace a message's text (one line with what to do), or undefined. */
export function refuseEditText(content: string): string | undefined {
	if (content.trim() === '') return 'an edit needs text — to remove the message use /delete';
	const unstorable = unstorableTextReason(content);
	if (unstorable) return `not edited: the text ${unstorable} — remove that character`;
	if (content.length > MAX_CONTENT_LENGTH) return `the text is ${content.length} characters; the limit is ${MAX_CONTENT_LENGTH} — shorten it`;
	return undefined;
}

/** Why `emoji` is not one reaction (one line with what to do), or undefined. */
export function refuseReaction(emoji: string): string | undefined {
	const reason = refuseEmoji(emoji);
	return reason ? `${reason} — e.g. /react 👍` : undefined;
}

function header(me: Identity, target: ActionTarget, actionId: string, now: Date) {
	return {
		v: PROTOCOL_VERSION,
		message_id: actionId,
		conversation_id: target.conversationId,
		sender_id: me.userId,
		sender_name: me.name,
		target: {sender_id: target.senderId, message_id: target.messageId},
		timestamp: now.toISOString(),
	} as const;
}

/** The `edit` payload replacing my message's text as edit number `version`. */
export function editPayload(me: Identity, target: ActionTarget, content: string, version: number, actionId: string, now: Date): EditV2 {
	return {...header(me, target, actionId, now), type: 'edit', content, version};
}

/** The `delete` payload. */
export function deletePayload(me: Identity, target: ActionTarget, actionId: string, now: Date): DeleteV2 {
	return {...header(me, target, actionId, now), type: 'delete'};
}

/** The `react` payload adding (`isOn`) or taking back my `emoji`. */
export function reactPayload(me: Identity, target: ActionTarget, emoji: string, isOn: boolean, actionId: string, now: Date): ReactV2 {
	return {...header(me, target, actionId, now), type: 'react', emoji, is_on: isOn};
}

/** Whether `payload` encodes within the protocol's limits (an edit of many escaped characters may not). */
export function isEncodable(payload: EditV2 | DeleteV2 | ReactV2): boolean {
	try {
		encodeV2(payload);
		return true;
	} catch {
		return false;
	}
}

/**
 * The highest edit version this client knows per message (from history pages, live changes and
 * its own edits), so the next edit asks for one more: two quick edits get 1 and 2, and the
 * server keeps the higher whatever order they arrive in.
 */
export class EditVersions {
	readonly #known = new Map<string, number>();

	/** Note a version seen for message (`senderId`, `messageId`) (never lowers what is known). */
	note(senderId: string, messageId: string, version: number): void {
		const key = `${senderId}\u0000${messageId}`;
		if (version > (this.#known.get(key) ?? 0)) this.#known.set(key, version);
	}

	/**
	 * The version the next edit asks for: one more than the highest known (or than `stored`, the
	 * database's, when given), recorded as known; undefined past MAX_EDITS.
	 */
	next(senderId: string, messageId: string, stored = 0): number | undefined {
		const key = `${senderId}\u0000${messageId}`;
		const version = Math.max(this.#known.get(key) ?? 0, stored) + 1;
		if (version > MAX_EDITS) return undefined;
		this.#known.set(key, version);
		return version;
	}
}
