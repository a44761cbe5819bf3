// Issue 11, outcome 6: integrity of message ids and of the outbox, on both targets.
// - id squatting: another sender's message under my id never stands in for mine;
// - a message the server can never store gets a `rejected` receipt, and leaves the outbox;
// - two clients of one user with the persistent outbox lose nothing;
// - an outbox that cannot be written is a standing warning until it can.
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, expect, it} from 'vitest';
import {createChatClient} from '../../src/client/chat-client.js';
import type {ChatEvent, ChatPort} from '../../src/core/types.js';
import {silentLogger} from '../../src/log.js';
import {Sender, pollUntil, type Json} from '../helpers/sender.js';
import {useTargetPipeline} from '../helpers/target-pipeline.js';
import {forEachTarget} from '../helpers/targets.js';

/** Resolves with the first event (already seen or future) that matches. */
function recorder(port: ChatPort) {
	const events: ChatEvent[] = [];
	const waiters: Array<{match: (e: ChatEvent) => boolean; resolve: (e: ChatEvent) => void}> = [];
	port.subscribe((event) => {
		events.push(event);
		for (const w of waiters.splice(0)) (w.match(event) ? w.resolve(event) : waiters.push(w));
	});
	return (match: (e: ChatEvent) => boolean) =>
		new Promise<ChatEvent>((resolve) => {
			const seen = events.find(match);
			if (seen) resolve(seen);
			else waiters.push({match, resolve});
		});
}

/** The message ids in every outbox file of one user's folder. */
async function readOutboxDir(dir: string): Promise<string[]> {
	const names = (await readdir(dir)).filter((name) => name.endsWith('.json'));
	const lists = await Promise.all(names.map(async (name) => JSON.parse(await readFile(join(dir, name), 'utf8').catch(() => '[]')) as Array<{messageId: string}>));
	return lists.flat().map((m) => m.messageId);
}

/** Every receipt the server publishes to `sender`, as JSON. */
function serverReceipts(sender: Sender): Json[] {
	const receipts: Json[] = [];
	sender.client.on('message', (_topic, bytes) => receipts.push(JSON.parse(bytes.toString()) as Json));
	return receipts;
}

