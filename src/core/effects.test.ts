import {describe, expect, it} from 'vitest';
import {fakeMessage} from '../../test/helpers/fake-port.js';
import type {ChatAction} from './actions.js';
import {planEffects} from './effects.js';
import {chatReducer} from './reducer.js';
import {initialState, type ChatState} from './state.js';

const me = {userId: 'alice', name: 'Alice'};
const plan = (state: ChatState, action: ChatAction) => planEffects(state, action, chatReducer(state, action));

describe('planEffects: notifications', () => {
	const bob = fakeMessage('bob', 'alice', 'ping\u001b[31m', {id: 'b1'});

	it('notifies for a new message elsewhere with the configured mode, sanitized', () => {
		const effects = plan(initialState(me, {notify: {mode: 'both'}}), {type: 'messages-received', messages: [bob]});
		expect(effects).toEqual([{kind: 'notify', conversationId: 'alice:bob', mode: 'both', title: 'Bob', body: expect.not.stringContaining('\u001b')}]);
	});

	it('never notifies for my own messages, a redelivery, or a muted conversation', () => {
		const s = initialState(me);
		expect(plan(s, {type: 'messages-received', messages: [fakeMessage('alice', 'bob', 'mine', {id: 'a1'})]})).toEqual([]);
		const seen = chatReducer(s, {type: 'messages-received', messages: [bob]});
		expect(plan(seen, {type: 'messages-received', messages: [bob]})).toEqual([]);
		const muted = chatReducer(s, {type: 'notify-configured', mode: 'off', conversationId: 'alice:bob'});
		expect(plan(muted, {type: 'messages-received', messages: [bob]})).toEqual([]);
		const offGlobal = chatReducer(s, {type: 'notify-configured', mode: 'off'});
		const perConv = chatReducer(offGlobal, {type: 'notify-configured', mode: 'desktop', conversationId: 'alice:bob'});
		expect(plan(perConv, {type: 'messages-received', messages: [bob]})).toMatchObject([{mode: 'desktop'}]);
	});

	it('rings once per conversation for a burst', () => {
		const burst = Array.from({length: 100}, (_, i) => fakeMessage('bob', 'alice', `m${i}`, {id: `burst${i}`, at: i}));
		const effects = plan(initialState(me), {type: 'messages-received', messages: burst});
		expect(effects).toHaveLength(1);
		expect(effects[0]).toMatchObject({kind: 'notify', body: 'm99'});
	});

	it('loads info and status when their overlays open, and quits once', () => {
		const s = initialState(me);
		expect(plan(s, {type: 'overlay-opened', overlay: {kind: 'info', messageId: 'x'}})).toEqual([{kind: 'load-info', messageId: 'x'}]);
		expect(plan(s, {type: 'overlay-opened', overlay: {kind: 'status'}})).toEqual([{kind: 'load-status'}]);
		expect(plan(s, {type: 'quit-requested'})).toEqual([{kind: 'quit'}]);
	});
});

describe('planEffects: mentions (issue 10)', () => {
	const room = (isMuted: boolean): ChatState =>
		chatReducer(initialState(me), {
			type: 'conversations-loaded',
			conversations: [{conversationId: 'room-1', kind: 'group', title: 'Ops', topic: '', memberCount: 3, isMuted, unread: 0, lastActivityAt: 0}],
		});
	const mention = fakeMessage('dave', 'room-1', 'hey @alice, look', {id: 'd1', name: 'Dave'});
	const plain = fakeMessage('dave', 'room-1', 'hey all', {id: 'd2', name: 'Dave'});

	it('a mention of me notifies even in a muted room, titled as a mention', () => {
		expect(plan(room(true), {type: 'messages-received', messages: [plain]})).toEqual([]);
		expect(plan(room(true), {type: 'messages-received', messages: [plain, mention]})).toContainEqual({
			kind: 'notify',
			conversationId: 'room-1',
			mode: 'bell',
			title: 'Dave mentioned you in #Ops',
			body: 'hey @alice, look',
		});
	});

	it('not when notifications are off, and the stored mentions list counts over the text', () => {
		const off = chatReducer(room(true), {type: 'notify-configured', mode: 'off'});
		expect(plan(off, {type: 'messages-received', messages: [mention]}).filter((e) => e.kind === 'notify')).toEqual([]);
		const notMe = {...mention, id: 'd3', messageId: 'd3', mentions: ['bob']};
		expect(plan(room(true), {type: 'messages-received', messages: [notMe]}).filter((e) => e.kind === 'notify')).toEqual([]);
	});

	it('counts unread mentions per conversation for the list marker; opening clears it', () => {
		const s = chatReducer(room(false), {type: 'messages-received', messages: [mention, plain, mention]});
		expect(s.unreadMentions).toEqual({'room-1': 1});
		expect(chatReducer(s, {type: 'conversation-opened', conversationId: 'room-1'}).unreadMentions).toEqual({});
	});

	it('asks for the away summary once, after the first conversation list', () => {
		const first = plan(initialState(me), {type: 'conversations-loaded', conversations: []});
		expect(first).toContainEqual({kind: 'load-away'});
		const again = room(false);
		expect(plan(again, {type: 'conversations-loaded', conversations: []})).not.toContainEqual({kind: 'load-away'});
	});
});
