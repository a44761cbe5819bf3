import {describe, expect, it} from 'vitest';
import {
	MAX_PAYLOAD_BYTES,
	chatPayload,
	decodePayload,
	encodePayload,
	rejectionTarget,
	statusRank,
	unstorableTextReason,
	type ChatPayload,
} from './payloads.js';
import {
	clientSubscriptions,
	conversationIdFor,
	ingestSubscription,
	isValidUserId,
	parseTopic,
	peerOf,
	topicFor,
} from './topics.js';

const base = 'chat/messages';
const at = '2026-11-22T10:00:00.000Z';
const message: ChatPayload = {
	type: 'message',
	message_id: '6f1c3a2e-1111-4a4a-9b9b-000000000001',
	sender_id: 'fredy',
	sender_name: 'Fredy',
	receiver_id: 'david',
	content: 'Hello! How are you?',
	message_type: 'text',
	timestamp: at,
};
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('topics', () => {
	it('puts the recipient then the publisher in the topic', () => {
		expect(topicFor(base, 'david', 'fredy')).toBe('chat/messages/david/fredy');
		expect(parseTopic(base, 'chat/messages/david/fredy')).toEqual({to: 'david', from: 'fredy'});
	});

	it('rejects topics of the wrong shape', () => {
		expect(parseTopic(base, 'chat/messages/david')).toBeUndefined();
		expect(parseTopic(base, 'chat/messages/david/fredy/x')).toBeUndefined();
		expect(parseTopic(base, 'other/david/fredy')).toBeUndefined();
		expect(parseTopic(base, 'chat/messages//fredy')).toBeUndefined();
	});

	it('names the same conversation from both sides, and "all" for broadcasts', () => {
		expect(conversationIdFor('fredy', 'david')).toBe('david:fredy');
		expect(conversationIdFor('david', 'fredy')).toBe('david:fredy');
		expect(conversationIdFor('fredy', 'all')).toBe('all');
		expect(peerOf('david:fredy', 'fredy')).toBe('david');
		expect(peerOf('david:fredy', 'david')).toBe('fredy');
	});

	it('subscribes clients to their inbox, broadcasts and presence; ingesters to everything', () => {
		expect(clientSubscriptions(base, 'david')).toEqual([
			'chat/messages/david/+',
			'chat/messages/all/+',
			'chat/messages/presence/+',
		]);
		expect(ingestSubscription(base, 'hermes-ingest')).toBe('$share/hermes-ingest/chat/messages/#');
		expect(ingestSubscription(base)).toBe('chat/messages/#');
	});

	it('accepts topic-safe user ids and refuses reserved or unsafe ones', () => {
		for (const id of ['fredy', 'user_2', 'a.b-c', 'X'.repeat(64)]) expect(isValidUserId(id)).toBe(true);
		for (const id of ['', 'all', 'ALL', 'server', 'presence', 'a/b', 'a+b', 'a#', 'a b', 'x'.repeat(65), 'é']) {
			expect(isValidUserId(id)).toBe(false);
		}
	});
});

