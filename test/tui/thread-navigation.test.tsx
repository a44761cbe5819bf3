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

/** The thread pane's columns of a frame (the list, 30 columns wide at 100, previews the last message too). */
const threadText = (frame: string): string =>
	frame
		.split('\n')
		.map((l) => [...l].slice(30).join(''))
		.join('\n');

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

	it('sending from an older page (a search hit) returns to the newest messages and shows mine with its tick', async () => {
		h = await openBob();
		h.port.emit({type: 'history-loaded', conversationId: 'alice:bob', mode: 'latest', hasMore: true, messages: page});
		await h.waitForText('bob line 49');
		h.port.searchAnswer = {hits: [{conversationId: 'alice:bob', conversationTitle: 'Bob', messageId: 'o25', senderId: 'bob', senderName: 'Bob', seq: 25, createdAt: at(29, 9, 25), snippet: 'old line 25', matches: [[0, 3]]}]};
		await h.press(KEYS.ctrl('f'));
		await h.type('old');
		await h.press(KEYS.enter);
		await h.waitForText('Enter opens');
		await h.press(KEYS.enter);
		// The page around the hit: 50 messages of yesterday, the hit in the middle of the pane, a gap after them.
		const older = Array.from({length: 50}, (_, i) => ({...fakeMessage('bob', 'alice', `old line ${i}`, {id: `o${i}`, seq: i}), createdAt: at(29, 9, i)}));
		h.port.emit({type: 'history-loaded', conversationId: 'alice:bob', mode: 'around', hasMore: true, hasNewer: true, focusSeq: 25, messages: older});
		await h.waitFor((f) => threadText(f).includes('old line 25') && !threadText(f).includes('old line 49'), 'the hit in the middle');
		await h.press(KEYS.tab); // thread → composer
		await h.type('on my way');
		await h.press(KEYS.enter);
		// Mine at the bottom of the thread at once, pending (◷); the latest page is asked for.
		await h.waitFor((f) => /on my way\s+◷/.test(threadText(f)), 'my message with its tick');
		expect(h.port.callsOf('loadLatest')).toEqual([['alice:bob', 50], ['alice:bob', 50]]);
		const [sent] = h.port.callsOf('sendMessage');
		expect(sent).toEqual(['alice:bob', 'on my way']);
		// The latest page holds it, stored (✓): the gap goes and it stays in view.
		const stored: ChatMessage = {...fakeMessage('alice', 'bob', 'on my way', {id: 'fake-1', seq: 200}), createdAt: at(30, 11, 59)};
		h.port.emit({type: 'history-loaded', conversationId: 'alice:bob', mode: 'latest', hasMore: true, messages: [...page.slice(1), stored]});
		const frame = await h.waitFor((f) => threadText(f).includes('bob line 49') && !f.includes('newer messages not shown'), 'back in the present');
		expect(threadText(frame)).toMatch(/on my way\s+✓/);
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
