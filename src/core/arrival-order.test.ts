// Issue 11 outcome 5: the server's order (seq), whatever the arrival order — in the thread and in
// the conversation list's preview (one batch shares one created_at; with several ingesters
// created_at is not even monotonic in seq).
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {fakeMessage} from '../../test/helpers/fake-port.js';
import {chatReducer} from './reducer.js';
import {initialState, type ChatState} from './state.js';
import type {ChatMessage} from './types.js';

const me = {userId: 'alice', name: 'Alice'};
const AB = 'alice:bob';
const start = (): ChatState => chatReducer(initialState(me, {viewport: {columns: 100, rows: 30}, timeZone: 'UTC'}), {type: 'clock-ticked', now: Date.UTC(2026, 10, 30, 12, 0)});
// Five stored messages of one batch (same created_at); b4 and b5 of a later batch that started earlier.
const stored: ChatMessage[] = [
	...[1, 2, 3].map((n) => fakeMessage('bob', 'alice', `text ${n}`, {id: `b${n}`, seq: 10 + n, at: 5})),
	...[4, 5].map((n) => fakeMessage('bob', 'alice', `text ${n}`, {id: `b${n}`, seq: 10 + n, at: 4})),
];

describe('arrival order', () => {
	it('property: any arrival order, in any bursts, gives the seq order in the thread and the highest seq in the preview', () => {
		fc.assert(
			fc.property(fc.shuffledSubarray(stored, {minLength: stored.length}), fc.array(fc.integer({min: 1, max: 3}), {minLength: 5, maxLength: 5}), (order, sizes) => {
				let state = start();
				for (let i = 0, k = 0; i < order.length; i += sizes[k++]!) state = chatReducer(state, {type: 'messages-received', messages: order.slice(i, i + sizes[k]!)});
				expect(state.threads[AB]!.messages.map((m) => m.messageId)).toEqual(['b1', 'b2', 'b3', 'b4', 'b5']);
				expect(state.conversations[AB]!.lastMessage).toMatchObject({messageId: 'b5', content: 'text 5', seq: 15});
			}),
		);
	});
});
