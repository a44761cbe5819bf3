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
