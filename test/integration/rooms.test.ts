// Rooms (issue 8, protocol v2), once per target (real Mosquitto + PostgreSQL with an in-process
// ingester, and the embedded hub): membership enforced by the server, fan-out after COMMIT to
// current members only, one order (seq) for everyone, per-member receipts, v1 ↔ v2, inbox writes.
// "Does not receive" is checked with a barrier on the same inbox: the user's own later publish is
// confirmed on that inbox, and the server publishes in commit order, so anything meant for that
// inbox before it would have arrived first.
import {randomUUID} from 'node:crypto';
import pg from 'pg';
import {afterAll, beforeAll, expect, it} from 'vitest';
import {startIngester, type Ingester} from '../../src/ingest/ingester.js';
import {inboxTopic, type MessageV2, type StatusV2} from '../../src/protocol/index.js';
import {Member, pollUntil, Sender} from '../helpers/sender.js';
import {forEachTarget} from '../helpers/targets.js';

const user = (name: string) => `${name}${randomUUID().slice(0, 6)}`;
const newRoom = () => `room-${randomUUID()}`;

forEachTarget('rooms', (target) => {
	let ingester: Ingester | undefined;
	let pool: pg.Pool;
	const members: Member[] = [];
	const rows = async <R extends pg.QueryResultRow>(sql: string, values: unknown[] = []) => (await pool.query<R>(sql, values)).rows;
	const join = async (name: string) => {
		const member = await Member.connect(target, user(name));
		members.push(member);
		return member;
	};
	/** Publish and await the server's ✓; fails on ✗. */
	const confirmed = async (member: Member, publish: Promise<string>) => {
		const id = await publish;
		expect(await member.outcome(id)).toMatchObject({status: 'received_by_server'});
		return id;
	};
	/** A message to `all` and its ✓ on `member`'s inbox: everything meant for that inbox before it has arrived. */
	const barrier = (member: Member) => confirmed(member, member.send('all', 'barrier'));
	/** A room with `admin` as its admin and `others` as members, each having seen the create line. */
	const roomOf = async (admin: Member, others: Member[]) => {
		const room = newRoom();
		const id = await confirmed(admin, admin.room(room, 'create', {title: 'Ops', user_ids: others.map((m) => m.userId)}));
		for (const m of others) await m.waitFor((d) => d.payload.type === 'message' && d.payload.message_id === id);
		return room;
	};

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
		pool = new pg.Pool({connectionString: target.databaseUrl, max: 2});
		pool.on('error', () => undefined);
	});
	afterAll(async () => {
		await Promise.all(members.map((m) => m.close()));
		await ingester?.stop();
		await pool?.end();
	});

	it('refuses a non-member\'s post with a reason, stores nothing, and never shows them the room\'s traffic', async () => {
		const [alice, bob, mallory] = [await join('alice'), await join('bob'), await join('mallory')];
		const room = await roomOf(alice, [bob]);
		const intrusion = await mallory.send(room, 'let me in');
		expect(await mallory.outcome(intrusion)).toMatchObject({status: 'rejected', reason: 'you are not a member of this room', conversation_id: room});
		expect(await mallory.outcome(await mallory.send('room-nothing-here', 'hello?'))).toMatchObject({status: 'rejected', reason: 'no such room'});
		expect(await rows('SELECT 1 FROM chat_messages WHERE sender_id = $1 AND conversation_id <> $2', [mallory.userId, 'all'])).toEqual([]);
		// Nor may a non-member act on the room.
		expect(await mallory.outcome(await mallory.room(room, 'invite', {user_ids: [mallory.userId]}))).toMatchObject({status: 'rejected', reason: 'you are not a member of this room'});

		const post = await confirmed(alice, alice.send(room, 'members only'));
		await bob.waitFor((d) => d.payload.type === 'message' && d.payload.message_id === post);
		await barrier(mallory);
		expect(mallory.messages(room)).toEqual([]);
		expect(mallory.deliveries.some((d) => d.payload.conversation_id === room && d.payload.type !== 'status')).toBe(false);
	});

	it('stops delivering to a kicked member at once: the kick line is the last thing they get from the room', async () => {
		const [alice, bob, carol] = [await join('alice'), await join('bob'), await join('carol')];
		const room = await roomOf(alice, [bob, carol]);
		expect(await bob.outcome(await bob.room(room, 'kick', {user_ids: [carol.userId]}))).toMatchObject({status: 'rejected', reason: 'only an admin can kick in this room'});
		const kick = await confirmed(alice, alice.room(room, 'kick', {user_ids: [carol.userId]}));
		const line = (await carol.waitFor((d) => d.payload.type === 'message' && d.payload.message_id === kick)).payload as MessageV2;
		expect(line).toMatchObject({message_type: 'system', event: {action: 'kick', user_ids: [carol.userId]}});

		const after = await confirmed(bob, bob.send(room, 'carol is gone'));
		await alice.waitFor((d) => d.payload.type === 'message' && d.payload.message_id === after);
		await barrier(carol);
		expect(carol.messages(room).map((m) => m.message_id)).not.toContain(after);
		expect(carol.messages(room).at(-1)?.message_id).toBe(kick);
		expect(await carol.outcome(await carol.send(room, 'still here?'))).toMatchObject({status: 'rejected', reason: 'you are not a member of this room'});
		expect(await rows('SELECT left_at IS NOT NULL AS has_left FROM conversation_members WHERE conversation_id = $1 AND user_id = $2', [room, carol.userId])).toEqual([{has_left: true}]);
	});

	it('gives every member the same order (seq) for concurrent posts, the sender\'s own clients included', async () => {
		const [alice, bob, carol] = [await join('alice'), await join('bob'), await join('carol')];
		const room = await roomOf(alice, [bob, carol]);
		const posts = await Promise.all([alice, bob, carol].flatMap((m) => Array.from({length: 5}, (_, i) => m.send(room, `${m.userId} ${i}`))));
		const everyone = [alice, bob, carol];
		for (const m of everyone) for (const id of posts) await m.waitFor((d) => d.payload.type === 'message' && d.payload.message_id === id);
		const orders = everyone.map((m) => m.messages(room).map((p) => p.seq!));
		const stored = (await rows<{seq: string}>('SELECT seq FROM chat_messages WHERE conversation_id = $1 ORDER BY seq', [room])).map((r) => Number(r.seq));
		for (const order of orders) {
			expect(order).toEqual(stored);
			expect([...order].sort((a, b) => a - b)).toEqual(order);
		}
		expect(await rows<{last_seq: string}>('SELECT last_seq FROM conversations WHERE id = $1', [room])).toEqual([{last_seq: String(stored.at(-1))}]);
	});

	it('stores each member\'s receipts and forwards them to the sender', async () => {
		const [alice, bob, carol] = [await join('alice'), await join('bob'), await join('carol')];
		const room = await roomOf(alice, [bob, carol]);
		const id = await confirmed(alice, alice.send(room, 'did you read this?'));
		for (const reader of [bob, carol]) {
			const message = (await reader.waitFor((d) => d.payload.type === 'message' && d.payload.message_id === id)).payload as MessageV2;
			await reader.receipt(message, 'read');
		}
		const forwarded = async (reader: Member) =>
			(await alice.waitFor((d) => d.payload.type === 'status' && d.payload.message_id === id && d.payload.user_id === reader.userId && d.payload.status === 'read')).payload as StatusV2;
		expect(await forwarded(bob)).toMatchObject({conversation_id: room, sender_id: alice.userId});
		expect(await forwarded(carol)).toMatchObject({conversation_id: room, sender_id: alice.userId});
		const statuses = await rows<{status: string; user_id: string}>(
			"SELECT status, user_id FROM message_status WHERE message_id = $1 AND status IN ('delivered', 'read') ORDER BY user_id, status", [id]);
		expect(statuses).toEqual([bob, carol].flatMap((m) => [{status: 'delivered', user_id: m.userId}, {status: 'read', user_id: m.userId}]).sort((a, b) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0)));
		const seq = (await rows<{seq: string}>('SELECT seq FROM chat_messages WHERE message_id = $1', [id]))[0]!.seq;
		const markers = await rows<{user_id: string; last_read_seq: string}>('SELECT user_id, last_read_seq FROM conversation_members WHERE conversation_id = $1 AND user_id = ANY($2)', [room, [bob.userId, carol.userId]]);
		expect(markers.map((m) => m.last_read_seq)).toEqual([seq, seq]);
	});

	it('stores a version 1 publish as a direct message, confirms it on v1, and fans it out to the v2 inboxes', async () => {
		const v1 = await Sender.connect(target, user('legacy'));
		try {
			const bob = await join('bob');
			const message = v1.message(bob.userId, 1);
			await v1.publish(bob.userId, message);
			expect(await v1.awaitReceipts([String(message.message_id)])).toEqual([]);
			const conversation = [v1.userId, bob.userId].sort().join(':');
			const delivered = (await bob.waitFor((d) => d.payload.type === 'message' && d.payload.message_id === message.message_id)).payload as MessageV2;
			expect(delivered).toMatchObject({v: 2, conversation_id: conversation, sender_id: v1.userId, content: 'hello 1', message_type: 'text'});
			expect(await rows('SELECT receiver_id, conversation_id, message_type FROM chat_messages WHERE message_id = $1', [message.message_id])).toEqual([
				{receiver_id: bob.userId, conversation_id: conversation, message_type: 'text'},
			]);
			expect(await rows('SELECT kind FROM conversations WHERE id = $1', [conversation])).toEqual([{kind: 'direct'}]);
			// bob's v2 read receipt is stored for the v1 message.
			await bob.receipt(delivered, 'read');
			const read = await pollUntil(() => rows("SELECT user_id FROM message_status WHERE message_id = $1 AND status = 'read'", [message.message_id]), (found) => found.length > 0);
			expect(read).toEqual([{user_id: bob.userId}]);
		} finally {
			await v1.close();
		}
	});

	it('stores a re-sent v2 message once: its ✓ again and its stored copy delivered again (same seq)', async () => {
		const [alice, bob] = [await join('alice'), await join('bob')];
		const conversation = [alice.userId, bob.userId].sort().join(':');
		const payload = {type: 'message', message_id: `${alice.userId}-resent`, conversation_id: conversation, sender_id: alice.userId, sender_name: 'Alice', content: 'once'};
		const confirmations = () => alice.deliveries.filter((d) => d.payload.type === 'status' && d.payload.status === 'received_by_server' && d.payload.message_id === payload.message_id).length;
		// Re-sent after each ✓ (a client that missed it), so each copy is in a batch of its own.
		for (let i = 1; i <= 3; i++) {
			await alice.publish(payload);
			await alice.waitFor(() => confirmations() === i);
		}
		await barrier(bob);
		await barrier(bob);
		// A re-send means the sender missed its ✓ — the ingester may have died before its fan-out —
		// so each copy is delivered again, always the one stored (same seq); members dedupe by id.
		const copies = (m: Member) => m.deliveries.filter((d) => d.payload.type === 'message' && d.payload.message_id === payload.message_id).map((d) => (d.payload as {seq?: number}).seq);
		const seqs = copies(bob);
		expect(seqs).toHaveLength(3);
		expect(new Set(seqs).size).toBe(1);
		expect(copies(alice)).toEqual(seqs);
		expect(await rows('SELECT count(*)::int AS n FROM chat_messages WHERE message_id = $1', [payload.message_id])).toEqual([{n: 1}]);
	});

	it('relays typing to the other current members only, never stored', async () => {
		const [alice, bob, mallory] = [await join('alice'), await join('bob'), await join('mallory')];
		const room = await roomOf(alice, [bob]);
		await alice.publish({type: 'typing', conversation_id: room, sender_id: alice.userId, sender_name: 'Alice', is_typing: true});
		await mallory.publish({type: 'typing', conversation_id: room, sender_id: mallory.userId, sender_name: 'Mallory', is_typing: true});
		const delivery = await bob.waitFor((d) => d.payload.type === 'typing' && d.payload.conversation_id === room);
		expect(delivery.payload).toMatchObject({sender_id: alice.userId, is_typing: true});
		// At QoS 0, as docs/protocol.md says: a stale typing flag is not worth a resend (bob subscribes at 1).
		expect(delivery.qos).toBe(0);
		// Relays go out after the batch's ✓s: a second barrier is in a later batch than mallory's typing.
		for (const member of [bob, bob, alice, alice]) await barrier(member);
		expect(bob.deliveries.filter((d) => d.payload.type === 'typing' && d.payload.conversation_id === room)).toHaveLength(1);
		expect(alice.deliveries.some((d) => d.payload.type === 'typing' && d.payload.conversation_id === room)).toBe(false);
	});

	it.skipIf(target.name === 'services')('refuses a client publishing into an inbox (only the server writes them)', async () => {
		// services: the shared Mosquitto runs without an ACL; mosquitto-dynsec.test.ts runs the shipped one (dynamic-security plugin).
		const bob = await join('bob');
		// Mallory speaks for herself only: on the hub, with her own user name and the secret.
		const malloryId = user('mallory');
		const mallory = await Member.connect({mqttUrl: target.mqttUrlFor(malloryId), topicBase: target.topicBase}, malloryId);
		members.push(mallory);
		const closed = new Promise<void>((resolve) => mallory.client.once('close', () => resolve()));
		const forged = {v: 2, type: 'message', message_id: 'forged-1', conversation_id: 'all', sender_id: mallory.userId, sender_name: 'M', content: 'x', timestamp: new Date().toISOString(), seq: 1};
		void mallory.client.publishAsync(inboxTopic(target.topicBase, bob.userId), JSON.stringify(forged), {qos: 1}).catch(() => undefined);
		await closed;
		await barrier(bob);
		expect(bob.deliveries.some((d) => d.payload.type === 'message' && d.payload.message_id === 'forged-1')).toBe(false);
		expect(target.logLines().some((line) => String(line.msg).includes('refused a publish') && String(line.topic) === inboxTopic(target.topicBase, bob.userId))).toBe(true);
	});
});
