// Protocol version 2 (docs/protocol.md, "Version 2"): fixtures of good and bad v2 payloads next to
// their version 1 forms, decoded as the ingester does (topic publisher = author).
import {describe, expect, it} from 'vitest';
import {decodePayload} from './payloads.js';
import {
	broadcastInboxTopic,
	clientSubscriptionsV2,
	conversationKindOf,
	decodeV2,
	directMembersOf,
	encodeV2,
	inboxTopic,
	ingestSubscriptionV2,
	isMessageAction,
	isVersion2,
	refuseEmoji,
	serverTopic,
} from './v2.js';

const base = 'chat/messages';
const at = '2026-11-22T10:00:00.000Z';
const room = 'room-6f1c3a2e-1111-4a4a-9b9b-000000000001';
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

const message = {v: 2, type: 'message', message_id: 'm-1', conversation_id: room, sender_id: 'alice', sender_name: 'Alice', content: 'hello room', timestamp: at};
const status = {v: 2, type: 'status', status: 'read', conversation_id: room, message_id: 'm-1', sender_id: 'alice', user_id: 'bob', timestamp: at};
const typing = {v: 2, type: 'typing', conversation_id: 'alice:bob', sender_id: 'alice', sender_name: 'Alice', is_typing: true, timestamp: at};
const roomAction = {v: 2, type: 'room', message_id: 'r-1', conversation_id: room, sender_id: 'alice', sender_name: 'Alice', action: 'create', title: 'Ops', user_ids: ['bob'], timestamp: at};
const v1Message = {type: 'message', message_id: 'm-1', sender_id: 'alice', sender_name: 'Alice', receiver_id: 'bob', content: 'hi', message_type: 'text', timestamp: at};

describe('conversation ids', () => {
	it('knows the three kinds and refuses anything else', () => {
		expect(conversationKindOf('all')).toBe('broadcast');
		expect(conversationKindOf('alice:bob')).toBe('direct');
		expect(conversationKindOf(room)).toBe('group');
		for (const bad of ['bob:alice', 'alice:alice', 'alice', 'a:b:c', 'alice:all', 'room-', 'room-a/b', 'room-+', `room-${'x'.repeat(97)}`, '', 'ALL']) {
			expect(conversationKindOf(bad), bad).toBeUndefined();
		}
		expect(directMembersOf('alice:bob')).toEqual(['alice', 'bob']);
		expect(directMembersOf(room)).toBeUndefined();
	});

	it('lays out topics: clients write {base}/server/{me}, the server writes three-level inboxes', () => {
		expect(serverTopic(base, 'alice')).toBe('chat/messages/server/alice');
		expect(inboxTopic(base, 'alice')).toBe('chat/messages/alice/server/inbox');
		expect(broadcastInboxTopic(base)).toBe('chat/messages/all/server/inbox');
		expect(clientSubscriptionsV2(base, 'alice')).toEqual(['chat/messages/alice/server/inbox', 'chat/messages/all/server/inbox', 'chat/messages/presence/+']);
		expect(ingestSubscriptionV2(base, 'g')).toBe('$share/g/chat/messages/+/+');
		expect(ingestSubscriptionV2(base)).toBe('chat/messages/+/+');
	});
});

