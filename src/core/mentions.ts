// Mentions in the TUI: one rule with the server — `mentionsOf` is protocol/mentions.ts, the
// function the ingester stores `chat_messages.mentions` with. Pure: imports protocol/ only.
import {mentionsOf} from '../protocol/mentions.js';

export {mentionsOf};

/** Whether a message mentions `userId`: by its stored `mentions`, else by its text. */
export function isMentioned(message: {content: string; mentions?: readonly string[]}, userId: string): boolean {
	return (message.mentions ?? mentionsOf(message.content)).includes(userId);
}
