// Tab completion in the composer: command names, user ids and display names.
// Pure: imports core/ only.
import {COMMAND_HELP} from './commands.js';
import {graphemes, type EditorLine} from './line-editor.js';
import type {ChatState} from './state.js';

/** A person the composer can complete: user id and display name. */
export interface Completable {
	userId: string;
	name: string;
}

/** Result of {@link completeInput}: the new line, and the choices when the word is ambiguous. */
export interface Completion {
	line: EditorLine;
	/** Two or more candidates left (for the status line); empty when completed or no match. */
	choices: readonly string[];
}

/** Command names from the help table (`/send`, `/open`, `/mute  /unmute`…) plus `/exit`, `/editor`. */
export function commandNames(): string[] {
	const names = COMMAND_HELP.flatMap(([usage]) => usage.split(/\s+/).filter((word) => /^\/[a-z]+$/.test(word)));
	return [...new Set([...names, '/exit', '/editor'])];
}

/** People the state knows: direct peers, room members, people found, anyone whose presence was seen, by id. */
export function knownPeople(state: ChatState): Completable[] {
	const people = new Map<string, string>();
	for (const c of Object.values(state.conversations)) if (c.kind === 'direct' && c.peerId) people.set(c.peerId, c.title);
	for (const members of Object.values(state.members)) for (const m of members) if (!people.has(m.userId)) people.set(m.userId, m.name);
	for (const [userId, name] of Object.entries(state.knownUsers)) if (!people.has(userId)) people.set(userId, name);
	for (const p of Object.values(state.presence)) if (!people.has(p.userId)) people.set(p.userId, p.name);
	people.delete(state.me.userId);
	return [...people].map(([userId, name]) => ({userId, name}));
}

/**
 * Complete the word before the cursor. The first word of a line starting with `/` completes
 * to a command; a command's arguments complete to user ids (a display name prefix finds the
 * id too); a word in a message completes to a display name or id. A unique match is
 * completed with a trailing space; several extend to their longest common prefix and are
 * listed in `choices`. Matching ignores case. A word starting with `@` is a mention: it
 * completes to `@<user id>` of a person whose id or display name starts with the rest.
 */
export function completeInput(line: EditorLine, people: readonly Completable[]): Completion {
	const chars = graphemes(line.value);
	const cursor = Math.min(line.cursor, chars.length);
	let start = cursor;
	while (start > 0 && chars[start - 1] !== ' ' && chars[start - 1] !== '\n') start--;
	const word = chars.slice(start, cursor).join('');
	const before = chars.slice(0, start).join('');
	const isCommandWord = start === 0 && word.startsWith('/');
	const isCommandArgument = !isCommandWord && line.value.startsWith('/') && !before.includes('\n');
	if (word === '' && !isCommandArgument) return {line, choices: []};
	const lower = word.toLowerCase();
	let candidates: string[];
	// `@` + a prefix of an id or name: a mention, always completed to `@id` (what mentionsOf reads).
	const isMention = !isCommandWord && word.startsWith('@');
	const mentionPrefix = lower.slice(1);
	if (isMention) candidates = people.filter((p) => p.userId.toLowerCase().startsWith(mentionPrefix) || p.name.toLowerCase().startsWith(mentionPrefix)).map((p) => `@${p.userId}`);
	else if (isCommandWord) candidates = commandNames().filter((c) => c.startsWith(lower));
	else if (isCommandArgument) candidates = people.filter((p) => p.userId.toLowerCase().startsWith(lower) || p.name.toLowerCase().startsWith(lower)).map((p) => p.userId);
	else candidates = people.flatMap((p) => [p.name, p.userId]).filter((c) => c.toLowerCase().startsWith(lower) && c !== '');
	// One candidate per spelling ("Carol" and "carol" are one; the display name comes first).
	const seen = new Set<string>();
	candidates = candidates.filter((c) => !seen.has(c.toLowerCase()) && seen.add(c.toLowerCase())).sort();
	if (candidates.length === 0) return {line, choices: []};
	const replace = (text: string): EditorLine => {
		const inserted = graphemes(text);
		return {value: [...chars.slice(0, start), ...inserted, ...chars.slice(cursor)].join(''), cursor: start + inserted.length};
	};
	if (candidates.length === 1) return {line: replace(`${candidates[0]!} `), choices: []};
	const common = commonPrefix(candidates);
	return {line: common.length > word.length ? replace(common) : line, choices: candidates};
}

function commonPrefix(words: readonly string[]): string {
	let prefix = words[0]!;
	for (const w of words) {
		while (!w.toLowerCase().startsWith(prefix.toLowerCase())) prefix = prefix.slice(0, -1);
	}
	return prefix;
}
