// Rooms (issue 8, outcome 6), against a private Mosquitto + a fresh PostgreSQL database:
// (a) send → shown on the other members' screens: a member publishes a v2 message to the server,
//     the ingester stores it and fans it out; the time until it is in EVERY other member's inbox
//     (raw MQTT v2 clients, one connection per member), a room of 50 members vs a direct chat,
//     interleaved round by round in the same run;
// (b) opening a conversation: the newest page a client loads, a room with 100,000 messages (and
//     per-member receipts) vs a direct chat with 100,000 messages, interleaved.
import {randomUUID} from 'node:crypto';
import mqtt, {type MqttClient} from 'mqtt';
import pg from 'pg';
import {startIngester} from '../src/ingest/ingester.js';
import {silentLogger} from '../src/log.js';
import {encodeV2, inboxTopic, serverTopic} from '../src/protocol/index.js';
import {openDb} from '../src/store/db.js';
import {loadLatestPage} from '../src/store/history.js';
import {runMigrations} from '../src/store/migrate.js';
import {percentile, round} from './lib.js';

/** Longest wait for one round's message to reach every recipient; the missing ones count as lost. */
const ROUND_TIMEOUT_MS = 10_000;
/** Rounds run first and left out of the figures (connections, plans and caches warm up). */
const WARMUP_ROUNDS = 10;

/** Latency of one conversation kind over the measured rounds, in ms. */
export interface FanOutRow {
	conversation: string;
	/** Members including the sender. */
	members: number;
	rounds: number;
	/** Publish → the message is in the last other member's inbox. */
	medianMs: number;
	p90Ms: number;
	p99Ms: number;
	/** Publish → the first other member has it (room only differs from the last). */
	firstMedianMs: number;
	/** Deliveries that never arrived within {@link ROUND_TIMEOUT_MS} (should be 0). */
	lost: number;
	/** Deliveries that arrived more than once at one member (QoS 1 may; clients dedupe). */
	duplicated: number;
}

/** Result of {@link runRoomFanOut}: rows for the room and the direct chat, and room ÷ direct medians. */
export interface FanOutResult {
	rows: FanOutRow[];
	ratio: number;
}

interface Pending {
	startedAt: number;
	waiting: Set<string>;
	arrivals: number[];
	done: () => void;
}

interface Member {
	id: string;
	client: MqttClient;
}

async function connectMember(mqttUrl: string, base: string, id: string, onMessage: (to: string, bytes: Buffer) => void): Promise<Member> {
	const client = await mqtt.connectAsync(mqttUrl, {protocolVersion: 5, clientId: `${id}-${randomUUID().slice(0, 6)}`, reconnectPeriod: 0});
	(client.stream as {setNoDelay?: (on: boolean) => void}).setNoDelay?.(true);
	client.on('message', (_topic, bytes) => onMessage(id, bytes));
	await client.subscribeAsync(inboxTopic(base, id), {qos: 1});
	return {id, client};
}

const now = () => new Date().toISOString();

/**
 * Measure send → every other member's inbox for a room of `members` (one creator + invitees)
 * and a direct chat, `rounds` rounds each after {@link WARMUP_ROUNDS}, alternating which goes
 * first; room senders rotate over the members, direct senders alternate.
 * @throws Error when the ingester cannot start or the room is never created.
 */