describe('decodePayload', () => {
	it('decodes each payload type published on its own route', () => {
		const ok = decodePayload(base, 'chat/messages/david/fredy', bytes(message));
		expect(ok).toEqual({ok: true, payload: message, to: 'david', from: 'fredy'});
		const status = {type: 'status', message_id: 'm1', status: 'read', user_id: 'david', timestamp: at};
		expect(decodePayload(base, 'chat/messages/fredy/david', bytes(status)).ok).toBe(true);
		const stored = {...status, status: 'received_by_server', user_id: 'fredy'};
		expect(decodePayload(base, 'chat/messages/fredy/server', bytes(stored)).ok).toBe(true);
		const typing = {type: 'typing', sender_id: 'fredy', sender_name: 'Fredy', receiver_id: 'david', is_typing: true, timestamp: at};
		expect(decodePayload(base, 'chat/messages/david/fredy', bytes(typing)).ok).toBe(true);
		const presence = {type: 'presence', user_id: 'fredy', user_name: 'Fredy', state: 'away', status_message: 'lunch', timestamp: at};
		expect(decodePayload(base, 'chat/messages/presence/fredy', bytes(presence)).ok).toBe(true);
	});

	it('decodes a payload after invalid UTF-8 cut off mid-character (one decoder serves every payload)', () => {
		expect(decodePayload(base, 'chat/messages/david/fredy', Buffer.from([0x7b, 0xc3])).ok).toBe(false);
		const decoded = decodePayload(base, 'chat/messages/david/fredy', bytes({...message, content: 'ü'}));
		expect(decoded.ok && decoded.payload.type === 'message' && decoded.payload.content).toBe('ü');
	});

	it('fills message_type and status_message defaults', () => {
		const {message_type: _omitted, ...bare} = message as Extract<ChatPayload, {type: 'message'}>;
		const decoded = decodePayload(base, 'chat/messages/david/fredy', bytes(bare));
		expect(decoded.ok && decoded.payload.type === 'message' && decoded.payload.message_type).toBe('text');
	});

	it.each([
		['malformed JSON', 'chat/messages/david/fredy', Buffer.from('{"type":'), /not UTF-8 JSON/],
		['invalid UTF-8', 'chat/messages/david/fredy', Buffer.from([0x7b, 0xff, 0x7d]), /not UTF-8 JSON/],
		['a bad topic', 'chat/messages/david', bytes(message), /is not chat\/messages/],
		['an unknown type', 'chat/messages/david/fredy', bytes({...message, type: 'shout'}), /invalid type/],
		['an unknown field', 'chat/messages/david/fredy', bytes({...message, admin: true}), /invalid payload/],
		['empty content', 'chat/messages/david/fredy', bytes({...message, content: ''}), /invalid content/],
		['too long content', 'chat/messages/david/fredy', bytes({...message, content: 'x'.repeat(4001)}), /invalid content/],
		['a bad timestamp', 'chat/messages/david/fredy', bytes({...message, timestamp: 'yesterday'}), /invalid timestamp/],
		['a spoofed sender', 'chat/messages/david/mallory', bytes(message), /sender_id fredy published on mallory/],
		['a misaddressed message', 'chat/messages/eve/fredy', bytes(message), /receiver_id david published to eve/],
		['a forged server receipt', 'chat/messages/fredy/david', bytes({type: 'status', message_id: 'm1', status: 'received_by_server', user_id: 'fredy', timestamp: at}), /only come from server/],
		['a forged receipt', 'chat/messages/fredy/mallory', bytes({type: 'status', message_id: 'm1', status: 'read', user_id: 'david', timestamp: at}), /status by david/],
		['presence off its topic', 'chat/messages/david/fredy', bytes({type: 'presence', user_id: 'fredy', user_name: 'F', state: 'online', timestamp: at}), /presence must be/],
		['a reserved sender id', 'chat/messages/david/server', bytes({...message, sender_id: 'server'}), /invalid sender_id/],
		// Text PostgreSQL cannot store exactly as sent is refused up front (issue 11).
		['content with NUL', 'chat/messages/david/fredy', bytes({...message, content: 'a\u0000b'}), /invalid content: contains a NUL/],
		['content with a lone surrogate', 'chat/messages/david/fredy', Buffer.from(JSON.stringify({...message, content: 'x'}).replace('"x"', '"\\ud800x"')), /invalid content: contains a lone UTF-16 surrogate/],
		['content with a lone low surrogate', 'chat/messages/david/fredy', Buffer.from(JSON.stringify({...message, content: 'x'}).replace('"x"', '"x\\udc00"')), /lone UTF-16 surrogate/],
		['blank content', 'chat/messages/david/fredy', bytes({...message, content: ' \n\t '}), /invalid content: must not be blank/],
		['a name with NUL', 'chat/messages/david/fredy', bytes({...message, sender_name: 'Fre\u0000dy'}), /invalid sender_name: contains a NUL/],
		['a status message with NUL', 'chat/messages/presence/fredy', bytes({type: 'presence', user_id: 'fredy', user_name: 'F', state: 'away', status_message: '\u0000', timestamp: at}), /invalid status_message: contains a NUL/],
		['a typing name with NUL', 'chat/messages/david/fredy', bytes({type: 'typing', sender_id: 'fredy', sender_name: '\u0000', receiver_id: 'david', is_typing: true, timestamp: at}), /invalid sender_name/],
		['year 0000', 'chat/messages/david/fredy', bytes({...message, timestamp: '0000-01-01T00:00:00Z'}), /invalid timestamp: year 0000/],
		['a 16-hour zone offset', 'chat/messages/david/fredy', bytes({...message, timestamp: '2026-01-01T00:00:00+16:00'}), /invalid timestamp: a zone offset/],
		['a rejection without reason', 'chat/messages/fredy/server', bytes({type: 'status', message_id: 'm1', status: 'rejected', user_id: 'fredy', timestamp: at}), /invalid reason/],
		['a reason on a read receipt', 'chat/messages/fredy/david', bytes({type: 'status', message_id: 'm1', status: 'read', user_id: 'david', timestamp: at, reason: 'x'}), /invalid reason/],
		['a forged rejection', 'chat/messages/fredy/david', bytes({type: 'status', message_id: 'm1', status: 'rejected', user_id: 'fredy', timestamp: at, reason: 'x'}), /rejected may only come from server/],
	])('rejects %s with a one-line reason', (_name, topic, payload, reason) => {
		const decoded = decodePayload(base, topic, payload);
		expect(decoded.ok).toBe(false);
		if (!decoded.ok) {
			expect(decoded.error).toMatch(reason);
			expect(decoded.error).not.toContain('\n');
		}
	});

	it('accepts what PostgreSQL stores: astral characters, offsets under 16 h, year 0001', () => {
		for (const variant of [
			{content: 'emoji 😀 and 𝄞 (surrogate pairs)'},
			{timestamp: '2026-01-01T00:00:00+15:59'},
			{timestamp: '0001-01-01T00:00:00Z'},
			{sender_name: 'Zoë 李'},
		]) expect(decodePayload(base, 'chat/messages/david/fredy', bytes({...message, ...variant})).ok).toBe(true);
	});

	it('decodes a rejected receipt from the server, with its reason (protocol 1.1)', () => {
		const rejected = {type: 'status', message_id: 'm1', status: 'rejected', user_id: 'fredy', timestamp: at, reason: 'contains a NUL character'};
		expect(decodePayload(base, 'chat/messages/fredy/server', bytes(rejected))).toEqual({ok: true, payload: rejected, to: 'fredy', from: 'server'});
	});

	it('rejects an oversized payload before parsing it', () => {
		const big = Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20);
		const decoded = decodePayload(base, 'chat/messages/david/fredy', big);
		expect(decoded).toEqual({ok: false, error: `payload of ${MAX_PAYLOAD_BYTES + 1} bytes exceeds ${MAX_PAYLOAD_BYTES}`});
	});
});

