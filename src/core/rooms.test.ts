// Rooms in the reducer and selectors as data in, data out: summaries, members, ticks, typing, mute.
import {describe, expect, it} from 'vitest';
import {fakeMember, fakeMessage, fakeSystemMessage} from '../../test/helpers/fake-port.js';
import type {ChatAction} from './actions.js';
import {parseCommand} from './commands.js';
import {planEffects} from './effects.js';
import {tickOf} from './receipts.js';
import {chatReducer} from './reducer.js';
import {conversationRows, threadTitle, totalUnread, typingLine} from './selectors.js';
import {initialState, type ChatState} from './state.js';
import type {ConversationSummary} from './types.js';

const me = {userId: 'alice', name: 'Alice'};
const ROOM = 'room-1';
const fold = (state: ChatState, ...actions: ChatAction[]): ChatState => actions.reduce(chatReducer, state);
const start = (): ChatState => initialState(me, {timeZone: 'UTC'});
const room = (over: Partial<ConversationSummary> = {}): ConversationSummary => ({
	conversationId: ROOM,
	kind: 'group',
	title: 'Team',
	topic: '',
	memberCount: 3,
	role: 'admin',
	isMuted: false,
	unread: 0,
	lastActivityAt: 1,
	...over,
});
const members = {type: 'members-loaded' as const, conversationId: ROOM, members: [fakeMember('alice', {role: 'admin'}), fakeMember('bob'), fakeMember('carol')]};
const receipt = (userId: string, status: 'delivered' | 'read', messageId = 'm1') => ({type: 'receipts-received' as const, receipts: [{messageId, senderId: 'alice', userId, status, at: 5}]});

describe('per-member ticks', () => {
	const sent = fold(start(), {type: 'conversations-loaded', conversations: [room()]}, members, {
		type: 'history-loaded',
		conversationId: ROOM,
		mode: 'latest',
		hasMore: false,
		messages: [fakeMessage('alice', ROOM, 'hi', {id: 'm1', seq: 7})],
	});
	const tick = (state: ChatState): string => tickOf(state, state.threads[ROOM]!.messages[0]!);

	it('is ✓ until every current member delivered, ✓✓ then, read when every one read', () => {
		expect(tick(sent)).toBe('received_by_server');
		const bobRead = fold(sent, receipt('bob', 'read'));
		expect(tick(bobRead)).toBe('received_by_server');
		const carolGot = fold(bobRead, receipt('carol', 'delivered'));
		expect(tick(carolGot)).toBe('delivered');
		expect(tick(fold(carolGot, receipt('carol', 'read')))).toBe('read');
	});

	it('counts a read marker past the message as read, and only current members', () => {
		const markers = fold(sent, {...members, members: [fakeMember('alice'), fakeMember('bob', {lastReadSeq: 7}), fakeMember('carol', {lastReadSeq: 9})]});
		expect(tick(markers)).toBe('read');
		// Carol left: Bob's receipt alone makes ✓✓.
		const left = fold(sent, receipt('bob', 'delivered'), {...members, members: [fakeMember('alice'), fakeMember('bob')]});
		expect(tick(left)).toBe('delivered');
	});

	it('keeps one receipt enough in a direct chat and the broadcast', () => {
		const direct = fold(start(), {type: 'message-sent', message: fakeMessage('alice', 'bob', 'yo', {id: 'd1'})}, receipt('bob', 'delivered', 'd1'));
		expect(tickOf(direct, direct.threads['alice:bob']!.messages[0]!)).toBe('delivered');
		const broadcast = fold(start(), {type: 'message-sent', message: fakeMessage('alice', 'all', 'all', {id: 'b1'})}, receipt('carol', 'read', 'b1'));
		expect(tickOf(broadcast, broadcast.threads.all!.messages[0]!)).toBe('read');
	});
});

