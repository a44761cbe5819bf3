// Migrations upgrade the previous releases' databases without losing or changing a row, on
// PostgreSQL and on PGlite (the embedded hub): 003 (sender-scoped message ids) a 001–002
// database, 004 (conversations, issue 8) a 001–003 database written by release 0.1.0's ingester.
import {cp, mkdtemp, rm} from 'node:fs/promises';
import {join} from 'node:path';
import pg from 'pg';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {silentLogger} from '../log.js';
import {describeOnBothDatabases} from '../../test/helpers/both-databases.js';
import {
	PREVIOUS_CONVERSATIONS_QUERY,
	writePreviousReleaseBatch,
	type PreviousMessage,
	type PreviousReceipt,
} from '../../test/helpers/previous-release-store.js';
import {migrationsDir, runMigrations} from './migrate.js';

const logger = silentLogger();

// Data as the 002 schema holds it: a conversation with receipts, a broadcast, read markers.
const SEED = `
INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id, created_at)
VALUES ('m-1', 'alice', 'Alice', 'bob', 'hi bob', 'alice:bob', '2026-01-01T10:00:00Z'),
       ('m-2', 'bob', 'Bob', 'alice', 'hi alice', 'alice:bob', '2026-01-01T10:00:05Z'),
       ('m-3', 'carol', 'Carol', 'all', 'hello all', 'all', '2026-01-01T10:01:00Z');
INSERT INTO message_status (message_id, status, timestamp, user_id)
VALUES ('m-1', 'sent', '2026-01-01T10:00:00Z', 'alice'), ('m-1', 'received_by_server', '2026-01-01T10:00:00Z', 'alice'),
       ('m-1', 'delivered', '2026-01-01T10:00:01Z', 'bob'), ('m-1', 'read', '2026-01-01T10:00:02Z', 'bob'),
       ('m-2', 'sent', '2026-01-01T10:00:05Z', 'bob'), ('m-3', 'read', '2026-01-01T10:01:09Z', 'alice');
INSERT INTO chat_users (user_id, display_name) VALUES ('alice', 'Alice'), ('bob', 'Bob'), ('carol', 'Carol');
INSERT INTO conversation_members (user_id, conversation_id, peer_id, last_seq, last_read_seq)
VALUES ('alice', 'alice:bob', 'bob', 2, 2), ('bob', 'alice:bob', 'alice', 2, 1);`;

// Every Hermes column, as text, in a stable order: what must survive the upgrade unchanged.
const SNAPSHOT = {
	chat_messages: 'SELECT id, message_id, sender_id, sender_name, receiver_id, content, message_type, created_at, updated_at, conversation_id, seq FROM chat_messages ORDER BY seq',
	message_status: 'SELECT id, message_id, status, timestamp, user_id FROM message_status ORDER BY id',
	chat_users: 'SELECT * FROM chat_users ORDER BY user_id',
	conversation_members: 'SELECT * FROM conversation_members ORDER BY user_id, conversation_id',
};

/** A temporary folder holding only the given migrations (`NNN_name`), as an older release shipped them. */
async function migrationsUpTo(names: readonly string[]): Promise<string> {
	const dir = await mkdtemp(join('/tmp', 'integrity-migrations-'));
	for (const name of names) await cp(join(migrationsDir(), `${name}.sql`), join(dir, `${name}.sql`));
	return dir;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
	const client = new pg.Client(url);
	await client.connect();
	try {
		return await work(client);
	} finally {
		await client.end();
	}
}

async function snapshot(url: string): Promise<Record<string, unknown[]>> {
	return withClient(url, async (client) => {
		const out: Record<string, unknown[]> = {};
		for (const [table, sql] of Object.entries(SNAPSHOT)) out[table] = (await client.query(sql)).rows;
		return out;
	});
}

