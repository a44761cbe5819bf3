import {describe, expect, it} from 'vitest';
import {silentLogger} from '../log.js';
import type {StoredMessage} from '../store/ingest-rows.js';
import {Confirmer, type PublishQos1} from './confirmer.js';
import {emptyStats} from './types.js';

/** A publish that holds every callback until the test acknowledges it. */
function heldPublish() {
	const held: Array<{topic: string; payload: string; done: (error?: Error) => void}> = [];
	const publish: PublishQos1 = (topic, payload, _qos, done) => void held.push({topic, payload: payload.toString(), done});
	return {publish, held};
}

describe('Confirmer', () => {
	it('publishes one v1 ✓ per sender and id, counts it on PUBACK, and settles once every publish is answered', async () => {
		const {publish, held} = heldPublish();
		const stats = emptyStats();
		const confirmer = new Confirmer(publish, 'chat/messages', silentLogger(), stats);
		confirmer.confirm([{messageId: 'm1', senderId: 'ann'}, {messageId: 'm1', senderId: 'ann'}, {messageId: 'm2', senderId: 'ann', conversationId: 'ann:ben'}]);
		expect(held.map((h) => h.topic)).toEqual(['chat/messages/ann/server', 'chat/messages/ann/server/inbox']);
		expect(JSON.parse(held[0]!.payload)).toMatchObject({type: 'status', status: 'received_by_server', user_id: 'ann', message_id: 'm1'});
		let isSettled = false;
		const settled = confirmer.settled(60_000).then(() => (isSettled = true));
		held[0]!.done();
		held[0]!.done(); // a second callback for one publish counts nothing
		await Promise.resolve();
		expect(isSettled).toBe(false);
		held[1]!.done(new Error('client disconnecting'));
		await settled;
		expect(stats.confirmationsPublished).toBe(1);
	});

	it('fans each stored message out once to each of its own recipients, in seq order, whether or not messages share a recipients array', () => {
		const {publish, held} = heldPublish();
		const stats = emptyStats();
		const confirmer = new Confirmer(publish, 'chat/messages', silentLogger(), stats);
		const annBen = ['ann', 'ben'];
		const message = (seq: number, conversationId: string, recipients: StoredMessage['recipients']): StoredMessage => ({
			messageId: `m${seq}`, senderId: 'ann', senderName: 'Ann', conversationId, content: `hi ${seq}`, messageType: 'text',
			sentAt: '2026-01-01T00:00:00.000Z', seq, prevSeq: seq - 1, createdAt: '2026-01-01T00:00:00.000Z', recipients,
		});
		// m1 and m3 share one array (as a batch's messages of one conversation do); m2's equal-looking
		// array is another conversation's; m4 goes to the broadcast inbox.
		confirmer.deliver([message(1, 'ann:ben', annBen), message(2, '#room', ['ann', 'cat']), message(3, 'ann:ben', annBen), message(4, 'all', 'all')]);
		expect(held.map((h) => [h.topic, JSON.parse(h.payload).message_id])).toEqual([
			['chat/messages/ann/server/inbox', 'm1'],
			['chat/messages/ben/server/inbox', 'm1'],
			['chat/messages/ann/server/inbox', 'm2'],
			['chat/messages/cat/server/inbox', 'm2'],
			['chat/messages/ann/server/inbox', 'm3'],
			['chat/messages/ben/server/inbox', 'm3'],
			['chat/messages/all/server/inbox', 'm4'],
		]);
		expect(JSON.parse(held[4]!.payload)).toMatchObject({v: 2, type: 'message', conversation_id: 'ann:ben', content: 'hi 3', seq: 3, prev_seq: 2});
		for (const h of held) h.done();
		expect(stats.fanOutPublishes).toBe(7);
	});

	it('settles at once with nothing in flight', async () => {
		const confirmer = new Confirmer(heldPublish().publish, 'chat/messages', silentLogger(), emptyStats());
		await confirmer.settled(60_000);
	});
});
