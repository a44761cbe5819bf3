// My sends awaiting the server: ◷ → sent on PUBACK, gone on ✓, ✗ with the reason; room actions apart.
import {describe, expect, it} from 'vitest';
import {messagePayloadFor} from './outgoing.js';
import {PendingSends, rejectionNotice} from './pending-sends.js';
import {createRoomPayload} from './rooms.js';

const me = {userId: 'alice', name: 'Alice'};
const at = new Date('2026-11-22T10:00:00.000Z');

describe('PendingSends', () => {
	it('tracks a message from pending to sent to confirmed', () => {
		const pending = new PendingSends();
		expect(pending.add(messagePayloadFor(me, 'alice:bob', 'hi', 'm-1', at))).toMatchObject({messageId: 'm-1', status: 'pending', receiverId: 'bob'});
		expect(pending.markPubacked('m-1')).toMatchObject({status: 'sent'});
		expect(pending.markPubacked('m-1')).toBeUndefined();
		expect(pending.confirm('m-1')).toBeUndefined();
		expect(pending.messages()).toEqual([]);
	});

	it('keeps room actions out of the thread and names them in a refusal', () => {
		const pending = new PendingSends();
		expect(pending.add(createRoomPayload(me, 'room-1', 'Ops', ['bob'], 'r-1', at))).toBeUndefined();
		expect(pending.messages()).toEqual([]);
		const rejection = pending.reject('r-1', 'no such room');
		expect(rejection).toEqual({roomAction: 'create'});
		expect(rejectionNotice(rejection, 'no such room')).toBe('✗ create refused by the server: no such room');
		expect(pending.confirm('r-1')).toBeUndefined();
	});

	it('marks a refused message rejected with the reason, named by peer, room or everyone', () => {
		const pending = new PendingSends();
		pending.add(messagePayloadFor(me, 'room-1', 'hi', 'm-2', at));
		pending.add(messagePayloadFor(me, 'alice:bob', 'hi', 'm-3', at));
		const inRoom = pending.reject('m-2', 'you are not a member of this room');
		expect(inRoom.message).toMatchObject({status: 'rejected', rejectedReason: 'you are not a member of this room'});
		expect(rejectionNotice(inRoom, 'x')).toBe('✗ message to the room refused by the server: x — it was not sent; edit it and send again');
		expect(rejectionNotice(pending.reject('m-3', 'x'), 'x')).toMatch(/^✗ message to bob refused/);
		expect(rejectionNotice(pending.reject('m-unknown', 'x'), 'x')).toMatch(/^✗ message refused/);
	});
});
