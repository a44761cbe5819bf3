// Time, the thread and navigation on screen: day separators, time-only rows, 40 columns,
// landing on the first unread, back from /history --before, and Ctrl+K beyond the list.
import {afterEach, describe, expect, it} from 'vitest';
import {displayWidth} from '../../src/core/text-layout.js';
import type {ChatMessage} from '../../src/core/types.js';
import {fakeMessage} from '../helpers/fake-port.js';
import {KEYS, renderApp, type Harness} from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

// Monday 30 November 2026, 12:00 UTC; the harness shows times in UTC.
const NOW = Date.UTC(2026, 10, 30, 12, 0);
const at = (day: number, hour: number, minute = 0): number => Date.UTC(2026, 10, day, hour, minute);
const bob = (n: number, createdAt: number, seq = n): ChatMessage => ({...fakeMessage('bob', 'alice', `bob line ${n}`, {id: `b${n}`, seq}), createdAt});
const listed = (unread = 0) => ({
	type: 'conversations-loaded' as const,
	conversations: [{conversationId: 'alice:bob', peerId: 'bob', title: 'Bob', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread, lastActivityAt: at(30, 11, 59), lastMessage: {senderId: 'bob', senderName: 'bob', messageType: 'text' as const, content: 'hi', createdAt: at(30, 11, 59)}}],
});

async function openBob(unread = 0, size?: {columns: number; rows: number}): Promise<Harness> {
	const harness = renderApp({now: () => NOW, ...(size ? {size} : {})});
	harness.port.emit({type: 'clock-ticked', now: NOW}, listed(unread));
	await harness.waitForText('Bob');
	await harness.press(KEYS.enter);
	await harness.waitForText('Bob (bob)');
	return harness;
}

