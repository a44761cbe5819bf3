// Thread order and navigation as data: seq order whatever the arrival order, landing on the
// first unread, and returning to the present after `/history --before` or a message sent from an older page.
import {describe, expect, it} from 'vitest';
import {fakeMessage} from '../../test/helpers/fake-port.js';
import type {ChatAction} from './actions.js';
import {planEffects} from './effects.js';
import {chatReducer} from './reducer.js';
import {openThreadWindow, switcherMatches} from './selectors.js';
import {initialState, type ChatState} from './state.js';
import type {ChatMessage} from './types.js';

const me = {userId: 'alice', name: 'Alice'};
const AB = 'alice:bob';
const NOW = Date.UTC(2026, 10, 30, 12, 0);
const start = (): ChatState => chatReducer(initialState(me, {viewport: {columns: 100, rows: 30}, timeZone: 'UTC'}), {type: 'clock-ticked', now: NOW});
const fold = (state: ChatState, ...actions: ChatAction[]): ChatState => actions.reduce(chatReducer, state);
const ids = (s: ChatState): string[] => (s.threads[AB]?.messages ?? []).map((m) => m.messageId);
const fromBob = (n: number, extra: {seq?: number; at?: number} = {}): ChatMessage => fakeMessage('bob', 'alice', `bob says ${n}`, {id: `b${n}`, at: extra.at ?? n, ...(extra.seq === undefined ? {} : {seq: extra.seq})});
const latest = (messages: ChatMessage[], hasMore = false): ChatAction => ({type: 'history-loaded', conversationId: AB, messages, mode: 'latest', hasMore});

describe('thread order: the server order (seq), whatever the arrival order or clocks', () => {
	it('orders stored messages by seq even when their times disagree', () => {
		// b2 was stamped earlier by a skewed clock but stored later.
		const s = fold(start(), latest([fromBob(1, {seq: 10, at: 5}), fromBob(2, {seq: 11, at: 1}), fromBob(3, {seq: 12, at: 3})]));
		expect(ids(s)).toEqual(['b1', 'b2', 'b3']);
	});

	it('puts a live copy where its stored copy says once that arrives, whatever came first', () => {
		const live2 = fromBob(2, {at: 50});
		const s = fold(start(), {type: 'messages-received', messages: [live2]}, latest([fromBob(1, {seq: 1, at: 10})]), {type: 'messages-received', messages: [fromBob(3, {at: 40})]});
		// Unstored copies follow the stored ones, in this client's arrival order.
		expect(ids(s)).toEqual(['b1', 'b3', 'b2']);
		const stored = fold(s, latest([fromBob(1, {seq: 1, at: 10}), fromBob(2, {seq: 2, at: 20}), fromBob(3, {seq: 3, at: 30})]));
		expect(ids(stored)).toEqual(['b1', 'b2', 'b3']);
	});

	it('is the same order for any arrival order of stored copies', () => {
		const all = [fromBob(1, {seq: 1, at: 9}), fromBob(2, {seq: 2, at: 3}), fromBob(3, {seq: 3, at: 6}), fromBob(4, {seq: 4, at: 1})];
		for (const order of [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]]) {
			const s = order.reduce((state, i) => chatReducer(state, {type: 'messages-received', messages: [all[i]!]}), start());
			expect(ids(s)).toEqual(['b1', 'b2', 'b3', 'b4']);
		}
	});
});

describe('opening a conversation with unread messages lands on the first unread', () => {
	const page = Array.from({length: 50}, (_, i) => fromBob(i, {seq: i + 1, at: i}));
	const withUnread = (unread: number): ChatState =>
		fold(start(), {type: 'conversations-loaded', conversations: [{conversationId: AB, peerId: 'bob', title: 'Bob', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread, lastActivityAt: 1}]}, {type: 'conversation-opened', conversationId: AB});

	it('shows the "new messages" divider at the top of the pane, not the newest message', () => {
		const s = chatReducer(withUnread(40), latest(page, true));
		expect(s.divider?.beforeMessageId).toBe('b10');
		expect(s.scroll).toBeGreaterThan(0);
		const rows = openThreadWindow(s).rows;
		expect(rows[0]).toMatchObject({kind: 'divider'});
		expect(rows[1]).toMatchObject({kind: 'message', messageId: 'b10', isFirst: true});
	});

	it('stays at the bottom when the unread messages fit on screen', () => {
		const s = chatReducer(withUnread(3), latest(page, true));
		expect(s.divider?.beforeMessageId).toBe('b47');
		expect(s.scroll).toBe(0);
		expect(openThreadWindow(s).rows.map((r) => r.kind)).toContain('divider');
	});

	it('lands once: a later latest page (e.g. /history) does not jump back to the divider', () => {
		const landed = chatReducer(withUnread(40), latest(page, true));
		const again = fold(landed, {type: 'thread-scrolled', by: -Infinity}, latest(page, true));
		expect(again.scroll).toBe(0);
	});
});

