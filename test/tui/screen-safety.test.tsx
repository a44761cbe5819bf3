// Screen layout and styling the injection e2e test does not cover: wide characters keep the
// columns aligned, and receipt ticks get their colours. (The hostile-text corpus, with colours
// on and off, is test/e2e/injection.test.tsx over test/fixtures/injection-corpus.ts.)
import chalk from 'chalk';
import {afterEach, describe, expect, it} from 'vitest';
import {displayWidth} from '../../src/core/text-layout.js';
import {INJECTION_CORPUS, UNSAFE_ON_SCREEN} from '../fixtures/injection-corpus.js';
import {fakeMessage} from '../helpers/fake-port.js';
import {KEYS, renderApp, type Harness} from './harness.js';

let h: Harness;
afterEach(() => {
	h?.unmount();
	chalk.level = 0;
});

describe('wide text', () => {
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
		h.port.emit({type: 'conversations-loaded', conversations: [{conversationId: 'alice:bob', peerId: 'bob', title: 'Bob', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 0, lastActivityAt: 1}]});
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

describe('issue 10 surfaces with hostile text (quote, reactions, edits, search, away)', () => {
	it.each(INJECTION_CORPUS.map((c) => [c.name, c.text]))('%s stays inert everywhere it is shown', async (_name, text) => {
		h = renderApp();
		const bob = 'alice:bob';
		h.port.away = [{conversationId: bob, title: text, kind: 'direct', unread: 1, mentions: 1, senders: [text], firstUnread: {seq: 1, messageId: 'x', senderId: 'bob', senderName: text, content: text, createdAt: Date.UTC(2026, 10, 22, 10)}}];
		h.port.emit({type: 'conversations-loaded', conversations: [{conversationId: bob, peerId: 'bob', title: 'Bob', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 1, lastActivityAt: 1}]});
		const away = await h.waitForText('While you were away');
		expect(away).not.toMatch(UNSAFE_ON_SCREEN);
		await h.press(KEYS.escape, KEYS.enter);
		const original = fakeMessage('bob', 'alice', text, {id: 'o', seq: 1, name: text});
		const reply = {...fakeMessage('bob', 'alice', 'the reply', {id: 'r', at: 1, seq: 2}), replyTo: {messageId: 'gone', senderId: 'carol', senderName: text, preview: text}, reactions: {[text]: ['alice'], '👍': ['bob']}};
		h.port.emit({type: 'history-loaded', conversationId: bob, mode: 'latest', hasMore: false, messages: [original, reply]});
		h.port.emit({type: 'messages-changed', changes: [{kind: 'edit', conversationId: bob, messageId: 'o', senderId: 'bob', content: `${text} again`, version: 1, editedAt: 5}]});
		const thread = await h.waitForText('(edited)');
		expect(thread).toMatch(/👍 1|  \+1/);
		expect(thread).toContain('↳ ');
		expect(thread).not.toMatch(UNSAFE_ON_SCREEN);
		await h.press(KEYS.shiftTab, 'r');
		expect(await h.waitForText('replying to')).not.toMatch(UNSAFE_ON_SCREEN);
		h.port.searchAnswer = {hits: [{conversationId: bob, conversationTitle: text, messageId: 'o', senderId: 'bob', senderName: text, seq: 1, createdAt: 0, snippet: `${text} found`, matches: [[0, 3]]}], error: text};
		await h.press(KEYS.escape, KEYS.ctrl('f'));
		await h.type('found');
		await h.press(KEYS.enter);
		const search = await h.waitForText('Enter opens');
		expect(search).not.toMatch(UNSAFE_ON_SCREEN);
	});
});
