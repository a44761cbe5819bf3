// Recall of earlier composer inputs, per conversation (↑/↓ as in a shell).
// Pure: no imports.

/** Inputs sent per conversation (oldest first) and where recall stands. */
export interface InputHistory {
	/** Conversation id (or '' with none open) → submitted texts, oldest first, at most {@link HISTORY_LIMIT}. */
	entries: Readonly<Record<string, readonly string[]>>;
	/** The entry shown now, counted back from the newest (1 = newest); 0 = not recalling. */
	position: number;
	/** What was in the composer before recall started, given back by ↓ past the newest. */
	stash: string;
}

/** Inputs kept per conversation. */
export const HISTORY_LIMIT = 100;

/** No history yet. */
export const EMPTY_HISTORY: InputHistory = {entries: {}, position: 0, stash: ''};

/** Remember a submitted text (a repeat of the newest entry is kept once); ends recall. */
export function rememberInput(history: InputHistory, conversation: string, text: string): InputHistory {
	const list = history.entries[conversation] ?? [];
	const next = list.at(-1) === text || text.trim() === '' ? list : [...list, text].slice(-HISTORY_LIMIT);
	return {entries: {...history.entries, [conversation]: next}, position: 0, stash: ''};
}

/**
 * Step through a conversation's history: `by` -1 = older (↑), +1 = newer (↓). `current` is
 * the composer text now. Returns the text to show, or undefined when there is nothing further.
 */
export function recallInput(history: InputHistory, conversation: string, by: -1 | 1, current: string): {history: InputHistory; text: string} | undefined {
	const list = history.entries[conversation] ?? [];
	const position = history.position - by;
	if (position < 0 || position > list.length) return undefined;
	const stash = history.position === 0 ? current : history.stash;
	const text = position === 0 ? stash : list[list.length - position]!;
	return {history: {...history, position, stash}, text};
}

/** Leave recall (the user edited or switched conversation); entries stay. */
export function endRecall(history: InputHistory): InputHistory {
	return history.position === 0 ? history : {...history, position: 0, stash: ''};
}