describe('after /history --before, the present is one key away', () => {
	const old = [fromBob(1, {seq: 1, at: 1}), fromBob(2, {seq: 2, at: 2})];
	const before: ChatAction = {type: 'history-loaded', conversationId: AB, messages: old, mode: 'before', hasMore: false, hasNewer: true};
	const opened = (): ChatState => fold(start(), {type: 'conversation-opened', conversationId: AB}, latest([fromBob(8, {seq: 8, at: 8}), fromBob(9, {seq: 9, at: 9})]), before);

	it('marks the gap after the page and shows live messages below it', () => {
		let s = opened();
		expect(ids(s)).toEqual(['b1', 'b2']);
		s = chatReducer(s, {type: 'messages-received', messages: [fromBob(10, {at: 10})]});
		const kinds = openThreadWindow(s).rows.map((r) => (r.kind === 'message' ? r.messageId : r.kind));
		expect(kinds.slice(-3)).toEqual(['b2', 'gap', 'b10']);
	});

	it.each([
		['End / G', {type: 'thread-scrolled', by: -Infinity} as ChatAction],
		['PgDn at the bottom', {type: 'thread-scrolled', by: -10} as ChatAction],
	])('%s loads the latest page and the gap goes', (_, key) => {
		const s = opened();
		const moved = chatReducer(s, key);
		expect(planEffects(s, key, moved)).toContainEqual({kind: 'load-latest', conversationId: AB, limit: 50});
		// A second press asks again (the first load may have been lost to a database outage).
		expect(planEffects(moved, key, chatReducer(moved, key))).toContainEqual({kind: 'load-latest', conversationId: AB, limit: 50});
		// Scrolling up in the page asks nothing.
		expect(planEffects(s, {type: 'thread-scrolled', by: 5}, chatReducer(s, {type: 'thread-scrolled', by: 5}))).not.toContainEqual(expect.objectContaining({kind: 'load-latest'}));
		const present = chatReducer(moved, latest([fromBob(8, {seq: 8, at: 8}), fromBob(9, {seq: 9, at: 9})]));
		expect(ids(present)).toEqual(['b8', 'b9']);
		expect(present.threads[AB]?.gapAfterMessageId).toBeUndefined();
		expect(openThreadWindow(present).rows.map((r) => r.kind)).not.toContain('gap');
	});

	it('no gap when the date is after the newest message', () => {
		const s = fold(start(), {type: 'conversation-opened', conversationId: AB}, {...before, hasNewer: false} as ChatAction);
		expect(s.threads[AB]?.gapAfterMessageId).toBeUndefined();
		const moved = chatReducer(s, {type: 'thread-scrolled', by: -Infinity});
		expect(planEffects(s, {type: 'thread-scrolled', by: -Infinity}, moved)).toEqual([]);
	});
});