export async function runRoomFanOut(options: {mqttUrl: string; databaseUrl: string; rounds: number; members?: number}): Promise<FanOutResult> {
	const size = options.members ?? 50;
	const tag = randomUUID().slice(0, 6);
	const base = `bench-${tag}/messages`;
	await runMigrations({databaseUrl: options.databaseUrl, logger: silentLogger()});
	const ingester = await startIngester({mqttUrl: options.mqttUrl, databaseUrl: options.databaseUrl, topicBase: base, migrate: false, logger: silentLogger()});
	const pending = new Map<string, Pending>();
	const seen = new Map<string, Set<string>>();
	let duplicated = 0;
	let systemLines = 0;
	const onMessage = (to: string, bytes: Buffer) => {
		const payload = JSON.parse(bytes.toString()) as {type: string; message_type?: string; message_id: string; sender_id: string};
		if (payload.type !== 'message') return;
		if (payload.message_type === 'system') systemLines++;
		const key = `${payload.sender_id}/${payload.message_id}`;
		const mine = seen.get(to) ?? new Set<string>();
		seen.set(to, mine);
		if (mine.has(key)) duplicated++;
		mine.add(key);
		const round = pending.get(key);
		if (!round?.waiting.delete(to)) return;
		round.arrivals.push(performance.now() - round.startedAt);
		if (round.waiting.size === 0) round.done();
	};
	const roomIds = Array.from({length: size}, (_, i) => `r${tag}m${String(i).padStart(2, '0')}`);
	const directIds = [`d${tag}a`, `d${tag}b`];
	const members: Member[] = [];
	try {
		for (const id of [...roomIds, ...directIds]) members.push(await connectMember(options.mqttUrl, base, id, onMessage));
		const client = new Map(members.map((m) => [m.id, m.client]));
		const room = `room-${randomUUID()}`;
		const creator = roomIds[0]!;
		const created = new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`room not created: ${systemLines} of ${size} members got its system line`)), ROUND_TIMEOUT_MS);
			const poll = setInterval(() => {
				if (systemLines < size) return;
				clearTimeout(timer);
				clearInterval(poll);
				resolve();
			}, 10);
		});
		await client.get(creator)!.publishAsync(serverTopic(base, creator), encodeV2({
			v: 2, type: 'room', action: 'create', message_id: `create-${tag}`, conversation_id: room, sender_id: creator,
			sender_name: creator, title: 'Bench room', user_ids: roomIds.slice(1), timestamp: now(),
		}), {qos: 1});
		await created;

		const direct = [...directIds].sort().join(':');
		const samples: Record<'room' | 'direct', {last: number[]; first: number[]; lost: number}> = {
			room: {last: [], first: [], lost: 0},
			direct: {last: [], first: [], lost: 0},
		};
		const send = async (kind: 'room' | 'direct', roundNo: number) => {
			const sender = kind === 'room' ? roomIds[roundNo % size]! : directIds[roundNo % 2]!;
			const recipients = (kind === 'room' ? roomIds : directIds).filter((id) => id !== sender);
			const messageId = `${kind}-${roundNo}`;
			const entry: Pending = {startedAt: 0, waiting: new Set(recipients), arrivals: [], done: () => undefined};
			const finished = new Promise<void>((resolve) => (entry.done = resolve));
			pending.set(`${sender}/${messageId}`, entry);
			entry.startedAt = performance.now();
			client.get(sender)!.publish(serverTopic(base, sender), encodeV2({
				v: 2, type: 'message', message_id: messageId, conversation_id: kind === 'room' ? room : direct,
				sender_id: sender, sender_name: sender, content: `round ${roundNo}`, timestamp: now(),
			}), {qos: 1});
			let timer: NodeJS.Timeout | undefined;
			await Promise.race([finished, new Promise((resolve) => (timer = setTimeout(resolve, ROUND_TIMEOUT_MS)))]);
			clearTimeout(timer);
			pending.delete(`${sender}/${messageId}`);
			if (roundNo < WARMUP_ROUNDS) return;
			const sample = samples[kind];
			sample.lost += entry.waiting.size;
			if (entry.waiting.size === 0) {
				sample.last.push(Math.max(...entry.arrivals));
				sample.first.push(Math.min(...entry.arrivals));
			}
		};
		const duplicatesBefore = duplicated;
		for (let roundNo = 0; roundNo < WARMUP_ROUNDS + options.rounds; roundNo++) {
			const order: Array<'room' | 'direct'> = roundNo % 2 === 0 ? ['direct', 'room'] : ['room', 'direct'];
			for (const kind of order) await send(kind, roundNo);
		}
		const row = (kind: 'room' | 'direct'): FanOutRow => {
			const s = samples[kind];
			return {
				conversation: kind === 'room' ? `room of ${size}` : 'direct chat',
				members: kind === 'room' ? size : 2,
				rounds: options.rounds,
				medianMs: round(percentile(s.last, 50), 2),
				p90Ms: round(percentile(s.last, 90), 2),
				p99Ms: round(percentile(s.last, 99), 2),
				firstMedianMs: round(percentile(s.first, 50), 2),
				lost: s.lost,
				duplicated: 0,
			};
		};
		const rows = [row('room'), row('direct')];
		rows[0]!.duplicated = duplicated - duplicatesBefore;
		return {rows, ratio: round(rows[0]!.medianMs / rows[1]!.medianMs, 2)};
	} finally {
		await Promise.all(members.map((m) => m.client.endAsync().catch(() => undefined)));
		await ingester.stop();
	}
}