describe('time in the thread and the list', () => {
	it('separates days (Yesterday, Today, Mon 23 Nov) and shows only the time on each row', async () => {
		h = await openBob();
		h.port.emit({type: 'history-loaded', conversationId: 'alice:bob', mode: 'latest', hasMore: false, messages: [bob(1, at(23, 9, 15)), bob(2, at(29, 18, 40)), bob(3, at(30, 8, 5))]});
		const frame = await h.waitForText('bob line 3');
		const lines = frame.split('\n');
		const index = (text: string): number => lines.findIndex((l) => l.includes(text));
		expect(index('Mon 23 Nov')).toBeLessThan(index('bob line 1'));
		expect(index('Yesterday')).toBeLessThan(index('bob line 2'));
		expect(index('Today')).toBeLessThan(index('bob line 3'));
		expect(lines[index('bob line 3')]).toMatch(/08:05 Bob: bob line 3/);
		expect(frame).not.toMatch(/2026-11-\d\d \d\d:\d\d Bob/);
		// The list: only the time for a message today.
		expect(frame).toMatch(/Bob\s+11:59/);
	});

	it('keeps every word at 40 columns (the thread is 22 columns wide there)', async () => {
		h = await openBob(0, {columns: 40, rows: 20});
		h.port.emit({type: 'history-loaded', conversationId: 'alice:bob', mode: 'latest', hasMore: false, messages: [{...bob(149, at(30, 11, 58)), senderName: 'Erin', content: 'erin bulk message number 149'}]});
		const frame = await h.waitForText('149');
		for (const line of frame.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(40);
		// The thread pane's message rows only (the list, 16 columns wide, shows a preview of the text).
		const lines = frame.split('\n');
		const from = lines.findIndex((l) => l.includes('Today'));
		const to = lines.findIndex((l, i) => i > from && l.includes('╰'));
		const words = lines
			.slice(from + 1, to)
			.map((l) => [...l].slice(16).join('').replaceAll('│', ' '))
			.join(' ')
			.split(/\s+/)
			.filter(Boolean);
		expect(words.slice(0, 2)).toEqual(['11:58', 'Erin:']);
		words.splice(0, 2);
		expect(words).toEqual(['erin', 'bulk', 'message', 'number', '149']);
	});

	it('draws a message with newlines as separate lines', async () => {
		h = await openBob();
		h.port.emit({type: 'history-loaded', conversationId: 'alice:bob', mode: 'latest', hasMore: false, messages: [{...bob(1, at(30, 11)), content: 'roses are red\nviolets are blue'}]});
		const frame = await h.waitForText('violets');
		const lines = frame.split('\n');
		const first = lines.findIndex((l) => l.includes('roses are red'));
		expect(lines[first + 1]).toContain('violets are blue');
		// Aligned under the text, not under the time.
		expect(lines[first + 1]!.indexOf('violets')).toBe(lines[first]!.indexOf('roses'));
		expect(frame).not.toContain('␊');
	});
});

describe('navigation', () => {
	const page = Array.from({length: 50}, (_, i) => bob(i, at(30, 10, i)));

	it('opening a conversation with unread messages lands on the "new messages" divider', async () => {
		h = await openBob(40);
		h.port.emit({type: 'history-loaded', conversationId: 'alice:bob', mode: 'latest', hasMore: true, messages: page});
		const frame = await h.waitForText('new messages');
		const lines = frame.split('\n');
		const divider = lines.findIndex((l) => l.includes('new messages'));
		expect(lines[divider + 1]).toContain('bob line 10');
		expect(frame).not.toContain('bob line 49');
	});

	it('after /history --before, End returns to the present; live messages wait below a gap marker', async () => {
		h = await openBob();
		h.port.emit({type: 'history-loaded', conversationId: 'alice:bob', mode: 'latest', hasMore: true, messages: page.slice(40)});
		await h.waitForText('bob line 49');
		await h.type('/history --before 2026-11-30T10:05');
		await h.press(KEYS.enter);
		expect(h.port.callsOf('loadBefore')).toEqual([['alice:bob', new Date(at(30, 10, 5)), 50]]);
		h.port.emit({type: 'history-loaded', conversationId: 'alice:bob', mode: 'before', hasMore: false, hasNewer: true, messages: page.slice(0, 5)});
		await h.waitForText('newer messages not shown');
		h.port.emit({type: 'messages-received', messages: [{...fakeMessage('bob', 'alice', 'live while away', {id: 'live'}), createdAt: at(30, 11, 59)}]});
		const frame = await h.waitForText('live while away');
		const lines = frame.split('\n');
		// findLastIndex: the list's preview shows the live message too, near the top.
		expect(lines.findIndex((l) => l.includes('newer messages not shown'))).toBeLessThan(lines.findLastIndex((l) => l.includes('live while away')));
		await h.press(KEYS.tab, KEYS.tab); // composer → list → thread
		await h.waitFor(() => true);
		await h.press(KEYS.end);
		await h.waitFor(() => h!.port.callsOf('loadLatest').length === 2, 'latest page asked again');
		h.port.emit({type: 'history-loaded', conversationId: 'alice:bob', mode: 'latest', hasMore: true, messages: page.slice(40)});
		await h.waitFor((f) => f.includes('bob line 49') && !f.includes('newer messages not shown'), 'back in the present');
	});

	it('Ctrl+K finds people the server knows who are not in the list, and opens them', async () => {
		h = renderApp({now: () => NOW});
		h.port.users = [{userId: 'zoe', name: 'Zoe Quinn'}, {userId: 'bob', name: 'Bob'}];
		h.port.emit({type: 'clock-ticked', now: NOW}, listed());
		await h.waitForText('Bob');
		await h.press(KEYS.ctrl('k'));
		await h.type('quin');
		await h.waitForText('Zoe Quinn (zoe)');
		expect(h.port.callsOf('searchUsers').at(-1)).toEqual(['quin', 50]);
		await h.press(KEYS.enter);
		await h.waitForText('Zoe Quinn (zoe)');
		expect(h.port.callsOf('loadLatest')).toEqual([['alice:zoe', 50]]);
	});
});
