// The injection corpus rendered through the real components: no control byte from the
// network reaches the terminal, and wide characters keep the columns aligned.
import chalk from 'chalk';
import {afterEach, beforeAll, describe, expect, it} from 'vitest';
import {displayWidth} from '../../src/core/text-layout.js';
import {fakeMessage} from '../helpers/fake-port.js';
import {KEYS, renderApp, type Harness} from './harness.js';

beforeAll(() => {
	process.env.TZ = 'UTC';
});
let h: Harness;
afterEach(() => {
	h?.unmount();
	chalk.level = 0;
});

/** Hostile strings: CSI, OSC 0/8/52, DCS, APC, bare ESC, BEL, C1 (0x9b, 0x9d), CR, BS, bidi, zero-width. */
export const INJECTION_CORPUS = [
	'clear\u001b[2J\u001b[Hscreen',
	'title\u001b]0;pwned\u0007',
	'link\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\',
	'clip\u001b]52;c;ZXZpbA==\u0007',
	'dcs\u001bP1$r0m\u001b\\',
	'apc\u001b_payload\u001b\\',
	'bare\u001b escape',
	'bell\u0007\u0007',
	'c1 csi\u009b31m red',
	'c1 osc\u009d0;t\u009c',
	'carriage\rreturn overwrite',
	'back\b\b\bspace',
	'bidi \u202egnp.exe\u202c',
	'iso\u2066late\u2069',
	'zero\u200bwidth\u200d\ufeff',
	'del\u007fchar',
];
// Anything but printable text and newlines: C0 (except \n), DEL, C1.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/;

async function renderCorpus(): Promise<string> {
	h = renderApp();
	const messages = INJECTION_CORPUS.map((content, i) =>
		fakeMessage('mallory', 'alice', content, {id: `x${i}`, at: i, seq: i + 1, name: `Mal\u001b[31m${i}\u202e`}),
	);
	h.port.emit(
		{type: 'presence-changed', presences: [{userId: 'mallory', name: 'Mal\u001b]0;owned\u0007lory', state: 'away', statusMessage: 'gone\u001b[5m\u009b', at: 1}]},
		{type: 'messages-received', messages},
		{type: 'typing-changed', userId: 'mallory', name: 'Mal\u0007\u001b[1A', conversationId: 'alice:mallory', isTyping: true, at: 0},
		{type: 'notice', level: 'error', text: 'detail\u001b[2Kfrom network'},
	);
	await h.press(KEYS.enter);
	h.port.emit({type: 'history-loaded', conversationId: 'alice:mallory', messages, mode: 'latest', hasMore: false});
	return h.waitForText('del');
}

describe('a screen nobody can hijack', () => {
	it('renders every corpus string with its controls made visible, none emitted', async () => {
		const frame = await renderCorpus();
		expect(frame).not.toMatch(CONTROL);
		expect(frame).not.toMatch(BIDI);
		expect(frame).toContain('␛[2J');
		expect(frame).toContain('<U+202E>');
		expect(h.frames().length).toBeGreaterThan(2);
		for (const f of h.frames()) expect(f).not.toMatch(CONTROL);
	});

	it('with colours on, the only escapes are our own SGR styling', async () => {
		chalk.level = 1;
		const frame = await renderCorpus();
		const withoutStyling = frame.replace(/\u001b\[[0-9;]*m/g, '');
		expect(withoutStyling).not.toMatch(CONTROL);
		expect(withoutStyling).toContain('␛]52;c;ZXZpbA==␇');
	});

	it('keeps every row inside the terminal width with CJK and emoji', async () => {
		h = renderApp();
		h.port.emit({type: 'messages-received', messages: [fakeMessage('bob', 'alice', '日本語のテキストと絵文字🙂🎉が混ざった長い行です。'.repeat(3), {id: 'w', name: '山田🙂'})]});
		await h.press(KEYS.enter);
		const frame = await h.waitForText('山田');
		const lines = frame.split('\n');
		expect(lines.some((l) => l.includes('🙂'))).toBe(true);
		for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(100);
		// Every line of the boxes ends on the same column: wide characters did not push borders.
		for (const line of lines.slice(0, -1)) expect(displayWidth(line)).toBe(100);
	});
});

describe('ticks in colour', () => {
	it('draws ✓✓ in the read colour once read, grey when only delivered', async () => {
		chalk.level = 1;
		h = renderApp();
		h.port.emit({type: 'conversations-loaded', conversations: [{conversationId: 'alice:bob', peerId: 'bob', peerName: 'Bob', unread: 0, lastActivityAt: 1}]});
		await h.press(KEYS.enter);
		h.port.emit({
			type: 'history-loaded',
			conversationId: 'alice:bob',
			mode: 'latest',
			hasMore: false,
			messages: [
				fakeMessage('alice', 'bob', 'was delivered', {id: 'd', seq: 1, status: 'delivered'}),
				fakeMessage('alice', 'bob', 'was read', {id: 'r', at: 1, seq: 2, status: 'read'}),
			],
		});
		const frame = await h.waitForText('was read');
		const line = (text: string): string => frame.split('\n').find((l) => l.includes(text))!;
		expect(line(': was delivered')).toContain('\u001b[90m✓✓');
		expect(line(': was read')).toMatch(/\u001b\[36m(\u001b\[1m)?✓✓|\u001b\[1m\u001b\[36m✓✓/);
	});
});
