// Mentions: `@id` tokens in a message's text. The server stores what this function finds, so
// client and server agree on who was mentioned. Pure: imports protocol/ only.
import {isValidUserId} from '../protocol/index.js';

/**
 * An `@` that starts a token (at the start, or after a character that is neither a letter,
 * digit nor one of `_ . - @`), followed by a user id (protocol USER_ID_PATTERN characters).
 * A trailing `.` or `-` ends a sentence rather than the id ("thanks @bob.").
 */
const MENTION = /(?<![\p{L}\p{N}_.@-])@([A-Za-z0-9_.-]{1,64})/gu;

/**
 * The user ids mentioned in `content` with `@id`, in order of first appearance, each once.
 * Ids are compared as written (user ids are case-sensitive); trailing `.`/`-` are not part of
 * the id; tokens that are not valid user ids (reserved ids such as `all`) are skipped.
 * Example: `mentionsOf('hi @bob and @carol.')` → `['bob', 'carol']`.
 */
export function mentionsOf(content: string): string[] {
	const found: string[] = [];
	for (const match of content.matchAll(MENTION)) {
		const id = match[1]!.replace(/[.-]+$/, '');
		if (id !== '' && isValidUserId(id) && !found.includes(id)) found.push(id);
	}
	return found;
}

/** Whether a message mentions `userId`: by its stored `mentions`, else by its text. */
export function isMentioned(message: {content: string; mentions?: readonly string[]}, userId: string): boolean {
	return (message.mentions ?? mentionsOf(message.content)).includes(userId);
}
