// A conversation list loaded in pages (issue 12): a page removes no room, the page that ends a
// walk (`memberOf`) does; a live message in a conversation not loaded yet brings it to the top;
// the selection near the loaded end asks for the next page; `/open` of a room not loaded yet asks
// PostgreSQL. Data in, data out.
import {describe, expect, it} from 'vitest';
import {fakeMessage} from '../../test/helpers/fake-port.js';
import type {ChatAction} from './actions.js';
import {parseCommand} from './commands.js';
import {planEffects} from './effects.js';
import {chatReducer} from './reducer.js';
import {conversationRows, totalUnread} from './selectors.js';
import {initialState, type ChatState} from './state.js';
import type {ConversationSummary} from './types.js';

const me = {userId: 'alice', name: 'Alice'};
const fold = (state: ChatState, ...actions: ChatAction[]): ChatState => actions.reduce(chatReducer, state);
const start = (): ChatState => initialState(me, {timeZone: 'UTC', viewport: {columns: 100, rows: 24}});
const room = (id: string, at: number, over: Partial<ConversationSummary> = {}): ConversationSummary => ({
	conversationId: id,
	kind: 'group',
	title: `Room ${id}`,
	topic: '',
	memberCount: 3,
	role: 'member',
	isMuted: false,
	unread: 0,
	lastActivityAt: at,
	...over,
});
const page = (conversations: ConversationSummary[], extent: {hasMore?: boolean; memberOf?: string[]} = {}): ChatAction => ({type: 'conversations-loaded', conversations, ...extent});

describe('a conversation list in pages', () => {
	const first = fold(start(), page([room('r-1', 100), room('r-2', 90, {unread: 3})], {hasMore: true}));

	it('keeps rooms a later first page does not show (they may be further down), and says more exist', () => {
		expect(first.hasMoreConversations).toBe(true);
		const second = fold(first, page([room('r-3', 80), room('r-4', 70, {unread: 2})], {hasMore: true}));
		// A reload's first page shows r-1 only now (r-2 moved below it): r-2 stays, and is not left.
		const reloaded = fold(second, page([room('r-1', 110)], {hasMore: true}));
		expect(Object.keys(reloaded.conversations).sort()).toEqual(['r-1', 'r-2', 'r-3', 'r-4']);
		expect(totalUnread(reloaded)).toBe(5);
		expect(conversationRows(reloaded).map((r) => r.conversationId)).toEqual(['r-1', 'r-2', 'r-3', 'r-4']);
	});

	it('drops a room missing from the whole walk (`memberOf`) at its end, unless it is open; a whole list still does', () => {
		const walked = fold(first, page([room('r-3', 80)], {hasMore: true}));
		const open = fold(walked, {type: 'conversation-opened', conversationId: 'r-2'});
		const ended = (state: ChatState) => fold(state, page([room('r-5', 10)], {memberOf: ['r-1', 'r-5']}));
		expect(Object.keys(ended(walked).conversations).sort()).toEqual(['r-1', 'r-5']);
		expect(ended(walked).hasMoreConversations).toBe(false);
		expect(Object.keys(ended(open).conversations).sort()).toEqual(['r-1', 'r-2', 'r-5']);
		// The legacy whole list (neither flag): what it lacks was left.
		expect(Object.keys(fold(walked, page([room('r-3', 80)])).conversations)).toEqual(['r-3']);
	});

	it('brings a conversation not loaded yet to the top when a live message arrives in it', () => {
		const live = fold(first, {type: 'messages-received', messages: [fakeMessage('bob', 'alice', 'hi', {id: 'x1', at: 500})]});
		expect(conversationRows(live)[0]).toMatchObject({conversationId: 'alice:bob', unread: 1});
		// Its row from PostgreSQL (the client loads it) then fills in the title without losing the message.
		const row: ConversationSummary = {conversationId: 'alice:bob', kind: 'direct', peerId: 'bob', title: 'Bob B', topic: '', memberCount: 2, isMuted: false, unread: 4, lastActivityAt: 500};
		const filled = fold(live, page([row], {hasMore: true}));
		expect(conversationRows(filled)[0]).toMatchObject({conversationId: 'alice:bob', name: 'Bob B', unread: 4});
		expect(Object.keys(filled.conversations)).toHaveLength(3);
	});

	it('asks for the next page when the selection comes near the loaded end, and only while more exist', () => {
		const many = fold(start(), page(Array.from({length: 20}, (_, i) => room(`r-${i}`, 1000 - i)), {hasMore: true}));
		const moves = (state: ChatState, steps: number) => {
			let s = state;
			let asked = 0;
			for (let i = 0; i < steps; i++) {
				const next = chatReducer(s, {type: 'list-moved', by: 1});
				asked += planEffects(s, {type: 'list-moved', by: 1}, next).filter((e) => e.kind === 'load-more-conversations').length;
				s = next;
			}
			return {state: s, asked};
		};
		expect(moves(many, 5).asked).toBe(0); // far from the end (20 rows, 6 rows of prefetch)
		const atEnd = moves(many, 25);
		expect(atEnd.asked).toBeGreaterThan(0);
		// Pressing ↓ at the last row still asks (the page may be what the user waits for).
		expect(planEffects(atEnd.state, {type: 'list-moved', by: 1}, chatReducer(atEnd.state, {type: 'list-moved', by: 1}))).toContainEqual({kind: 'load-more-conversations'});
		const complete = fold(many, page([room('r-20', 1)], {memberOf: Array.from({length: 21}, (_, i) => `r-${i}`)}));
		expect(moves(complete, 25).asked).toBe(0);
	});

	it('/open of a room the partial list has not loaded asks PostgreSQL; a complete list refuses at once', () => {
		expect(parseCommand('/open Night shift', first)).toEqual({ok: true, command: {kind: 'open-named', name: 'Night shift'}});
		expect(parseCommand('/open Room r-2', first)).toEqual({ok: true, command: {kind: 'open-conversation', conversationId: 'r-2'}});
		const complete = fold(first, page([], {memberOf: ['r-1', 'r-2']}));
		expect(parseCommand('/open Night shift', complete)).toMatchObject({ok: false, error: expect.stringMatching(/no room named "Night shift"/)});
	});
});

