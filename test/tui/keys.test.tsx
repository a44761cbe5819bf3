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
	'ctrl+f': KEYS.ctrl('f'),
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

describe('message keys (issue 10)', () => {
	const bob = 'alice:bob';
	async function openBob(): Promise<void> {
		await start();
		await key('enter');
		h.port.emit(history(bob, 4));
		await h.waitForText('row 3');
		await key('escape'); // to the list: the thread's keys work from there too
	}

	it('s selects the newest, r replies with a quote line, Esc cancels, Enter sends with replyTo', async () => {
		await openBob();
		await key('s');
		await key('r');
		await h.waitForText('replying to Bob: row 3 (Esc cancels)');
		await key('escape');
		await h.waitFor((f) => !f.includes('replying to'), 'reply cancelled');
		await key('r'); // the composer has the focus: r is text now
		await h.waitForText('› r');
		await h.press(KEYS.backspace, KEYS.shiftTab); // back to the thread, Bob's row 3 still selected
		await key('r');
		await h.waitForText('replying to Bob: row 3');
		await h.type('agreed');
		await h.press(KEYS.enter);
		const frame = await h.waitForText('↳ Bob: row 3');
		expect(frame).toContain('agreed');
		expect(frame).not.toContain('replying to');
		expect(h.port.callsOf('sendMessage')).toEqual([[bob, 'agreed', {replyTo: {messageId: 'h3', senderId: 'bob'}}]]);
	});

	it('keys read in one chunk (typed fast, or while the app was busy) act one at a time; after r the rest is the reply', async () => {
		await openBob();
		await h.press('sr' + 'agreed'); // one read: s selects Bob's row 3, r replies, the rest is text
		expect(await h.waitForText('replying to Bob: row 3')).toContain('› agreed');
		await h.press(KEYS.enter);
		await h.waitFor((f) => !f.includes('replying to'), 'reply sent');
		expect(h.port.callsOf('sendMessage')).toEqual([[bob, 'agreed', {replyTo: {messageId: 'h3', senderId: 'bob'}}]]);
		// In the thread again, "+4" at once: the picker opens and 4 picks 🎉 on the selected message.
		await h.press(KEYS.shiftTab, 's', KEYS.up, '+4');
		await h.waitFor(() => h.port.callsOf('react').length === 1, 'reaction sent');
		expect(h.port.callsOf('react')).toEqual([[bob, 'h3', 'bob', '🎉', true]]);
		// A run read at once in the switcher is its query (Ctrl+K, then "bo" in one read).
		await h.press(KEYS.ctrl('k'), 'bo');
		const switcher = await h.waitForText('> bo');
		expect(switcher).toContain('Bob (bob)');
		expect(switcher).not.toContain('Carol (carol)');
	});

	it('e edits my message (only mine); the edit shows "(edited)" once the server sends it', async () => {
		await openBob();
		await key('s'); // Bob's row 3
		await key('e');
		await h.waitForText('you can only edit your own messages');
		await key('up'); // my row 2
		await key('e');
		await h.waitForText('editing your message: row 2');
		await h.waitForText('› row 2');
		await h.type(' fixed');
		await h.press(KEYS.enter);
		await h.waitFor((f) => !f.includes('editing your message'), 'edit sent');
		expect(h.port.callsOf('editMessage')).toEqual([[bob, 'h2', 'row 2 fixed']]);
		h.port.emit({type: 'messages-changed', changes: [{kind: 'edit', conversationId: bob, messageId: 'h2', senderId: 'alice', content: 'row 2 fixed', version: 1, editedAt: at(5)}]});
		expect(await h.waitForText('row 2 fixed (edited)')).toContain('row 3');
	});

	it('e does not replace a draft in the composer; Esc on a changed edit keeps the text', async () => {
		await openBob();
		await key('tab');
		await key('tab'); // composer
		await h.type('half a thought');
		await h.press(KEYS.shiftTab); // thread
		await key('s');
		await key('up'); // my row 2
		await key('e');
		await h.waitForText('the composer holds a draft');
		expect(h.frame()).toContain('half a thought');
		await h.press(KEYS.tab, KEYS.ctrl('u'), KEYS.shiftTab);
		await key('e');
		await h.waitForText('› row 2');
		await h.type('!');
		await h.press(KEYS.escape);
		await h.waitForText('edit cancelled; the text stays (Ctrl+U clears)');
		expect(h.frame()).toContain('row 2!');
		expect(h.port.callsOf('editMessage')).toEqual([]);
	});

	it('d asks y/n; n keeps the message, y deletes it; the placeholder replaces the text', async () => {
		await openBob();
		await key('s');
		await key('up'); // my row 2
		await key('d');
		// The confirmation names the message by its text.
		await h.waitForText('delete “row 2” for everybody? y deletes, n keeps it');
		await h.press('n');
		await h.waitFor((f) => !f.includes('for everybody?'), 'kept');
		expect(h.port.callsOf('deleteMessage')).toEqual([]);
		await key('d');
		await h.waitForText('delete “row 2” for everybody?');
		await h.press('y');
		await h.waitFor((f) => !f.includes('for everybody?'), 'confirmed');
		expect(h.port.callsOf('deleteMessage')).toEqual([[bob, 'h2', 'alice']]);
		h.port.emit({type: 'messages-changed', changes: [{kind: 'delete', conversationId: bob, messageId: 'h2', senderId: 'alice', deletedBy: 'alice', deletedAt: at(6)}]});
		const frame = await h.waitForText('message deleted');
		expect(frame).not.toContain('row 2');
	});

	it('+ opens the picker; a number toggles that reaction; the count shows under the message', async () => {
		await openBob();
		await key('s');
		await key('+');
		await h.waitForText('react:[1 👍]');
		await h.press('1');
		await h.waitFor((f) => !f.includes('react:['), 'picker closed');
		expect(h.port.callsOf('react')).toEqual([[bob, 'h3', 'bob', '👍', true]]);
		h.port.emit({type: 'messages-changed', changes: [{kind: 'reaction', conversationId: bob, messageId: 'h3', senderId: 'bob', emoji: '👍', userId: 'alice', isOn: true, at: at(7)}]});
		await h.waitForText('👍 1');
		// Again: it is mine now, so the same choice takes it back.
		await key('+');
		await h.press(KEYS.enter);
		await h.waitFor((f) => !f.includes('react:['), 'picker closed');
		expect(h.port.callsOf('react').at(-1)).toEqual([bob, 'h3', 'bob', '👍', false]);
	});

	it("o jumps to a reply's original: selected when loaded, else the page around it is loaded", async () => {
		await start();
		await key('enter');
		const reply = {...fakeMessage('bob', 'alice', 'yes to that', {id: 'r1', at: 8, seq: 90}), replyTo: {messageId: 'o1', senderId: 'alice', senderName: 'Alice', preview: 'shall we?', seq: 12}};
		h.port.emit({type: 'history-loaded', conversationId: bob, mode: 'latest', hasMore: true, messages: [reply]});
		await h.waitForText('↳ Alice: shall we?');
		await key('escape');
		await key('o');
		await h.waitForText('select a reply with ↑/↓ first');
		await key('s');
		await key('o');
		await h.waitForText('loading the original message…');
		expect(h.port.callsOf('loadAround')).toEqual([[bob, 12, 50]]);
		const page = [fakeMessage('alice', 'bob', 'shall we?', {id: 'o1', at: 1, seq: 12}), fakeMessage('bob', 'alice', 'later words', {id: 'o2', at: 2, seq: 13})];
		h.port.emit({type: 'history-loaded', conversationId: bob, mode: 'around', hasMore: true, hasNewer: true, focusSeq: 12, messages: page});
		await h.waitForText('newer messages not shown');
		// The original is selected: r replies to it.
		await key('r');
		await h.waitForText('replying to Alice: shall we?');
	});

	it('Ctrl+F searches, shows hits with the match, Enter opens the hit in its conversation', async () => {
		await start();
		h.port.searchAnswer = {
			hits: [
				{conversationId: 'alice:carol', conversationTitle: 'Carol', messageId: 'c9', senderId: 'carol', senderName: 'Carol', seq: 40, createdAt: at(3), snippet: 'the deploy is done', matches: [[4, 10]]},
				{conversationId: bob, conversationTitle: 'Bob', messageId: 'b1', senderId: 'bob', senderName: 'Bob', seq: 7, createdAt: at(1), snippet: 'deploy tomorrow?', matches: [[0, 6]]},
			],
		};
		await key('ctrl+f');
		await h.waitForText('Search messages');
		await h.type('deploy --from carol');
		await h.press(KEYS.enter);
		const frame = await h.waitForText('2 messages, newest first — Enter opens');
		expect(frame).toContain('Carol · Carol · 10:03');
		expect(frame).toContain('the deploy is done');
		expect(h.port.callsOf('searchMessages')).toEqual([[{text: 'deploy', fromUserId: 'carol'}]]);
		await h.press(KEYS.down, KEYS.enter);
		await h.waitFor((f) => !f.includes('Search messages'), 'search closed');
		expect(h.port.callsOf('loadAround')).toEqual([[bob, 7, 50]]);
		expect(h.port.callsOf('loadLatest')).toEqual([]);
		h.port.emit({type: 'history-loaded', conversationId: bob, mode: 'around', hasMore: false, hasNewer: false, focusSeq: 7, messages: [fakeMessage('bob', 'alice', 'deploy tomorrow?', {id: 'b1', at: 1, seq: 7})]});
		await h.waitForText('deploy tomorrow?');
		await key('r');
		await h.waitForText('replying to Bob: deploy tomorrow?');
	});

	it('a search error is one line and the overlay stays', async () => {
		await start();
		h.port.searchAnswer = {hits: [], error: 'the database is not reachable'};
		await key('ctrl+f');
		await h.type('anything');
		await h.press(KEYS.enter);
		await h.waitForText('the database is not reachable');
		await h.type(' --in nowhere');
		await h.press(KEYS.enter);
		await h.waitForText('no conversation "nowhere"');
		expect(h.port.callsOf('searchMessages')).toHaveLength(1);
		// Ctrl+U clears the query line, as in the composer.
		await h.press(KEYS.ctrl('u'));
		await h.waitFor((f) => !f.includes('anything --in nowhere'), 'query cleared');
		await h.type('lunch');
		await h.waitForText('lunch');
		await key('escape');
		await h.waitFor((f) => !f.includes('Search messages'), 'closed');
	});
});

