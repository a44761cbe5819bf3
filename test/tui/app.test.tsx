import chalk from 'chalk';
import {afterEach, describe, expect, it} from 'vitest';
import {fakeMessage} from '../helpers/fake-port.js';
import {KEYS, renderApp, type Harness} from './harness.js';

let h: Harness | undefined;
afterEach(() => {
	h?.unmount();
	chalk.level = 0;
});

const conversations = {
	type: 'conversations-loaded' as const,
	conversations: [
		{conversationId: 'alice:bob', peerId: 'bob', title: 'Bob', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 0, lastActivityAt: Date.UTC(2026, 10, 22, 10, 5), lastMessage: {senderId: 'bob', senderName: 'bob', messageType: 'text' as const, content: 'see you', createdAt: Date.UTC(2026, 10, 22, 10, 5)}},
		{conversationId: 'alice:carol', peerId: 'carol', title: 'Carol', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 2, lastActivityAt: Date.UTC(2026, 10, 22, 10, 1), lastMessage: {senderId: 'carol', senderName: 'carol', messageType: 'text' as const, content: 'ping?', createdAt: Date.UTC(2026, 10, 22, 10, 1)}},
	],
};

async function openBob(): Promise<Harness> {
	const harness = renderApp();
	h = harness;
	harness.port.emit(conversations);
	await harness.waitForText('Carol');
	await harness.press(KEYS.enter);
	await harness.waitForText('Bob (bob)');
	return harness;
}

describe('App panes', () => {
	it('shows an unread count that reached the cap as 1000+ (counts stop there), in the list and the switcher', async () => {
		h = renderApp();
		h.port.emit({type: 'conversations-loaded', conversations: [{...conversations.conversations[1]!, unread: 1000}]});
		expect(await h.waitForText('Carol')).toMatch(/Carol\s+\(1000\+\) 10:01/);
		await h.press(KEYS.ctrl('k'));
		expect(await h.waitForText('unread')).toContain('Carol (carol) · 1000+ unread');
	});

	it('shows the list with presence, unread, preview and time; the status bar shows me and the services', async () => {
		h = renderApp();
		expect(h.port.callsOf('loadConversations')).toHaveLength(1);
		h.port.emit(conversations, {
			type: 'presence-changed',
			presences: [
				{userId: 'bob', name: 'Bob', state: 'online', statusMessage: '', at: 1},
				{userId: 'carol', name: 'Carol', state: 'offline', statusMessage: '', at: Date.UTC(2026, 10, 22, 9, 58)},
			],
		});
		h.port.emit({type: 'connection-changed', service: 'broker', state: 'up'}, {type: 'connection-changed', service: 'database', state: 'down', detail: 'connection refused — retrying in 2 s'});
		const frame = await h.waitForText('broker up');
		expect(frame).toMatch(/● Bob\s+10:05/);
		expect(frame).toMatch(/○ Carol\s+\(2\) 10:01/);
		expect(frame).toContain('see you');
		expect(frame).toContain('Alice (alice)');
		expect(frame).toContain('db down');
		expect(frame).toContain('database: connection refused — retrying in 2 s');
		// Bob sorts first (newer activity).
		expect(frame.indexOf('Bob')).toBeLessThan(frame.indexOf('Carol'));
	});

	it('opens a conversation with Enter: loads the latest page and focuses the composer', async () => {
		h = await openBob();
		expect(h.port.callsOf('loadLatest')).toEqual([['alice:bob', 50]]);
		expect(h.frame()).toContain('message, or /help');
	});
});

