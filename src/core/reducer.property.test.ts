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

describe('chatReducer properties: edits, deletes, reactions (issue 10)', () => {
	const original: ChatMessage = {
		messageId: 'e1',
		messageType: 'text',
		seq: 7,
		senderId: 'bob',
		senderName: 'Bob',
		receiverId: 'alice',
		conversationId: 'alice:bob',
		content: 'v0',
		createdAt: 100,
		status: 'received_by_server',
	};
	const at = (v: number): Pick<ChatMessage, 'content' | 'version' | 'editedAt'> => ({content: `v${v}`, ...(v > 0 ? {version: v, editedAt: 1000 + v} : {})});
	const base = {conversationId: 'alice:bob', messageId: 'e1', senderId: 'bob'};
	type Step =
		| {kind: 'stored' | 'live' | 'edit'; version: number}
		| {kind: 'delete'}
		| {kind: 'react'; emoji: string; userId: string; isOn: boolean};
	const step: fc.Arbitrary<Step> = fc.oneof(
		fc.record({kind: fc.constantFrom('stored' as const, 'live' as const, 'edit' as const), version: fc.integer({min: 0, max: 6})}),
		fc.constant({kind: 'delete' as const}),
		fc.record({kind: fc.constant('react' as const), emoji: fc.constantFrom('👍', '🎉'), userId: fc.constantFrom('alice', 'carol'), isOn: fc.boolean()}),
	);
	const toAction = (s: Step): ChatAction => {
		switch (s.kind) {
			case 'stored':
				return {type: 'history-loaded', conversationId: 'alice:bob', messages: [{...original, ...at(s.version)}], mode: 'latest', hasMore: false};
			case 'live': {
				const {seq: _none, ...live} = original;
				return {type: 'messages-received', messages: [{...live, ...at(s.version)}]};
			}
			case 'edit':
				return {type: 'messages-changed', changes: [{kind: 'edit', ...base, content: `v${s.version}`, version: s.version, editedAt: 1000 + s.version}]};
			case 'delete':
				return {type: 'messages-changed', changes: [{kind: 'delete', ...base, deletedBy: 'bob', deletedAt: 9}]};
			case 'react':
				return {type: 'messages-changed', changes: [{kind: 'reaction', ...base, emoji: s.emoji, userId: s.userId, isOn: s.isOn, at: 1}]};
		}
	};

	it('shows the highest version seen in any order of live copies, stored copies and edits; a delete wins and is final; reactions end as their last toggle', () => {
		fc.assert(
			fc.property(fc.array(step, {maxLength: 30}), (steps) => {
				let state = chatReducer(initialState(me), {type: 'history-loaded', conversationId: 'alice:bob', messages: [original], mode: 'latest', hasMore: false});
				let wasDeleted = false;
				for (const s of steps) {
					state = chatReducer(state, toAction(s));
					const m = state.threads['alice:bob']!.messages.find((x) => x.messageId === 'e1')!;
					// Once deleted, always deleted (no copy or edit brings the text back).
					if (wasDeleted) expect(m).toMatchObject({content: '', deletedAt: 9});
					wasDeleted ||= m.deletedAt !== undefined;
				}
				const messages = state.threads['alice:bob']!.messages.filter((x) => x.messageId === 'e1');
				expect(messages).toHaveLength(1);
				const m = messages[0]!;
				if (steps.some((s) => s.kind === 'delete')) {
					expect(m).toMatchObject({content: '', deletedAt: 9, deletedBy: 'bob'});
					expect(m.reactions).toBeUndefined();
					return;
				}
				const highest = Math.max(0, ...steps.map((s) => ('version' in s ? s.version : 0)));
				expect(m.content).toBe(`v${highest}`);
				expect(m.version ?? 0).toBe(highest);
				const expected: Record<string, string[]> = {};
				const last = new Map<string, boolean>();
				for (const s of steps) if (s.kind === 'react') last.set(`${s.emoji} ${s.userId}`, s.isOn);
				for (const [key, isOn] of last) {
					const [emoji, userId] = key.split(' ') as [string, string];
					if (isOn) (expected[emoji] ??= []).push(userId);
				}
				const actual = Object.fromEntries(Object.entries(m.reactions ?? {}).map(([e, users]) => [e, [...users].sort()]));
				expect(actual).toEqual(Object.fromEntries(Object.entries(expected).map(([e, users]) => [e, users.sort()])));
			}),
		);
	});
});