describe('while you were away (issue 10)', () => {
	it('shows unread conversations with mentions first; n walks them; Enter jumps to the first unread', async () => {
		h = renderApp();
		h.port.away = [
			{conversationId: 'room-9', title: 'Ops', kind: 'group', unread: 5, mentions: 1, senders: ['Dave', 'Erin'], firstUnread: {seq: 300, messageId: 'x1', senderId: 'dave', senderName: 'Dave', content: '@alice the build broke', createdAt: at(2)}},
			{conversationId: 'alice:carol', title: 'Carol', kind: 'direct', unread: 2, mentions: 0, senders: ['Carol'], firstUnread: {seq: 41, messageId: 'c1', senderId: 'carol', senderName: 'Carol', content: 'lunch?', createdAt: at(4)}},
		];
		h.port.emit(list);
		const frame = await h.waitForText('While you were away — 2 conversations');
		expect(frame).toContain('@ #Ops — 5 unread · 1 mention');
		expect(frame).toContain('10:02 Dave: @alice the build broke');
		expect(frame).toContain('from Dave, Erin');
		expect(frame).toContain('Carol — 2 unread');
		expect(h.port.callsOf('loadAwaySummary')).toHaveLength(1);
		await h.press('n');
		await h.press(KEYS.enter);
		await h.waitForText('Carol (carol)');
		expect(h.port.callsOf('loadAround')).toEqual([['alice:carol', 41, 50]]);
		// A second list (a reload) does not ask again.
		h.port.emit(list);
		expect(h.port.callsOf('loadAwaySummary')).toHaveLength(1);
	});

	it('says how many of how many when more conversations have unread than one screen lists', async () => {
		h = renderApp();
		h.port.away = [{conversationId: 'alice:erin', title: 'Erin', kind: 'direct', unread: 4, mentions: 0, senders: ['Erin'], firstUnread: {seq: 5, messageId: 'e1', senderId: 'erin', senderName: 'Erin', content: 'hi', createdAt: at(1)}}];
		h.port.awayTotal = 130;
		h.port.emit(list);
		const frame = await h.waitForText('While you were away — 1 of 130 conversations');
		expect(frame).toContain('Erin — 4 unread');
	});

	it('any other key closes it and does its job (typing goes to the composer); not shown over an open conversation', async () => {
		h = renderApp();
		h.port.away = [{conversationId: 'alice:erin', title: 'Erin', kind: 'direct', unread: 4, mentions: 0, senders: ['Erin'], firstUnread: {seq: 5, messageId: 'e1', senderId: 'erin', senderName: 'Erin', content: 'hi', createdAt: at(1)}}];
		h.port.emit(list);
		await h.waitForText('While you were away');
		await h.type('/open dave');
		await h.waitForText('› /open dave');
		expect(h.frame()).not.toContain('While you were away');
	});

	it('Esc closes it; the list keeps the mention marker', async () => {
		h = renderApp();
		h.port.away = [{conversationId: 'alice:erin', title: 'Erin', kind: 'direct', unread: 4, mentions: 2, senders: ['Erin'], firstUnread: {seq: 5, messageId: 'e1', senderId: 'erin', senderName: 'Erin', content: 'hey @alice', createdAt: at(1)}}];
		h.port.emit(list);
		await h.waitForText('While you were away');
		await h.press(KEYS.escape);
		const frame = await h.waitFor((f) => !f.includes('While you were away'), 'closed');
		expect(frame).toMatch(/Erin\s+@ \(4\)/);
	});
});

it('covers every key the help overlay lists', () => {
	const listed = Object.values(DEFAULT_KEYMAP).flat();
	expect(listed.filter((spec) => !exercised.has(spec))).toEqual([]);
});
