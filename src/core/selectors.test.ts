import {describe, expect, it} from 'vitest';
import {fakeMessage} from '../../test/helpers/fake-port.js';
import type {ChatAction} from './actions.js';
import {chatReducer} from './reducer.js';
import {conversationRows, switcherMatches, threadTitle, typingLine} from './selectors.js';
import {initialState, type ChatState} from './state.js';
import {displayWidth} from './text-layout.js';
import {visibleThreadRows} from './thread-rows.js';

const me = {userId: 'alice', name: 'Alice'};
const fold = (state: ChatState, ...actions: ChatAction[]): ChatState => actions.reduce(chatReducer, state);
const at = (minutes: number): number => Date.UTC(2026, 10, 22, 10, minutes);

describe('conversationRows', () => {
	const state = fold(
		initialState(me, {timeZone: 'UTC'}),
		{type: 'clock-ticked', now: at(30)},
		{
			type: 'conversations-loaded',
			conversations: [
				{conversationId: 'alice:bob', peerId: 'bob', title: 'Bob', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 0, lastActivityAt: at(1), lastMessage: {senderId: 'bob', senderName: 'bob', messageType: 'text' as const, content: 'old\nnews', createdAt: at(1)}},
				{conversationId: 'alice:carol', peerId: 'carol', title: 'Carol', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 3, lastActivityAt: at(9), lastMessage: {senderId: 'carol', senderName: 'carol', messageType: 'text' as const, content: 'latest', createdAt: at(9)}},
			],
		},
		{
			type: 'presence-changed',
			presences: [
				{userId: 'bob', name: 'Bob', state: 'away', statusMessage: 'lunch', at: at(2)},
				{userId: 'carol', name: 'Carol', state: 'offline', statusMessage: '', at: at(20)},
				{userId: 'dave', name: 'Dave', state: 'busy', statusMessage: '', at: at(3)},
				{userId: 'erin', name: 'Erin', state: 'offline', statusMessage: '', at: at(3)},
				{userId: 'alice', name: 'Alice', state: 'online', statusMessage: '', at: at(3)},
			],
		},
		{type: 'typing-changed', userId: 'bob', name: 'Bob', conversationId: 'alice:bob', isTyping: true, at: at(30)},
	);

	it('sorts by last activity and adds people online now (not offline strangers, not me)', () => {
		expect(conversationRows(state).map((r) => r.peerId)).toEqual(['carol', 'bob', 'dave']);
	});

	it('carries presence, unread, preview (one line), time, typing and last seen', () => {
		const [carol, bob, dave] = conversationRows(state);
		expect(carol).toMatchObject({presence: 'offline', unread: 3, preview: 'latest', time: '10:09', lastSeen: 'last seen 10:20', isTyping: false});
		expect(bob).toMatchObject({presence: 'away', statusMessage: 'lunch', isTyping: true, lastSeen: ''});
		expect(bob?.preview).toBe('old news');
		expect(dave).toMatchObject({presence: 'busy', unread: 0, preview: ''});
	});

	it('matches the switcher query on name or id, prefix matches first', () => {
		expect(switcherMatches(state, 'ca').map((r) => r.peerId)).toEqual(['carol']);
		expect(switcherMatches(state, 'a').map((r) => r.peerId)).toEqual(['carol', 'dave']);
		expect(switcherMatches(state, 'D').map((r) => r.peerId)).toEqual(['dave']);
		// 'ro' starts rob's name and is inside carol's: the prefix match ranks first.
		const withRob = chatReducer(state, {type: 'presence-changed', presences: [{userId: 'rob', name: 'Rob', state: 'online', statusMessage: '', at: at(4)}]});
		expect(switcherMatches(withRob, 'ob').map((r) => r.peerId)).toEqual(['bob', 'rob']);
		expect(switcherMatches(withRob, 'ro').map((r) => r.peerId)).toEqual(['rob', 'carol']);
		expect(switcherMatches(state, 'zzz')).toEqual([]);
	});

	it('describes the open thread and who is typing there', () => {
		const open = chatReducer(state, {type: 'conversation-opened', conversationId: 'alice:bob'});
		expect(threadTitle(open)).toBe('Bob (bob) · away: lunch');
		expect(typingLine(open, 'alice:bob')).toBe('Bob is typing…');
		const carol = chatReducer(state, {type: 'conversation-opened', conversationId: 'alice:carol'});
		expect(threadTitle(carol)).toBe('Carol (carol) · offline · last seen 10:20');
	});

	it('sanitizes names and previews from the network', () => {
		const s = chatReducer(state, {type: 'messages-received', messages: [fakeMessage('mallory', 'alice', 'x\u001b]52;c;evil\u0007', {name: 'Mal\u001b[2Jlory', id: 'evil'})]});
		const row = conversationRows(s).find((r) => r.peerId === 'mallory')!;
		expect(row.name).not.toContain('\u001b');
		expect(row.preview).not.toMatch(/[\u001b\u0007]/);
	});
});

describe('visibleThreadRows', () => {
	const messages = Array.from({length: 100}, (_, i) => fakeMessage(i % 2 ? 'bob' : 'alice', i % 2 ? 'alice' : 'bob', `message number ${i}`, {id: `m${i}`, at: i, seq: i}));
	const base = {messages, me: 'alice', width: 40, height: 5, scroll: 0, now: at(0), timeZone: 'UTC', hasMore: true, isLoadingOlder: false};

	it('renders only the rows that fit, newest at the bottom', () => {
		const window = visibleThreadRows(base);
		expect(window.rows).toHaveLength(5);
		expect(window.rows.at(-1)).toMatchObject({kind: 'message', messageId: 'm99', isFirst: true});
		expect(window.isAtTop).toBe(false);
	});

	it('scrolls by rows and reports the top of the loaded history', () => {
		const up = visibleThreadRows({...base, scroll: 3});
		expect(up.rows.at(-1)).toMatchObject({messageId: 'm96'});
		const top = visibleThreadRows({...base, scroll: 10_000});
		expect(top.isAtTop).toBe(true);
		expect(top.rows[0]).toMatchObject({kind: 'start', hasMore: true});
	});

	it('wraps long lines and wide characters within the width', () => {
		const long = fakeMessage('bob', 'alice', '漢字かな交じり文🙂'.repeat(6), {id: 'wide'});
		const window = visibleThreadRows({...base, messages: [long], height: 20});
		const rows = window.rows.filter((r) => r.kind === 'message');
		expect(rows.length).toBeGreaterThan(2);
		for (const row of rows) {
			if (row.kind !== 'message') continue;
			const prefix = row.isFirst ? `${row.time} ${row.sender}: ` : ' '.repeat(row.indent);
			expect(displayWidth(prefix + row.text)).toBeLessThanOrEqual(40 - 3);
		}
	});

	it('shows ticks only on my messages and the divider before the first unread', () => {
		const window = visibleThreadRows({...base, dividerBeforeId: 'm99', height: 3});
		expect(window.rows.map((r) => r.kind)).toEqual(['message', 'divider', 'message']);
		const mine = window.rows[0];
		expect(mine).toMatchObject({messageId: 'm98', isMine: true, status: 'received_by_server'});
		expect(window.rows[2]).not.toHaveProperty('status');
	});
});