/** Newest-page latency of one conversation, in ms. */
export interface OpenRow {
	conversation: string;
	messages: number;
	/** message_status rows of the conversation's messages. */
	statusRows: number;
	pageSize: number;
	repeats: number;
	medianMs: number;
	p90Ms: number;
	p99Ms: number;
}

/** Result of {@link runRoomOpen}: rows (big room, small room, direct chat) and big room ÷ direct medians. */
export interface OpenResult {
	rows: OpenRow[];
	ratio: number;
}

// The room and the direct chat get `messages` messages each, interleaved in storage order as
// real traffic is; the room's senders rotate over its 50 members. A second room with the same
// members and only `receipted` messages separates what the member count costs from what the
// history length costs. Every message has its sender's `sent` and `received_by_server` rows; the
// newest `receipted` of each conversation also have delivered + read from every other member
// (49 in a room, 1 in the direct chat), which is what a page's tick states read.
const seedOpen = (messages: number, receipted: number) => `
INSERT INTO chat_users (user_id, display_name)
SELECT 'm' || lpad(i::text, 2, '0'), 'Member ' || i FROM generate_series(0, 49) AS i
UNION ALL VALUES ('da', 'Direct A'), ('db', 'Direct B');
INSERT INTO conversations (id, kind, title, created_by)
VALUES ('room-bench', 'group', 'Bench room', 'm00'), ('room-small', 'group', 'Small room', 'm00'), ('da:db', 'direct', '', NULL);
INSERT INTO conversation_members (user_id, conversation_id, role, joined_at)
SELECT u.user_id, r.id, CASE WHEN u.user_id = 'm00' THEN 'admin' ELSE 'member' END, now() - interval '1 day'
FROM chat_users u CROSS JOIN (VALUES ('room-bench'), ('room-small')) AS r (id) WHERE u.user_id LIKE 'm%'
UNION ALL VALUES ('da', 'da:db', 'member', now() - interval '1 day'), ('db', 'da:db', 'member', now() - interval '1 day');
INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id)
SELECT c.id || '-' || i, c.sender, c.sender, c.receiver, 'message number ' || i || ' of a long conversation', c.id
FROM generate_series(1, ${messages}) AS i
CROSS JOIN LATERAL (VALUES
	('room-bench', 'm' || lpad((i % 50)::text, 2, '0'), 'room-bench', 1),
	('room-small', 'm' || lpad((i % 50)::text, 2, '0'), 'room-small', 2),
	('da:db', CASE WHEN i % 2 = 0 THEN 'da' ELSE 'db' END, CASE WHEN i % 2 = 0 THEN 'db' ELSE 'da' END, 3)
) AS c (id, sender, receiver, ord)
WHERE c.id <> 'room-small' OR i > ${messages} - ${receipted}
ORDER BY i, c.ord;
INSERT INTO message_status (message_id, sender_id, status, user_id)
SELECT m.message_id, m.sender_id, s.status, m.sender_id FROM chat_messages m, (VALUES ('sent'), ('received_by_server')) AS s (status);
INSERT INTO message_status (message_id, sender_id, status, user_id)
SELECT m.message_id, m.sender_id, s.status, r.user_id
FROM chat_messages m
JOIN conversation_members r ON r.conversation_id = m.conversation_id AND r.user_id <> m.sender_id
CROSS JOIN (VALUES ('delivered'), ('read')) AS s (status)
WHERE m.seq > (SELECT max(seq) FROM chat_messages) - 3 * ${receipted};
UPDATE conversations c SET last_seq = x.seq, last_message_at = x.at
FROM (SELECT conversation_id, max(seq) AS seq, max(created_at) AS at FROM chat_messages GROUP BY 1) x WHERE x.conversation_id = c.id;
UPDATE conversation_members m SET last_read_seq = c.last_seq FROM conversations c WHERE c.id = m.conversation_id;`;

/**
 * Measure opening (the newest page a client loads) a room and a direct chat of `messages`
 * messages each and a room of 1,000 messages, `repeats` times each, interleaved, after 20
 * unmeasured opens of each.
 * @throws the driver's error.
 */
