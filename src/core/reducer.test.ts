import {describe, expect, it} from 'vitest';
import {fakeMessage} from '../../test/helpers/fake-port.js';
import type {ChatAction} from './actions.js';
import {planEffects} from './effects.js';
import {chatReducer} from './reducer.js';
import {initialState, TYPING_TTL_MS, type ChatState} from './state.js';
import type {ChatMessage} from './types.js';

const me = {userId: 'alice', name: 'Alice'};
const AB = 'alice:bob';
const AC = 'alice:carol';
const fold = (state: ChatState, ...actions: ChatAction[]): ChatState => actions.reduce(chatReducer, state);
const start = (): ChatState => initialState(me, {viewport: {columns: 100, rows: 30}, timeZone: 'UTC'});
const thread = (s: ChatState, id = AB): ChatMessage[] => [...(s.threads[id]?.messages ?? [])];

describe('chatReducer: messages', () => {
	it('dedupes a redelivered message by messageId', () => {
		const m = fakeMessage('bob', 'alice', 'hi', {id: 'm1'});
		const s = fold(start(), {type: 'messages-received', messages: [m]}, {type: 'messages-received', messages: [m]});
		expect(thread(s).map((x) => x.messageId)).toEqual(['m1']);
		expect(s.conversations[AB]?.unread).toBe(1);
	});

	it('dedupes a live copy against the stored page and keeps the stored seq', () => {
		const live = fakeMessage('bob', 'alice', 'hi', {id: 'm1'});
		const stored = {...live, seq: 7};
		const s = fold(start(), {type: 'messages-received', messages: [live]}, {type: 'history-loaded', conversationId: AB, messages: [stored], mode: 'latest', hasMore: false});
		expect(thread(s)).toHaveLength(1);
		expect(thread(s)[0]?.seq).toBe(7);
	});

	it('keeps a stored live message newer than a latest page read before it was committed', () => {
		// The page query ran before the commit (empty page); the message was delivered while it ran.
		const older = {...fakeMessage('bob', 'alice', 'old', {id: 'm0', at: 1}), seq: 3};
		const live = {...fakeMessage('bob', 'alice', 'created', {id: 'm1', at: 2}), seq: 4};
		let s = fold(start(), {type: 'messages-received', messages: [live]}, {type: 'history-loaded', conversationId: AB, messages: [], mode: 'latest', hasMore: false});
		expect(thread(s).map((m) => m.messageId)).toEqual(['m1']);
		s = fold(start(), {type: 'messages-received', messages: [live]}, {type: 'history-loaded', conversationId: AB, messages: [older], mode: 'latest', hasMore: false});
		expect(thread(s).map((m) => m.messageId)).toEqual(['m0', 'm1']);
		// One older than a page with more before it has scrolled out of the page; one inside its range committed late.
		const stale = {...fakeMessage('bob', 'alice', 'stale', {id: 'm2', at: 1}), seq: 2};
		s = fold(start(), {type: 'messages-received', messages: [stale]}, {type: 'history-loaded', conversationId: AB, messages: [older], mode: 'latest', hasMore: true});
		expect(thread(s).map((m) => m.messageId)).toEqual(['m0']);
		const late = {...fakeMessage('bob', 'alice', 'late', {id: 'm3', at: 2}), seq: 4};
		const newer = {...fakeMessage('bob', 'alice', 'newer', {id: 'm4', at: 3}), seq: 5};
		s = fold(start(), {type: 'messages-received', messages: [late]}, {type: 'history-loaded', conversationId: AB, messages: [older, newer], mode: 'latest', hasMore: true});
		expect(thread(s).map((m) => m.messageId)).toEqual(['m0', 'm3', 'm4']);
	});

	it('keeps threads ordered by time when an older message arrives late', () => {
		const s = fold(
			start(),
			{type: 'messages-received', messages: [fakeMessage('bob', 'alice', 'second', {id: 'b', at: 2})]},
			{type: 'messages-received', messages: [fakeMessage('bob', 'alice', 'first', {id: 'a', at: 1})]},
		);
		expect(thread(s).map((m) => m.content)).toEqual(['first', 'second']);
	});

	it('never moves a status backwards (read, then a late delivered receipt)', () => {
		const mine = fakeMessage('alice', 'bob', 'yo', {id: 'm1', status: 'pending'});
		let s = fold(start(), {type: 'message-sent', message: mine});
		expect(thread(s)[0]?.status).toBe('pending');
		s = fold(s, {type: 'receipts-received', receipts: [{messageId: 'm1', status: 'received_by_server', userId: 'alice', at: 1}]});
		expect(thread(s)[0]?.status).toBe('received_by_server');
		s = fold(s, {type: 'receipts-received', receipts: [{messageId: 'm1', status: 'read', userId: 'bob', at: 3}]});
		s = fold(s, {type: 'receipts-received', receipts: [{messageId: 'm1', status: 'delivered', userId: 'bob', at: 2}]});
		expect(thread(s)[0]?.status).toBe('read');
		// A stale stored copy does not lower it either.
		s = fold(s, {type: 'history-loaded', conversationId: AB, messages: [{...mine, seq: 1, status: 'received_by_server'}], mode: 'latest', hasMore: false});
		expect(thread(s)[0]?.status).toBe('read');
	});

	it('returns the same state for an unknown receipt', () => {
		const s = start();
		expect(chatReducer(s, {type: 'receipts-received', receipts: [{messageId: 'nope', status: 'read', userId: 'bob', at: 1}]})).toBe(s);
	});
});

