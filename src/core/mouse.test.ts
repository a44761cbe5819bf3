import {describe, expect, it} from 'vitest';
import type {ChatAction} from './actions.js';
import {calculateLayout} from './layout.js';
import {mouseToAction, WHEEL_ROWS} from './mouse.js';
import {chatReducer} from './reducer.js';
import {initialState, type ChatState} from './state.js';

const fold = (state: ChatState, ...actions: ChatAction[]): ChatState => actions.reduce(chatReducer, state);
const state = fold(initialState({userId: 'alice', name: 'Alice'}, {viewport: {columns: 100, rows: 30}}), {
	type: 'conversations-loaded',
	conversations: ['bob', 'carol', 'dave'].map((peer, i) => ({conversationId: `alice:${peer}`, peerId: peer, title: peer, kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 0, lastActivityAt: 10 - i})),
});
const layout = calculateLayout(100, 30);

describe('mouseToAction', () => {
	it('opens the conversation clicked in the list (two rows per entry below the border)', () => {
		expect(mouseToAction({action: 'press', x: 3, y: 2}, state)).toEqual({type: 'conversation-opened', conversationId: 'alice:bob'});
		expect(mouseToAction({action: 'press', x: 3, y: 5}, state)).toEqual({type: 'conversation-opened', conversationId: 'alice:carol'});
		expect(mouseToAction({action: 'press', x: 3, y: 6}, state)).toEqual({type: 'conversation-opened', conversationId: 'alice:dave'});
		expect(mouseToAction({action: 'press', x: 3, y: 8}, state)).toBeUndefined();
		expect(mouseToAction({action: 'press', x: 3, y: 1}, state)).toBeUndefined();
	});

	it('scrolls the thread with the wheel, wherever the pointer is', () => {
		const x = layout.listWidth + 5;
		expect(mouseToAction({action: 'wheel-up', x, y: 5}, state)).toEqual({type: 'thread-scrolled', by: WHEEL_ROWS});
		expect(mouseToAction({action: 'wheel-down', x, y: 5}, state)).toEqual({type: 'thread-scrolled', by: -WHEEL_ROWS});
		expect(mouseToAction({action: 'wheel-down', x: 2, y: 5}, state)).toEqual({type: 'thread-scrolled', by: -WHEEL_ROWS});
	});

	it('focuses the thread or the composer on a click there; overlays take no mouse input', () => {
		const x = layout.listWidth + 5;
		expect(mouseToAction({action: 'press', x, y: 3}, state)).toEqual({type: 'focus-moved', pane: 'thread'});
		expect(mouseToAction({action: 'press', x, y: layout.threadBoxRows + 2}, state)).toEqual({type: 'focus-moved', pane: 'composer'});
		expect(mouseToAction({action: 'press', x, y: 3}, {...state, overlay: {kind: 'help'}})).toBeUndefined();
	});
});
