// Edits, deletes and reactions of the client: payloads, one-line refusals, the edit version to ask
// for, how a ✓/✗ of one is told apart from a message's, and the server's deliveries as core changes.
import {describe, expect, it} from 'vitest';
import {decodeV2, encodeV2, MAX_EDITS} from '../protocol/index.js';
import {deletePayload, editPayload, EditVersions, reactPayload, refuseEditText, refuseReaction, refuseTarget} from './message-actions.js';
import {messagePayloadFor} from './outgoing.js';
import {PendingSends, rejectionNotice} from './pending-sends.js';
import {changeFromPayload, messageFromPayload} from './to-core.js';

const me = {userId: 'alice', name: 'Alice'};
const at = new Date('2026-11-22T10:00:00.000Z');
const room = 'room-actions-1';
const target = {conversationId: room, messageId: 'm-1', senderId: 'bob'};

describe('action payloads', () => {
	it('are valid v2 payloads from me, with their own id and the target', () => {
		for (const payload of [editPayload(me, {...target, senderId: 'alice'}, 'fixed', 1, 'e-1', at), deletePayload(me, target, 'd-1', at), reactPayload(me, target, '👍', true, 'x-1', at)]) {
			const decoded = decodeV2('alice', encodeV2(payload));
			expect(decoded).toMatchObject({ok: true, payload: {message_id: payload.message_id, sender_id: 'alice', target: {message_id: 'm-1'}}});
		}
	});

	it('refuses bad targets, blank or unstorable text and non-emoji with what to do', () => {
		expect(refuseTarget('alice', {...target, conversationId: 'bob:carol'})).toContain('two other people');
		expect(refuseTarget('alice', {...target, messageId: 'a b'})).toContain('bad id');
		expect(refuseTarget('alice', target)).toBeUndefined();
		expect(refuseEditText('  ')).toContain('/delete');
		expect(refuseEditText('a\u0000b')).toContain('remove that character');
		expect(refuseEditText('x'.repeat(4_001))).toContain('limit is 4000');
		expect(refuseReaction('ok')).toBe('a reaction is one emoji — e.g. /react 👍');
		expect(refuseReaction('🎉')).toBeUndefined();
	});
});

describe('EditVersions', () => {
	it('asks for one more than the highest version known, so quick edits are 1, 2 and a stored 5 gives 6', () => {
		const versions = new EditVersions();
		expect(versions.next('alice', 'm-1')).toBe(1);
		expect(versions.next('alice', 'm-1')).toBe(2);
		versions.note('alice', 'm-1', 1);
		expect(versions.next('alice', 'm-1', 5)).toBe(6);
		versions.note('alice', 'm-2', MAX_EDITS);
		expect(versions.next('alice', 'm-2')).toBeUndefined();
	});
});

describe('pending actions', () => {
	it('tells an action\'s ✓ apart from a message\'s and names it in a ✗', () => {
		const pending = new PendingSends();
		expect(pending.add(reactPayload(me, target, '👍', true, 'x-1', at))).toBeUndefined();
		expect(pending.isMessageAction('x-1')).toBe(true);
		expect(pending.messages()).toEqual([]);
		expect(pending.confirm('x-1')).toBe('react');
		expect(pending.isMessageAction('x-1')).toBe(false);
		pending.add(editPayload(me, {...target, senderId: 'alice'}, 'fixed', 1, 'e-1', at));
		const rejection = pending.reject('e-1', 'the message was deleted');
		expect(rejectionNotice(rejection, 'the message was deleted')).toBe('✗ edit refused by the server: the message was deleted');
	});
});

describe('deliveries as core values', () => {
	const header = {v: 2 as const, conversation_id: room, sender_name: 'Alice', target: {sender_id: 'bob', message_id: 'm-1'}, timestamp: at.toISOString(), applied_at: '2026-11-22T10:00:01.000Z'};
	const appliedMs = Date.parse(header.applied_at);

	it('maps edit, delete and react to MessageChange with the server time', () => {
		expect(changeFromPayload({...header, type: 'edit', message_id: 'e-1', sender_id: 'bob', content: 'new', version: 2})).toEqual({kind: 'edit', conversationId: room, messageId: 'm-1', senderId: 'bob', content: 'new', version: 2, editedAt: appliedMs});
		expect(changeFromPayload({...header, type: 'delete', message_id: 'd-1', sender_id: 'alice'})).toEqual({kind: 'delete', conversationId: room, messageId: 'm-1', senderId: 'bob', deletedBy: 'alice', deletedAt: appliedMs});
		expect(changeFromPayload({...header, type: 'react', message_id: 'x-1', sender_id: 'alice', emoji: '👍', is_on: false})).toEqual({kind: 'reaction', conversationId: room, messageId: 'm-1', senderId: 'bob', emoji: '👍', userId: 'alice', isOn: false, at: appliedMs});
	});

	it('carries a reply reference out and its quote in', () => {
		const outgoing = messagePayloadFor(me, room, 'agreed', 'm-2', at, {messageId: 'm-1', senderId: 'bob'});
		expect(outgoing.reply_to).toEqual({sender_id: 'bob', message_id: 'm-1'});
		const delivered = {...outgoing, seq: 9, created_at: at.toISOString(), reply_to: {sender_id: 'bob', message_id: 'm-1', seq: 4, sender_name: 'Bob', preview: 'shall we?'}};
		expect(messageFromPayload(delivered).replyTo).toEqual({messageId: 'm-1', senderId: 'bob', senderName: 'Bob', preview: 'shall we?', seq: 4});
	});
});