describe('chatReducer: unread and divider', () => {
	const loaded: ChatAction = {
		type: 'conversations-loaded',
		conversations: [
			{conversationId: AB, peerId: 'bob', title: 'Bob', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 2, lastActivityAt: 5},
			{conversationId: AC, peerId: 'carol', title: 'Carol', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 0, lastActivityAt: 4},
		],
	};

	it('counts unread as the loaded count plus live increments, not for my own messages', () => {
		const s = fold(
			start(),
			loaded,
			{type: 'messages-received', messages: [fakeMessage('bob', 'alice', 'one', {id: 'x1', at: 10})]},
			{type: 'message-sent', message: fakeMessage('alice', 'bob', 'mine', {id: 'x2', at: 11})},
		);
		expect(s.conversations[AB]?.unread).toBe(3);
	});

	it('resets unread when opened, and does not count messages in the open conversation', () => {
		let s = fold(start(), loaded, {type: 'conversation-opened', conversationId: AB});
		expect(s.conversations[AB]?.unread).toBe(0);
		s = fold(s, {type: 'messages-received', messages: [fakeMessage('bob', 'alice', 'live', {id: 'y'})]});
		expect(s.conversations[AB]?.unread).toBe(0);
		s = fold(s, {type: 'messages-received', messages: [fakeMessage('carol', 'alice', 'elsewhere', {id: 'z'})]});
		expect(s.conversations[AC]?.unread).toBe(1);
	});

	it('keeps the open conversation read when the list is reloaded', () => {
		const s = fold(start(), {type: 'conversation-opened', conversationId: AB}, loaded);
		expect(s.conversations[AB]?.unread).toBe(0);
		expect(s.conversations[AC]?.unread).toBe(0);
	});

	it('places the divider before the first unread message once history arrives, and marks those read', () => {
		const page = [
			fakeMessage('bob', 'alice', 'old', {id: 'p1', at: 1, seq: 1}),
			fakeMessage('alice', 'bob', 'reply', {id: 'p2', at: 2, seq: 2}),
			fakeMessage('bob', 'alice', 'new 1', {id: 'p3', at: 3, seq: 3}),
			fakeMessage('alice', 'bob', 'mine between', {id: 'p4', at: 4, seq: 4}),
			fakeMessage('bob', 'alice', 'new 2', {id: 'p5', at: 5, seq: 5}),
		];
		const opened = fold(start(), loaded, {type: 'conversation-opened', conversationId: AB});
		expect(opened.divider).toMatchObject({conversationId: AB, unreadAtOpen: 2});
		const action: ChatAction = {type: 'history-loaded', conversationId: AB, messages: page, mode: 'latest', hasMore: false};
		const s = chatReducer(opened, action);
		expect(s.divider?.beforeMessageId).toBe('p3');
		expect(planEffects(opened, action, s)).toContainEqual({kind: 'mark-read', messages: [page[2], page[4]]});
	});

	it('fixes the divider when opened: live messages do not move it, a later open with nothing unread has none', () => {
		const page = [fakeMessage('bob', 'alice', 'a', {id: 'q1', seq: 1}), fakeMessage('bob', 'alice', 'b', {id: 'q2', at: 1, seq: 2})];
		let s = fold(start(), loaded, {type: 'conversation-opened', conversationId: AB}, {type: 'history-loaded', conversationId: AB, messages: page, mode: 'latest', hasMore: false});
		expect(s.divider?.beforeMessageId).toBe('q1');
		s = fold(s, {type: 'messages-received', messages: [fakeMessage('bob', 'alice', 'c', {id: 'q3', at: 2})]});
		expect(s.divider?.beforeMessageId).toBe('q1');
		s = fold(s, {type: 'conversation-opened', conversationId: AC}, {type: 'conversation-opened', conversationId: AB});
		expect(s.divider).toMatchObject({conversationId: AB, unreadAtOpen: 0});
	});

	it('plans load-latest on open and mark-read for live messages in the open conversation only', () => {
		const opened = fold(start(), {type: 'conversation-opened', conversationId: AB});
		expect(planEffects(start(), {type: 'conversation-opened', conversationId: AB}, opened)).toContainEqual({kind: 'load-latest', conversationId: AB, limit: 50});
		const inOpen = fakeMessage('bob', 'alice', 'hey', {id: 'r1'});
		const elsewhere = fakeMessage('carol', 'alice', 'psst', {id: 'r2'});
		const action: ChatAction = {type: 'messages-received', messages: [inOpen, elsewhere]};
		const effects = planEffects(opened, action, chatReducer(opened, action));
		expect(effects).toContainEqual({kind: 'mark-read', messages: [inOpen]});
		expect(effects).toContainEqual({kind: 'notify', conversationId: AC, mode: 'bell', title: 'Carol', body: 'psst'});
	});
});

