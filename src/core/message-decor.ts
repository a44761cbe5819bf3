// What issue 10 adds around a message's text: a reply's quote line, the reactions row, the
// "(edited)" and "message deleted" marks. Pure: imports core/ only.
import {sanitizeInline} from './sanitize.js';
import {displayWidth, truncate} from './text-layout.js';
import type {ChatMessage} from './types.js';

/** One emoji under a message: sanitized emoji, how many reacted, whether I did. */
export interface ReactionItem {
	emoji: string;
	count: number;
	isMine: boolean;
}

/** What a deleted message shows instead of its text. */
export const DELETED_PLACEHOLDER = 'message deleted';
/** What follows an edited message's text. */
export const EDITED_MARK = ' (edited)';

/**
 * The quote line of a reply (sanitized, one line, at most `width` columns): `↳ Bob: start of the
 * original…`, from the original when it is loaded (`message deleted` when it was), else from the
 * reply's own preview (which live edits and deletes of the original update, see reduce-changes.ts).
 */
export function quoteLine(reply: ChatMessage, messages: readonly ChatMessage[], width: number): string {
	const ref = reply.replyTo;
	if (!ref) return '';
	const original = messages.find((m) => m.messageId === ref.messageId && m.senderId === ref.senderId);
	const name = original?.senderName ?? ref.senderName ?? ref.senderId;
	const isDeleted = original ? original.deletedAt !== undefined : ref.isDeleted === true;
	const text = isDeleted ? DELETED_PLACEHOLDER : (original?.content ?? ref.preview ?? '…');
	return truncate(`↳ ${sanitizeInline(name)}: ${sanitizeInline(text.replace(/\s*\r?\n\s*/g, ' '))}`, Math.max(1, width));
}

/** The reactions of a message as shown under it, in the order they were first added; `me` marks mine. */
export function reactionItems(message: ChatMessage, me: string): ReactionItem[] {
	if (message.deletedAt !== undefined) return [];
	return Object.entries(message.reactions ?? {})
		.filter(([, users]) => users.length > 0)
		.map(([emoji, users]) => ({emoji: sanitizeInline(emoji), count: new Set(users).size, isMine: users.includes(me)}));
}

/** The reactions row as text (`👍 3  🎉 1`), for width checks and plain renderings. */
export function reactionsText(items: readonly ReactionItem[]): string {
	return items.map((item) => `${item.emoji} ${item.count}`).join('  ');
}

/** Whether a message shows a reactions row (not when deleted). */
export function hasReactions(message: ChatMessage): boolean {
	return message.deletedAt === undefined && Object.values(message.reactions ?? {}).some((users) => users.length > 0);
}

/**
 * The reactions that fit `width` columns (`👍 3  🎉 1`), in order; one too wide to fit (a long
 * hostile "emoji") is skipped, and those left out are counted in a last `+N` item.
 */
export function fitReactions(items: ReactionItem[], width: number): ReactionItem[] {
	if (displayWidth(reactionsText(items)) <= width) return items;
	const plus = displayWidth(`  +${items.length}`);
	const kept: ReactionItem[] = [];
	for (const item of items) {
		if (displayWidth(reactionsText([...kept, item])) + plus <= width) kept.push(item);
	}
	const hidden = items.length - kept.length;
	return hidden > 0 ? [...kept, {emoji: '+', count: hidden, isMine: false}] : kept;
}