/** The upgrade contract, run once per backend. */
function upgradeSuite(connect: () => Promise<string>) {
	let url: string;
	let oldDir: string;
	let newDir: string;
	beforeAll(async () => {
		url = await connect();
		oldDir = await migrationsUpTo(['001_initial', '002_created_at_index']);
		newDir = await migrationsUpTo(['001_initial', '002_created_at_index', '003_sender_scoped_message_id']);
	});
	afterAll(async () => {
		for (const dir of [oldDir, newDir]) if (dir) await rm(dir, {recursive: true, force: true});
	});

	it('keeps every row and column of a 002 database, and fills message_status.sender_id', async () => {
		expect(await runMigrations({databaseUrl: url, logger, dir: oldDir})).toEqual(['001_initial', '002_created_at_index']);
		await withClient(url, (client) => client.query(SEED));
		const before = await snapshot(url);
		expect(await runMigrations({databaseUrl: url, logger, dir: newDir})).toEqual(['003_sender_scoped_message_id']);
		expect(await snapshot(url)).toEqual(before);
		const senders = await withClient(url, (client) =>
			client.query<{message_id: string; sender_id: string}>('SELECT DISTINCT message_id, sender_id FROM message_status ORDER BY 1'));
		expect(senders.rows).toEqual([
			{message_id: 'm-1', sender_id: 'alice'},
			{message_id: 'm-2', sender_id: 'bob'},
			{message_id: 'm-3', sender_id: 'carol'},
		]);
	});

	it('then lets another sender use the same id, keeps one row per sender, and still takes Hermes-style status inserts', async () => {
		await withClient(url, async (client) => {
			const insert = `INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id)
				VALUES ('m-1', $1, 'X', 'alice', 'squat', 'alice:bob') ON CONFLICT (message_id, sender_id) DO NOTHING`;
			expect((await client.query(insert, ['bob'])).rowCount).toBe(1);
			expect((await client.query(insert, ['bob'])).rowCount).toBe(0);
			// A writer that does not know sender_id (the Hermes source system): filled from the first message.
			await client.query("INSERT INTO message_status (message_id, status, user_id) VALUES ('m-2', 'read', 'alice')");
			const filled = await client.query("SELECT sender_id FROM message_status WHERE message_id = 'm-2' AND status = 'read'");
			expect(filled.rows).toEqual([{sender_id: 'bob'}]);
			// A status for a message that does not exist is still refused (the foreign key).
			await expect(client.query("INSERT INTO message_status (message_id, status, user_id, sender_id) VALUES ('m-9', 'read', 'x', 'y')")).rejects.toThrow(/foreign key/);
		});
	});
}

// Release 0.1.0's people: hermes is the Hermes source system (writes SQL directly), dave has
// only a presence row, erin only receives from hermes (no member row, no chat_users row).
const NAMES: Record<string, string> = {alice: 'Alice', bob: 'Bob', carol: 'Carol', dave: 'Dave', erin: 'Erin', hermes: 'Hermes'};
const USERS = Object.keys(NAMES);
const FLOOD = 1_005;

const sentAt = (second: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, second)).toISOString();
const message = (messageId: string, senderId: string, receiverId: string, content: string, second = 0): PreviousMessage =>
	({messageId, senderId, senderName: NAMES[senderId] ?? senderId, receiverId, content, sentAt: sentAt(second)});
const receipt = (userId: string, status: 'delivered' | 'read', senderId: string, messageId: string): PreviousReceipt =>
	({messageId, senderId, status, userId, at: sentAt(30)});

// What the Hermes source system writes: its own message rows (a type release 0.1.0 never sent)
// and status rows without sender_id (the 003 trigger fills it in).
const HERMES_WRITES = `
INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id)
VALUES ('h-1', 'hermes', 'Hermes', 'erin', 'Your parcel has shipped', 'notification', 'erin:hermes'),
       ('h-2', 'hermes', 'Hermes', 'all', 'Maintenance tonight at 22:00', 'text', 'all');
INSERT INTO message_status (message_id, status, user_id)
VALUES ('h-1', 'sent', 'hermes'), ('h-1', 'delivered', 'erin'), ('h-2', 'sent', 'hermes');`;

