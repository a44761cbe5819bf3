// Composer commands: a typed line → a typed Command or a one-line error.
// Pure: imports protocol/ and core/ only.
import {BROADCAST_ID, isValidUserId, MAX_CONTENT_LENGTH, MAX_STATUS_MESSAGE_LENGTH} from '../protocol/index.js';
import {kindOf} from './conversation-info.js';
import {parseDate} from './dates.js';
import {parseRoomCommand, ROOM_COMMAND_HELP, ROOM_COMMANDS, type RoomCommand} from './room-commands.js';
import {actionTarget, checkReaction, conversationNamed, parseSearch} from './message-actions.js';
import {infoTarget} from './selectors.js';
import type {ChatState, MessageTarget, NotifyMode} from './state.js';

/** A parsed composer line. */
export type Command =
	/** Plain text for the open conversation; `replyTo`: a reply (`r`, `/reply`), quoting that message. */
	| {kind: 'say'; conversationId: string; text: string; replyTo?: MessageTarget}
	/** A new text for my message (`e`, `/edit`). */
	| {kind: 'edit'; target: MessageTarget; text: string}
	/** `/delete`: ask for confirmation, then delete the message. */
	| {kind: 'delete'; target: MessageTarget}
	/** `/react <emoji>`: toggle my reaction. */
	| {kind: 'react'; target: MessageTarget; emoji: string}
	/** `/search [--in c] [--from u] [--before d] [--after d] words` (the line after `/search`). */
	| {kind: 'search'; text: string}
	/** `/send <user> <text>`: a direct message to a user. */
	| {kind: 'send'; to: string; text: string}
	| {kind: 'broadcast'; text: string}
	/** `/history [n]`: how many messages to load (a count, not a page number). */
	| {kind: 'history'; limit: number}
	/** `/history --before <date>`: the page stored before that instant. */
	| {kind: 'history-before'; before: Date}
	| {kind: 'status'}
	| {kind: 'typing'; to: string}
	| {kind: 'open'; to: string}
	/** A room title or conversation id the loaded part of a partial list does not have: asked of PostgreSQL. */
	| {kind: 'open-named'; name: string}
	/** `/open <room title | everyone | conversation id>`: a conversation already in the list. */
	| {kind: 'open-conversation'; conversationId: string}
	| {kind: 'presence'; state: 'online' | 'away' | 'busy'; message: string}
	| {kind: 'info'; messageId: string}
	| {kind: 'notify'; mode: NotifyMode; scope: 'conversation' | 'global'}
	| {kind: 'help'}
	/** `/editor [text]`: write a message in $VISUAL/$EDITOR, starting from `text`. */
	| {kind: 'editor'; text: string}
	| {kind: 'quit'}
	| RoomCommand;

/**
 * Result of {@link parseCommand}. A refusal may carry `parts`: the same text split at word
 * boundaries into messages within the limit, for the composer to offer instead.
 */
export type ParsedCommand = {ok: true; command: Command} | {ok: false; error: string; parts?: readonly Command[]};

/** Every command with its usage, for `/help` and the help overlay. */
export const COMMAND_HELP: readonly (readonly [string, string])[] = [
	['/send <user> <text>', 'message a user'],
	['/broadcast <text>', 'message everyone'],
	['/history [n]', 'last n messages (50)'],
	['/history --before <date>', 'jump to a date'],
	['/status', 'my messages, states'],
	['/typing <user>', 'say I am typing'],
	['/open <user|room>', 'open a conversation'],
	['/away [message]  /busy', 'presence: away, busy (+message)'],
	['/online', 'presence: online'],
	['/info', 'message info, per member'],
	['/reply <text>  /edit <text>', 'on the selected (or last) message'],
	['/delete  /react <emoji>', 'delete (y/n); toggle a reaction'],
	['/search [--in c] [--from u] words', 'also --before/--after <date>; Ctrl+F'],
	...ROOM_COMMAND_HELP,
	['/notify on|off|bell|desktop [global]', 'alerts here (or all)'],
	['/editor [text]', 'write in $EDITOR'],
	['/help', 'keys and commands'],
	['/quit', 'leave'],
];

const DEFAULT_HISTORY = 50;
const MAX_HISTORY = 1_000;
const HELP_HINT = 'type /help for the list';

/**
 * Parse one composer line. Plain text goes to the open conversation; `//text` sends
 * `/text` literally. Errors are one line and say what to do.
 */
