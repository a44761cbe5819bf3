import {describe, expect, it} from 'vitest';
import {silentLogger} from '../log.js';
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

	it('settles at once with nothing in flight', async () => {
		const confirmer = new Confirmer(heldPublish().publish, 'chat/messages', silentLogger(), emptyStats());
		await confirmer.settled(60_000);
	});
});