describe('decodeV2', () => {
	it('accepts each good payload from its author, with defaults applied', () => {
		for (const payload of [message, status, typing, roomAction]) {
			const from = payload.type === 'status' ? 'bob' : 'alice';
			const decoded = decodeV2(from, bytes(payload));
			expect(decoded, payload.type).toMatchObject({ok: true, payload});
		}
		expect(decodeV2('alice', bytes(message))).toMatchObject({ok: true, payload: {message_type: 'text'}});
		expect(decodeV2('alice', bytes({...message, conversation_id: 'all'})).ok).toBe(true);
	});

	it('accepts unknown optional fields and drops them (forward compatibility within v 2)', () => {
		const decoded = decodeV2('alice', bytes({...message, thread_id: 'm-0', reactions: {x: 1}}));
		expect(decoded.ok).toBe(true);
		if (decoded.ok) expect(decoded.payload).not.toHaveProperty('thread_id');
		const action = decodeV2('alice', bytes({...roomAction, colour: 'blue'}));
		expect(action.ok && !('colour' in action.payload)).toBe(true);
	});

	it('refuses another major version, and version 1 payloads', () => {
		expect(decodeV2('alice', bytes({...message, v: 3}))).toMatchObject({ok: false, error: expect.stringContaining('v')});
		expect(decodeV2('alice', bytes({...message, v: '2'})).ok).toBe(false);
		expect(decodeV2('alice', bytes(v1Message)).ok).toBe(false);
		expect(isVersion2({...message, v: 3})).toBe(true);
		expect(isVersion2(v1Message)).toBe(false);
	});

	const bad: Array<[string, string, unknown]> = [
		['not JSON', 'alice', '{"v":2,'],
		['not an object', 'alice', [message]],
		['unknown type', 'alice', {...message, type: 'presence'}],
		['wrong author', 'mallory', message],
		['status by someone else', 'alice', status],
		['system line from a client', 'alice', {...message, message_type: 'system'}],
		['seq from a client', 'alice', {...message, seq: 5}],
		['event from a client', 'alice', {...message, event: {action: 'kick', user_ids: ['bob']}}],
		['received_by_server from a client', 'alice', {...status, status: 'received_by_server', user_id: 'alice'}],
		['rejected from a client', 'alice', {...status, status: 'rejected', user_id: 'alice', reason: 'no'}],
		['reason on a read', 'bob', {...status, reason: 'why'}],
		['reversed direct id', 'alice', {...message, conversation_id: 'bob:alice'}],
		['direct id with itself', 'alice', {...message, conversation_id: 'alice:alice'}],
		['bad room id', 'alice', {...message, conversation_id: 'room-a/b'}],
		['plain user as conversation', 'alice', {...message, conversation_id: 'bob'}],
		['blank content', 'alice', {...message, content: '   '}],
		['NUL in content', 'alice', {...message, content: 'a\u0000b'}],
		['content too long', 'alice', {...message, content: 'x'.repeat(4_001)}],
		['bad timestamp', 'alice', {...message, timestamp: 'yesterday'}],
		['year 0000', 'alice', {...message, timestamp: '0000-01-01T00:00:00Z'}],
		['reserved sender', 'server', {...message, sender_id: 'server'}],
		['room action on a direct conversation', 'alice', {...roomAction, conversation_id: 'alice:bob'}],
		['create without title', 'alice', {...roomAction, title: undefined}],
		['rename without title', 'alice', {...roomAction, action: 'rename', title: undefined}],
		['blank title', 'alice', {...roomAction, title: '  '}],
		['invite without user_ids', 'alice', {...roomAction, action: 'invite', user_ids: undefined}],
		['kick with no users', 'alice', {...roomAction, action: 'kick', user_ids: []}],
		['op with a reserved id', 'alice', {...roomAction, action: 'op', user_ids: ['all']}],
		['topic without topic', 'alice', {...roomAction, action: 'topic'}],
		['unknown action', 'alice', {...roomAction, action: 'ban'}],
		['too many users', 'alice', {...roomAction, action: 'invite', user_ids: Array.from({length: 51}, (_, i) => `u${i}`)}],
		['title too long', 'alice', {...roomAction, title: 't'.repeat(101)}],
		['typing without is_typing', 'alice', {...typing, is_typing: undefined}],
	];
	it.each(bad)('refuses %s with one line', (_name, from, payload) => {
		const decoded = decodeV2(from, typeof payload === 'string' ? Buffer.from(payload) : bytes(payload));
		expect(decoded.ok).toBe(false);
		if (!decoded.ok) expect(decoded.error).not.toContain('\n');
	});

	it('refuses an oversized payload before parsing it', () => {
		expect(decodeV2('alice', Buffer.alloc(16_385, 0x20))).toMatchObject({ok: false, error: expect.stringContaining('exceeds')});
	});

	it('takes any author on an inbox delivery (from the server), system lines and seq included', () => {
		const delivery = {...message, message_type: 'system', seq: 7, created_at: at, event: {action: 'invite', user_ids: ['carol']}};
		expect(decodeV2('server', bytes(delivery))).toMatchObject({ok: true, payload: {seq: 7, event: {action: 'invite', user_ids: ['carol']}}});
		expect(decodeV2('server', bytes({...status, status: 'rejected', user_id: 'alice', reason: 'you are not a member of this room'})).ok).toBe(true);
	});

	it('encodes what it decodes, and refuses to encode an invalid payload', () => {
		const encoded = encodeV2(message as Parameters<typeof encodeV2>[0]);
		expect(decodeV2('alice', encoded)).toMatchObject({ok: true, payload: message});
		expect(() => encodeV2({...message, conversation_id: 'nope'} as Parameters<typeof encodeV2>[0])).toThrow();
	});
});