describe('room summaries', () => {
	it('a system line renames the room and sets its topic; the members set count, role and mute', () => {
		const state = fold(
			start(),
			{type: 'messages-received', messages: [fakeSystemMessage('bob', ROOM, 'Bob created "Plans"', {action: 'create', userIds: ['alice'], title: 'Plans', topic: 'q4'}, {id: 's1', seq: 1})]},
			{type: 'messages-received', messages: [fakeSystemMessage('bob', ROOM, 'Bob renamed the room', {action: 'rename', userIds: [], title: 'Plans 2'}, {id: 's2', seq: 2, at: 1})]},
			{...members, members: [fakeMember('alice', {isMuted: true}), fakeMember('bob', {role: 'admin'})]},
		);
		expect(state.conversations[ROOM]).toMatchObject({kind: 'group', title: 'Plans 2', topic: 'q4', memberCount: 2, role: 'member', isMuted: true, unread: 2});
		expect(conversationRows(state)[0]).toMatchObject({name: 'Plans 2', preview: 'Bob renamed the room', isMuted: true});
		// Muted rooms do not count in the total.
		expect(totalUnread(state)).toBe(0);
	});

	it('drops a room the list no longer has (I left or was removed), unless it is open', () => {
		const listed = fold(start(), {type: 'conversations-loaded', conversations: [room(), room({conversationId: 'room-2', title: 'Other'})]});
		const reloaded = fold(listed, {type: 'conversations-loaded', conversations: [room()]});
		expect(Object.keys(reloaded.conversations)).toEqual([ROOM]);
		const open = fold(listed, {type: 'conversation-opened', conversationId: 'room-2'}, {type: 'conversations-loaded', conversations: [room()]});
		expect(Object.keys(open.conversations).sort()).toEqual([ROOM, 'room-2']);
	});

	it('refuses to send in a room whose members no longer include me, so the text stays in the composer', () => {
		const open = fold(start(), {type: 'conversations-loaded', conversations: [room()]}, members, {type: 'conversation-opened', conversationId: ROOM});
		expect(parseCommand('hello', open)).toMatchObject({ok: true, command: {kind: 'say', conversationId: ROOM}});
		const left = fold(open, {...members, members: [fakeMember('bob'), fakeMember('carol')]});
		expect(parseCommand('hello', left)).toEqual({ok: false, error: 'not sent: you are not a member of this room any more — ask an admin to /invite you'});
	});

	it('previews my tick after the server copy moved the message to its storage time', () => {
		const pending = {...fakeMessage('alice', ROOM, 'hi all', {id: 'm1', at: 3}), status: 'pending' as const};
		const stored = {...pending, status: 'received_by_server' as const, seq: 9, createdAt: 500};
		const state = fold(start(), {type: 'conversations-loaded', conversations: [room()]}, members, {type: 'conversation-opened', conversationId: ROOM}, {type: 'message-sent', message: pending}, {type: 'message-sent', message: stored}, receipt('bob', 'delivered'), receipt('carol', 'delivered'));
		expect(conversationRows(state)[0]).toMatchObject({preview: 'me: hi all', previewStatus: 'delivered'});
	});

	it('previews "name: text" with my tick, and names who is typing', () => {
		const state = fold(start(), {type: 'conversations-loaded', conversations: [room()]}, members, {type: 'message-sent', message: {...fakeMessage('alice', ROOM, 'hi all', {id: 'm1', at: 3}), status: 'received_by_server'}}, receipt('bob', 'delivered'), receipt('carol', 'delivered'));
		expect(conversationRows(state)[0]).toMatchObject({preview: 'me: hi all', previewStatus: 'delivered'});
		const typing = (userId: string) => ({type: 'typing-changed' as const, userId, name: userId.toUpperCase(), conversationId: ROOM, isTyping: true, at: 1});
		expect(typingLine(fold(state, typing('bob')), ROOM)).toBe('BOB is typing…');
		expect(typingLine(fold(state, typing('bob'), typing('carol')), ROOM)).toBe('BOB, CAROL typing…');
		expect(typingLine(fold(state, typing('bob'), typing('carol'), typing('dave')), ROOM)).toBe('3 people typing…');
		expect(threadTitle(fold(state, {type: 'conversation-opened', conversationId: ROOM}))).toBe('# Team · 3 members');
	});
});

describe('room effects', () => {
	it('opening a room loads its members; a muted room does not notify; a new system line reloads the list', () => {
		const listed = fold(start(), {type: 'conversations-loaded', conversations: [room({isMuted: true}), room({conversationId: 'room-2', title: 'Loud'})]});
		const open = {type: 'conversation-opened' as const, conversationId: ROOM};
		expect(planEffects(listed, open, chatReducer(listed, open))).toContainEqual({kind: 'load-members', conversationId: ROOM});
		const burst = {type: 'messages-received' as const, messages: [fakeMessage('bob', ROOM, 'psst', {id: 'p1'}), fakeMessage('bob', 'room-2', 'hey', {id: 'p2'})]};
		const notes = planEffects(listed, burst, chatReducer(listed, burst)).filter((e) => e.kind === 'notify');
		expect(notes).toEqual([{kind: 'notify', conversationId: 'room-2', mode: 'bell', title: 'Bob in #Loud', body: 'hey'}]);
		const system = {type: 'messages-received' as const, messages: [fakeSystemMessage('bob', 'room-2', 'Bob added Carol', {action: 'invite', userIds: ['carol']}, {id: 's9'})]};
		expect(planEffects(listed, system, chatReducer(listed, system))).toContainEqual({kind: 'load-conversations'});
	});
});

describe('message identity', () => {
	it('another sender reusing a message id cannot replace the text of a message in a room', () => {
		const original = fakeMessage('bob', ROOM, 'meet at 5', {id: 'x1', seq: 1});
		const forged = {...fakeMessage('mallory', ROOM, 'meet at 9', {id: 'x1', seq: 2})};
		const live = fold(start(), {type: 'messages-received', messages: [original]}, {type: 'messages-received', messages: [forged]});
		expect(live.threads[ROOM]!.messages.map((m) => [m.senderId, m.content])).toEqual([['bob', 'meet at 5']]);
		const page = fold(start(), {type: 'history-loaded', conversationId: ROOM, mode: 'latest', hasMore: false, messages: [original, forged]});
		expect(page.threads[ROOM]!.messages.map((m) => [m.senderId, m.content])).toEqual([['bob', 'meet at 5']]);
	});
});
