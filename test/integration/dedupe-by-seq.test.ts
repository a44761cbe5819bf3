// Issue 11, outcome 5: a client never reports a message twice in a run, however late the
// redelivery, in bounded memory — by conversation and seq (the server's `prev_seq`, protocol
// 2.1), on both targets. The per-sender id memory alone (1,000 ids) needed the client's stored
// `delivered` receipt to recognise an older redelivery; here that receipt is gone, as when it is
// still in flight after a broker restart, and the redelivery must still be recognised.
import {expect, it} from 'vitest';
import {createChatClient} from '../../src/client/chat-client.js';
import type {ChatEvent, ChatPort} from '../../src/core/types.js';
import {silentLogger} from '../../src/log.js';
import {Sender, type Json} from '../helpers/sender.js';
import {useTargetPipeline} from '../helpers/target-pipeline.js';
import {forEachTarget} from '../helpers/targets.js';

function waitFor(port: ChatPort, match: (e: ChatEvent) => boolean): Promise<ChatEvent> {
	return new Promise((resolve) => {
		const stop = port.subscribe((event) => {
			if (!match(event)) return;
			stop();
			resolve(event);
		});
	});
}

/** Poll `probe` until it is true; throws naming `what` after `ms` (generous: the machine may be loaded). */
async function until(what: string, probe: () => boolean | Promise<boolean>, ms = 90_000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!(await probe())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

forEachTarget('dedupe by conversation and seq', (target) => {
	const pipeline = useTargetPipeline(target);

	it('a redelivery after 1,000 newer messages is not reported again even without its delivered receipt; a newer message still shows', async () => {
		const fay = await createChatClient({identity: {userId: 'fay', name: 'Fay'}, mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl, topicBase: target.topicBase, logger: silentLogger()});
		const reported = new Map<string, number>();
		fay.subscribe((e) => {
			if (e.type === 'messages-received') for (const m of e.messages) reported.set(m.messageId, (reported.get(m.messageId) ?? 0) + 1);
		});
		const isUp = waitFor(fay, (e) => e.type === 'connection-changed' && e.service === 'broker' && e.state === 'up');
		const gus = await Sender.connect(target, 'gus');
		const isReported = (m: Json) => until(`${String(m.message_id)} reported`, () => reported.has(String(m.message_id)));
		try {
			await isUp;
			const late = gus.message('fay', 'late');
			await gus.publish('fay', late);
			await isReported(late);
			// Her `delivered` receipt, stored or not yet, is not what recognises the redelivery now.
			await until('her delivered receipt stored', async () => (await pipeline.db.query("SELECT 1 FROM message_status WHERE message_id = $1 AND status = 'delivered'", [late.message_id])).rowCount === 1);
			await pipeline.db.query("DELETE FROM message_status WHERE message_id = $1 AND status = 'delivered'", [late.message_id]);
			const newer = Array.from({length: 1_001}, (_, n) => gus.message('fay', n));
			// Re-sent until ✓ as a real client does: the machine's shared Mosquitto keeps at most 1,000
			// queued QoS 1 messages per client (its default) and drops the rest, and a burst of 1,001
			// plus their receipts passes that at the ingester (CI lost `after` that way once). Waiting for
			// every ✓ also drains the ingester's queue before the redelivery below.
			await gus.resendUntilConfirmed('fay', newer);
			await until('the 1,001 newer messages reported', () => newer.every((m) => reported.has(String(m.message_id))));
			// gus resends `late` (no ✓ seen, say): the server delivers its stored copy again, with its seq and prev_seq.
			await gus.publish('fay', late);
			const after = gus.message('fay', 'after');
			await gus.resendUntilConfirmed('fay', [after]);
			await isReported(after);
			expect(reported.get(String(late.message_id))).toBe(1);
			expect([...reported.values()].every((n) => n === 1)).toBe(true);
			expect(reported.size).toBe(newer.length + 2);
		} finally {
			await gus.close();
			await fay.close();
		}
	}, 300_000);
});