export async function runRoomOpen(options: {databaseUrl: string; messages: number; repeats: number; pageSize?: number}): Promise<OpenResult> {
	const pageSize = options.pageSize ?? 50;
	await runMigrations({databaseUrl: options.databaseUrl, logger: silentLogger()});
	const seed = new pg.Client(options.databaseUrl);
	await seed.connect();
	const statusRows = new Map<string, number>();
	const messageCounts = new Map<string, number>();
	try {
		await seed.query(seedOpen(Math.floor(options.messages), 1_000));
		await seed.query('ANALYZE');
		const {rows} = await seed.query<{conversation_id: string; n: string}>(
			'SELECT m.conversation_id, count(*) AS n FROM message_status s JOIN chat_messages m USING (message_id, sender_id) GROUP BY 1');
		for (const row of rows) statusRows.set(row.conversation_id, Number(row.n));
		const counts = await seed.query<{conversation_id: string; n: string}>('SELECT conversation_id, count(*) AS n FROM chat_messages GROUP BY 1');
		for (const row of counts.rows) messageCounts.set(row.conversation_id, Number(row.n));
	} finally {
		await seed.end();
	}
	const db = openDb({databaseUrl: options.databaseUrl, max: 1, applicationName: 'hermes-chat bench'});
	const conversations: Array<[string, string]> = [['room-bench', 'room of 50'], ['room-small', 'room of 50'], ['da:db', 'direct chat']];
	const samples = new Map<string, number[]>(conversations.map(([id]) => [id, []]));
	try {
		for (let i = 0; i < 20 + options.repeats; i++) {
			// Rotate which goes first, so no conversation always meets the warmest cache.
			for (let k = 0; k < conversations.length; k++) {
				const id = conversations[(i + k) % conversations.length]![0];
				const started = performance.now();
				// Opened by a member, as a client does: m00 wrote 1 in 50 of the room's messages, da half of the direct chat's.
				const page = await loadLatestPage(db, id, pageSize, id === 'da:db' ? 'da' : 'm00');
				const ms = performance.now() - started;
				if (page.messages.length !== pageSize) throw new Error(`${id}: page of ${page.messages.length}, expected ${pageSize}`);
				if (i >= 20) samples.get(id)!.push(ms);
			}
		}
	} finally {
		await db.close();
	}
	const row = (id: string, conversation: string): OpenRow => {
		const ms = samples.get(id)!;
		return {
			conversation, messages: messageCounts.get(id) ?? 0, statusRows: statusRows.get(id) ?? 0, pageSize, repeats: options.repeats,
			medianMs: round(percentile(ms, 50), 3), p90Ms: round(percentile(ms, 90), 3), p99Ms: round(percentile(ms, 99), 3),
		};
	};
	const rows = conversations.map(([id, label]) => row(id, label));
	return {rows, ratio: round(rows[0]!.medianMs / rows[2]!.medianMs, 2)};
}

function table<T extends object>(rows: T[], columns: Array<[keyof T, string]>): string {
	const head = `| ${columns.map(([, title]) => title).join(' | ')} |`;
	const rule = `|${columns.map(() => ' --- |').join('')}`;
	const body = rows.map((row) => `| ${columns.map(([key]) => String(row[key])).join(' | ')} |`);
	return [head, rule, ...body].join('\n');
}

/** The rooms sections of the results file (Markdown, ends with an empty line). */
export function roomsMarkdown(fanOut: FanOutResult, open: OpenResult, rounds: number, opens: number): string {
	return [
		`### Rooms: send → shown on the other members' screens (publish to the server → the last other member's inbox; raw MQTT v2 clients, private Mosquitto, ${rounds} interleaved rounds)`,
		'',
		table<FanOutRow>(fanOut.rows, [['conversation', 'conversation'], ['members', 'members'], ['medianMs', 'median ms (last member)'], ['p90Ms', 'p90 ms'], ['p99Ms', 'p99 ms'], ['firstMedianMs', 'median ms (first member)'], ['lost', 'lost'], ['duplicated', 'duplicated']]),
		'',
		`Room of 50 ÷ direct chat, median: **${fanOut.ratio}** (issue 8 asks ≤ 2).`,
		'',
		`### Rooms: opening a conversation (the newest page of 50 with its tick states; ${opens} interleaved opens)`,
		'',
		table<OpenRow>(open.rows, [['conversation', 'conversation'], ['messages', 'messages'], ['statusRows', 'status rows'], ['medianMs', 'median ms'], ['p90Ms', 'p90 ms'], ['p99Ms', 'p99 ms']]),
		'',
		`Room of ${open.rows[0]?.messages} messages ÷ direct chat of ${open.rows[2]?.messages}, median: **${open.ratio}** (the 1,000-message room shows what the member count alone costs).`,
		'',
	].join('\n');
}
