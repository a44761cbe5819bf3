import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {silentLogger} from '../log.js';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../../test/helpers/db.js';
import {seedConversation, type SeedResult} from '../../test/helpers/seed.js';
import {openDb, type Db} from './db.js';
import {loadLatestPage, loadOlderPage, loadPageBefore, PAGE_QUERIES} from './history.js';
import {runMigrations} from './migrate.js';

const numbers = (page: {messages: {content: string}[]}): number[] => page.messages.map((m) => Number(m.content.replace('message ', '')));
/** The lines of a plan node that scans `relation` (its conditions and filters, up to its first subplan). */
const scanDetails = (plan: string, relation: string): string => {
	const lines = plan.split('\n');
	const start = lines.findIndex((line) => line.includes(` on ${relation} `));
	if (start < 0) return '';
	const end = lines.findIndex((line, i) => i > start && /^\s*(->|SubPlan|InitPlan)/.test(line));
	return lines.slice(start, end < 0 ? undefined : end).join('\n');
};
const range = (from: number, to: number): number[] => Array.from({length: to - from + 1}, (_, i) => from + i);

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('/history --before on 100,000 messages', () => {
	let database: TestDatabase;
	let db: Db;
	let big: SeedResult;
	const dateOf = (i: number): Date => new Date(big.createdAtOf(i));

	beforeAll(async () => {
		database = await createTestDatabase();
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
		// An older busy conversation, then newer traffic elsewhere (as in the client suite's EXPLAIN test).
		big = await seedConversation({databaseUrl: database.url, between: ['ivan', 'judy'], count: 100_000, idPrefix: 'big'});
		await seedConversation({databaseUrl: database.url, between: ['kate', 'leo'], count: 20_000, idPrefix: 'newer'});
		db = openDb({databaseUrl: database.url, max: 1});
		await db.query('ANALYZE chat_messages');
	}, 60_000);
	afterAll(async () => {
		await db?.close();
		await database?.drop();
	});

	it.each([99_990, 50_000, 100])('finds the date by index and reads only the page (before message %i)', async (i) => {
		const {rows} = await db.query<{'QUERY PLAN': string}>(`EXPLAIN (ANALYZE, COSTS OFF) ${PAGE_QUERIES.beforeDate}`, ['ivan:judy', dateOf(i), 51, 'ivan']);
		const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
		expect(plan).toMatch(/Index Only Scan Backward using chat_messages_conversation_created_at on chat_messages b/);
		expect(plan).toMatch(/Index Scan Backward using chat_messages_conversation_seq on chat_messages m/);
		expect(plan).not.toMatch(/Seq Scan|Sort Key: m\./);
		// The page scan itself filters nothing out (the tick subplans skip the sender's own member row).
		expect(scanDetails(plan, 'chat_messages m')).not.toMatch(/Rows Removed by Filter/);
		// The page scan stops after limit + 1 rows whatever the date.
		expect(plan).toMatch(/Index Scan Backward using chat_messages_conversation_seq on chat_messages m \(actual time=[\d.]+\.\.[\d.]+ rows=51 loops=1\)/);
	});

	it('returns the messages stored before the date, and older pages continue without a gap', async () => {
		const page = await loadPageBefore(db, 'ivan:judy', dateOf(50_000), 50);
		expect(numbers(page)).toEqual(range(49_950, 49_999));
		expect(page.hasMore).toBe(true);
		// Newer messages exist after the page: the thread shows a gap until End returns to the present.
		expect(page.hasNewer).toBe(true);
		const older = await loadOlderPage(db, 'ivan:judy', page.messages[0]!.seq, 50);
		expect(numbers(older)).toEqual(range(49_900, 49_949));
	});

	it('is empty before the first message, and the latest page after the last one', async () => {
		expect(await loadPageBefore(db, 'ivan:judy', dateOf(1), 10)).toEqual({messages: [], hasMore: false, hasNewer: true});
		const first = await loadPageBefore(db, 'ivan:judy', dateOf(3), 10);
		expect([numbers(first), first.hasMore, first.hasNewer]).toEqual([[1, 2], false, true]);
		const future = await loadPageBefore(db, 'ivan:judy', new Date(big.createdAtOf(100_000) + 60_000), 10);
		expect(future).toEqual({...(await loadLatestPage(db, 'ivan:judy', 10)), hasNewer: false});
		expect(await loadPageBefore(db, 'nobody:there', new Date(), 10)).toEqual({messages: [], hasMore: false, hasNewer: false});
	});
});