describe('rejectionTarget', () => {
	it('names the publisher and the id of a refused message', () => {
		const nul = bytes({...message, content: 'a\u0000b'});
		expect(rejectionTarget(base, 'chat/messages/david/fredy', nul)).toEqual({senderId: 'fredy', messageId: message.message_id});
		// The topic names the publisher (a broker ACL enforces it), not the payload's claim.
		expect(rejectionTarget(base, 'chat/messages/david/mallory', nul)).toEqual({senderId: 'mallory', messageId: message.message_id});
	});

	it.each([
		['a non-message', bytes({type: 'typing', message_id: 'm1'})],
		['a bad message id', bytes({...message, message_id: 'a b'})],
		['no message id', bytes({type: 'message'})],
		['JSON that is not an object', bytes('message')],
		['malformed JSON', Buffer.from('{"type":"message"')],
		['an oversized payload', Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20)],
	])('names nobody for %s', (_name, payload) => {
		expect(rejectionTarget(base, 'chat/messages/david/fredy', payload)).toBeUndefined();
	});

	it('names nobody for a publisher that is not a user', () => {
		expect(rejectionTarget(base, 'chat/messages/david/server', bytes(message))).toBeUndefined();
		expect(rejectionTarget(base, 'chat/messages/david', bytes(message))).toBeUndefined();
	});
});

describe('unstorableTextReason', () => {
	it('is the one check the client and the schema share', () => {
		expect(unstorableTextReason('plain text, 😀')).toBeUndefined();
		expect(unstorableTextReason('\u0000')).toMatch(/NUL/);
		expect(unstorableTextReason('\ud83d')).toMatch(/surrogate/);
		expect(unstorableTextReason('\ude00\ud83d')).toMatch(/surrogate/);
	});
});

describe('encodePayload', () => {
	it('round-trips through decodePayload', () => {
		const decoded = decodePayload(base, 'chat/messages/david/fredy', encodePayload(message));
		expect(decoded.ok && decoded.payload).toEqual(message);
	});

	it('refuses to encode an invalid payload', () => {
		expect(() => encodePayload({...message, sender_id: 'a/b'} as ChatPayload)).toThrow();
		expect(chatPayload.safeParse({...message, content: 'x'.repeat(4001)}).success).toBe(false);
	});
});

describe('statusRank', () => {
	it('orders the Hermes status flow', () => {
		expect(['read', 'sent', 'delivered', 'received_by_server'].sort((a, b) => statusRank(a as never) - statusRank(b as never))).toEqual([
			'sent',
			'received_by_server',
			'delivered',
			'read',
		]);
	});
});