describe('chatReducer: typing and presence', () => {
	it('expires a typing indicator TYPING_TTL_MS after its event, on clock-ticked', () => {
		let s = fold(start(), {type: 'typing-changed', userId: 'bob', name: 'Bob', conversationId: AB, isTyping: true, at: 1_000});
		expect(s.typing[AB]?.bob).toEqual({name: 'Bob', expiresAt: 1_000 + TYPING_TTL_MS});
		s = fold(s, {type: 'clock-ticked', now: 1_000 + TYPING_TTL_MS - 1});
		expect(s.typing[AB]?.bob).toBeDefined();
		s = fold(s, {type: 'clock-ticked', now: 1_000 + TYPING_TTL_MS});
		expect(s.typing[AB]?.bob).toBeUndefined();
	});

	it('refreshes on a new typing event and clears on isTyping:false or their message', () => {
		let s = fold(
			start(),
			{type: 'typing-changed', userId: 'bob', name: 'Bob', conversationId: AB, isTyping: true, at: 0},
			{type: 'typing-changed', userId: 'bob', name: 'Bob', conversationId: AB, isTyping: true, at: 5_000},
			{type: 'clock-ticked', now: 7_000},
		);
		expect(s.typing[AB]?.bob).toBeDefined();
		s = fold(s, {type: 'typing-changed', userId: 'bob', name: 'Bob', conversationId: AB, isTyping: false, at: 7_100});
		expect(s.typing[AB]?.bob).toBeUndefined();
		s = fold(s, {type: 'typing-changed', userId: 'bob', name: 'Bob', conversationId: AB, isTyping: true, at: 8_000});
		s = fold(s, {type: 'messages-received', messages: [fakeMessage('bob', 'alice', 'done', {id: 't'})]});
		expect(s.typing[AB]?.bob).toBeUndefined();
	});

	it('never records myself typing', () => {
		const s = start();
		expect(chatReducer(s, {type: 'typing-changed', userId: 'alice', name: 'Alice', conversationId: AB, isTyping: true, at: 1})).toBe(s);
	});

	it('keeps the newest presence per user (a late retained message does not flap it)', () => {
		const s = fold(
			start(),
			{type: 'presence-changed', presences: [{userId: 'bob', name: 'Bob', state: 'online', statusMessage: '', at: 20}]},
			{type: 'presence-changed', presences: [{userId: 'bob', name: 'Bob', state: 'offline', statusMessage: '', at: 10}]},
		);
		expect(s.presence.bob?.state).toBe('online');
	});
});

