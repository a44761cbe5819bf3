import {describe, expect, it} from 'vitest';
import {fakeMessage} from '../../test/helpers/fake-port.js';
import type {ChatAction} from './actions.js';
import {describeKey} from './key-help.js';
import {DEFAULT_KEYMAP, isPassedOnFromOverlay, isTextInput, keyToAction, nextUnread, parseKeySpec, resolveKeymap, type KeyPress} from './keymap.js';
import {splitKeys} from './split-keys.js';
import {chatReducer} from './reducer.js';
import {initialState, type ChatState} from './state.js';

const me = {userId: 'alice', name: 'Alice'};
const fold = (state: ChatState, ...actions: ChatAction[]): ChatState => actions.reduce(chatReducer, state);
const base = fold(initialState(me, {viewport: {columns: 100, rows: 30}}), {
	type: 'conversations-loaded',
	conversations: [
		{conversationId: 'alice:bob', peerId: 'bob', title: 'Bob', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 0, lastActivityAt: 3},
		{conversationId: 'alice:carol', peerId: 'carol', title: 'Carol', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 2, lastActivityAt: 2},
		{conversationId: 'alice:dave', peerId: 'dave', title: 'Dave', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 1, lastActivityAt: 1},
	],
});
const inList = fold(base, {type: 'list-moved', by: 1});
const opened = fold(base, {type: 'conversation-opened', conversationId: 'alice:bob'}, {type: 'message-sent', message: fakeMessage('alice', 'bob', 'mine', {id: 'mine'})});
const inThread = fold(opened, {type: 'focus-moved', pane: 'thread'});
const key = (k: KeyPress): KeyPress => k;

