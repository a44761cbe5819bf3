// Room commands of the composer (/room create, /invite, /kick, /leave, /rename, /topic, /members,
// /mute, /unmute, /op): a typed line → a RoomCommand or a one-line error. Pure: imports protocol/ and core/.
import {isValidUserId, MAX_ACTION_USERS, MAX_TITLE_LENGTH, MAX_TOPIC_LENGTH} from '../protocol/index.js';
import {kindOf} from './conversation-info.js';
import type {ChatState} from './state.js';
import type {RoomChange} from './types.js';

/** A parsed room command. */
export type RoomCommand =
	/** `/room create <name> [members…]`: `title` 1–100 characters, `userIds` valid user ids (me left out). */
	| {kind: 'room-create'; title: string; userIds: string[]}
	/** A change of the open room (`conversationId`); the server checks the rights. */
	| {kind: 'room-change'; conversationId: string; change: RoomChange}
	/** `/members`: the members overlay of the open conversation. */
	| {kind: 'members'; conversationId: string};

/** Result of {@link parseRoomCommand}. */
export type ParsedRoomCommand = {ok: true; command: RoomCommand} | {ok: false; error: string};

/** Usage and meaning of each room command, for `/help` and the help overlay. */
export const ROOM_COMMAND_HELP: readonly (readonly [string, string])[] = [
	['/room create <name> [user…]', 'new room ("quoted name")'],
	['/invite <user…>  /kick <user>', 'add / remove people (admin)'],
	['/leave  /members', 'leave; who is here (also m)'],
	['/rename <title>  /topic [text]', 'title; topic, \'\' clears (admin)'],
	['/op <user>  /mute  /unmute', 'make admin (admin); alerts off/on'],
];

/** Command names (without `/`) handled here. */
export const ROOM_COMMANDS: ReadonlySet<string> = new Set(['room', 'invite', 'kick', 'leave', 'rename', 'topic', 'members', 'mute', 'unmute', 'op']);

/**
 * Parse a room command: `name` is the command word (lower case, no `/`), `tail` the rest of the
 * line. Commands that change a room need a room open; in a direct chat or the broadcast they
 * say so in one line.
 */
export function parseRoomCommand(name: string, tail: string, state: ChatState): ParsedRoomCommand {
	if (name === 'room') return parseCreate(tail, state);
	const open = state.openConversationId;
	if (name === 'members') {
		if (!open) return {ok: false, error: 'no conversation open — open a room or chat first'};
		if (kindOf(open) === 'broadcast') return {ok: false, error: 'everyone reads the broadcast — /members lists the members of a room or chat'};
		return {ok: true, command: {kind: 'members', conversationId: open}};
	}
	if (!open || kindOf(open) !== 'group') {
		const where = !open ? 'no conversation is open' : kindOf(open) === 'broadcast' ? 'this is the broadcast' : 'this is a direct chat';
		return {ok: false, error: `/${name} is for rooms — ${where}; open a room, or make one with /room create <name> [user…]`};
	}
	const change = parseChange(name, tail, state);
	return 'error' in change ? {ok: false, error: change.error} : {ok: true, command: {kind: 'room-change', conversationId: open, change}};
}

function parseChange(name: string, tail: string, state: ChatState): RoomChange | {error: string} {
	const words = tail.split(/\s+/).filter((w) => w !== '');
	switch (name) {
		case 'leave':
		case 'mute':
		case 'unmute':
			return words.length === 0 ? {action: name} : {error: `usage: /${name} (no arguments)`};
		case 'invite': {
			if (words.length === 0) return {error: 'usage: /invite <user…>'};
			const error = checkUsers(words, state);
			return error ? {error} : {action: 'invite', userIds: unique(words)};
		}
		case 'kick':
		case 'op': {
			if (words.length !== 1) return {error: `usage: /${name} <user>`};
			const error = checkUsers(words, state, name === 'kick');
			return error ? {error} : {action: name, userIds: words};
		}
		case 'rename': {
			const title = unquote(tail);
			if (title === '') return {error: 'usage: /rename <title>'};
			return title.length > MAX_TITLE_LENGTH ? {error: `a room title has at most ${MAX_TITLE_LENGTH} characters`} : {action: 'rename', title};
		}
		default: {
			// `/topic` alone clears the topic.
			const topic = tail.trim();
			return topic.length > MAX_TOPIC_LENGTH ? {error: `a topic has at most ${MAX_TOPIC_LENGTH} characters`} : {action: 'topic', topic};
		}
	}
}

/** `/room create <name> [members…]`; the name may be quoted (`"Team X"`), members are user ids. */
function parseCreate(tail: string, state: ChatState): ParsedRoomCommand {
	const usage = 'usage: /room create <name> [user…] — quote a name with spaces: /room create "Team X" bob';
	const match = /^create(?:\s+|$)(.*)$/is.exec(tail.trim());
	if (!match) return {ok: false, error: usage};
	const rest = match[1]!.trim();
	let title: string;
	let after: string;
	if (rest.startsWith('"')) {
		const end = rest.indexOf('"', 1);
		if (end < 0) return {ok: false, error: 'the room name has no closing " — /room create "Team X" bob'};
		title = rest.slice(1, end).trim();
		after = rest.slice(end + 1);
	} else {
		title = rest.split(/\s+/)[0] ?? '';
		after = rest.slice(title.length);
	}
	if (title === '') return {ok: false, error: usage};
	if (title.length > MAX_TITLE_LENGTH) return {ok: false, error: `a room title has at most ${MAX_TITLE_LENGTH} characters`};
	const users = unique(after.split(/\s+/).filter((w) => w !== '' && w !== state.me.userId));
	const error = checkUsers(users, state);
	return error ? {ok: false, error} : {ok: true, command: {kind: 'room-create', title, userIds: users}};
}

function checkUsers(ids: readonly string[], state: ChatState, isSelfRefused = false): string | undefined {
	if (ids.length > MAX_ACTION_USERS) return `at most ${MAX_ACTION_USERS} people at once`;
	for (const id of ids) {
		if (!isValidUserId(id)) return `"${id}" is not a user id (1-64 of A-Z a-z 0-9 _ . -)`;
		if (isSelfRefused && id === state.me.userId) return 'you cannot kick yourself — use /leave';
	}
	return undefined;
}

function unquote(text: string): string {
	const t = text.trim();
	return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
}

function unique(ids: readonly string[]): string[] {
	return [...new Set(ids)];
}