/** Fill a 001–003 database the way release 0.1.0 did: its ingester's batches plus Hermes' own writes. */
async function seedPreviousRelease(client: pg.Client): Promise<void> {
	await writePreviousReleaseBatch(client, {
		messages: [
			message('a-1', 'alice', 'bob', 'hi bob'),
			message('a-2', 'alice', 'bob', 'lunch at noon?', 1),
			message('b-1', 'bob', 'alice', 'hi alice', 2),
			message('c-1', 'carol', 'all', 'hello everyone', 3),
			message('a-3', 'alice', 'carol', 'hi carol', 4),
			// Since 003 an id is unique per sender only.
			message('dup-1', 'bob', 'carol', 'same id, from bob', 5),
			message('dup-1', 'carol', 'bob', 'same id, from carol', 6),
		],
		presences: [
			{userId: 'alice', name: 'Alice', state: 'online', statusMessage: ''},
			{userId: 'bob', name: 'Bob', state: 'away', statusMessage: 'lunch'},
		],
	});
	const outcomes = await writePreviousReleaseBatch(client, {
		receipts: [
			receipt('bob', 'delivered', 'alice', 'a-1'),
			receipt('bob', 'read', 'alice', 'a-1'),
			receipt('bob', 'delivered', 'alice', 'a-2'),
			receipt('alice', 'read', 'bob', 'b-1'),
			receipt('alice', 'read', 'carol', 'c-1'),
			receipt('carol', 'delivered', 'alice', 'a-3'),
			receipt('bob', 'read', 'carol', 'dup-1'),
			receipt('dave', 'read', 'alice', 'a-1'),
			receipt('bob', 'read', 'alice', 'never-sent'),
		],
		// dave: known to the server, never in a conversation.
		presences: [{userId: 'dave', name: 'Dave', state: 'online', statusMessage: ''}],
	});
	expect(outcomes).toEqual(['stored', 'stored', 'stored', 'stored', 'stored', 'stored', 'stored', 'rejected', 'missing']);
	await writePreviousReleaseBatch(client, {
		messages: [
			...Array.from({length: FLOOD}, (_, i) => message(`flood-${i}`, 'bob', 'carol', `flood ${i}`)),
			message('b-all', 'bob', 'all', 'anyone for lunch?', 7),
			message('a-4', 'alice', 'bob', 'see you there', 8),
		],
	});
	// carol reads the first three of the flood: more than 1000 unread remain (the cap).
	await writePreviousReleaseBatch(client, {receipts: [receipt('carol', 'read', 'bob', 'flood-2')]});
	await client.query(HERMES_WRITES);
}

type Unread = Record<string, number>;

async function previousUnread(client: pg.Client): Promise<Record<string, Unread>> {
	const out: Record<string, Unread> = {};
	for (const user of USERS) {
		const {rows} = await client.query<{conversation_id: string; unread: number}>(PREVIOUS_CONVERSATIONS_QUERY, [user, 500]);
		out[user] = Object.fromEntries(rows.map((row) => [row.conversation_id, row.unread]));
	}
	return out;
}

// The contract's rule after 004: my current member rows (plus `all`, marker 0 without a row);
// unread = others' messages with seq > my read marker, at most 1000.
const UNREAD_AFTER = `
WITH mine AS (
	SELECT conversation_id, last_read_seq FROM conversation_members WHERE user_id = $1 AND left_at IS NULL
	UNION ALL
	SELECT 'all', 0 WHERE NOT EXISTS (SELECT 1 FROM conversation_members WHERE user_id = $1 AND conversation_id = 'all')
)
SELECT m.conversation_id, c.kind,
	(SELECT count(*) FROM (
		SELECT 1 FROM chat_messages x
		WHERE x.conversation_id = m.conversation_id AND x.seq > m.last_read_seq AND x.sender_id <> $1
		LIMIT 1000) AS unread_rows)::int AS unread
FROM mine m JOIN conversations c ON c.id = m.conversation_id`;

