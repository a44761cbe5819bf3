// Properties of the reducer over random event sequences (fast-check).
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {STATUS_FLOW} from '../protocol/index.js';
import type {ChatAction} from './actions.js';
import {localRank} from './merge.js';
import {chatReducer} from './reducer.js';
import {initialState, type ChatState} from './state.js';
import type {ChatMessage} from './types.js';

const me = {userId: 'alice', name: 'Alice'};

// A message id names one message (sender, recipient, text); copies of it may differ in
// time (sender's clock vs storage time) and status, as live and stored copies do.
const pairs = [['alice', 'bob'], ['bob', 'alice'], ['carol', 'alice'], ['alice', 'carol']] as const;
const message = fc
	.record({
		id: fc.integer({min: 0, max: 15}),
		at: fc.integer({min: 0, max: 1_000}),
		status: fc.constantFrom('pending' as const, ...STATUS_FLOW),
	})
	.map(({id, at, status}): ChatMessage => {
		const [from, to] = pairs[id % pairs.length]!;
		return {
			messageId: `m${id}`,
			messageType: 'text',
			senderId: from,
			senderName: from,
			receiverId: to,
			conversationId: [from, to].sort().join(':'),
			content: `text ${id}`,
			createdAt: at,
			status,
		};
	});

const action: fc.Arbitrary<ChatAction> = fc.oneof(
	fc.array(message, {minLength: 1, maxLength: 5}).map((messages) => ({type: 'messages-received' as const, messages})),
	message.map((m) => ({type: 'message-sent' as const, message: m})),
	fc
		.record({id: fc.integer({min: 0, max: 15}), status: fc.constantFrom(...STATUS_FLOW)})
		.map(({id, status}) => ({type: 'receipts-received' as const, receipts: [{messageId: `m${id}`, status, userId: 'bob', at: 1}]})),
	fc.constantFrom('alice:bob', 'alice:carol').map((conversationId) => ({type: 'conversation-opened' as const, conversationId})),
	fc.integer({min: -30, max: 30}).map((by) => ({type: 'thread-scrolled' as const, by})),
);

const statusOf = (state: ChatState, id: string): ChatMessage['status'] | undefined => {
	const conversationId = state.messageIndex[id];
	return conversationId ? state.threads[conversationId]?.messages.find((m) => m.messageId === id)?.status : undefined;
};

describe('chatReducer properties', () => {
	it('never shows a message twice, never lowers a status, never counts negative unread', () => {
		fc.assert(
			fc.property(fc.array(action, {maxLength: 40}), (actions) => {
				let state = initialState(me);
				for (const a of actions) {
					const next = chatReducer(state, a);
					for (const id of Object.keys(state.messageIndex)) {
						const before = statusOf(state, id);
						const after = statusOf(next, id);
						if (before && after) expect(localRank(after)).toBeGreaterThanOrEqual(localRank(before));
					}
					state = next;
				}
				for (const thread of Object.values(state.threads)) {
					const ids = thread.messages.map((m) => m.messageId);
					expect(new Set(ids).size).toBe(ids.length);
					const times = thread.messages.map((m) => m.createdAt);
					expect(times).toEqual([...times].sort((a, b) => a - b));
				}
				for (const c of Object.values(state.conversations)) expect(c.unread).toBeGreaterThanOrEqual(0);
				expect(state.scroll).toBeGreaterThanOrEqual(0);
			}),
		);
	});

	it('is idempotent for a redelivered burst', () => {
		fc.assert(
			fc.property(fc.array(message, {minLength: 1, maxLength: 8}), (messages) => {
				const once = chatReducer(initialState(me), {type: 'messages-received', messages});
				const twice = chatReducer(once, {type: 'messages-received', messages});
				expect(twice.threads).toEqual(once.threads);
				expect(twice.conversations).toEqual(once.conversations);
			}),
		);
	});
});