describe('version 1 next to version 2', () => {
	it('keeps decoding version 1 payloads on two-level topics', () => {
		expect(decodePayload(base, 'chat/messages/bob/alice', bytes(v1Message))).toMatchObject({ok: true, to: 'bob', from: 'alice'});
	});

	it('the version 1 decoder refuses v2 payloads (strict), so the ingester routes by topic', () => {
		expect(decodePayload(base, 'chat/messages/server/alice', bytes(message)).ok).toBe(false);
		expect(decodePayload(base, 'chat/messages/bob/alice', bytes({...v1Message, v: 2})).ok).toBe(false);
	});
});

describe('message actions (issue 10)', () => {
	const target = {sender_id: 'alice', message_id: 'm-1'};
	const edit = {v: 2, type: 'edit', message_id: 'e-1', conversation_id: room, sender_id: 'alice', sender_name: 'Alice', target, content: 'hello room!', version: 1, timestamp: at};
	const del = {v: 2, type: 'delete', message_id: 'd-1', conversation_id: room, sender_id: 'carol', sender_name: 'Carol', target, timestamp: at};
	const react = {v: 2, type: 'react', message_id: 'x-1', conversation_id: room, sender_id: 'bob', sender_name: 'Bob', target, emoji: '👍', is_on: true, timestamp: at};

	it('decodes edit, delete and react from their actor', () => {
		expect(decodeV2('alice', bytes(edit))).toMatchObject({ok: true, payload: {type: 'edit', version: 1, target}});
		expect(decodeV2('carol', bytes(del))).toMatchObject({ok: true, payload: {type: 'delete', target}});
		expect(decodeV2('bob', bytes(react))).toMatchObject({ok: true, payload: {type: 'react', emoji: '👍', is_on: true}});
		expect(encodeV2(edit as never).toString()).toContain('"type":"edit"');
	});

	it('takes a reply reference on a message; the quote fields come from the server only', () => {
		const reply = {...message, message_id: 'm-2', reply_to: target};
		expect(decodeV2('alice', bytes(reply))).toMatchObject({ok: true, payload: {reply_to: target}});
		const quoted = {...reply, reply_to: {...target, seq: 7, sender_name: 'Alice', preview: 'hello room'}};
		expect(decodeV2('alice', bytes(quoted))).toMatchObject({ok: false, error: expect.stringContaining('server only')});
		expect(decodeV2('server', bytes(quoted))).toMatchObject({ok: true, payload: {reply_to: {seq: 7, preview: 'hello room'}}});
		expect(decodeV2('alice', bytes({...reply, reply_to: 'm-1'})).ok).toBe(false);
		expect(decodeV2('alice', bytes({...reply, reply_to: {message_id: 'm-1'}})).ok).toBe(false);
	});

	it('refuses malformed actions with a one-line reason', () => {
		const bad: Array<[string, string, unknown]> = [
			['alice', 'spoofed actor', {...edit, sender_id: 'bob'}],
			['alice', 'version 0', {...edit, version: 0}],
			['alice', 'version past the limit', {...edit, version: 51}],
			['alice', 'blank content', {...edit, content: '  '}],
			['alice', 'no target', {...edit, target: undefined}],
			['alice', 'target without sender', {...edit, target: {message_id: 'm-1'}}],
			['alice', 'applied_at from a client', {...edit, applied_at: at}],
			['bob', 'two emoji', {...react, emoji: '👍👍'}],
			['bob', 'a letter', {...react, emoji: 'a'}],
			['bob', 'a word', {...react, emoji: 'ok'}],
			['bob', 'an emoji with a space', {...react, emoji: '👍 '}],
			['bob', 'an emoji with a control character', {...react, emoji: '👍\u0007'}],
			['bob', 'no emoji', {...react, emoji: ''}],
			['bob', 'is_on as a string', {...react, is_on: 'yes'}],
			['carol', 'a bad conversation', {...del, conversation_id: 'bob'}],
		];
		for (const [from, name, payload] of bad) {
			const decoded = decodeV2(from, bytes(payload));
			expect(decoded.ok, name).toBe(false);
			if (!decoded.ok) expect(decoded.error, name).not.toContain('\n');
		}
	});

	it('takes one emoji of any shape up to 32 bytes', () => {
		for (const emoji of ['👍', '❤️', '👨‍👩‍👧‍👦', '🇫🇷', '1️⃣', '👍🏽', '🏴󠁧󠁢󠁳󠁣󠁴󠁿']) expect(refuseEmoji(emoji), emoji).toBeUndefined();
		for (const text of ['', 'a', '1', '👍👎', '👍 ', '\u200d', 'x\u20e3y']) expect(refuseEmoji(text), JSON.stringify(text)).toBeDefined();
	});

	it('delivers a committed change from the server with applied_at', () => {
		const delivered = decodeV2('server', bytes({...edit, applied_at: at}));
		expect(delivered).toMatchObject({ok: true, payload: {type: 'edit', applied_at: at}});
		expect(isMessageAction({type: 'react'}) && !isMessageAction({type: 'message'})).toBe(true);
	});
});

