// Every key the help overlay lists is pressed here and its effect checked on screen or on the port.
import {afterEach, describe, expect, it} from 'vitest';
import {COMPOSER_KEYS} from '../../src/core/key-help.js';
import {DEFAULT_KEYMAP, KEY_ACTIONS, type KeyAction} from '../../src/core/keymap.js';
import {fakeMember, fakeMessage} from '../helpers/fake-port.js';
import {KEYS, renderApp, type Harness} from './harness.js';

let h: Harness;
afterEach(() => h?.unmount());

const SPEC_BYTES: Record<string, string> = {
	tab: KEYS.tab,
	'shift+tab': KEYS.shiftTab,
	up: KEYS.up,
	down: KEYS.down,
	enter: KEYS.enter,
	pageup: KEYS.pageUp,
	pagedown: KEYS.pageDown,
	home: KEYS.home,
	end: KEYS.end,
	escape: KEYS.escape,
	'shift+up': KEYS.shiftUp,
	'shift+down': KEYS.shiftDown,
	'ctrl+k': KEYS.ctrl('k'),
	'ctrl+n': KEYS.ctrl('n'),
	'ctrl+c': KEYS.ctrl('c'),
};
const exercised = new Set<string>();
/** Press the key of a spec from the default key map, recording that it was covered. */
async function key(spec: string): Promise<void> {
	exercised.add(spec);
	await h.press(SPEC_BYTES[spec] ?? spec);
}

const at = (m: number): number => Date.UTC(2026, 10, 22, 10, m);
const list = {
	type: 'conversations-loaded' as const,
	conversations: [
		{conversationId: 'alice:bob', peerId: 'bob', title: 'Bob', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 0, lastActivityAt: at(9)},
		{conversationId: 'alice:carol', peerId: 'carol', title: 'Carol', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 2, lastActivityAt: at(8)},
		{conversationId: 'alice:dave', peerId: 'dave', title: 'Dave', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 0, lastActivityAt: at(7)},
		{conversationId: 'alice:erin', peerId: 'erin', title: 'Erin', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 4, lastActivityAt: at(6)},
	],
};
async function start(): Promise<void> {
	h = renderApp();
	h.port.emit(list);
	await h.waitForText('Erin');
}
const title = (frame: string): string => /│([A-Z][a-z]+) \([a-z]+\)/.exec(frame)?.[1] ?? '';
const history = (id: string, count: number) => ({
	type: 'history-loaded' as const,
	conversationId: id,
	mode: 'latest' as const,
	hasMore: false,
	messages: Array.from({length: count}, (_, i) => fakeMessage(i % 2 ? 'bob' : 'alice', i % 2 ? 'alice' : 'bob', `row ${i}`, {id: `h${i}`, at: i, seq: i + 1})),
});

describe('list keys', () => {
	it('↓/j and ↑/k move the selection, Enter opens it', async () => {
		await start();
		await key('down');
		await key('j');
		await key('enter');
		expect(title(await h.waitForText('Dave (dave)'))).toBe('Dave');
		await key('escape');
		await key('k');
		await key('enter');
		await h.waitForText('Carol (carol)');
		await key('escape');
		await key('j');
		await key('up');
		await key('enter');
		expect(h.port.callsOf('loadLatest').map(([id]) => id)).toEqual(['alice:dave', 'alice:carol', 'alice:carol']);
	});

	it('g/Home and G/End jump to the first and last conversation', async () => {
		await start();
		for (const [spec, expected] of [['G', 'Erin'], ['g', 'Bob'], ['end', 'Erin'], ['home', 'Bob']] as const) {
			await key('escape');
			await key(spec);
			await key('enter');
			expect(title(await h.waitForText(`${expected} (`))).toBe(expected);
		}
	});

	it('n and Ctrl+N open the next conversation with unread messages', async () => {
		await start();
		await key('n');
		await h.waitForText('Carol (carol)');
		await key('ctrl+n');
		await h.waitForText('Erin (erin)');
		expect(h.port.callsOf('loadLatest').map(([id]) => id)).toEqual(['alice:carol', 'alice:erin']);
	});
});

describe('pane keys', () => {
	it('Tab and Shift+Tab move the focus between list, thread and composer; Esc returns to the list', async () => {
		await start();
		await key('enter'); // opens Bob, focus in the composer
		await h.waitForText('message, or /help');
		await key('tab'); // → list
		await h.waitFor((f) => !f.includes('message, or /help'), 'composer unfocused');
		await key('j'); // moves the list, not typed anywhere
		await key('shift+tab'); // → composer
		await h.type('x');
		await h.waitForText('› x');
		await key('escape'); // → list
		await key('enter'); // opens the selected (Carol), proving j moved the list
		await h.waitForText('Carol (carol)');
		await key('tab'); // composer → list
		await key('tab'); // list → thread
		await key('tab'); // thread → composer
		await h.type('y');
		await h.waitForText('› y '); // Carol's own draft: "x" stays with Bob
	});

	it('PgUp/PgDn, Shift+↑/Shift+↓, g/G and Home/End scroll the thread', async () => {
		await start();
		await key('enter');
		h.port.emit(history('alice:bob', 80));
		await h.waitForText('Bob: row 79');
		const newestShown = (f: string): number => Math.max(...[...f.matchAll(/: row (\d+)/g)].map((m) => Number(m[1])));
		await key('pageup');
		expect(newestShown(await h.waitFor((f) => !f.includes('Bob: row 79'), 'page up'))).toBe(59);
		await key('pagedown');
		expect(newestShown(await h.waitForText('Bob: row 79'))).toBe(79);
		await key('shift+up');
		expect(newestShown(await h.waitFor((f) => !f.includes('Bob: row 79'), 'half page up'))).toBe(69);
		await key('shift+down');
		await h.waitForText('Bob: row 79');
		await key('tab');
		await key('tab'); // thread focus: g/G scroll instead of typing
		await key('g');
		await h.waitForText('start of the conversation');
		await key('G');
		await h.waitForText('Bob: row 79');
		await key('home');
		await h.waitForText('Alice: row 0');
		await key('end');
		await h.waitForText('Bob: row 79');
	});
});