export function parseCommand(line: string, state: ChatState): ParsedCommand {
	const text = line.trim();
	if (text === '') return {ok: false, error: 'nothing to send'};
	if (!text.startsWith('/') || text.startsWith('//')) {
		const body = text.startsWith('//') ? text.slice(1) : line.trimEnd();
		if (!state.openConversationId) return {ok: false, error: 'no conversation open — pick one in the list or use /open <user>'};
		const conversationId = state.openConversationId;
		// A room whose loaded members no longer include me (I left or was removed): refused here, so
		// the text stays in the composer (the server would refuse it anyway).
		const members = state.members[conversationId];
		if (kindOf(conversationId) === 'group' && members !== undefined && !members.some((m) => m.userId === state.me.userId)) {
			return {ok: false, error: 'not sent: you are not a member of this room any more — ask an admin to /invite you'};
		}
		// Replying or editing (r, e): the text is the reply or the new version.
		const compose = state.compose?.target.conversationId === conversationId ? state.compose : undefined;
		if (compose?.kind === 'edit') return editTo(compose.target, body);
		return withText(body, (t) => ({kind: 'say', conversationId, text: t, ...(compose ? {replyTo: compose.target} : {})}));
	}
	const [name = '', ...rest] = text.slice(1).split(/\s+/);
	const args = rest;
	const tail = text.slice(1 + name.length).trim();
	if (ROOM_COMMANDS.has(name.toLowerCase())) return parseRoomCommand(name.toLowerCase(), tail, state);
	switch (name.toLowerCase()) {
		case 'send': {
			const [to, ...words] = args;
			if (!to || words.length === 0) return usage('/send <user> <text>');
			const userError = checkUser(to, true);
			if (userError) return {ok: false, error: userError};
			return withText(tail.slice(to.length).trim(), (t) => ({kind: 'send', to, text: t}));
		}
		case 'broadcast':
			if (!tail) return usage('/broadcast <text>');
			return withText(tail, (t) => ({kind: 'broadcast', text: t}));
		case 'history':
			return parseHistory(args, state);
		case 'status':
			return {ok: true, command: {kind: 'status'}};
		case 'open': {
			// A room by its title (spaces allowed), `everyone`, or a conversation id; a user's
			// direct chat keeps precedence over a room of the same name.
			const conversationId = tail ? conversationNamed(state, tail) : undefined;
			const conversation = conversationId ? state.conversations[conversationId] : undefined;
			const isDirectWith = Object.values(state.conversations).some((c) => c.kind === 'direct' && c.peerId?.toLowerCase() === tail.toLowerCase());
			if (conversationId && conversation && conversation.kind !== 'direct' && !isDirectWith) return {ok: true, command: {kind: 'open-conversation', conversationId}};
			if (!tail) return usage('/open <user|room>');
			// Not loaded yet (the list is a first page or a few): PostgreSQL knows.
			if (args.length !== 1) return state.hasMoreConversations ? {ok: true, command: {kind: 'open-named', name: tail}} : {ok: false, error: `no room named "${tail}" — /open <user|room>, or Ctrl+K to search`};
			const userError = checkUser(tail, true);
			if (userError) return state.hasMoreConversations ? {ok: true, command: {kind: 'open-named', name: tail}} : {ok: false, error: `${userError}, and no room has that name`};
			return {ok: true, command: {kind: 'open', to: tail}};
		}
		case 'typing': {
			const [to] = args;
			if (!to || args.length !== 1) return usage('/typing <user>');
			const userError = checkUser(to, false);
			if (userError) return {ok: false, error: userError};
			return {ok: true, command: {kind: 'typing', to}};
		}
		case 'away':
		case 'busy':
		case 'online': {
			const message = name.toLowerCase() === 'online' ? '' : tail;
			if (message.length > MAX_STATUS_MESSAGE_LENGTH) return {ok: false, error: `status message is longer than ${MAX_STATUS_MESSAGE_LENGTH} characters`};
			return {ok: true, command: {kind: 'presence', state: name.toLowerCase() as 'online' | 'away' | 'busy', message}};
		}
		case 'info': {
			const target = infoTarget(state);
			if (!target) return {ok: false, error: 'no message of mine selected — open a conversation and select one with ↑/↓ in the thread'};
			return {ok: true, command: {kind: 'info', messageId: target.messageId}};
		}
		case 'notify':
			return parseNotify(args, state);
		case 'reply': {
			if (!tail) return usage('/reply <text> (to the selected message, else the last one)');
			const found = actionTarget(state, 'reply');
			if (!found.ok) return found;
			return withText(tail, (t) => ({kind: 'say', conversationId: found.target.conversationId, text: t, replyTo: found.target}));
		}
		case 'edit': {
			if (!tail) return usage('/edit <text> (my selected message, else my last one; e loads it to edit)');
			const found = actionTarget(state, 'edit');
			return found.ok ? editTo(found.target, tail) : found;
		}
		case 'delete': {
			if (tail) return usage('/delete (the selected message, else my last one)');
			const found = actionTarget(state, 'delete');
			return found.ok ? {ok: true, command: {kind: 'delete', target: found.target}} : found;
		}
		case 'react': {
			const checked = checkReaction(tail);
			if (!checked.ok) return checked;
			const found = actionTarget(state, 'react');
			return found.ok ? {ok: true, command: {kind: 'react', target: found.target, emoji: checked.emoji}} : found;
		}
		case 'search': {
			const parsed = parseSearch(tail, state);
			return parsed.ok ? {ok: true, command: {kind: 'search', text: tail}} : parsed;
		}
		case 'help':
			return {ok: true, command: {kind: 'help'}};
		case 'editor':
			return {ok: true, command: {kind: 'editor', text: tail}};
		case 'quit':
		case 'exit':
			return {ok: true, command: {kind: 'quit'}};
		default:
			return {ok: false, error: `unknown command /${name} — ${HELP_HINT}`};
	}
}

