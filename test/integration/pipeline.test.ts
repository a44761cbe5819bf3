// The ingestion pipeline's contract, once per target (real Mosquitto + PostgreSQL, embedded hub):
// stored once, confirmed only after commit, receipts, batching, bad input, crash + re-send, sharing.
import {randomUUID} from 'node:crypto';
import pg from 'pg';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startIngester, type Ingester} from '../../src/ingest/ingester.js';
import {CuttableProxy} from '../helpers/cuttable-proxy.js';
import {pollUntil, Sender, type Json} from '../helpers/sender.js';
import {forEachTarget} from '../helpers/targets.js';

function openPool(databaseUrl: string): pg.Pool {
	const pool = new pg.Pool({connectionString: databaseUrl, max: 2});
	pool.on('error', () => undefined); // an idle client of a hub that restarts
	return pool;
}

const user = (name: string) => `${name}${randomUUID().slice(0, 6)}`;
const ids = (messages: Json[]) => messages.map((m) => String(m.message_id));

forEachTarget('ingestion pipeline', (target) => {
	let ingester: Ingester | undefined;
	let pool: pg.Pool;
	const rows = async <R extends pg.QueryResultRow>(sql: string, values: unknown[] = []) =>
		(await pool.query<R>(sql, values)).rows;
	const countStored = async (messageIds: string[]) =>
		(await rows<{message_id: string; n: number}>(
			'SELECT message_id, count(*)::int AS n FROM chat_messages WHERE message_id = ANY($1) GROUP BY 1',
			[messageIds],
		));

	beforeAll(async () => {
		if (target.needsIngester) {
			ingester = await startIngester({
				mqttUrl: target.mqttUrl,
				databaseUrl: target.databaseUrl,
				topicBase: target.topicBase,
				sharedGroup: `g${randomUUID().slice(0, 8)}`,
				logger: target.logger,
			});
		}
		pool = openPool(target.databaseUrl);
	});
	afterAll(async () => {
		await ingester?.stop();
		await pool?.end();
	});

	it('stores a message published 3× with the same message_id once, with one sent and one received_by_server row', async () => {
		const alice = await Sender.connect(target, user('alice'));
		const bob = user('bob');
		const message = alice.message(bob, 1);
		for (let i = 0; i < 3; i++) await alice.publish(bob, message);
		await alice.barrier(bob);
		expect(alice.confirmed.has(String(message.message_id))).toBe(true);
		expect(await countStored([String(message.message_id)])).toEqual([{message_id: message.message_id, n: 1}]);
		const statuses = await rows('SELECT status, user_id FROM message_status WHERE message_id = $1 ORDER BY id', [message.message_id]);
		expect(statuses).toEqual([
			{status: 'sent', user_id: alice.userId},
			{status: 'received_by_server', user_id: alice.userId},
		]);
		await alice.close();
	});

	it('confirms each of a burst of 200 only after its row is committed (visible from another connection)', async () => {
		const alice = await Sender.connect(target, user('alice'));
		const bob = user('bob');
		const checks: Array<Promise<boolean>> = [];
		alice.client.on('message', (_topic, bytes) => {
			const id = String((JSON.parse(bytes.toString()) as Json).message_id);
			checks.push(pool.query('SELECT 1 FROM chat_messages WHERE message_id = $1', [id]).then((r) => r.rowCount === 1));
		});
		const burst = Array.from({length: 200}, (_, i) => alice.message(bob, i));
		await Promise.all(burst.map((m) => alice.publish(bob, m)));
		expect(await alice.awaitReceipts(ids(burst))).toEqual([]);
		const visible = await Promise.all(checks);
		expect(visible.length).toBeGreaterThanOrEqual(200);
		expect(visible.every(Boolean)).toBe(true);
		await alice.close();
	});

	it('stores delivered and read receipts: four status rows with times and users, and the read marker', async () => {
		const alice = await Sender.connect(target, user('alice'));
		const bob = await Sender.connect(target, user('bob'));
		const message = alice.message(bob.userId, 1, {timestamp: '2026-01-02T03:04:05.000Z'});
		await alice.publish(bob.userId, message);
		expect(await alice.awaitReceipts([String(message.message_id)])).toEqual([]);
		const receipt = (status: string, timestamp: string) => ({
			type: 'status', message_id: message.message_id, status, user_id: bob.userId, timestamp,
		});
		await bob.publish(alice.userId, receipt('delivered', '2026-01-02T03:04:06.000Z'));
		await bob.publish(alice.userId, receipt('read', '2026-01-02T03:04:07.000Z'));
		await bob.barrier(alice.userId);
		const statuses = await rows<{status: string; user_id: string; timestamp: Date}>(
			`SELECT status, user_id, timestamp FROM message_status WHERE message_id = $1
			ORDER BY array_position(ARRAY['sent', 'received_by_server', 'delivered', 'read']::varchar[], status)`, [message.message_id]);
		expect(statuses.map((s) => [s.status, s.user_id])).toEqual([
			['sent', alice.userId], ['received_by_server', alice.userId], ['delivered', bob.userId], ['read', bob.userId],
		]);
		expect(statuses[0]!.timestamp.toISOString()).toBe('2026-01-02T03:04:05.000Z');
		expect(statuses[2]!.timestamp.toISOString()).toBe('2026-01-02T03:04:06.000Z');
		expect(statuses[3]!.timestamp.toISOString()).toBe('2026-01-02T03:04:07.000Z');
		expect(Date.now() - statuses[1]!.timestamp.getTime()).toBeLessThan(60_000);
		const [stored] = await rows<{seq: string; conversation_id: string}>('SELECT seq, conversation_id FROM chat_messages WHERE message_id = $1', [message.message_id]);
		const markers = await rows<{user_id: string; left_at: Date | null; last_read_seq: string}>(
			'SELECT user_id, left_at, last_read_seq FROM conversation_members WHERE conversation_id = $1 AND user_id = $2',
			[stored!.conversation_id, bob.userId]);
		// bob's barrier message is newer and bob's own, so his marker is at least the read message.
		expect(markers).toHaveLength(1);
		expect(stored!.conversation_id).toBe([alice.userId, bob.userId].sort().join(':'));
		expect(markers[0]!.left_at).toBeNull();
		expect(Number(markers[0]!.last_read_seq)).toBeGreaterThanOrEqual(Number(stored!.seq));
		await alice.close();
		await bob.close();
	});

	it('keeps a read receipt that arrives before its message and stores it once the message does', async () => {
		const alice = await Sender.connect(target, user('alice'));
		const bob = await Sender.connect(target, user('bob'));
		const message = alice.message(bob.userId, 1);
		await bob.publish(alice.userId, {type: 'status', message_id: message.message_id, status: 'read', user_id: bob.userId, timestamp: new Date().toISOString()});
		await bob.barrier(alice.userId);
		await alice.publish(bob.userId, message);
		expect(await alice.awaitReceipts([String(message.message_id)])).toEqual([]);
		// The retry runs on the ingester's own timer (every 0.5 s), which publishes nothing:
		// poll for its effect, bounded.
		const read = await pollUntil(
			() => rows("SELECT 1 FROM message_status WHERE message_id = $1 AND status = 'read'", [message.message_id]),
			(found) => found.length === 1,
		);
		expect(read).toHaveLength(1);
		await alice.close();
		await bob.close();
	});

	it('writes a burst of 1000 in far fewer transactions than messages', async () => {
		const alice = await Sender.connect(target, user('alice'));
		const bob = user('bob');
		const burst = Array.from({length: 1000}, (_, i) => alice.message(bob, i));
		const before = ingester?.stats().batches;
		await Promise.all(burst.map((m) => alice.publish(bob, m)));
		expect(await alice.awaitReceipts(ids(burst), 30_000)).toEqual([]);
		expect(await countStored(ids(burst))).toHaveLength(1000);
		// Every row of one transaction carries the same now(): distinct times = transactions.
		const [{transactions}] = (await rows<{transactions: number}>(
			"SELECT count(DISTINCT timestamp)::int AS transactions FROM message_status WHERE status = 'received_by_server' AND message_id = ANY($1)",
			[ids(burst)])) as [{transactions: number}];
		expect(transactions).toBeLessThanOrEqual(100);
		if (ingester && before !== undefined) expect(ingester.stats().batches - before).toBeLessThanOrEqual(100);
		await alice.close();
	});

	it('drops malformed JSON, an oversized payload, a schema violation and a spoofed sender with a log line each, and stores the next message', async () => {
		const alice = await Sender.connect(target, user('alice'));
		const bob = user('bob');
		const mallory = user('mallory');
		const topic = `${target.topicBase}/${bob}/${alice.userId}`;
		const spoofed = alice.message(bob, 'spoofed', {sender_id: mallory});
		const invalid = alice.message(bob, 'invalid', {content: ''});
		await alice.publish(bob, '{"type":"message",', topic);
		await alice.publish(bob, Buffer.alloc(17_000, 'x'), topic);
		await alice.publish(bob, invalid, topic);
		await alice.publish(bob, spoofed, topic);
		const next = alice.message(bob, 'next');
		await alice.publish(bob, next);
		expect(await alice.awaitReceipts([String(next.message_id)])).toEqual([]);
		expect(await countStored([String(next.message_id), String(spoofed.message_id), String(invalid.message_id)])).toEqual([
			{message_id: next.message_id, n: 1},
		]);
		const reasons = target.logLines().filter((l) => l.topic === topic && l.msg === 'dropped invalid publish').map((l) => String(l.reason));
		expect(reasons).toHaveLength(4);
		expect(reasons[0]).toMatch(/not UTF-8 JSON/);
		expect(reasons[1]).toMatch(/exceeds 16384/);
		expect(reasons[2]).toMatch(/content/);
		expect(reasons[3]).toMatch(/published on .*'s topic/);
		await alice.close();
	});

	it('refuses a message whose timestamp Postgres cannot store, tells its sender why, and holds back nothing', async () => {
		const alice = await Sender.connect(target, user('alice'));
		const rejections: Json[] = [];
		alice.client.on('message', (_topic, bytes) => {
			const receipt = JSON.parse(bytes.toString()) as Json;
			if (receipt.status === 'rejected') rejections.push(receipt);
		});
		const bob = user('bob');
		// Once a poison item for PostgreSQL (isolated by halving); the schema refuses it up front now (issue 11).
		const poison = alice.message(bob, 'poison', {timestamp: '0000-01-01T00:00:00Z'});
		const others = Array.from({length: 20}, (_, i) => alice.message(bob, i));
		await Promise.all([poison, ...others].map((m) => alice.publish(bob, m)));
		expect(await alice.awaitReceipts(ids(others))).toEqual([]);
		expect(alice.confirmed.has(String(poison.message_id))).toBe(false);
		expect(await countStored(ids([poison]))).toEqual([]);
		const rejected = await pollUntil(async () => rejections.find((r) => r.message_id === poison.message_id), Boolean);
		expect(String(rejected?.reason)).toMatch(/^invalid timestamp: year 0000 cannot be stored/);
		await alice.close();
	});

	it('loses nothing when the ingester stops mid-stream and is replaced: senders re-publish, each message is stored once', async () => {
		const base = target.needsIngester ? `t-${randomUUID().slice(0, 8)}/messages` : target.topicBase;
		const start = () => startIngester({
			mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl, topicBase: base, migrate: false,
			sharedGroup: `g${randomUUID().slice(0, 8)}`, logger: target.logger,
		});
		let first = target.needsIngester ? await start() : undefined;
		let alice = await Sender.connect(target, user('alice'), base);
		const bob = user('bob');
		const stream = Array.from({length: 600}, (_, i) => alice.message(bob, i));
		const publishing = Promise.all(stream.map((m) => alice.publish(bob, m)));
		// Crash once the first receipts are in: part stored, part queued, part not yet received.
		await alice.awaitReceipts(ids(stream.slice(0, 50)));
		let second: Ingester | undefined;
		if (first) {
			await first.abort();
			first = undefined;
			second = await start();
			await publishing;
		} else {
			await publishing.catch(() => undefined);
			const confirmed = new Set(alice.confirmed);
			await alice.client.endAsync(true);
			await pool.end();
			await target.restartHub();
			// The hub's ports changed: reconnect the suite's pool too.
			pool = openPool(target.databaseUrl);
			alice = await Sender.connect(target, alice.userId, base);
			for (const id of confirmed) alice.confirmed.add(id);
		}
		await alice.resendUntilConfirmed(bob, stream);
		const stored = await countStored(ids(stream));
		expect(stored).toHaveLength(600);
		expect(stored.every((row) => row.n === 1)).toBe(true);
		await second?.stop();
		await alice.close();
	});

	it('keeps batches while Postgres is unreachable, confirms nothing, then stores each message once when it is back', async () => {
		const proxy = await CuttableProxy.start(target.databaseUrl);
		const base = `t-${randomUUID().slice(0, 8)}/messages`;
		const outage = await startIngester({
			mqttUrl: target.mqttUrl, databaseUrl: proxy.url, topicBase: base, migrate: false,
			sharedGroup: `g${randomUUID().slice(0, 8)}`, logger: target.logger,
		});
		const alice = await Sender.connect(target, user('alice'), base);
		const bob = user('bob');
		const before = alice.message(bob, 'before');
		await alice.publish(bob, before);
		expect(await alice.awaitReceipts([String(before.message_id)])).toEqual([]);
		proxy.cut();
		const during = Array.from({length: 100}, (_, i) => alice.message(bob, i));
		await Promise.all(during.map((m) => alice.publish(bob, m)));
		const failures = () => target.logLines().filter((l) => l.msg === 'batch write failed; retrying' && l.pending !== undefined);
		const seenFailures = await pollUntil(async () => outage.stats().writeFailures, (n) => n >= 2);
		expect(seenFailures).toBeGreaterThanOrEqual(2);
		expect(failures().length).toBeGreaterThanOrEqual(2);
		expect(during.filter((m) => alice.confirmed.has(String(m.message_id)))).toEqual([]);
		expect(await countStored(ids(during))).toEqual([]);
		proxy.restore();
		expect(await alice.awaitReceipts(ids(during), 15_000)).toEqual([]);
		const stored = await countStored(ids(during));
		expect(stored).toHaveLength(100);
		expect(stored.every((row) => row.n === 1)).toBe(true);
		await outage.stop();
		await alice.close();
		await proxy.close();
	});

	describe.skipIf(!target.hasSharedSubscriptions)('shared subscription', () => {
		it('splits the stream between two ingesters and stores every message once', async () => {
			const base = `t-${randomUUID().slice(0, 8)}/messages`;
			const group = `g${randomUUID().slice(0, 8)}`;
			const start = () => startIngester({
				mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl, topicBase: base, migrate: false, sharedGroup: group, logger: target.logger,
			});
			const [one, two] = await Promise.all([start(), start()]);
			expect(one.isShared && two.isShared).toBe(true);
			const alice = await Sender.connect(target, user('alice'), base);
			const bob = user('bob');
			const stream = Array.from({length: 1000}, (_, i) => alice.message(bob, i));
			await Promise.all(stream.map((m) => alice.publish(bob, m)));
			expect(await alice.awaitReceipts(ids(stream), 30_000)).toEqual([]);
			const stored = await countStored(ids(stream));
			expect(stored).toHaveLength(1000);
			expect(stored.every((row) => row.n === 1)).toBe(true);
			expect(one.stats().messages).toBeGreaterThan(0);
			expect(two.stats().messages).toBeGreaterThan(0);
			expect(one.stats().messages + two.stats().messages).toBe(1000);
			await Promise.all([one.stop(), two.stop()]);
			await alice.close();
		});
	});
});
