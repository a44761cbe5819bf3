import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {fakeMessage} from '../../test/helpers/fake-port.js';
import {MAX_CONTENT_LENGTH} from '../protocol/index.js';
import {parseCommand, splitMessage} from './commands.js';
import {chatReducer} from './reducer.js';
import {initialState} from './state.js';

const me = {userId: 'alice', name: 'Alice'};
const none = initialState(me, {timeZone: 'UTC'});
const open = chatReducer(chatReducer(none, {type: 'conversation-opened', conversationId: 'alice:bob'}), {
	type: 'message-sent',
	message: fakeMessage('alice', 'bob', 'mine', {id: 'm1'}),
});
const ok = (line: string, state = open) => {
	const parsed = parseCommand(line, state);
	if (!parsed.ok) throw new Error(parsed.error);
	return parsed.command;
};
const error = (line: string, state = open): string => {
	const parsed = parseCommand(line, state);
	if (parsed.ok) throw new Error(`parsed: ${JSON.stringify(parsed.command)}`);
	return parsed.error;
};

describe('parseCommand', () => {
	it('sends plain text to the open conversation (// escapes a slash)', () => {
		expect(ok('hello there')).toEqual({kind: 'say', conversationId: 'alice:bob', text: 'hello there'});
		expect(ok('//shrug')).toEqual({kind: 'say', conversationId: 'alice:bob', text: '/shrug'});
		expect(error('hello', none)).toMatch(/no conversation open/);
	});

	it('parses the source system commands', () => {
		expect(ok('/send bob  hi  you')).toEqual({kind: 'send', to: 'bob', text: 'hi  you'});
		expect(ok('/broadcast all hands')).toEqual({kind: 'broadcast', text: 'all hands'});
		expect(ok('/history')).toEqual({kind: 'history', limit: 50});
		expect(ok('/history 200')).toEqual({kind: 'history', limit: 200});
		expect(ok('/status')).toEqual({kind: 'status'});
		expect(ok('/typing bob')).toEqual({kind: 'typing', to: 'bob'});
		expect(ok('/help')).toEqual({kind: 'help'});
		expect(ok('/quit')).toEqual({kind: 'quit'});
	});

	it('parses /history --before with a date on the wall clock of the time zone shown', () => {
		const cmd = ok('/history --before 2026-11-01');
		expect(cmd).toEqual({kind: 'history-before', before: new Date(Date.UTC(2026, 10, 1))});
		expect(ok('/history --before 2026-11-01T09:30')).toEqual({kind: 'history-before', before: new Date(Date.UTC(2026, 10, 1, 9, 30))});
		expect(error('/history --before yesterday')).toMatch(/not a date/);
		expect(error('/history --before 2026-02-30')).toMatch(/not a date/);
		const chatham = {...open, timeZone: 'Pacific/Chatham'};
		// 1 Nov 2026 00:00 in Chatham (+13:45, daylight saving) is 31 Oct 10:15 UTC.
		expect(ok('/history --before 2026-11-01', chatham)).toEqual({kind: 'history-before', before: new Date(Date.UTC(2026, 9, 31, 10, 15))});
		expect(ok('/history --before 2026-07-01T12:00', {...open, timeZone: 'Etc/GMT+12'})).toEqual({kind: 'history-before', before: new Date(Date.UTC(2026, 6, 2, 0, 0))});
		// An explicit offset wins over the zone.
		expect(ok('/history --before 2026-11-01T00:00:00Z', chatham)).toEqual({kind: 'history-before', before: new Date(Date.UTC(2026, 10, 1))});
	});

	it('parses /open, presence, /info and /notify', () => {
		expect(ok('/open carol', none)).toEqual({kind: 'open', to: 'carol'});
		expect(ok('/away out for lunch')).toEqual({kind: 'presence', state: 'away', message: 'out for lunch'});
		expect(ok('/busy')).toEqual({kind: 'presence', state: 'busy', message: ''});
		expect(ok('/online')).toEqual({kind: 'presence', state: 'online', message: ''});
		expect(ok('/info')).toEqual({kind: 'info', messageId: 'm1'});
		expect(ok('/notify off')).toEqual({kind: 'notify', mode: 'off', scope: 'conversation'});
		expect(ok('/notify on global')).toEqual({kind: 'notify', mode: 'both', scope: 'global'});
		expect(ok('/notify desktop', none)).toEqual({kind: 'notify', mode: 'desktop', scope: 'global'});
		expect(ok('/notify bell')).toEqual({kind: 'notify', mode: 'bell', scope: 'conversation'});
	});

	it('/open takes a room by its title (spaces allowed, any case), everyone, or a conversation id; a direct chat wins over a room of that name', () => {
		const row = (conversationId: string, kind: 'direct' | 'group' | 'broadcast', title: string, peerId?: string) =>
			({conversationId, kind, title, topic: '', memberCount: 2, role: 'member' as const, isMuted: false, unread: 0, lastActivityAt: 0, ...(peerId ? {peerId} : {})});
		const listed = chatReducer(none, {type: 'conversations-loaded', conversations: [
			row('room-1', 'group', 'Team X'), row('room-2', 'group', 'bob'), row('alice:bob', 'direct', '', 'bob'), row('all', 'broadcast', ''),
		]});
		expect(ok('/open Team X', listed)).toEqual({kind: 'open-conversation', conversationId: 'room-1'});
		expect(ok('/open team x', listed)).toEqual({kind: 'open-conversation', conversationId: 'room-1'});
		expect(ok('/open room-1', listed)).toEqual({kind: 'open-conversation', conversationId: 'room-1'});
		expect(ok('/open everyone', listed)).toEqual({kind: 'open-conversation', conversationId: 'all'});
		expect(ok('/open bob', listed)).toEqual({kind: 'open', to: 'bob'});
		expect(ok('/open carol', listed)).toEqual({kind: 'open', to: 'carol'});
		expect(error('/open Team Y', listed)).toBe('no room named "Team Y" — /open <user|room>, or Ctrl+K to search');
		expect(error('/open bad/id', listed)).toMatch(/is not a user id .*, and no room has that name$/);
	});

	it('gives one-line errors for bad input', () => {
		expect(error('/frobnicate')).toBe('unknown command /frobnicate — type /help for the list');
		expect(error('/send bob')).toBe('usage: /send <user> <text>');
		expect(error('/send bad/id hi')).toMatch(/is not a user id/);
		expect(error('/open')).toBe('usage: /open <user|room>');
		expect(error('/history -3')).toMatch(/count from 1/);
		expect(error('/history 5', none)).toMatch(/no conversation open/);
		expect(error('/notify loud')).toMatch(/usage: \/notify/);
		expect(error('/info', none)).toMatch(/no message of mine/);
		expect(error(`/send bob ${'x'.repeat(4001)}`)).toMatch(/^Enter again sends 2 messages.*\(4001 > 4000 characters\)/);
		for (const e of [error('/frobnicate'), error('/send bob')]) expect(e).not.toContain('\n');
	});
});