describe('keyToAction with the default key map', () => {
	it('cycles panes with Tab and Shift+Tab', () => {
		expect(keyToAction('', key({tab: true}), opened)).toEqual({type: 'focus-cycled', direction: 1});
		expect(keyToAction('', key({tab: true, shift: true}), opened)).toEqual({type: 'focus-cycled', direction: -1});
	});

	it('moves in the list with arrows and j/k, g/G to the ends, Enter opens', () => {
		expect(keyToAction('', key({downArrow: true}), inList)).toEqual({type: 'list-moved', by: 1});
		expect(keyToAction('j', key({}), inList)).toEqual({type: 'list-moved', by: 1});
		expect(keyToAction('', key({upArrow: true}), inList)).toEqual({type: 'list-moved', by: -1});
		expect(keyToAction('k', key({}), inList)).toEqual({type: 'list-moved', by: -1});
		expect(keyToAction('g', key({}), inList)).toEqual({type: 'list-moved', by: -Infinity});
		expect(keyToAction('G', key({shift: true}), inList)).toEqual({type: 'list-moved', by: Infinity});
		expect(keyToAction('\r', key({return: true}), inList)).toEqual({type: 'conversation-opened', conversationId: 'alice:carol'});
		expect(keyToAction('\r', key({return: true}), base)).toEqual({type: 'conversation-opened', conversationId: 'alice:bob'});
	});

	it('scrolls the thread with PgUp/PgDn and Shift+↑/Shift+↓ (even from the composer), g/G in the thread', () => {
		const page = keyToAction('', key({pageUp: true}), opened);
		expect(page).toEqual({type: 'thread-scrolled', by: 20});
		expect(keyToAction('', key({pageDown: true}), opened)).toEqual({type: 'thread-scrolled', by: -20});
		expect(keyToAction('', key({upArrow: true, shift: true}), opened)).toEqual({type: 'thread-scrolled', by: 10});
		expect(keyToAction('', key({downArrow: true, shift: true}), opened)).toEqual({type: 'thread-scrolled', by: -10});
		expect(keyToAction('g', key({}), inThread)).toEqual({type: 'thread-scrolled', by: Infinity});
		expect(keyToAction('G', key({shift: true}), inThread)).toEqual({type: 'thread-scrolled', by: -Infinity});
		expect(keyToAction('k', key({}), inThread)).toEqual({type: 'message-selection-moved', by: -1});
	});

	it('leaves printable keys to the composer', () => {
		for (const ch of ['j', 'k', 'g', 'G', 'n', '?', 'i', 'x']) expect(keyToAction(ch, key({}), opened)).toBeUndefined();
		expect(keyToAction('\r', key({return: true}), opened)).toBeUndefined();
	});

	it('Esc goes back to the list; Ctrl+K, ?, i open overlays; Ctrl+C quits', () => {
		expect(keyToAction('', key({escape: true, meta: true}), opened)).toEqual({type: 'focus-moved', pane: 'list'});
		expect(keyToAction('k', key({ctrl: true}), opened)).toEqual({type: 'overlay-opened', overlay: {kind: 'switcher', query: '', index: 0}});
		expect(keyToAction('?', key({}), inList)).toEqual({type: 'overlay-opened', overlay: {kind: 'help'}});
		expect(keyToAction('i', key({}), inThread)).toEqual({type: 'overlay-opened', overlay: {kind: 'info', messageId: 'mine'}});
		expect(keyToAction('c', key({ctrl: true}), opened)).toEqual({type: 'quit-requested'});
	});

	it('jumps to the next conversation with unread messages (n in the list, Ctrl+N anywhere)', () => {
		expect(nextUnread(base)).toBe('alice:carol');
		expect(keyToAction('n', key({}), base)).toEqual({type: 'conversation-opened', conversationId: 'alice:carol'});
		expect(keyToAction('n', key({}), inList)).toEqual({type: 'conversation-opened', conversationId: 'alice:dave'});
		const atCarol = fold(base, {type: 'conversation-opened', conversationId: 'alice:carol'});
		expect(keyToAction('n', key({ctrl: true}), atCarol)).toEqual({type: 'conversation-opened', conversationId: 'alice:dave'});
	});

	it('drives the switcher: typing filters, arrows choose, Enter opens, Esc closes', () => {
		const sw = fold(base, {type: 'overlay-opened', overlay: {kind: 'switcher', query: 'da', index: 0}});
		expect(keyToAction('v', key({}), sw)).toEqual({type: 'switcher-query-changed', query: 'dav'});
		expect(keyToAction('', key({backspace: true}), sw)).toEqual({type: 'switcher-query-changed', query: 'd'});
		expect(keyToAction('', key({downArrow: true}), sw)).toEqual({type: 'switcher-moved', by: 1});
		expect(keyToAction('\r', key({return: true}), sw)).toEqual({type: 'conversation-opened', conversationId: 'alice:dave'});
		expect(keyToAction('', key({escape: true, meta: true}), sw)).toEqual({type: 'overlay-closed'});
	});

	it('closes help/info/status on any key and passes on all but the closing keys (no key is eaten)', () => {
		const help = fold(opened, {type: 'overlay-opened', overlay: {kind: 'help'}});
		expect(keyToAction('x', key({}), help)).toEqual({type: 'overlay-closed'});
		for (const [input, k] of [['', {escape: true, meta: true}], ['?', {}], ['\r', {return: true}], ['c', {ctrl: true}]] as const) {
			expect(isPassedOnFromOverlay(input, key(k), help), JSON.stringify(k)).toBe(false);
		}
		for (const [input, k] of [['x', {}], ['', {pageUp: true}], ['k', {ctrl: true}], ['', {upArrow: true}]] as const) {
			expect(isPassedOnFromOverlay(input, key(k), help), input + JSON.stringify(k)).toBe(true);
		}
		const sw = fold(base, {type: 'overlay-opened', overlay: {kind: 'switcher', query: '', index: 0}});
		expect(isPassedOnFromOverlay('x', key({}), sw)).toBe(false);
		expect(isTextInput('x', key({}))).toBe(true);
		expect(isTextInput('', key({pageUp: true}))).toBe(false);
	});
});