forEachTarget('integrity of ids and of the outbox', (target) => {
	const pipeline = useTargetPipeline(target);
	let home: string;
	const rows = async (sql: string, params: unknown[] = []) => (await pipeline.db.query(sql, params)).rows;

	beforeAll(async () => {
		home = await mkdtemp(join(tmpdir(), 'hermes-integrity-'));
	});
	afterAll(async () => {
		await rm(home, {recursive: true, force: true});
	});

	it('id squatting: the victim is stored and confirmed, the squatter stands in for nobody (20 of 20 were lost)', async () => {
		const [alice, bob] = await Promise.all([Sender.connect(target, 'alice'), Sender.connect(target, 'bob')]);
		try {
			// alice's messages never reached an ingester (say it was down); bob, their recipient,
			// saw them and publishes his own messages under their ids first.
			const originals = Array.from({length: 20}, (_, n) => alice.message('bob', n));
			const squats = originals.map((m) => ({...bob.message('alice', 'squat'), message_id: m.message_id, content: 'squatted'}));
			await Promise.all(squats.map((m) => bob.publish('alice', m)));
			expect(await bob.awaitReceipts(squats.map((m) => String(m.message_id)))).toEqual([]);
			// alice's resends (same ids) arrive now.
			await alice.resendUntilConfirmed('bob', originals);
			const ids = originals.map((m) => String(m.message_id));
			const stored = await rows('SELECT sender_id, content FROM chat_messages WHERE message_id = ANY($1) ORDER BY sender_id', [ids]);
			expect(stored.filter((r) => r.sender_id === 'alice').map((r) => r.content).sort()).toEqual(originals.map((m) => m.content).sort());
			expect(stored.filter((r) => r.sender_id === 'bob').every((r) => r.content === 'squatted')).toBe(true);
			// Each ✓ alice got is backed by her own row, never by bob's.
			const confirmedOwn = await rows(
				"SELECT count(*)::int AS n FROM message_status WHERE message_id = ANY($1) AND sender_id = 'alice' AND status = 'received_by_server'", [ids]);
			expect(confirmedOwn[0]?.n).toBe(20);
			const clashes = target.logLines().filter((l) => l.msg === 'message id also used by another sender; stored as a separate message');
			expect(clashes.length).toBeGreaterThanOrEqual(20);
		} finally {
			await Promise.all([alice.close(), bob.close()]);
		}
	});

	it('a message with NUL gets a rejected receipt with the reason, is never stored nor confirmed', async () => {
		const nina = await Sender.connect(target, 'nina');
		const receipts = serverReceipts(nina);
		try {
			const bad = nina.message('bob', 'nul', {content: 'a\u0000b'});
			await nina.publish('bob', bad);
			const rejected = await pollUntil(async () => receipts.find((r) => r.status === 'rejected'), Boolean);
			expect(rejected).toMatchObject({type: 'status', status: 'rejected', message_id: bad.message_id, user_id: 'nina'});
			expect(String(rejected?.reason)).toMatch(/^invalid content: contains a NUL character/);
			// A valid message afterwards is stored; the NUL one never is, and never gets ✓.
			await nina.barrier('bob');
			expect(nina.confirmed.has(String(bad.message_id))).toBe(false);
			expect(await rows('SELECT 1 FROM chat_messages WHERE message_id = $1', [bad.message_id])).toEqual([]);
		} finally {
			await nina.close();
		}
	});

	// The embedded hub lets only its ingester write an inbox, so the rejection cannot be forged
	// there; a real one (a non-member writing to a room) is covered on both targets in client-rooms.test.ts.
	it.skipIf(target.name === 'embedded')('a rejected message leaves the client outbox and is shown ✗ with the reason', async () => {
		// Clients refuse NUL up front now, so the server's rejection is forged (the test broker has
		// no ACL), on a topic base no ingester serves: nothing else can answer the message.
		const base = `${target.topicBase}-unserved`;
		const outboxDir = join(home, 'outbox', 'rita');
		const rita = await createChatClient({identity: {userId: 'rita', name: 'Rita'}, mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl, topicBase: base, logger: silentLogger(), outboxDir});
		const next = recorder(rita);
		const server = await Sender.connect({mqttUrl: target.mqttUrl, topicBase: base}, 'forger');
		try {
			await rita.sendMessage('bob:rita', 'never stored');
			const sent = await next((e) => e.type === 'message-sent' && e.message.content === 'never stored' && e.message.status === 'sent');
			const messageId = sent.type === 'message-sent' ? sent.message.messageId : '';
			const queued = await readOutboxDir(outboxDir);
			expect(queued).toContain(messageId);
			const rejection = {v: 2, type: 'status', status: 'rejected', conversation_id: 'bob:rita', message_id: messageId, sender_id: 'rita', user_id: 'rita', timestamp: new Date().toISOString(), reason: 'test: refused'};
			await server.publish('rita', rejection, `${base}/rita/server/inbox`);
			const shown = await next((e) => e.type === 'message-sent' && e.message.messageId === messageId && e.message.status === 'rejected');
			expect(shown).toMatchObject({message: {status: 'rejected', rejectedReason: 'test: refused'}});
			await next((e) => e.type === 'notice' && e.level === 'error' && /✗ message to bob refused by the server: test: refused/.test(e.text));
			expect(await pollUntil(() => readOutboxDir(outboxDir), (ids) => !ids.includes(messageId))).not.toContain(messageId);
		} finally {
			await server.close();
			await rita.close();
		}
	});

	it('two clients of one user, both offline then both restarted: 0 of 100 lost (49 were)', async () => {
		const outboxDir = join(home, 'outbox', 'olga');
		const common = {identity: {userId: 'olga', name: 'Olga'}, topicBase: target.topicBase, logger: silentLogger(), outboxDir, resendAfterMs: 300};
		const offline = {...common, mqttUrl: 'mqtt://127.0.0.1:1', databaseUrl: target.databaseUrl};
		const [first, second] = await Promise.all([createChatClient(offline), createChatClient(offline)]);
		const texts = Array.from({length: 100}, (_, n) => `two-clients ${n}`);
		for (const [n, text] of texts.entries()) await (n % 2 === 0 ? first : second).sendMessage('all', text);
		await Promise.all([first.close(), second.close()]);

		const online = {...common, mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl};
		const [third, fourth] = await Promise.all([createChatClient(online), createChatClient(online)]);
		try {
			const stored = await pollUntil(
				async () => (await rows("SELECT count(DISTINCT content)::int AS n FROM chat_messages WHERE sender_id = 'olga' AND content LIKE 'two-clients %'"))[0]?.n,
				(n) => n === 100,
			);
			expect(stored).toBe(100);
			const duplicates = await rows("SELECT content FROM chat_messages WHERE sender_id = 'olga' AND content LIKE 'two-clients %' GROUP BY content HAVING count(*) > 1");
			expect(duplicates).toEqual([]);
		} finally {
			await Promise.all([third.close(), fourth.close()]);
		}
	});

	it('a redelivery after 1,000 newer messages of its sender is checked against the store, not reported twice', async () => {
		const dora = await createChatClient({identity: {userId: 'dora', name: 'Dora'}, mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl, topicBase: target.topicBase, logger: silentLogger()});
		const reported = new Map<string, number>();
		const next = recorder(dora);
		dora.subscribe((e) => {
			if (e.type === 'messages-received') for (const m of e.messages) reported.set(m.messageId, (reported.get(m.messageId) ?? 0) + 1);
		});
		const eli = await Sender.connect(target, 'eli');
		try {
			await next((e) => e.type === 'connection-changed' && e.service === 'broker' && e.state === 'up');
			const early = (n: string): Json => ({...eli.message('dora', n), timestamp: '2026-01-01T00:00:00.000Z'});
			const late = early('late');
			const neverSeen = early('never-seen');
			await eli.publish('dora', late);
			// dora's `delivered` receipt for it is stored: her durable memory of having reported it.
			await pollUntil(async () => (await rows("SELECT 1 FROM message_status WHERE message_id = $1 AND status = 'delivered' AND user_id = 'dora'", [late.message_id])).length, (n) => n === 1);
			const newer = Array.from({length: 1_001}, (_, n): Json => ({...eli.message('dora', n), timestamp: new Date(Date.parse('2026-01-02T00:00:00Z') + n).toISOString()}));
			// In steps of 200, each reported before the next: the machine's shared Mosquitto queues at
			// most 1,000 messages per client (max_queued_messages) and drops the rest of a burst at
			// QoS 1 — dora would miss some of 1,001 at once (seen in a run), which is not what this tests.
			for (let start = 0; start < newer.length; start += 200) {
				const step = newer.slice(start, start + 200);
				await Promise.all(step.map((m) => eli.publish('dora', m)));
				await pollUntil(async () => step.filter((m) => reported.has(String(m.message_id))).length, (n) => n === step.length);
			}
			// The late redelivery, then a message just as old that dora never saw (it must still show).
			await eli.publish('dora', late);
			await eli.publish('dora', neverSeen);
			await pollUntil(async () => reported.get(String(neverSeen.message_id)) ?? 0, (n) => n === 1);
			expect(reported.get(String(neverSeen.message_id))).toBe(1);
			expect(reported.get(String(late.message_id))).toBe(1);
			expect([...reported.values()].every((n) => n === 1)).toBe(true);
		} finally {
			await eli.close();
			await dora.close();
		}
	});

	it('an outbox that cannot be written is a standing warning until a write succeeds', async () => {
		const blocked = join(home, 'blocked');
		await writeFile(blocked, 'a file where the outbox folder should be');
		const port = await createChatClient({identity: {userId: 'wendy', name: 'Wendy'}, mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl, topicBase: target.topicBase, logger: silentLogger(), outboxDir: join(blocked, 'wendy')});
		const next = recorder(port);
		try {
			const warned = await next((e) => e.type === 'outbox-problem-changed' && e.problem !== undefined);
			expect(warned).toMatchObject({problem: expect.stringMatching(/^outbox not saved \(\w+\) — unsent messages are lost if this client stops/)});
			await rm(blocked);
			await port.sendMessage('all', 'after the fix');
			await next((e) => e.type === 'outbox-problem-changed' && e.problem === undefined);
		} finally {
			await port.close();
		}
	});
});
