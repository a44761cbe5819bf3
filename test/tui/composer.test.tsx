// The composer through the real components: every key the help lists under "In the composer",
// refused sends kept, split offers, pastes, drafts per conversation, overlays that pass keys on.
import {afterEach, beforeAll, describe, expect, it} from 'vitest';
import {COMPOSER_KEYS} from '../../src/core/key-help.js';
import type {AppProps} from '../../src/tui/app.js';
import type {TerminalEvent} from '../../src/tui/filtered-stdin.js';
import {KEYS, renderApp, type Harness} from './harness.js';

beforeAll(() => {
	process.env.TZ = 'UTC';
});
let h: Harness;
afterEach(() => h?.unmount());

const conversations = {
	type: 'conversations-loaded' as const,
	conversations: [
		{conversationId: 'alice:bob', peerId: 'bob', title: 'Bob', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 0, lastActivityAt: 3},
		{conversationId: 'alice:carol', peerId: 'carol', title: 'Carol', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 0, lastActivityAt: 2},
	],
};
/** A terminal that can paste: the `terminalEvents` prop fed by the test. */
function pasteChannel(): {terminalEvents: NonNullable<AppProps['terminalEvents']>; paste: (text: string) => Promise<void>} {
	const listeners = new Set<(event: TerminalEvent) => void>();
	return {
		terminalEvents: (listener) => {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		paste: async (text) => {
			for (const listener of listeners) listener({kind: 'paste', text});
			await h.press(''); // let the frame settle inside act()
		},
	};
}
async function openBob(props: Partial<AppProps> = {}): Promise<void> {
	h = renderApp(props);
	h.port.emit(conversations);
	await h.waitForText('Carol');
	await h.press(KEYS.enter);
	await h.waitForText('Bob (bob)');
}
/** The composer's text rows (between its borders, prompt mark removed). */
function composerRows(frame: string): string[] {
	const rows = frame.split('\n');
	const bottom = rows.findLastIndex((r) => r.includes('╰') && r.lastIndexOf('╰') > 10);
	const top = rows.findLastIndex((r, i) => i < bottom && r.lastIndexOf('╭') > 10);
	return rows.slice(top + 1, bottom).map((r) => r.slice(r.lastIndexOf('││') + 2, r.lastIndexOf('│')).replace(/^[› ] /, '').trimEnd());
}
const exercised = new Set<string>();
/** Press keys for a COMPOSER_KEYS entry, recording it as covered. */
async function key(entry: string, ...bytes: string[]): Promise<void> {
	exercised.add(entry);
	await h.press(...bytes);
}

describe('composer keys (each listed in the help)', () => {
	it('Enter sends; Alt+Enter makes a new line and the box grows', async () => {
		await openBob();
		await h.type('one');
		await key('Alt+Enter', KEYS.altEnter);
		await h.type('two');
		await h.press('\u001b[13;2u', 'x'); // Shift+Enter as kitty / CSI u reports it
		expect(composerRows(await h.waitForText('x'))).toEqual(['one', 'two', 'x']);
		await key('Enter', KEYS.enter);
		expect(h.port.callsOf('sendMessage')).toEqual([['alice:bob', 'one\ntwo\nx']]);
		await h.waitFor((f) => composerRows(f).length === 1, 'composer back to one line');
	});

	it('↑ ↓ recall earlier inputs of this conversation, and give the draft back', async () => {
		await openBob();
		for (const text of ['first', 'second']) {
			await h.type(text);
			await h.press(KEYS.enter);
		}
		await h.type('draft');
		await key('↑ ↓', KEYS.up);
		await h.waitForText('› second');
		await h.press(KEYS.up);
		await h.waitForText('› first');
		await h.press(KEYS.down, KEYS.down);
		await h.waitForText('› draft');
	});

	it('Tab completes commands and user ids, and lists several matches', async () => {
		await openBob();
		await h.type('/op');
		await key('Tab', KEYS.tab);
		await h.waitForText('/op  /open');
		await h.type('e');
		await h.press(KEYS.tab);
		await h.waitForText('› /open ');
		await h.type('ca');
		await h.press(KEYS.tab);
		await h.waitForText('› /open carol ');
		await h.press(KEYS.ctrl('u'));
		await h.type('/b');
		await h.press(KEYS.tab);
		await h.waitForText('/broadcast  /busy');
		// With nothing typed, Tab moves the focus as everywhere else.
		await h.press(KEYS.ctrl('u'), KEYS.tab);
		await h.waitFor((f) => !f.includes('message, or /help'), 'focus left the composer');
	});

	it('Ctrl+A Ctrl+E, Alt+B Alt+F move; Ctrl+W and Ctrl+U delete', async () => {
		await openBob();
		await h.type('alpha beta gamma');
		await key('Ctrl+A Ctrl+E', KEYS.ctrl('a'));
		await h.type('>');
		await h.press(KEYS.ctrl('e'));
		await h.type('<');
		await h.waitForText('› >alpha beta gamma<');
		await key('Alt+B Alt+F', '\u001bb', '\u001bb');
		await h.type('_');
		await h.waitForText('› >alpha _beta gamma<');
		await h.press('\u001bf');
		await h.type('!');
		await h.waitForText('› >alpha _beta! gamma<');
		await key('Ctrl+W', KEYS.ctrl('w'));
		await h.waitForText('› >alpha  gamma<');
		await key('Ctrl+U', KEYS.ctrl('u'));
		const frame = await h.waitForText('›  gamma<');
		expect(frame).not.toContain('alpha');
	});

	it('Ctrl+X Ctrl+E edits the draft in the external editor and sends what it saved', async () => {
		const drafts: string[] = [];
		await openBob({
			onEditor: (draft) => {
				drafts.push(draft);
				return {text: `${draft}, edited`};
			},
		});
		await h.type('from the composer');
		await key('Ctrl+X Ctrl+E', KEYS.ctrl('x'), KEYS.ctrl('e'));
		await h.waitForText('message from the editor');
		expect(drafts).toEqual(['from the composer']);
		expect(h.port.callsOf('sendMessage')).toEqual([['alice:bob', 'from the composer, edited']]);
		// Ctrl+E alone is still "end of line", Ctrl+X then another key is no chord.
		await h.type('ab');
		await h.press(KEYS.ctrl('a'), KEYS.ctrl('x'), 'z', KEYS.ctrl('e'), 'y');
		await h.waitForText('› zaby');
	});
});

it('covers every composer key the help lists', () => {
	expect(COMPOSER_KEYS.map(([keys]) => keys).filter((keys) => !exercised.has(keys))).toEqual([]);
});

describe('nothing typed is lost', () => {
	it('a send refused after asking the server (unknown user) puts the text back', async () => {
		await openBob();
		h.port.knownUsers = new Set(['bob']);
		await h.type('/send bbo hello there');
		await h.press(KEYS.enter);
		const frame = await h.waitForText('unknown user "bbo"');
		expect(frame).toContain('› /send bbo hello there');
		expect(h.port.callsOf('sendMessage')).toEqual([]);
	});

	it('text with no conversation open stays, with the reason', async () => {
		h = renderApp();
		h.port.emit(conversations);
		await h.waitForText('Carol');
		await h.press(KEYS.shiftTab); // list → composer (nothing open)
		await h.type('hello?');
		await h.press(KEYS.enter);
		expect(await h.waitForText('no conversation open')).toContain('› hello?');
	});

	it('a message over the limit is kept and offered split; Enter again sends the parts', async () => {
		const channel = pasteChannel();
		await openBob({terminalEvents: channel.terminalEvents});
		const long = Array.from({length: 900}, (_, i) => `word${i}`).join(' ');
		await channel.paste(long);
		await h.press(KEYS.enter);
		await h.waitForText('Enter again sends 2 messages');
		expect(h.port.callsOf('sendMessage')).toEqual([]);
		await h.press(KEYS.enter);
		await h.waitFor(() => h.port.callsOf('sendMessage').length === 2, 'two sends');
		const parts = h.port.callsOf('sendMessage').map(([, text]) => text as string);
		expect(parts.join(' ')).toBe(long);
		expect(parts.every((p) => p.length <= 4000)).toBe(true);
	});
});

describe('paste, drafts, overlays, notices', () => {
	it('a paste of three lines goes to the composer as one draft from any pane, and sends nothing', async () => {
		const channel = pasteChannel();
		await openBob({terminalEvents: channel.terminalEvents});
		await h.press(KEYS.escape); // focus on the list
		await channel.paste('a\r\nb\rc');
		expect(composerRows(await h.waitForText('› a'))).toEqual(['a', 'b', 'c']);
		expect(h.port.callsOf('sendMessage')).toEqual([]);
		await h.press(KEYS.enter);
		expect(h.port.callsOf('sendMessage')).toEqual([['alice:bob', 'a\nb\nc']]);
	});

	it('keeps a draft per conversation, starts from the given drafts and reports changes', async () => {
		let reported: Record<string, string> | undefined;
		const changed = new Promise<void>((resolve) => {
			h = renderApp({
				drafts: {'alice:carol': 'for carol'},
				onDraftsChange: (drafts) => {
					reported = drafts;
					resolve();
				},
			});
		});
		h.port.emit(conversations);
		await h.waitForText('Carol');
		await h.press(KEYS.enter); // Bob
		await h.type('for bob');
		await h.press(KEYS.escape, 'j', KEYS.enter); // Carol
		await h.waitForText('› for carol');
		await h.press(KEYS.escape, 'k', KEYS.enter); // Bob again
		await h.waitForText('› for bob');
		await changed;
		expect(reported).toEqual({'alice:carol': 'for carol', 'alice:bob': 'for bob'});
	});

	it('reports the drafts on quit even within the debounce', async () => {
		const reports: Record<string, string>[] = [];
		h = renderApp({onDraftsChange: (drafts) => reports.push(drafts)});
		h.port.emit(conversations);
		await h.waitForText('Carol');
		await h.press(KEYS.enter);
		await h.type('unsent');
		h.unmount();
		expect(reports.at(-1)).toEqual({'alice:bob': 'unsent'});
	});

	it('a paste into the quick switcher searches for it', async () => {
		const channel = pasteChannel();
		await openBob({terminalEvents: channel.terminalEvents});
		await h.press(KEYS.ctrl('k'));
		await h.waitForText('Switch to');
		await channel.paste('car\n');
		expect(await h.waitForText('> car')).toContain('Carol (carol)');
		expect(h.port.callsOf('sendMessage')).toEqual([]);
	});

	it('typing while the help is open closes it and the text goes to the composer', async () => {
		await openBob();
		await h.press(KEYS.escape, '?');
		await h.waitForText('Help —');
		await h.type('hi');
		const frame = await h.waitForText('› hi');
		expect(frame).not.toContain('Help —');
	});

	it('a bad key-map entry notice stays above the status bar until Esc', async () => {
		await openBob({initialNotice: 'config keymap: skipped unknown key action "fly"'});
		await h.waitForText('skipped unknown key action "fly"');
		await h.type('/frobnicate');
		await h.press(KEYS.enter);
		const frame = await h.waitForText('unknown command');
		expect(frame).toContain('skipped unknown key action "fly"');
		await h.press(KEYS.escape);
		await h.waitFor((f) => !f.includes('"fly"'), 'notice dismissed');
	});
});