describe('key map overrides', () => {
	it('rebinds an action from the config file', () => {
		const {keymap, errors} = resolveKeymap({switcher: 'ctrl+p', 'next-unread': ['ctrl+j']});
		expect(errors).toEqual([]);
		expect(keyToAction('p', key({ctrl: true}), opened, keymap)).toMatchObject({type: 'overlay-opened'});
		expect(keyToAction('k', key({ctrl: true}), opened, keymap)).toBeUndefined();
		expect(keymap.quit).toEqual(DEFAULT_KEYMAP.quit);
	});

	it('skips a bad entry with one line each and keeps the rest of the key map', () => {
		const {keymap, errors} = resolveKeymap({fly: 'x', help: 'hyper+x', info: ['banana', 'I'], switcher: 'ctrl+p', quit: 42});
		expect(errors).toHaveLength(4);
		expect(errors[0]).toMatch(/unknown key action "fly"/);
		expect(errors[1]).toMatch(/"help": unknown modifier "hyper"/);
		expect(errors[2]).toMatch(/"info": unknown key "banana"/);
		expect(errors[3]).toMatch(/"quit": 42 is not a key/);
		expect(errors.every((e) => !e.includes('\n'))).toBe(true);
		// The good parts are applied: the switcher rebinding, the good key of a mixed list.
		expect(keymap.switcher).toEqual(['ctrl+p']);
		expect(keymap.info).toEqual(['I']);
		// Entries with nothing good keep their defaults.
		expect(keymap.help).toEqual(DEFAULT_KEYMAP.help);
		expect(keymap.quit).toEqual(DEFAULT_KEYMAP.quit);
	});

	it('tells Shift+↑ (half page) from ↑, and keeps Ctrl+U/Ctrl+D for the composer', () => {
		expect(keyToAction('', key({upArrow: true, shift: true}), inThread)).toMatchObject({type: 'thread-scrolled'});
		expect(keyToAction('', key({upArrow: true}), inThread)).toEqual({type: 'message-selection-moved', by: -1});
		const inComposer = fold(opened, {type: 'focus-moved', pane: 'composer'});
		expect(keyToAction('u', key({ctrl: true}), inComposer)).toBeUndefined();
		expect(keyToAction('d', key({ctrl: true}), inComposer)).toBeUndefined();
	});

	it('parses and describes specs', () => {
		expect(parseKeySpec('shift+tab')).toMatchObject({shift: true, flag: 'tab'});
		expect(parseKeySpec('ctrl+K')).toMatchObject({ctrl: true, char: 'k'});
		expect(describeKey('ctrl+k')).toBe('Ctrl+K');
		expect(describeKey('pageup')).toBe('PgUp');
		expect(describeKey('?')).toBe('?');
	});
});

describe('splitKeys', () => {
	it('turns a coalesced chunk back into key presses', () => {
		expect(splitKeys('hi\rthere\r', {})).toEqual([
			{input: 'hi', key: {}},
			{input: '\r', key: {return: true}},
			{input: 'there', key: {}},
			{input: '\r', key: {return: true}},
		]);
		expect(splitKeys('ab\u007f\u000b', {})).toEqual([
			{input: 'ab', key: {}},
			{input: '', key: {backspace: true}},
			{input: 'k', key: {ctrl: true}},
		]);
	});

	it('leaves single keys, decoded keys and plain text alone', () => {
		expect(splitKeys('x', {})).toEqual([{input: 'x', key: {}}]);
		expect(splitKeys('pasted text', {})).toEqual([{input: 'pasted text', key: {}}]);
		expect(splitKeys('k', {ctrl: true})).toEqual([{input: 'k', key: {ctrl: true}}]);
		expect(splitKeys('a\nb', {})).toEqual([{input: 'a\nb', key: {}}]);
	});
});

describe('info key on a message that is not mine', () => {
	it('explains in the status bar instead of doing nothing', () => {
		const withBob = fold(inThread, {type: 'messages-received', messages: [fakeMessage('bob', 'alice', 'theirs', {id: 'theirs', at: 5})]}, {type: 'message-selection-moved', by: -1});
		expect(withBob.selectedMessageId).toBe('theirs');
		expect(keyToAction('i', key({}), withBob)).toMatchObject({type: 'notice', level: 'info'});
	});

	it('"/" moves focus to the composer from the list and the thread, and is text in the composer', () => {
		const inList = fold(opened, {type: 'focus-moved', pane: 'list'});
		expect(keyToAction('/', key({}), inList)).toEqual({type: 'focus-moved', pane: 'composer'});
		expect(keyToAction('/', key({}), inThread)).toEqual({type: 'focus-moved', pane: 'composer'});
		// A command typed fast (or pasted) arrives as one chunk.
		expect(keyToAction('/open bob', key({}), inList)).toEqual({type: 'focus-moved', pane: 'composer'});
		const inComposer = fold(opened, {type: 'focus-moved', pane: 'composer'});
		expect(keyToAction('/', key({}), inComposer)).toBeUndefined();
	});
});
