// Which message an action is about, who may do it, and the commands of issue 10.
import {describe, expect, it} from 'vitest';
import {fakeMember, fakeMessage, fakeSystemMessage} from '../../test/helpers/fake-port.js';
import type {ChatAction} from './actions.js';
import {parseCommand} from './commands.js';
import {actionTarget, checkReaction, composeLine, confirmDeleteLine, MAX_SEARCH_LENGTH, parseSearch} from './message-actions.js';
import {chatReducer} from './reducer.js';
import {awayRows, searchHitRows, snippetSegments} from './search-rows.js';
import {initialState, type ChatState} from './state.js';
import {displayWidth} from './text-layout.js';

const me = {userId: 'alice', name: 'Alice'};
const run = (...actions: ChatAction[]): ChatState => actions.reduce(chatReducer, initialState(me, {timeZone: 'UTC'}));
const room = 'room-1';
const messages = [
	fakeMessage('alice', room, 'my first', {id: 'a1', at: 1, seq: 1}),
	fakeMessage('bob', room, 'bob says', {id: 'b1', at: 2, seq: 2}),
	fakeSystemMessage('bob', room, 'Bob added Carol', {action: 'invite', userIds: ['carol']}, {id: 's1', at: 3, seq: 3}),
];
const opened = (role: 'admin' | 'member'): ChatState =>
	run(
		{type: 'conversations-loaded', conversations: [{conversationId: room, kind: 'group', title: 'Ops', topic: '', memberCount: 2, role, isMuted: false, unread: 0, lastActivityAt: 0}]},
		{type: 'conversation-opened', conversationId: room},
		{type: 'history-loaded', conversationId: room, messages, mode: 'latest', hasMore: false},
	);
const select = (state: ChatState, messageId: string): ChatState => chatReducer(state, {type: 'message-selected', messageId});

describe('actionTarget', () => {
	it('acts on the selection, else the newest (reply, react) or my newest (edit, delete), never on a room event', () => {
		const s = opened('member');
		expect(actionTarget(s, 'reply')).toMatchObject({ok: true, target: {messageId: 'b1'}});
		expect(actionTarget(s, 'react')).toMatchObject({ok: true, target: {messageId: 'b1'}});
		expect(actionTarget(s, 'edit')).toMatchObject({ok: true, target: {messageId: 'a1'}});
		expect(actionTarget(s, 'delete')).toMatchObject({ok: true, target: {messageId: 'a1'}});
		expect(actionTarget(select(s, 's1'), 'reply')).toEqual({ok: false, error: 'a room event cannot be replied to'});
	});

	it("refuses to edit someone else's message; a room admin may delete it, a member may not", () => {
		const member = select(opened('member'), 'b1');
		expect(actionTarget(member, 'edit')).toEqual({ok: false, error: 'you can only edit your own messages'});
		expect(actionTarget(member, 'delete')).toMatchObject({ok: false});
		expect(actionTarget(select(opened('admin'), 'b1'), 'delete')).toMatchObject({ok: true, target: {messageId: 'b1', senderId: 'bob'}});
		// The loaded members say who is admin now (made admin after the list was loaded).
		const promoted = chatReducer(select(opened('member'), 'b1'), {type: 'members-loaded', conversationId: room, members: [fakeMember('alice', {role: 'admin'}), fakeMember('bob')]});
		expect(actionTarget(promoted, 'delete')).toMatchObject({ok: true});
	});

	it('on an older page (a gap before the newest), the last message is one that arrived after the gap, else it asks for End or a selection', () => {
		const page = run(
			{type: 'conversations-loaded', conversations: [{conversationId: room, kind: 'group', title: 'Ops', topic: '', memberCount: 2, role: 'member', isMuted: false, unread: 0, lastActivityAt: 0}]},
			{type: 'conversation-opened', conversationId: room},
			{type: 'history-loaded', conversationId: room, messages, mode: 'before', hasMore: false, hasNewer: true},
		);
		expect(page.threads[room]?.gapAfterMessageId).toBe('s1');
		for (const kind of ['reply', 'react', 'edit', 'delete'] as const) {
			expect(actionTarget(page, kind)).toEqual({ok: false, error: expect.stringMatching(/^the newest messages are not loaded — press End to go to them, or select a message/)});
		}
		// A selection on the page still works.
		expect(actionTarget(select(page, 'b1'), 'reply')).toMatchObject({ok: true, target: {messageId: 'b1'}});
		// Bob's live message after the gap is the newest: reply and react take it; I have none there.
		const live = chatReducer(page, {type: 'messages-received', messages: [fakeMessage('bob', room, 'just now', {id: 'b9', at: 9, seq: 9})]});
		expect(actionTarget(live, 'reply')).toMatchObject({ok: true, target: {messageId: 'b9'}});
		expect(actionTarget(live, 'edit')).toMatchObject({ok: false, error: expect.stringMatching(/^the newest messages are not loaded/)});
	});

	it('refuses a deleted message, and says so when nothing is open', () => {
		const s = chatReducer(select(opened('admin'), 'b1'), {type: 'messages-changed', changes: [{kind: 'delete', conversationId: room, messageId: 'b1', senderId: 'bob', deletedBy: 'alice', deletedAt: 9}]});
		expect(actionTarget(s, 'react')).toEqual({ok: false, error: 'that message was deleted'});
		expect(actionTarget(initialState(me), 'reply')).toMatchObject({ok: false, error: expect.stringContaining('no conversation open')});
	});
});