describe('overlay keys', () => {
	it('Ctrl+K opens the switcher: type part of a name, ↓ chooses, Enter opens; Esc cancels', async () => {
		await start();
		await key('ctrl+k');
		await h.waitForText('Switch to');
		await h.type('r');
		const frame = await h.waitForText('> r');
		expect(frame).toContain('Carol (carol)');
		expect(frame).toContain('Erin (erin)');
		expect(frame).not.toContain('Bob (bob)');
		await h.press(KEYS.down, KEYS.enter);
		await h.waitForText('Erin (erin) ·');
		await key('ctrl+k');
		await h.type('zzz');
		await h.waitForText('no match');
		await key('escape');
		await h.waitFor((f) => !f.includes('Switch to'), 'switcher closed');
	});

	it('? opens the help listing every key and command; ? or Esc closes it', async () => {
		await start();
		await key('?');
		const frame = await h.waitForText('Help — Esc or ? closes');
		if (process.env.SHOW_HELP) console.log(frame);
		for (const action of Object.keys(KEY_ACTIONS) as KeyAction[]) {
			expect(frame).toContain(KEY_ACTIONS[action].slice(0, 20));
		}
		for (const label of ['Tab', 'Shift+Tab', '↑ k', '↓ j', 'Enter', 'PgUp', 'PgDn', 'Shift+↑', 'Shift+↓', 'g Home', 'G End', 'Esc', 'Ctrl+K', 'Ctrl+N n', '?', 'i', 'Ctrl+C']) {
			expect(frame).toContain(label);
		}
		for (const [keys] of COMPOSER_KEYS) expect(frame).toContain(keys);
		for (const command of ['/send', '/broadcast', '/history [n]', '/history --before', '/status', '/typing', '/open', '/away', '/busy', '/online', '/info', '/notify', '/help', '/quit']) {
			expect(frame).toContain(command);
		}
		await key('?');
		await h.waitFor((f) => !f.includes('Help —'), 'help closed');
		await key('?');
		await h.waitForText('Help —');
		await key('escape');
		await h.waitFor((f) => !f.includes('Help —'), 'help closed by Esc');
	});

	it('i shows stored, delivered and read times of the selected message of mine', async () => {
		await start();
		await key('enter');
		h.port.emit(history('alice:bob', 4));
		h.port.info.set('h2', [
			{messageId: 'h2', status: 'received_by_server', userId: 'alice', at: Date.UTC(2026, 10, 22, 10, 2, 1)},
			{messageId: 'h2', status: 'delivered', userId: 'bob', at: Date.UTC(2026, 10, 22, 10, 2, 3)},
			{messageId: 'h2', status: 'read', userId: 'bob', at: Date.UTC(2026, 10, 22, 10, 4, 0)},
		]);
		await h.waitForText('row 3');
		await key('tab');
		await key('tab'); // thread
		await key('up'); // selects row 3 (Bob's)
		await key('k'); // row 2 (mine)
		await key('i');
		const frame = await h.waitForText('2026-11-22 10:04:00');
		expect(h.port.callsOf('messageInfo')).toEqual([['h2', 'alice']]);
		expect(frame).toContain('“row 2” to Bob');
		expect(frame).toContain('stored:    2026-11-22 10:02:01');
		expect(frame).toMatch(/Bob \(bob\)\s+2026-11-22 10:02:03\s+2026-11-22 10:04:00/);
		await key('escape');
		await h.waitFor((f) => !f.includes('Message info'), 'info closed');
	});

	it('m opens the members overlay of the open room (name, id, role, presence, muted); Esc closes it', async () => {
		h = renderApp();
		h.port.members.set('room-1', [fakeMember('alice', {role: 'admin'}), fakeMember('bob', {isMuted: true}), fakeMember('carol')]);
		h.port.emit({
			type: 'conversations-loaded',
			conversations: [{conversationId: 'room-1', kind: 'group', title: 'Team', topic: 'ship it', memberCount: 3, role: 'admin', isMuted: false, unread: 0, lastActivityAt: at(9)}],
		});
		h.port.emit({type: 'presence-changed', presences: [{userId: 'bob', name: 'Bob', state: 'away', statusMessage: 'lunch', at: at(5)}]});
		await h.waitForText('Team');
		await key('enter');
		await h.waitForText('# Team · 3 members · ship it');
		await key('escape');
		await key('m');
		const frame = await h.waitForText('Members of #Team — 3');
		expect(h.port.callsOf('loadMembers')).toContainEqual(['room-1']);
		expect(frame).toMatch(/Alice \(me\)\s+alice\s+admin\s+online/);
		expect(frame).toMatch(/Bob\s+bob\s+member\s+away · lunch · muted/);
		expect(frame).toMatch(/Carol\s+carol\s+member\s+offline/);
		await key('escape');
		await h.waitFor((f) => !f.includes('Members of'), 'members closed');
	});

	it('Ctrl+C quits from anywhere (the app unmounts and unsubscribes)', async () => {
		await start();
		expect(h.port.listenerCount).toBe(1);
		await key('ctrl+c');
		expect(h.port.listenerCount).toBe(0);
	});
});

it('covers every key the help overlay lists', () => {
	const listed = Object.values(DEFAULT_KEYMAP).flat();
	expect(listed.filter((spec) => !exercised.has(spec))).toEqual([]);
});
