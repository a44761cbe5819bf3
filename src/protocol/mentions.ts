// Mentions: which user ids a message names with `@id`. Shared by the ingester (the stored
// `chat_messages.mentions` column) and the TUI (highlighting). Pure: imports protocol/ only.
import {isValidUserId} from './topics.js';

/** At most this many distinct ids are kept per message (a line of 4,000 `@x` is not 2,000 mentions). */
export const MAX_MENTIONS = 50;

// `@` then the characters of a user id (protocol USER_ID_PATTERN). The `@` must start the text
// or follow a character that cannot be part of a word or an address, so `fredy@example.com`
// and `a@@b` are not mentions of `example.com` / `b`.
const MENTION = /(?<![A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{1,64})(?![A-Za-z0-9_-])/g;

/**
 * The user ids `content` mentions as `@id`, in order of first appearance, each once, at most
 * {@link MAX_MENTIONS}. Ids are matched case-sensitively (user ids are); a trailing `.` (or
 * several) is punctuation, not part of the id (`thanks @bob.` mentions `bob`). Reserved ids
 * (`@all`, `@server`, `@presence`) are not user ids and are left out. Never throws.
 */
export function mentionsOf(content: string): string[] {
	const found: string[] = [];
	for (const match of content.matchAll(MENTION)) {
		const id = match[1]!.replace(/\.+$/, '');
		if (!id || !isValidUserId(id) || found.includes(id)) continue;
		found.push(id);
		if (found.length === MAX_MENTIONS) break;
	}
	return found;
}