describe('sending from an older page returns to the newest messages', () => {
	const older = Array.from({length: 50}, (_, i) => fromBob(i, {seq: i + 1, at: i}));
	const newest = Array.from({length: 50}, (_, i) => fromBob(100 + i, {seq: 101 + i, at: 100 + i}));
	const around: ChatAction = {type: 'history-loaded', conversationId: AB, messages: older, mode: 'around', hasMore: true, hasNewer: true, focusSeq: 25};
	const submitted: ChatAction = {type: 'message-submitted', conversationId: AB};
	const mine = {...fakeMessage('alice', 'bob', 'on my way', {id: 'a1', at: 200}), status: 'pending' as const};
	const rows = (s: ChatState): string[] => openThreadWindow(s).rows.map((r) => (r.kind === 'message' ? r.messageId : r.kind));

	it('after a jump (a search hit, a reply\'s original): the latest page is loaded and mine is in view', () => {
		const jumped = fold(start(), {type: 'conversation-opened', conversationId: AB}, latest(newest, true), around);
		expect(jumped.scroll).toBeGreaterThan(0);
		expect(jumped.selectedMessageId).toBe('b24');
		const s = chatReducer(jumped, submitted);
		expect(planEffects(jumped, submitted, s)).toEqual([{kind: 'load-latest', conversationId: AB, limit: 50}]);
		expect(s.scroll).toBe(0);
		expect(s.selectedMessageId).toBeUndefined();
		// Mine shows at once, below the gap; then the latest page replaces the old one and keeps it.
		const sent = chatReducer(s, {type: 'message-sent', message: mine});
		expect(rows(sent).slice(-3)).toEqual(['b49', 'gap', 'a1']);
		const present = chatReducer(sent, latest(newest, true));
		expect(present.scroll).toBe(0);
		expect(rows(present).slice(-2)).toEqual(['b149', 'a1']);
		expect(rows(present)).not.toContain('gap');
		// A second message while the page is on its way asks again (the first load may have been lost).
		expect(planEffects(sent, submitted, chatReducer(sent, submitted))).toEqual([{kind: 'load-latest', conversationId: AB, limit: 50}]);
	});

	it('scrolled up in the latest page: back to the bottom, nothing to load', () => {
		const up = fold(start(), {type: 'conversation-opened', conversationId: AB}, latest(newest, true), {type: 'thread-scrolled', by: 20});
		expect(up.scroll).toBe(20);
		const s = chatReducer(up, submitted);
		expect(s.scroll).toBe(0);
		expect(planEffects(up, submitted, s)).toEqual([]);
		expect(rows(chatReducer(s, {type: 'message-sent', message: mine})).at(-1)).toBe('a1');
	});

	it('opened at a search hit with unread messages: the latest page does not jump back up to the divider', () => {
		const listed: ChatAction = {type: 'conversations-loaded', conversations: [{conversationId: AB, peerId: 'bob', title: 'Bob', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 40, lastActivityAt: 1}]};
		// A hit ten messages from the newest: the page around it overlaps the latest one.
		const recent = Array.from({length: 50}, (_, i) => fromBob(90 + i, {seq: 91 + i, at: 90 + i}));
		const hit: ChatAction = {type: 'history-loaded', conversationId: AB, messages: recent, mode: 'around', hasMore: true, hasNewer: true, focusSeq: 115};
		const opened = fold(start(), listed, {type: 'conversation-opened', conversationId: AB, focusSeq: 115}, hit);
		expect(opened.divider?.beforeMessageId).toBe('b100');
		const present = fold(opened, submitted, {type: 'message-sent', message: mine}, latest(newest, true));
		expect(present.scroll).toBe(0);
		expect(rows(present).at(-1)).toBe('a1');
	});

	it('a message to another conversation (/send, /broadcast) leaves the open one as it is', () => {
		const jumped = fold(start(), {type: 'conversation-opened', conversationId: AB}, latest(newest, true), around);
		const elsewhere: ChatAction = {type: 'message-submitted', conversationId: 'all'};
		expect(chatReducer(jumped, elsewhere)).toBe(jumped);
		expect(planEffects(jumped, elsewhere, jumped)).toEqual([]);
	});
});

describe('the switcher finds anyone the server knows', () => {
	it('lists people found by the search after the conversations, matched by name or id, and asks the server as the query changes', () => {
		const listed = fold(start(), {type: 'conversations-loaded', conversations: [{conversationId: AB, peerId: 'bob', title: 'Bob', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 0, lastActivityAt: 1}]});
		const open: ChatAction = {type: 'overlay-opened', overlay: {kind: 'switcher', query: '', index: 0}};
		const opened = chatReducer(listed, open);
		expect(planEffects(listed, open, opened)).toContainEqual({kind: 'search-users', query: '', limit: 50});
		const typed: ChatAction = {type: 'switcher-query-changed', query: 'qu'};
		const searching = chatReducer(opened, typed);
		expect(planEffects(opened, typed, searching)).toContainEqual({kind: 'search-users', query: 'qu', limit: 50});
		const found = chatReducer(searching, {type: 'users-found', query: 'qu', users: [{userId: 'zoe', name: 'Zoe Quinn'}, {userId: 'alice', name: 'Alice'}, {userId: 'bob', name: 'Bob'}]});
		// Not me, and bob only once (his conversation first).
		expect(switcherMatches(found, '').map((r) => r.peerId)).toEqual(['bob', 'zoe']);
		expect(switcherMatches(found, 'quin').map((r) => [r.peerId, r.name])).toEqual([['zoe', 'Zoe Quinn']]);
		expect(switcherMatches(found, 'zo').map((r) => r.conversationId)).toEqual(['alice:zoe']);
		const chosen = chatReducer(found, {type: 'conversation-opened', conversationId: 'alice:zoe'});
		expect(chosen.conversations['alice:zoe']?.title).toBe('Zoe Quinn');
	});
});
