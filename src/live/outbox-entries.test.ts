// Outbox files of the previous release (protocol 1) stay readable: their messages are resent as v2.
import {describe, expect, it} from 'vitest';
import {encodePayload, encodeV2, serverTopic, topicFor} from '../protocol/index.js';
import {decodeOutboxEntry} from './outbox-entries.js';

const base = 'chat/messages';
const v1 = {type: 'message', message_id: 'm-1', sender_id: 'bob', sender_name: 'Bob', receiver_id: 'alice', content: 'hi', message_type: 'text', timestamp: '2026-01-05T10:00:00.000Z'} as const;

describe('decodeOutboxEntry', () => {
	it('converts a v1 message of mine to a v2 message with the same id, text and time', () => {
		const entry = {topic: topicFor(base, 'alice', 'bob'), payload: encodePayload(v1).toString('utf8')};
		expect(decodeOutboxEntry(base, 'bob', entry)).toEqual({
			ok: true,
			isConverted: true,
			payload: {v: 2, type: 'message', message_id: 'm-1', conversation_id: 'alice:bob', sender_id: 'bob', sender_name: 'Bob', content: 'hi', message_type: 'text', timestamp: v1.timestamp},
		});
		const broadcast = {topic: topicFor(base, 'all', 'bob'), payload: encodePayload({...v1, receiver_id: 'all'}).toString('utf8')};
		expect(decodeOutboxEntry(base, 'bob', broadcast)).toMatchObject({ok: true, payload: {conversation_id: 'all'}});
	});

	it('keeps v2 messages and room actions, and drops what is not mine', () => {
		const room = {v: 2 as const, type: 'room' as const, message_id: 'r-1', conversation_id: 'room-x', sender_id: 'bob', sender_name: 'Bob', action: 'create' as const, title: 'Ops', user_ids: ['alice'], timestamp: v1.timestamp};
		const entry = {topic: serverTopic(base, 'bob'), payload: encodeV2(room).toString('utf8')};
		expect(decodeOutboxEntry(base, 'bob', entry)).toMatchObject({ok: true, isConverted: false, payload: {type: 'room', action: 'create'}});
		expect(decodeOutboxEntry(base, 'carol', entry)).toMatchObject({ok: false});
		expect(decodeOutboxEntry(base, 'carol', {topic: topicFor(base, 'alice', 'bob'), payload: encodePayload(v1).toString('utf8')})).toMatchObject({ok: false});
		expect(decodeOutboxEntry(base, 'bob', {topic: serverTopic(base, 'bob'), payload: '{'})).toMatchObject({ok: false});
	});

	it('keeps edits, deletes and reactions of mine (they are resent after a restart like messages)', () => {
		const react = {v: 2 as const, type: 'react' as const, message_id: 'x-1', conversation_id: 'alice:bob', sender_id: 'bob', sender_name: 'Bob', target: {sender_id: 'alice', message_id: 'm-1'}, emoji: '👍', is_on: true, timestamp: v1.timestamp};
		const entry = {topic: serverTopic(base, 'bob'), payload: encodeV2(react).toString('utf8')};
		expect(decodeOutboxEntry(base, 'bob', entry)).toMatchObject({ok: true, isConverted: false, payload: {type: 'react', emoji: '👍'}});
		expect(decodeOutboxEntry(base, 'alice', entry)).toMatchObject({ok: false});
	});
});
