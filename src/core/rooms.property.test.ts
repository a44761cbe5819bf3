// Properties of member-aware receipts and unread counts in rooms (fast-check), as reducer.property.test.ts.
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {fakeMember} from '../../test/helpers/fake-port.js';
import type {ChatAction} from './actions.js';
import {localRank} from './merge.js';
import {tickOf} from './receipts.js';
import {chatReducer} from './reducer.js';
import {initialState, type ChatState} from './state.js';
import type {ChatMessage} from './types.js';

const me = {userId: 'alice', name: 'Alice'};
const ROOM = 'room-r1';
const OTHERS = ['bob', 'carol', 'dave'] as const;

// Message ids name one message each: m0..m7 are mine, m8..m15 from the others, all in one room.
const message = fc
	.record({id: fc.integer({min: 0, max: 15}), at: fc.integer({min: 0, max: 1_000}), isStored: fc.boolean()})
	.map(({id, at, isStored}): ChatMessage => {
		const from = id < 8 ? 'alice' : OTHERS[id % OTHERS.length]!;
		return {
			messageId: `m${id}`,
			messageType: id % 5 === 4 ? 'system' : 'text',
			...(isStored ? {seq: id + 1} : {}),
			senderId: from,
			senderName: from,
			receiverId: ROOM,
			conversationId: ROOM,
			content: `text ${id}`,
			createdAt: at,
			status: from === 'alice' ? (isStored ? 'received_by_server' : 'pending') : 'received_by_server',
		};
	});

const action: fc.Arbitrary<ChatAction> = fc.oneof(
	fc.array(message, {minLength: 1, maxLength: 5}).map((messages) => ({type: 'messages-received' as const, messages})),
	message.map((m) => ({type: 'message-sent' as const, message: m})),
	fc
		.record({id: fc.integer({min: 0, max: 7}), user: fc.constantFrom(...OTHERS), status: fc.constantFrom('delivered' as const, 'read' as const), at: fc.integer({min: 1, max: 100})})
		.map(({id, user, status, at}) => ({type: 'receipts-received' as const, receipts: [{messageId: `m${id}`, senderId: 'alice', status, userId: user, at}]})),
	fc
		.subarray([...OTHERS], {minLength: 1})
		.map((users) => ({type: 'members-loaded' as const, conversationId: ROOM, members: [fakeMember('alice', {role: 'admin'}), ...users.map((u) => fakeMember(u))]})),
	fc.constantFrom(ROOM, 'alice:bob').map((conversationId) => ({type: 'conversation-opened' as const, conversationId})),
);

const myMessages = (state: ChatState): ChatMessage[] => (state.threads[ROOM]?.messages ?? []).filter((m) => m.senderId === 'alice');

describe('rooms: member-aware receipts and unread', () => {
	it('✓✓ only when every current member delivered, read only when every one read; a tick never drops while members stay', () => {
		fc.assert(
			fc.property(fc.array(action, {maxLength: 40}), (actions) => {
				let state = initialState(me);
				for (const a of actions) {
					const next = chatReducer(state, a);
					const members = next.members[ROOM];
					for (const m of myMessages(next)) {
						const tick = tickOf(next, m);
						if (m.messageType === 'system' || !members) continue;
						const receipts = next.receipts[m.messageId] ?? {};
						const others = members.filter((x) => x.userId !== 'alice');
						if (tick === 'delivered' || tick === 'read') expect(others.every((x) => receipts[x.userId]?.delivered !== undefined)).toBe(true);
						if (tick === 'read') expect(others.every((x) => receipts[x.userId]?.read !== undefined)).toBe(true);
						// Same members as before: receipts only add, so the tick cannot go back.
						const before = myMessages(state).find((x) => x.messageId === m.messageId);
						if (before && state.members[ROOM] === members) expect(localRank(tick)).toBeGreaterThanOrEqual(localRank(tickOf(state, before)));
					}
					state = next;
				}
			}),
		);
	});

	it('one member’s receipt never moves a room message’s own status past ✓', () => {
		fc.assert(
			fc.property(fc.array(action, {maxLength: 40}), (actions) => {
				const state = actions.reduce(chatReducer, initialState(me));
				for (const m of myMessages(state)) expect(['pending', 'received_by_server']).toContain(m.status);
			}),
		);
	});

	it('unread counts others’ new messages once, never mine, and is 0 while the room is open', () => {
		fc.assert(
			fc.property(fc.array(action, {maxLength: 40}), (actions) => {
				let state = initialState(me);
				let expected = 0;
				const seen = new Set<string>();
				for (const a of actions) {
					if (a.type === 'conversation-opened' && a.conversationId === ROOM) expected = 0;
					if (a.type === 'messages-received' || a.type === 'message-sent') {
						const list = a.type === 'messages-received' ? a.messages : [a.message];
						for (const m of list) {
							if (seen.has(m.messageId)) continue;
							seen.add(m.messageId);
							if (m.senderId !== 'alice' && state.openConversationId !== ROOM) expected += 1;
						}
					}
					state = chatReducer(state, a);
					expect(state.conversations[ROOM]?.unread ?? 0).toBe(expected);
				}
			}),
		);
	});
});
