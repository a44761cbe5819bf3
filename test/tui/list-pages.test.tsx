// The conversation list in pages (issue 12) through the real components: moving the selection
// down past the first page loads the next one and shows its rows; `/open` of a room further down
// than what is loaded finds it in PostgreSQL (the port) and opens it.
import {afterEach, describe, expect, it} from 'vitest';
import type {ConversationSummary} from '../../src/core/types.js';
import {KEYS, renderApp, type Harness} from './harness.js';

let h: Harness;
afterEach(() => h?.unmount());

const at = (m: number): number => Date.UTC(2026, 10, 22, 10, 0) - m * 60_000;
const room = (i: number): ConversationSummary => ({
	conversationId: `room-${i}`,
	kind: 'group',
	title: `Room ${String(i).padStart(2, '0')}`,
	topic: '',
	memberCount: 3,
	role: 'member',
	isMuted: false,
	unread: 0,
	lastActivityAt: at(i),
});
const rooms = (from: number, to: number) => Array.from({length: to - from}, (_, i) => room(from + i));

describe('the conversation list in pages', () => {
	it('loads the next page as the selection moves down past the first one, and shows its rows', async () => {
		h = renderApp();
		h.port.morePages = [rooms(10, 20), rooms(20, 25)];
		h.port.walked = new Set(rooms(0, 10).map((r) => r.conversationId));
		h.port.emit({type: 'conversations-loaded', conversations: rooms(0, 10), hasMore: true});
		await h.waitForText('Room 00');
		expect(h.port.callsOf('loadMoreConversations')).toHaveLength(0);
		for (let i = 0; i < 12; i++) await h.press(KEYS.down);
		expect(h.port.callsOf('loadMoreConversations').length).toBeGreaterThanOrEqual(1);
		// Rows of the second page are on screen under the selection, which went on past the first page's end.
		await h.waitForText('Room 12');
		for (let i = 0; i < 15; i++) await h.press(KEYS.down);
		await h.waitForText('Room 24');
		// Nothing of the first page was dropped on the way (a page removes no room).
		for (let i = 0; i < 25; i++) await h.press(KEYS.up);
		await h.waitForText('Room 00');
		// The last page said no more: the port is not asked again however far the selection goes.
		const asked = h.port.callsOf('loadMoreConversations').length;
		expect(asked).toBe(2);
		for (let i = 0; i < 5; i++) await h.press(KEYS.down);
		expect(h.port.callsOf('loadMoreConversations')).toHaveLength(asked);
	});

	it('/open of a room the loaded part does not have asks PostgreSQL and opens it', async () => {
		h = renderApp();
		h.port.emit({type: 'conversations-loaded', conversations: rooms(0, 3), hasMore: true});
		await h.waitForText('Room 00');
		h.port.stored.set('night shift', {...room(99), title: 'Night shift', topic: 'after hours'});
		await h.press(KEYS.tab);
		await h.type('/open Night shift');
		await h.press(KEYS.enter);
		await h.waitForText('# Night shift');
		expect(h.port.callsOf('findConversation')).toEqual([['Night shift']]);
		await h.type('/open Day shift');
		await h.press(KEYS.enter);
		await h.waitForText('no room named "Day shift"');
	});
});