function parseHistory(args: readonly string[], state: ChatState): ParsedCommand {
	if (!state.openConversationId) return {ok: false, error: 'no conversation open — open one first with /open <user>'};
	if (args[0] === '--before') {
		const raw = args.slice(1).join(' ');
		const before = parseDate(raw, state.timeZone);
		if (!before) return {ok: false, error: `"${raw}" is not a date — use /history --before YYYY-MM-DD[THH:MM]`};
		return {ok: true, command: {kind: 'history-before', before}};
	}
	if (args.length === 0) return {ok: true, command: {kind: 'history', limit: DEFAULT_HISTORY}};
	const n = Number(args[0]);
	if (args.length !== 1 || !Number.isInteger(n) || n < 1 || n > MAX_HISTORY) {
		return {ok: false, error: `/history takes a count from 1 to ${MAX_HISTORY}, or --before <date>`};
	}
	return {ok: true, command: {kind: 'history', limit: n}};
}

function parseNotify(args: readonly string[], state: ChatState): ParsedCommand {
	const [mode, scope] = args;
	const modes: Record<string, NotifyMode> = {on: 'both', off: 'off', bell: 'bell', desktop: 'desktop', both: 'both'};
	const parsed = mode ? modes[mode.toLowerCase()] : undefined;
	if (!parsed || (scope !== undefined && scope !== 'global') || args.length > 2) return usage('/notify on|off|bell|desktop [global]');
	const isGlobal = scope === 'global' || !state.openConversationId;
	return {ok: true, command: {kind: 'notify', mode: parsed, scope: isGlobal ? 'global' : 'conversation'}};
}

function editTo(target: MessageTarget, text: string): ParsedCommand {
	if (text.trim() === target.content.trim()) return {ok: false, error: 'nothing changed — edit the text, or Esc to cancel'};
	if (text.length > MAX_CONTENT_LENGTH) return {ok: false, error: `the new text is longer than ${MAX_CONTENT_LENGTH} characters`};
	return withText(text, (t) => ({kind: 'edit', target, text: t}));
}

function checkUser(id: string, isBroadcastAllowed: boolean): string | undefined {
	if (isBroadcastAllowed && id === BROADCAST_ID) return undefined;
	return isValidUserId(id) ? undefined : `"${id}" is not a user id (1-64 of A-Z a-z 0-9 _ . -)`;
}

function withText(text: string, make: (text: string) => Command): ParsedCommand {
	if (text.trim() === '') return {ok: false, error: 'nothing to send'};
	if (text.length > MAX_CONTENT_LENGTH) {
		const parts = splitMessage(text, MAX_CONTENT_LENGTH).map(make);
		return {
			ok: false,
			// The offer comes first: the status bar truncates the end of a long notice.
			error: `Enter again sends ${parts.length} messages, split between words (${text.length} > ${MAX_CONTENT_LENGTH} characters), or edit it`,
			parts,
		};
	}
	return {ok: true, command: make(text)};
}

/**
 * Split `text` into pieces of at most `limit` UTF-16 code units (the unit of
 * MAX_CONTENT_LENGTH), cutting after the last space or newline that fits; a word longer
 * than `limit` is cut between code points. Joined with the whitespace they were split at,
 * the pieces give back the text: nothing is lost. Whitespace-only pieces are dropped.
 */
export function splitMessage(text: string, limit: number): string[] {
	const parts: string[] = [];
	let rest = text;
	while (rest.length > limit) {
		let cut = Math.max(rest.lastIndexOf(' ', limit), rest.lastIndexOf('\n', limit));
		let skip = 1;
		if (cut <= 0) {
			cut = limit;
			// Never split a surrogate pair.
			if (/[\ud800-\udbff]/.test(rest[cut - 1]!)) cut--;
			skip = 0;
		}
		parts.push(rest.slice(0, cut));
		rest = rest.slice(cut + skip);
	}
	parts.push(rest);
	return parts.filter((p) => p.trim() !== '');
}

function usage(form: string): ParsedCommand {
	return {ok: false, error: `usage: ${form}`};
}