async function unreadAfter(client: pg.Client): Promise<Record<string, Unread>> {
	const out: Record<string, Unread> = {};
	for (const user of USERS) {
		const {rows} = await client.query<{conversation_id: string; unread: number}>(UNREAD_AFTER, [user]);
		out[user] = Object.fromEntries(rows.map((row) => [row.conversation_id, row.unread]));
	}
	return out;
}

interface MessageRowSnapshot {
	conversation_id: string;
	seq: string;
	sender_id: string;
	created_at: Date;
}

/** Migration 004 against a database release 0.1.0 wrote, run once per backend. */
function conversationsUpgradeSuite(connect: () => Promise<string>) {
	let url: string;
	let oldDir: string;
	// Up to 004 only: later migrations add columns, and this suite compares whole rows.
	let upgradeDir: string;
	beforeAll(async () => {
		url = await connect();
		oldDir = await migrationsUpTo(['001_initial', '002_created_at_index', '003_sender_scoped_message_id']);
		upgradeDir = await migrationsUpTo(['001_initial', '002_created_at_index', '003_sender_scoped_message_id', '004_conversations']);
	});
	afterAll(async () => {
		for (const dir of [oldDir, upgradeDir]) if (dir) await rm(dir, {recursive: true, force: true});
	});

	it('keeps every message, status row and unread count, and makes every conversation and direct participant explicit', async () => {
		expect(await runMigrations({databaseUrl: url, logger, dir: oldDir})).toEqual(['001_initial', '002_created_at_index', '003_sender_scoped_message_id']);
		const before = await withClient(url, async (client) => {
			await seedPreviousRelease(client);
			return {
				messages: (await client.query<MessageRowSnapshot>('SELECT * FROM chat_messages ORDER BY seq')).rows,
				statuses: (await client.query('SELECT * FROM message_status ORDER BY id')).rows,
				users: (await client.query('SELECT * FROM chat_users ORDER BY user_id')).rows,
				members: (await client.query<{user_id: string; conversation_id: string; last_read_seq: string}>(
					'SELECT user_id, conversation_id, last_read_seq FROM conversation_members ORDER BY 1, 2')).rows,
				unread: await previousUnread(client),
			};
		});
		// The seed is what it means to be (release 0.1.0's view of it).
		expect(before.statuses.filter((s) => s.message_id === 'h-1').map((s) => s.sender_id)).toEqual(['hermes', 'hermes']);
		// A sender's own message moves its read marker: bob read everything before b-all and a-4.
		expect(before.unread.bob).toEqual({'alice:bob': 1, all: 1, 'bob:carol': 0});
		expect(before.unread.carol).toMatchObject({'bob:carol': 1000, all: 2});
		expect(before.unread.dave).toEqual({all: 3});
		expect(before.unread.erin).toEqual({all: 3});

		expect(await runMigrations({databaseUrl: url, logger, dir: upgradeDir})).toEqual(['004_conversations']);

		await withClient(url, async (client) => {
			expect((await client.query('SELECT * FROM chat_messages ORDER BY seq')).rows).toEqual(before.messages);
			expect((await client.query('SELECT * FROM message_status ORDER BY id')).rows).toEqual(before.statuses);
			expect((await client.query('SELECT * FROM chat_users ORDER BY user_id')).rows).toEqual(before.users);

			// Every conversation, with its kind and the activity of its newest message.
			const expected = new Map<string, {kind: string; last_seq: string; last_message_at: Date}>();
			for (const m of before.messages) {
				const seen = expected.get(m.conversation_id);
				expected.set(m.conversation_id, {
					kind: m.conversation_id === 'all' ? 'broadcast' : 'direct',
					last_seq: seen && BigInt(seen.last_seq) > BigInt(m.seq) ? seen.last_seq : m.seq,
					last_message_at: seen && seen.last_message_at > m.created_at ? seen.last_message_at : m.created_at,
				});
			}
			const conversations = (await client.query<{id: string; kind: string; last_seq: string; last_message_at: Date}>(
				'SELECT id, kind, last_seq, last_message_at FROM conversations')).rows;
			expect(Object.fromEntries(conversations.map(({id, ...rest}) => [id, rest]))).toEqual(Object.fromEntries(expected));

			// Old member rows keep their read marker; both participants of every direct chat are members.
			const members = (await client.query<{user_id: string; conversation_id: string; last_read_seq: string; role: string; left_at: Date | null; is_muted: boolean}>(
				'SELECT user_id, conversation_id, last_read_seq, role, left_at, is_muted FROM conversation_members ORDER BY 1, 2')).rows;
			expect(members.every((m) => m.role === 'member' && m.left_at === null && !m.is_muted)).toBe(true);
			const markers = new Map(members.map((m) => [`${m.user_id}|${m.conversation_id}`, m.last_read_seq]));
			for (const old of before.members) expect(markers.get(`${old.user_id}|${old.conversation_id}`)).toBe(old.last_read_seq);
			const participants = [...expected.keys()].filter((id) => id !== 'all').flatMap((id) => id.split(':').map((user) => `${user}|${id}`));
			const wanted = new Set([...before.members.map((m) => `${m.user_id}|${m.conversation_id}`), ...participants]);
			expect([...markers.keys()].sort()).toEqual([...wanted].sort());
			for (const key of wanted) if (!before.members.some((m) => `${m.user_id}|${m.conversation_id}` === key)) expect(markers.get(key)).toBe('0');

			// Unread counts: the same for every conversation a user saw; a direct chat a user had no
			// row for (only the Hermes source system wrote it) now shows up with everything unread.
			const after = await unreadAfter(client);
			for (const user of USERS) expect(after[user]).toEqual({...before.unread[user], ...(user === 'erin' ? {'erin:hermes': 1} : {}), ...(user === 'hermes' ? {'erin:hermes': 0} : {})});
		});
	});

	it('still takes the Hermes source system\'s writes afterwards: status rows, messages, a new direct chat', async () => {
		await withClient(url, async (client) => {
			await client.query(`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id)
				VALUES ('h-3', 'hermes', 'Hermes', 'erin', 'Delivered today', 'erin:hermes'),
				       ('h-4', 'hermes', 'Hermes', 'frank', 'Welcome, Frank', 'frank:hermes')`);
			await client.query("INSERT INTO message_status (message_id, status, user_id) VALUES ('h-3', 'sent', 'hermes'), ('h-4', 'sent', 'hermes')");
			const {rows} = await client.query("SELECT message_id, sender_id FROM message_status WHERE message_id IN ('h-3', 'h-4') ORDER BY 1");
			expect(rows).toEqual([{message_id: 'h-3', sender_id: 'hermes'}, {message_id: 'h-4', sender_id: 'hermes'}]);
			// A conversation nobody had: created as direct, both participants members from the start.
			const conversation = await client.query("SELECT kind FROM conversations WHERE id = 'frank:hermes'");
			expect(conversation.rows).toEqual([{kind: 'direct'}]);
			const members = await client.query("SELECT user_id, role, last_read_seq FROM conversation_members WHERE conversation_id = 'frank:hermes' ORDER BY 1");
			expect(members.rows).toEqual([{user_id: 'frank', role: 'member', last_read_seq: '0'}, {user_id: 'hermes', role: 'member', last_read_seq: '0'}]);
			// Rooms exist only through the server: a message naming an unknown room is refused.
			await expect(client.query(`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id)
				VALUES ('h-5', 'hermes', 'Hermes', 'room-nope', 'x', 'room-nope')`)).rejects.toThrow(/foreign key/);
		});
	});
}

await describeOnBothDatabases('migration 003 upgrade', upgradeSuite);

await describeOnBothDatabases('migration 004 upgrade of a 0.1.0 database', conversationsUpgradeSuite);
