// Issue 11 on screen: a message the server refused shows ✗ (and why, in the status line and
// the info view); an outbox that cannot be written is a red warning that stays until it can.
import {afterEach, beforeAll, describe, expect, it} from 'vitest';
import {fakeMessage} from '../helpers/fake-port.js';
import {KEYS, renderApp, type Harness} from './harness.js';

beforeAll(() => {
	process.env.TZ = 'UTC';
});
let h: Harness | undefined;
afterEach(() => h?.unmount());

const bob = {conversationId: 'alice:bob', peerId: 'bob', title: 'Bob', kind: 'direct' as const, topic: '', memberCount: 2, isMuted: false, unread: 0, lastActivityAt: Date.UTC(2026, 10, 22, 10, 5)};

describe('integrity on screen', () => {
	it('marks a rejected message ✗ and shows the reason in the status line and in /info', async () => {
		h = renderApp();
		h.port.emit({type: 'conversations-loaded', conversations: [bob]});
		await h.waitForText('Bob');
		await h.press(KEYS.enter);
		const mine = fakeMessage('alice', 'bob', 'hello there', {id: 'm1', at: 5, status: 'sent'});
		h.port.emit({type: 'message-sent', message: mine});
		await h.waitForText('hello there');
		h.port.emit(
			{type: 'message-sent', message: {...mine, status: 'rejected', rejectedReason: 'invalid content: contains a NUL character'}},
			{type: 'notice', level: 'error', text: '✗ message to bob refused by the server: invalid content: contains a NUL character — it was not sent; edit it and send again'},
		);
		const frame = await h.waitForText('✗ message to bob refused');
		expect(frame).toMatch(/hello there\s+✗/);
		await h.press(KEYS.escape);
		await h.press('i');
		expect(await h.waitForText('why:')).toContain('✗ why: invalid content: contains a NUL character');
	});

	it('keeps the outbox warning in the status line over later notices until it is resolved', async () => {
		h = renderApp();
		h.port.emit({type: 'outbox-problem-changed', problem: 'outbox not saved (ENOSPC) — unsent messages are lost if this client stops'});
		await h.waitForText('⚠ outbox not saved (ENOSPC)');
		h.port.emit({type: 'notice', level: 'info', text: 'an unrelated notice'});
		h.port.emit({type: 'connection-changed', service: 'broker', state: 'up'});
		expect(await h.waitForText('broker up')).toContain('⚠ outbox not saved (ENOSPC)');
		h.port.emit({type: 'outbox-problem-changed'});
		expect(await h.waitFor((frame) => !frame.includes('⚠ outbox'))).not.toContain('outbox not saved');
	});
});