describe('prev_seq (protocol 2.1, issue 11 outcome 5)', () => {
	const delivery = (extra: Record<string, unknown>) => new TextEncoder().encode(JSON.stringify({
		v: 2, type: 'message', message_id: 'm-1', conversation_id: 'alice:bob', sender_id: 'alice', sender_name: 'Alice',
		content: 'hi', timestamp: '2026-11-30T10:00:00Z', created_at: '2026-11-30T10:00:01Z', ...extra,
	}));

	it('is accepted from the server below seq (0 for a first message), and optional', () => {
		const decoded = decodeV2('server', delivery({seq: 7, prev_seq: 3}));
		expect(decoded.ok && decoded.payload.type === 'message' && decoded.payload.prev_seq).toBe(3);
		expect(decodeV2('server', delivery({seq: 1, prev_seq: 0})).ok).toBe(true);
		const old = decodeV2('server', delivery({seq: 7}));
		expect(old.ok && old.payload.type === 'message' && old.payload.prev_seq).toBeUndefined();
	});

	it('is refused at or above seq, without seq, negative, or from a client', () => {
		expect(decodeV2('server', delivery({seq: 7, prev_seq: 7}))).toEqual({ok: false, error: 'prev_seq must come with a seq greater than it'});
		expect(decodeV2('server', delivery({prev_seq: 2})).ok).toBe(false);
		expect(decodeV2('server', delivery({seq: 7, prev_seq: -1})).ok).toBe(false);
		expect(decodeV2('server', delivery({seq: 7, prev_seq: 1.5})).ok).toBe(false);
		const {created_at: _c, ...fromClient} = JSON.parse(new TextDecoder().decode(delivery({})));
		expect(decodeV2('alice', new TextEncoder().encode(JSON.stringify({...fromClient, prev_seq: 1})))).toEqual({ok: false, error: 'system messages, seq, prev_seq and event are set by the server only'});
	});
});