describe('chatReducer: scrollback', () => {
	const many = Array.from({length: 60}, (_, i) => fakeMessage(i % 2 ? 'bob' : 'alice', i % 2 ? 'alice' : 'bob', `line ${i}`, {id: `s${i}`, at: i, seq: 100 + i}));

	it('scrolls up by pages and asks for the older page (keyset on seq) at the top', () => {
		let s = fold(start(), {type: 'conversation-opened', conversationId: AB}, {type: 'history-loaded', conversationId: AB, messages: many, mode: 'latest', hasMore: true});
		const prev = fold(s, {type: 'thread-scrolled', by: 10});
		expect(prev.scroll).toBe(10);
		expect(prev.threads[AB]?.isLoadingOlder).toBe(false);
		const action: ChatAction = {type: 'thread-scrolled', by: Infinity};
		s = chatReducer(prev, action);
		expect(s.threads[AB]?.isLoadingOlder).toBe(true);
		expect(planEffects(prev, action, s)).toContainEqual({kind: 'load-older', conversationId: AB, beforeSeq: 100, limit: 50});
		// The older page is prepended; the view (rows from the bottom) stays put.
		const older = [fakeMessage('bob', 'alice', 'ancient', {id: 'old', at: -5, seq: 50})];
		const after = chatReducer(s, {type: 'history-loaded', conversationId: AB, messages: older, mode: 'older', hasMore: false});
		expect(thread(after)[0]?.messageId).toBe('old');
		expect(after.threads[AB]?.isLoadingOlder).toBe(false);
		expect(after.scroll).toBe(s.scroll);
		expect(chatReducer(after, {type: 'thread-scrolled', by: -Infinity}).scroll).toBe(0);
	});

	it('keeps the view steady when a message arrives while scrolled up', () => {
		const s = fold(start(), {type: 'conversation-opened', conversationId: AB}, {type: 'history-loaded', conversationId: AB, messages: many, mode: 'latest', hasMore: false}, {type: 'thread-scrolled', by: 5});
		const next = chatReducer(s, {type: 'messages-received', messages: [fakeMessage('bob', 'alice', 'new', {id: 'n', at: 100})]});
		expect(next.scroll).toBe(6);
	});
});

describe('chatReducer: more unread than one page', () => {
	it('puts the divider above the loaded page and marks the whole page read', () => {
		const opened = fold(
			start(),
			{type: 'conversations-loaded', conversations: [{conversationId: AB, peerId: 'bob', title: 'Bob', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 1000, lastActivityAt: 5}]},
			{type: 'conversation-opened', conversationId: AB},
		);
		const page = Array.from({length: 3}, (_, i) => fakeMessage('bob', 'alice', `u${i}`, {id: `u${i}`, at: i, seq: 10 + i}));
		const action: ChatAction = {type: 'history-loaded', conversationId: AB, messages: page, mode: 'latest', hasMore: true};
		const s = chatReducer(opened, action);
		expect(s.divider?.beforeMessageId).toBe('u0');
		expect(planEffects(opened, action, s)).toContainEqual({kind: 'mark-read', messages: page});
	});
});

describe('chatReducer: live and stored copies', () => {
	it('takes the stored time over a later live copy and re-sorts when a time moves', () => {
		const live = fakeMessage('bob', 'alice', 'late clock', {id: 'c1', at: 50});
		const stored = {...live, seq: 3, createdAt: Date.UTC(2026, 10, 22, 10, 1)};
		const other = fakeMessage('bob', 'alice', 'between', {id: 'c2', at: 2, seq: 4});
		let s = fold(start(), {type: 'messages-received', messages: [live, other]});
		expect(thread(s).map((m) => m.messageId)).toEqual(['c2', 'c1']);
		s = fold(s, {type: 'history-loaded', conversationId: AB, messages: [stored, other], mode: 'older', hasMore: false});
		expect(thread(s).map((m) => m.messageId)).toEqual(['c1', 'c2']);
		s = fold(s, {type: 'messages-received', messages: [live]});
		expect(thread(s)[0]).toMatchObject({messageId: 'c1', seq: 3, createdAt: stored.createdAt});
	});
});