describe('commands of issue 10', () => {
	const s = opened('member');
	const ok = (line: string, state = s) => {
		const parsed = parseCommand(line, state);
		if (!parsed.ok) throw new Error(parsed.error);
		return parsed.command;
	};
	const error = (line: string, state = s): string => {
		const parsed = parseCommand(line, state);
		if (parsed.ok) throw new Error(`parsed ${JSON.stringify(parsed.command)}`);
		return parsed.error;
	};
	it('/reply, /edit, /delete, /react act on the selection or the last (my last) message', () => {
		expect(ok('/reply sure thing')).toMatchObject({kind: 'say', conversationId: room, text: 'sure thing', replyTo: {messageId: 'b1'}});
		expect(ok('/edit my first, fixed')).toMatchObject({kind: 'edit', target: {messageId: 'a1'}, text: 'my first, fixed'});
		expect(ok('/delete')).toMatchObject({kind: 'delete', target: {messageId: 'a1'}});
		expect(ok('/react 🎉')).toMatchObject({kind: 'react', target: {messageId: 'b1'}, emoji: '🎉'});
		expect(ok('/react 👍', select(s, 'a1'))).toMatchObject({kind: 'react', target: {messageId: 'a1'}});
	});
	it('gives one-line errors', () => {
		expect(error('/reply')).toMatch(/^usage: \/reply <text>/);
		expect(error('/edit my first')).toBe('nothing changed — edit the text, or Esc to cancel');
		expect(error('/edit new', select(s, 'b1'))).toBe('you can only edit your own messages');
		expect(error('/react')).toMatch(/^usage: \/react <emoji>/);
		expect(error('/react two words')).toBe('a reaction is one emoji — e.g. /react 👍');
		expect(error('/react \u001b[2J')).toBe('a reaction is one emoji — e.g. /react 👍');
		expect(error('/search')).toMatch(/^search for what\?/);
	});
	it('plain text while replying or editing is the reply or the new version', () => {
		const replying = chatReducer(s, {type: 'compose-started', compose: {kind: 'reply', target: {conversationId: room, messageId: 'b1', senderId: 'bob', senderName: 'Bob', content: 'bob says'}}});
		expect(ok('yes', replying)).toMatchObject({kind: 'say', text: 'yes', replyTo: {messageId: 'b1'}});
		expect(composeLine(replying, 40)).toBe('replying to Bob: bob says (Esc cancels)');
		const editing = chatReducer(s, {type: 'compose-started', compose: {kind: 'edit', target: {conversationId: room, messageId: 'a1', senderId: 'alice', senderName: 'Alice', content: 'my first'}}});
		expect(ok('my first!', editing)).toMatchObject({kind: 'edit', target: {messageId: 'a1'}, text: 'my first!'});
		expect(chatReducer(editing, {type: 'compose-ended'}).compose).toBeUndefined();
	});
});