describe('App thread', () => {
	it('shows ◷ pending, ✓ stored, ✓✓ delivered and ✓✓ read for my messages', async () => {
		h = await openBob();
		await h.type('hello bob');
		await h.press(KEYS.enter);
		expect(h.port.callsOf('sendMessage')).toEqual([['alice:bob', 'hello bob']]);
		await h.waitFor((f) => /hello bob\s+◷/.test(f), 'pending clock');
		const receipt = (status: 'received_by_server' | 'delivered' | 'read') =>
			h!.port.emit({type: 'receipts-received', receipts: [{messageId: 'fake-1', status, userId: status === 'received_by_server' ? 'alice' : 'bob', at: 1}]});
		h.port.emit({type: 'receipts-received', receipts: []});
		receipt('received_by_server');
		await h.waitFor((f) => /hello bob\s+✓(?!✓)/.test(f), 'stored tick');
		// ✓✓ is drawn for delivered and for read: only the colour tells them apart (grey, then bold cyan).
		chalk.level = 1;
		const tickOf = (frame: string): string | undefined => /hello bob\s*((?:\u001b\[[0-9;]*m)*✓✓)/.exec(frame.split('\n').find((l) => l.includes('hello bob')) ?? '')?.[1];
		receipt('delivered');
		const delivered = tickOf(await h.waitFor((f) => tickOf(f) !== undefined, 'delivered ticks'));
		expect(delivered).toContain('\u001b[90m');
		expect(delivered).not.toContain('\u001b[36m');
		receipt('read');
		const read = tickOf(await h.waitFor((f) => tickOf(f)?.includes('\u001b[36m') === true, 'read ticks in cyan'));
		expect(read).toContain('\u001b[1m');
	});

	it('marks incoming messages in the open conversation read and notifies for others', async () => {
		h = await openBob();
		const fromBob = fakeMessage('bob', 'alice', 'are you there?', {id: 'in1'});
		const fromCarol = fakeMessage('carol', 'alice', 'psst', {id: 'in2'});
		h.port.emit({type: 'messages-received', messages: [fromBob, fromCarol]});
		await h.waitForText('are you there?');
		expect(h.port.callsOf('markRead')).toEqual([[['in1']]]);
		expect(h.notifications).toEqual([{kind: 'notify', conversationId: 'alice:carol', mode: 'bell', title: 'Carol', body: 'psst'}]);
		await h.waitFor((f) => /Carol\s+\(3\)/.test(f), 'carol unread 3');
	});

	it('shows "Bob is typing…" and ✎ typing… in the list until it expires', async () => {
		h = await openBob();
		h.port.emit({type: 'typing-changed', userId: 'bob', name: 'Bob', conversationId: 'alice:bob', isTyping: true, at: 1_000});
		h.port.emit({type: 'typing-changed', userId: 'carol', name: 'Carol', conversationId: 'alice:carol', isTyping: true, at: 1_000});
		const frame = await h.waitForText('Bob is typing…');
		expect(frame.match(/✎ typing…/g)).toHaveLength(2);
		h.port.emit({type: 'clock-ticked', now: 1_000 + 6_000});
		await h.waitFor((f) => !f.includes('typing…'), 'typing gone');
	});

	it('draws the new-messages divider and wraps long lines inside the pane', async () => {
		h = renderApp();
		h.port.emit(conversations);
		await h.waitForText('Carol');
		await h.press(KEYS.ctrl('n'));
		await h.waitForText('Carol (carol)');
		h.port.emit({
			type: 'history-loaded',
			conversationId: 'alice:carol',
			mode: 'latest',
			hasMore: false,
			messages: [
				fakeMessage('carol', 'alice', 'read long ago', {id: 'c1', seq: 1}),
				fakeMessage('carol', 'alice', 'first unread '.repeat(12), {id: 'c2', at: 1, seq: 2}),
				fakeMessage('carol', 'alice', 'ping?', {id: 'c3', at: 2, seq: 3}),
			],
		});
		const frame = await h.waitForText('new messages');
		const lines = frame.split('\n');
		const divider = lines.findIndex((l) => l.includes('new messages'));
		expect(lines.findIndex((l) => l.includes('read long ago'))).toBeLessThan(divider);
		expect(lines.findIndex((l) => l.includes('first unread'))).toBeGreaterThan(divider);
		expect(lines.filter((l) => l.includes('first unread')).length).toBeGreaterThan(1);
		for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
		expect(h.port.callsOf('markRead')).toEqual([[['c2', 'c3']]]);
	});

	it('loads older pages by keyset when scrolled to the top', async () => {
		h = await openBob();
		const page = Array.from({length: 50}, (_, i) => fakeMessage(i % 2 ? 'bob' : 'alice', i % 2 ? 'alice' : 'bob', `line ${i}`, {id: `p${i}`, at: i, seq: 1000 + i}));
		h.port.emit({type: 'history-loaded', conversationId: 'alice:bob', mode: 'latest', hasMore: true, messages: page});
		await h.waitForText('Bob: line 49');
		await h.press(KEYS.pageUp);
		await h.waitFor((f) => !f.includes('Bob: line 49'), 'scrolled a page');
		await h.press(KEYS.pageUp, KEYS.pageUp);
		await h.waitForText('loading older messages');
		expect(h.port.callsOf('loadOlder')).toEqual([['alice:bob', 1000, 50]]);
		h.port.emit({type: 'history-loaded', conversationId: 'alice:bob', mode: 'older', hasMore: false, messages: [fakeMessage('bob', 'alice', 'the very first', {id: 'p-1', at: -1, seq: 7})]});
		await h.press(KEYS.pageUp);
		await h.waitForText('the very first');
		await h.waitForText('start of the conversation');
		await h.press(KEYS.pageDown, KEYS.pageDown, KEYS.pageDown, KEYS.pageDown);
		await h.waitForText('Bob: line 49');
	});
});

describe('App failures', () => {
	it('shows a failed older page in the status bar and retries on the next scroll', async () => {
		h = await openBob();
		const page = Array.from({length: 50}, (_, i) => fakeMessage('bob', 'alice', `line ${i}`, {id: `f${i}`, at: i, seq: 500 + i}));
		h.port.emit({type: 'history-loaded', conversationId: 'alice:bob', mode: 'latest', hasMore: true, messages: page});
		await h.waitForText('Bob: line 49');
		h.port.loadOlder = async () => {
			throw new Error('database is down');
		};
		await h.press(KEYS.pageUp, KEYS.pageUp, KEYS.pageUp);
		await h.waitForText('loading older messages failed: database is down');
		await h.waitForText('PgUp for older messages');
		let retried = 0;
		h.port.loadOlder = async () => {
			retried += 1;
		};
		await h.press(KEYS.pageUp);
		expect(retried).toBe(1);
	});
});