describe('messages over the limit', () => {
	it('are refused with an offer: the parts, split between words, each within the limit', () => {
		const words = Array.from({length: 2_000}, (_, i) => `w${i}`).join(' ');
		const parsed = parseCommand(words, open);
		expect(parsed.ok).toBe(false);
		if (parsed.ok) return;
		expect(parsed.error).toBe('Enter again sends 3 messages, split between words (10889 > 4000 characters), or edit it');
		const texts = (parsed.parts ?? []).map((c) => (c.kind === 'say' ? c.text : ''));
		expect(texts).toHaveLength(3);
		for (const t of texts) expect(t.length).toBeLessThanOrEqual(MAX_CONTENT_LENGTH);
		expect(texts.join(' ')).toBe(words);
	});

	it('splitMessage loses no word at any limit, cuts an over-long word between code points', () => {
		fc.assert(
			fc.property(fc.array(fc.array(fc.constantFrom('a', 'b', '🙂'), {minLength: 1, maxLength: 12}).map((cs) => cs.join('')), {minLength: 1, maxLength: 40}), fc.integer({min: 4, max: 60}), (words, limit) => {
				const text = words.join(' ');
				const parts = splitMessage(text, limit);
				for (const p of parts) expect(p.length).toBeLessThanOrEqual(limit);
				expect(parts.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
				for (const p of parts) expect(p).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
			}),
		);
	});
});