describe('confirmDeleteLine', () => {
	const s = opened('admin');
	const mine = {conversationId: room, messageId: 'a1', senderId: 'alice', senderName: 'Alice', content: 'meet at\nthe \u001b[31mharbour at noon'};
	it('names the message by its text, as much as fits, on one sanitized line, then the keys', () => {
		expect(confirmDeleteLine(s, mine, 200)).toBe('delete “meet at the ␛[31mharbour at noon” for everybody? y deletes, n keeps it');
		const narrow = confirmDeleteLine(s, mine, 70);
		expect(narrow).toMatch(/^delete “meet at the ␛\[31mha.*…” for everybody\? y deletes, n keeps it$/);
		expect(displayWidth(narrow)).toBeLessThanOrEqual(70);
		expect(confirmDeleteLine(s, {...mine, senderId: 'bob', senderName: 'Bob\u0007'}, 200)).toMatch(/^delete Bob.?'s “meet at the .*” for everybody\? y deletes, n keeps it$/);
	});
	it('says whose message and keeps the keys first when there is no room for the text', () => {
		expect(confirmDeleteLine(s, mine, 54)).toBe('delete your message for everybody? y deletes, n keeps…');
		expect(displayWidth(confirmDeleteLine(s, mine, 54))).toBeLessThanOrEqual(54);
		expect(confirmDeleteLine(s, mine, 56)).toMatch(/^delete “meet at t…” for everybody/);
	});
});

describe('parseSearch', () => {
	const s = opened('member');
	it('reads --in (id, room title, user id, everyone), --from, --before/--after (zone of the screen) and the words', () => {
		const parsed = parseSearch('--in Ops --from bob --after 2026-11-01 --before 2026-11-22 10:00 "deploy plan" -staging', s);
		expect(parsed).toEqual({
			ok: true,
			query: {text: '"deploy plan" -staging', conversationId: room, fromUserId: 'bob', after: Date.UTC(2026, 10, 1), before: Date.UTC(2026, 10, 22, 10)},
		});
		expect(parseSearch('--in room-1 x', s)).toMatchObject({ok: true, query: {conversationId: room}});
		// The broadcast by its id or by the name the list shows for it.
		expect(parseSearch('--in all x', s)).toMatchObject({ok: true, query: {conversationId: 'all'}});
		expect(parseSearch('--in Everyone x', s)).toMatchObject({ok: true, query: {conversationId: 'all'}});
	});
	it('refuses bad options, unknown conversations, bad dates and over-long text in one line', () => {
		expect(parseSearch('--from', s)).toMatchObject({ok: false, error: expect.stringMatching(/^--from needs a value/)});
		expect(parseSearch('--in nowhere x', s)).toMatchObject({ok: false, error: expect.stringContaining('no conversation "nowhere"')});
		expect(parseSearch('--before 2026-13-40 x', s)).toMatchObject({ok: false, error: expect.stringContaining('is not a date')});
		expect(parseSearch('--colour red x', s)).toMatchObject({ok: false, error: expect.stringContaining('unknown option --colour')});
		expect(parseSearch('x'.repeat(MAX_SEARCH_LENGTH), s)).toMatchObject({ok: true});
		expect(parseSearch('x'.repeat(MAX_SEARCH_LENGTH + 1), s)).toMatchObject({ok: false, error: `search text is longer than ${MAX_SEARCH_LENGTH} characters`});
	});
	it('checkReaction takes an emoji with modifiers, refuses over-long ones', () => {
		expect(checkReaction(' 👍🏽 ')).toEqual({ok: true, emoji: '👍🏽'});
		expect(checkReaction('👨‍👩‍👧‍👦')).toMatchObject({ok: true});
		expect(checkReaction('x'.repeat(33))).toMatchObject({ok: false});
	});
	it('refuses /react with a word or two emoji as the protocol would, so the line stays in the composer', () => {
		expect(checkReaction('lol')).toEqual({ok: false, error: 'a reaction is one emoji — e.g. /react 👍'});
		expect(checkReaction('👍👍')).toEqual({ok: false, error: 'a reaction is one emoji — e.g. /react 👍'});
		expect(parseCommand('/react lol', opened('member'))).toEqual({ok: false, error: 'a reaction is one emoji — e.g. /react 👍'});
	});
});

describe('search and away rows', () => {
	const hit = {conversationId: room, conversationTitle: '#Ops\u001b[2J', messageId: 'm', senderId: 'bob', senderName: 'Bob', seq: 1, createdAt: Date.UTC(2026, 10, 22, 10, 4), snippet: 'we ship\nthe deploy today, deploy!', matches: [[12, 18], [26, 32]] as Array<[number, number]>};
	it('splits the snippet at the matches, sanitized, line breaks as spaces', () => {
		expect(snippetSegments(hit, 80)).toEqual([
			{text: 'we ship the ', isMatch: false},
			{text: 'deploy', isMatch: true},
			{text: ' today, ', isMatch: false},
			{text: 'deploy', isMatch: true},
			{text: '!', isMatch: false},
		]);
	});
	it('cuts to the width (wide characters measured) and survives bad ranges', () => {
		for (const width of [5, 12, 20]) {
			const segments = snippetSegments({snippet: '検索の結果はここです deploy', matches: [[11, 17]]}, width);
			expect(displayWidth(segments.map((x) => x.text).join(''))).toBeLessThanOrEqual(width);
		}
		expect(snippetSegments({snippet: 'abc', matches: [[2, 99], [1, 2]]}, 10).map((x) => x.text).join('')).toBe('abc');
		const [row] = searchHitRows([hit], 40, Date.UTC(2026, 10, 22, 12), 'UTC');
		expect(row!.head).not.toContain('\u001b');
		expect(row!.head).toContain('Bob · 10:04');
	});
	it('away rows name the conversation, counts, the first unread line and who wrote', () => {
		const [row] = awayRows(
			[{conversationId: room, title: 'Ops', kind: 'group', unread: 1000, mentions: 2, senders: ['Dave', 'Erin', 'Finn', 'Gus'], firstUnread: {seq: 1, messageId: 'x', senderId: 'dave', senderName: 'Dave', content: 'line one\nline two', createdAt: Date.UTC(2026, 10, 22, 9, 30)}}],
			60,
			'UTC',
		);
		expect(row).toMatchObject({head: '#Ops — 1000+ unread · 2 mentions', first: '09:30 Dave: line one line two', senders: 'from Dave, Erin, Finn +1', hasMentions: true});
	});
	it('away rows word a room event as the thread does and show a deleted first message as its placeholder', () => {
		const first = {seq: 1, messageId: 'x', senderId: 'dave', senderName: 'Dave', createdAt: Date.UTC(2026, 10, 22, 9, 30)};
		const rows = awayRows(
			[
				{conversationId: room, title: 'Ops', kind: 'group', unread: 3, mentions: 0, senders: ['Dave'], firstUnread: {...first, content: 'Dave created "Ops" with Alice', messageType: 'system'}},
				{conversationId: 'alice:dave', title: 'Dave', kind: 'direct', unread: 1, mentions: 0, senders: ['Dave'], firstUnread: {...first, content: '', messageType: 'text', isDeleted: true}},
			],
			60,
			'UTC',
		);
		expect(rows.map((r) => r.first)).toEqual(['09:30 Dave created "Ops" with Alice', '09:30 Dave: message deleted']);
	});
});
