// Composer commands and typing indicators, driven through the real components.
import {afterEach, describe, expect, it} from 'vitest';
import {fakeMessage} from '../helpers/fake-port.js';
import {KEYS, renderApp, type Harness} from './harness.js';

let h: Harness;
afterEach(() => h?.unmount());

let clock = 0;
async function openBob(): Promise<void> {
	clock = 100_000;
	h = renderApp({now: () => clock});
	h.port.emit({type: 'conversations-loaded', conversations: [{conversationId: 'alice:bob', peerId: 'bob', title: 'Bob', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 0, lastActivityAt: 1}]});
	await h.waitForText('Bob');
	await h.press(KEYS.enter);
	await h.waitForText('Bob (bob)');
}
async function command(line: string): Promise<void> {
	await h.type(line);
	await h.press(KEYS.enter);
}

describe('composer commands', () => {
	it('sends plain text to the open conversation and clears the composer', async () => {
		await openBob();
		await command('hi there');
		expect(h.port.callsOf('sendMessage')).toEqual([['alice:bob', 'hi there']]);
		await h.waitForText('Alice: hi there');
		await h.waitForText('message, or /help');
	});

	it('/send checks the user and sends; an unknown user is a one-line error', async () => {
		await openBob();
		h.port.knownUsers = new Set(['bob', 'carol']);
		await command('/send carol lunch?');
		await h.waitForText('sent to carol');
		expect(h.port.callsOf('sendMessage')).toEqual([['alice:carol', 'lunch?']]);
		await command('/send nobody hello');
		await h.waitForText('unknown user "nobody"');
		expect(h.port.callsOf('sendMessage')).toHaveLength(1);
	});

	it('/broadcast, /typing, /away, /busy, /online reach the port', async () => {
		await openBob();
		await command('/broadcast hello all');
		await command('/typing bob');
		await command('/away out to lunch');
		await command('/busy');
		await command('/online');
		expect(h.port.callsOf('sendMessage')).toEqual([['all', 'hello all']]);
		expect(h.port.callsOf('sendTyping')).toContainEqual(['alice:bob', true]);
		expect(h.port.callsOf('setPresence')).toEqual([['away', 'out to lunch'], ['busy', undefined], ['online', undefined]]);
		await h.waitForText('you are online');
	});

	it('/history [n] and /history --before <date> load through the port', async () => {
		await openBob();
		await command('/history 5');
		await command('/history --before 2026-11-01');
		expect(h.port.callsOf('loadLatest')).toEqual([['alice:bob', 50], ['alice:bob', 5]]);
		expect(h.port.callsOf('loadBefore')).toEqual([['alice:bob', new Date(Date.UTC(2026, 10, 1)), 50]]);
	});

	it('/status lists my recent messages and their states in words', async () => {
		await openBob();
		h.port.status = [
			{message: fakeMessage('alice', 'bob', 'first', {id: 's1', status: 'read'}), receipts: []},
			{message: fakeMessage('alice', 'carol', 'second', {id: 's2', at: 1, status: 'received_by_server'}), receipts: []},
		];
		await command('/status');
		const frame = await h.waitForText('to carol');
		expect(frame).toContain('10:00 to bob: read — first');
		expect(frame).toContain('10:01 to carol: stored by the server — second');
		await h.press(KEYS.escape);
		await h.waitFor((f) => !f.includes('My recent messages'), 'status closed');
	});

	it('/open opens a conversation; /info shows my last message; /help; /quit', async () => {
		await openBob();
		await command('/open carol');
		await h.waitForText('carol (carol)');
		expect(h.port.callsOf('loadLatest').at(-1)).toEqual(['alice:carol', 50]);
		await command('ping');
		await h.waitForText('Alice: ping');
		await command('/info');
		await h.waitForText('Message info');
		expect(h.port.callsOf('messageInfo')).toEqual([['fake-1', 'alice']]);
		await h.press(KEYS.escape);
		await command('/help');
		await h.waitForText('Help — Esc or ? closes');
		await h.press(KEYS.escape);
		await command('/quit');
		expect(h.port.listenerCount).toBe(0);
	});

	it('/notify off mutes this conversation; /notify desktop global changes the rest', async () => {
		await openBob();
		await command('/notify off');
		await h.waitForText('notifications off for this conversation');
		await command('/open carol');
		await h.waitForText('carol (carol)');
		h.port.emit({type: 'messages-received', messages: [fakeMessage('bob', 'alice', 'muted one', {id: 'n1'})]});
		expect(h.notifications).toEqual([]);
		await command('/notify desktop global');
		await h.waitForText('notifications desktop everywhere');
		h.port.emit({type: 'messages-received', messages: [fakeMessage('dave', 'alice', 'hey', {id: 'n2'})]});
		expect(h.notifications).toEqual([{kind: 'notify', conversationId: 'alice:dave', mode: 'desktop', title: 'Dave', body: 'hey'}]);
	});

	it('shows a one-line error for unknown commands and bad arguments, and keeps going', async () => {
		await openBob();
		await command('/frobnicate');
		// The refused line stays in the composer to fix (nothing typed is lost).
		expect(await h.waitForText('unknown command /frobnicate — type /help')).toContain('› /frobnicate');
		await h.press(KEYS.ctrl('u'));
		await command('/history lots');
		expect(await h.waitForText('/history takes a count')).toContain('› /history lots');
		await h.press(KEYS.ctrl('u'));
		await command('still works');
		expect(h.port.callsOf('sendMessage')).toEqual([['alice:bob', 'still works']]);
	});
});

describe('typing indicators from the composer', () => {
	it('sends isTyping:true at most every 3 s while typing and false when emptied or sent', async () => {
		await openBob();
		await h.type('he');
		expect(h.port.callsOf('sendTyping')).toEqual([['alice:bob', true]]);
		clock += 3_000;
		await h.type('y');
		expect(h.port.callsOf('sendTyping')).toEqual([['alice:bob', true], ['alice:bob', true]]);
		await h.press(KEYS.backspace, KEYS.backspace, KEYS.backspace);
		expect(h.port.callsOf('sendTyping')).toEqual([['alice:bob', true], ['alice:bob', true], ['alice:bob', false]]);
		await h.type('yo');
		await h.press(KEYS.enter);
		expect(h.port.callsOf('sendTyping').slice(3)).toEqual([['alice:bob', true], ['alice:bob', false]]);
		expect(h.port.callsOf('sendMessage')).toEqual([['alice:bob', 'yo']]);
	});

	it('keeps shortcut letters out of the composer and keeps the draft behind overlays', async () => {
		await openBob();
		await h.type('draft');
		await h.press(KEYS.ctrl('k'));
		await h.waitForText('Switch to');
		await h.press(KEYS.escape);
		await h.waitForText('› draft');
		await h.press(KEYS.ctrl('n'), KEYS.ctrl('d'));
		const frame = await h.waitForText('› draft');
		expect(frame).not.toMatch(/› draft[knd]/);
		// Ctrl+U is the readline kill to the start of the line here, not a page key.
		await h.press(KEYS.ctrl('u'));
		await h.waitForText('message, or /help');
	});

	it('never shows myself typing', async () => {
		await openBob();
		h.port.emit({type: 'typing-changed', userId: 'alice', name: 'Alice', conversationId: 'alice:bob', isTyping: true, at: clock});
		h.port.emit({type: 'messages-received', messages: [fakeMessage('bob', 'alice', 'marker', {id: 'mk'})]});
		const frame = await h.waitForText('marker');
		expect(frame).not.toContain('typing…');
	});
});
