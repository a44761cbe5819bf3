// End to end (issue 4): the terminal chat people expect, with three real TUIs (ann, ben, cat) in
// real terminals (pty + xterm) against real Mosquitto and a fresh PostgreSQL database, an
// in-process ingester and a unique topic base. Unread counts, next unread, read markers that
// survive a restart, the quick switcher, presence, typing, 100,000-message scrollback and help.
// Skipped with the reason when a service is unreachable, unless HERMES_REQUIRE_SERVICES=1.
import {randomUUID} from 'node:crypto';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {HISTORY_PAGE} from '../../src/core/state.js';
import {startIngester, type Ingester} from '../../src/ingest/ingester.js';
import {silentLogger} from '../../src/log.js';
import {openDb, type Db} from '../../src/store/db.js';
import {loadLatestPage} from '../../src/store/history.js';
import {createTestDatabase, type TestDatabase} from '../helpers/db.js';
import {seedConversation, type SeedResult} from '../helpers/seed.js';
import {Sender} from '../helpers/sender.js';
import type {TerminalSession} from '../helpers/terminal.js';
import {
	composerOf, escapeToList, listEntry, panesOf, PRESENCE, screenWhere, seededNumbers, startChat, submit, suiteProblem, switchTo, TEST_MQTT_URL,
	threadTitle, unreadOf, type ChatOptions,
} from './chat-screen.js';

const problem = await suiteProblem();
const mustRun = process.env.HERMES_REQUIRE_SERVICES === '1';
const title = 'three users in real terminals';

/** ann's read markers as Postgres has them, per direct conversation with the given peers, with its newest seq. */
const READ_MARKERS = `SELECT m.conversation_id, m.last_read_seq::int AS read, c.last_seq::int AS last
FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
WHERE m.user_id = 'ann' AND m.conversation_id = ANY(SELECT 'ann:' || p FROM unnest($1::text[]) AS p) ORDER BY m.conversation_id`;
/** What ben and cat sent, as the ingester stored it. */
const STORED_FROM = `SELECT sender_id, content FROM chat_messages WHERE sender_id = ANY($1::text[]) AND receiver_id = 'ann' ORDER BY sender_id, seq`;
/** Seeded conversations start read for ann, so `n` only finds what ben and cat send. */
const MARK_SEEDED_READ = `UPDATE conversation_members m SET last_read_seq = c.last_seq FROM conversations c WHERE c.id = m.conversation_id AND m.user_id = 'ann'`;

describe.skipIf(Boolean(problem) && !mustRun)(problem && !mustRun ? `${title} (skipped: ${problem})` : title, () => {
	const topicBase = `t-${randomUUID().slice(0, 8)}/messages`;
	const homes: string[] = [];
	const sessions: TerminalSession[] = [];
	const timings: Record<string, number> = {};
	let database: TestDatabase;
	let db: Db;
	let ingester: Ingester | undefined;
	let big: SeedResult;
	let small: SeedResult;
	let ann: TerminalSession;
	let ben: TerminalSession;
	let cat: TerminalSession;

	const optionsFor = (userId: string, home: string): ChatOptions => ({
		userId, name: userId.charAt(0).toUpperCase() + userId.slice(1), home, mqttUrl: TEST_MQTT_URL, databaseUrl: database.url, topicBase,
	});
	const launch = async (userId: string, index: number): Promise<TerminalSession> => {
		const session = await startChat(optionsFor(userId, homes[index]!));
		sessions.push(session);
		return session;
	};

	beforeAll(async () => {
		if (problem) throw new Error(`required (HERMES_REQUIRE_SERVICES=1) but ${problem}`);
		database = await createTestDatabase();
		ingester = await startIngester({mqttUrl: TEST_MQTT_URL, databaseUrl: database.url, topicBase, logger: silentLogger()});
		let started = performance.now();
		big = await seedConversation({databaseUrl: database.url, between: ['zoe', 'ann'], count: 100_000, idPrefix: 'big'});
		timings.seed100kMs = performance.now() - started;
		small = await seedConversation({databaseUrl: database.url, between: ['tim', 'ann'], count: 10, idPrefix: 'small'});
		db = openDb({databaseUrl: database.url, max: 1});
		await db.query(MARK_SEEDED_READ);
		for (let i = 0; i < 3; i++) homes.push(await mkdtemp(join(tmpdir(), 'hermes-e2e-')));
		started = performance.now();
		[ann, ben, cat] = await Promise.all([launch('ann', 0), launch('ben', 1), launch('cat', 2)]);
		timings.threeChatsUpMs = performance.now() - started;
	});

	afterAll(async () => {
		await Promise.all(sessions.map((s) => s.close()));
		await ingester?.stop();
		await db?.close();
		await database?.drop();
		await Promise.all(homes.map((home) => rm(home, {recursive: true, force: true})));
		if (Object.keys(timings).length > 0) {
			const ratio = (a?: number, b?: number): string => (a && b ? (a / b).toFixed(2) : 'n/a');
			const rounded = Object.entries(timings).map(([k, v]) => `${k}=${v.toFixed(1)}`).join(' ');
			console.log(`[three-users e2e] ${rounded} ratio100kTo10=${ratio(timings.open100kMs, timings.open10Ms)} reopenRatio100kTo10=${ratio(timings.reopen100kMs, timings.reopen10Ms)}`);
		}
	});

	it('the quick switcher opens a conversation (a 10-message one: its newest page at once)', async () => {
		await ann.waitFor(screenWhere('seeded conversations listed', (s) => listEntry(s, 'Tim') !== undefined && listEntry(s, 'Zoe') !== undefined));
		const opened = await switchTo(ann, 'ti', 'Tim (tim)', /\d\d:\d\d Ann: message 10(?!\d)/);
		timings.open10Ms = opened.shownMs;
		timings.open10FirstFrameMs = opened.closedMs;
		const screen = ann.screen();
		expect(threadTitle(screen)).toMatch(/^Tim \(tim\) · offline/);
		expect(seededNumbers(screen)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
		expect(listEntry(screen, 'Tim')?.head).toContain('▸Tim');
	});

	it('shows "✎ typing…" in ann\'s list for ben while ben types in a conversation ann has not opened', async () => {
		await submit(ben, '/open ann');
		await ben.waitFor('Ann (ann) ·');
		ben.write('hello ann');
		const screen = await ann.waitFor(screenWhere('Ben row shows typing', (s) => listEntry(s, 'Ben')?.sub.includes('✎ typing…') ?? false));
		expect(threadTitle(screen)).toMatch(/^Tim \(tim\)/);
		expect(listEntry(screen, 'Cat')?.sub ?? '').not.toContain('typing');
		// Sending ends the indicator: the preview takes its place.
		await ben.waitFor('› hello ann');
		ben.press('enter');
		const after = await ann.waitFor(screenWhere('Ben row shows the message', (s) => listEntry(s, 'Ben')?.sub.includes('hello ann') ?? false));
		expect(listEntry(after, 'Ben')?.sub).not.toContain('typing');
	});

	it('unread counts move as messages arrive, bold while non-zero', async () => {
		await ann.waitFor(screenWhere('Ben (1)', (s) => unreadOf(listEntry(s, 'Ben')) === 1));
		await submit(ben, 'are you there');
		let screen = await ann.waitFor(screenWhere('Ben (2)', (s) => unreadOf(listEntry(s, 'Ben')) === 2));
		expect(listEntry(screen, 'Ben')?.sub).toContain('are you there');
		await submit(cat, '/open ann');
		await cat.waitFor('Ann (ann) ·');
		for (const text of ['cat one', 'cat two', 'cat three']) {
			await submit(cat, text);
			await cat.waitFor(screenWhere(`cat's composer cleared after "${text}"`, (s) => s.includes(`: ${text}`) && composerOf(s)?.text.includes(text) === false));
		}
		screen = await ann.waitFor(screenWhere('Cat (3)', (s) => unreadOf(listEntry(s, 'Cat')) === 3));
		expect(unreadOf(listEntry(screen, 'Ben'))).toBe(2);
		expect(unreadOf(listEntry(screen, 'Tim'))).toBe(0);
		expect(ann.styleOf('(2)', 'Ben')?.isBold).toBe(true);
		expect(ann.styleOf('(3)', 'Cat')?.isBold).toBe(true);
		expect(ann.styleOf('Ben', '(2)')?.isBold).toBe(true);
		expect(ann.styleOf('Tim', '▸Tim')?.isBold).toBe(false);
		expect(threadTitle(screen)).toMatch(/^Tim \(tim\)/);
		const {rows} = await db.query<{sender_id: string; content: string}>(STORED_FROM, [['ben', 'cat']]);
		expect(rows).toEqual([
			{sender_id: 'ben', content: 'hello ann'}, {sender_id: 'ben', content: 'are you there'},
			{sender_id: 'cat', content: 'cat one'}, {sender_id: 'cat', content: 'cat two'}, {sender_id: 'cat', content: 'cat three'},
		]);
	});

	it('`n` opens the next conversation with unread, whose count disappears; read markers reach Postgres', async () => {
		const titles = {Ben: /^Ben \(ben\) · /, Cat: /^Cat \(cat\) · /};
		const opened: string[] = [];
		for (let round = 0; round < 2; round++) {
			// Esc to the list, then `n` once the frame shows it: an Esc followed at once by n reads as Alt+N.
			await escapeToList(ann);
			ann.write('n');
			const screen = await ann.waitFor(screenWhere('a conversation with unread opened', (s) =>
				Object.entries(titles).some(([name, re]) => !opened.includes(name) && re.test(threadTitle(s)) && unreadOf(listEntry(s, name)) === 0)));
			const name = Object.entries(titles).find(([, re]) => re.test(threadTitle(screen)))![0];
			opened.push(name);
			expect(listEntry(screen, name)?.head).toContain(`▸${name}`);
			for (const other of ['Ben', 'Cat'].filter((n) => !opened.includes(n))) expect(unreadOf(listEntry(screen, other))).toBeGreaterThan(0);
		}
		expect(opened.sort()).toEqual(['Ben', 'Cat']);
		const screen = ann.screen();
		expect(threadTitle(screen)).toMatch(/\(ben\)|\(cat\)/);
		for (const name of ['Ben', 'Cat', 'Tim', 'Zoe']) expect(unreadOf(listEntry(screen, name)), name).toBe(0);
		// ann's read receipts turn ben's ticks into bold "read" ticks.
		await ben.waitFor(screenWhere('ben sees read ticks', (s) => /are you there\s+✓✓/.test(s) && ben.styleOf('✓✓', 'are you there')?.isBold === true));
		await expect
			.poll(async () => (await db.query<{conversation_id: string; read: number; last: number}>(READ_MARKERS, [['ben', 'cat']])).rows.map((r) => r.read === r.last && r.read > 0), {timeout: 10_000})
			.toEqual([true, true]);
	});

	it('presence: /away lunch shows ◐ for cat in ann\'s list; /quit shows ○ and "last seen"', async () => {
		await switchTo(ann, 'cat', 'Cat (cat)', /Cat \(cat\) · online/);
		expect(listEntry(ann.screen(), 'Cat')?.head.startsWith(PRESENCE.online)).toBe(true);
		await submit(cat, '/away lunch');
		const away = await ann.waitFor(screenWhere('Cat away', (s) => listEntry(s, 'Cat')?.head.startsWith(PRESENCE.away) ?? false));
		expect(threadTitle(away)).toBe('Cat (cat) · away: lunch');
		await submit(cat, '/quit');
		expect((await cat.exited).exitCode).toBe(0);
		const gone = await ann.waitFor(screenWhere('Cat offline', (s) => listEntry(s, 'Cat')?.head.startsWith(PRESENCE.offline) ?? false));
		expect(threadTitle(gone)).toMatch(/^Cat \(cat\) · offline · last seen \d\d:\d\d$/);
		expect(listEntry(gone, 'Ben')?.head.startsWith(PRESENCE.online)).toBe(true);
	});

	it('scrolls back through 100,000 seeded messages: newest page at once, PgUp loads older pages, ? lists keys', async () => {
		const opened = await switchTo(ann, 'zo', 'Zoe (zoe)', /\d\d:\d\d Ann: message 100000\b/);
		timings.open100kMs = opened.shownMs;
		timings.open100kFirstFrameMs = opened.closedMs;
		const first = seededNumbers(ann.screen());
		expect(first.at(-1)).toBe(100_000);
		expect(Math.min(...first)).toBeGreaterThan(100_000 - HISTORY_PAGE);
		// Three older pages must come from Postgres (keyset on seq) to get below this.
		const target = 100_000 - 4 * HISTORY_PAGE + 1;
		let earliest = Math.min(...first);
		const steps: number[] = [earliest];
		for (let press = 0; press < 20 && earliest >= target; press++) {
			const before = earliest;
			ann.press('pageup');
			const screen = await ann.waitFor(screenWhere(`earliest visible below ${before}`, (s) => seededNumbers(s).length > 0 && Math.min(...seededNumbers(s)) < before));
			earliest = Math.min(...seededNumbers(screen));
			steps.push(earliest);
		}
		expect(earliest).toBeLessThan(target);
		expect(steps.every((n, i) => i === 0 || n < steps[i - 1]!)).toBe(true);
		const visible = seededNumbers(ann.screen());
		// Consecutive, in order: what is shown is the stored sequence, no gaps across pages.
		expect(visible).toEqual(visible.map((_, i) => visible[0]! + i));
		// `?` is a key of the list (in the composer it is text): Esc first, as a user would.
		await escapeToList(ann);
		ann.write('?');
		const keys = ['Help — Esc or ? closes', 'PgUp', 'page up (loads older)', 'Ctrl+K', 'quick switcher', 'Ctrl+N n', 'next unread conversation', '/away [message]', '/quit'];
		// Wait for the whole overlay (a frame can be caught half drawn), then check each line.
		// The overlay's last rows (the commands' column ends with /quit, below Ctrl+C since the
		// message-action keys were added) can arrive in a later write than its first ones.
		const help = await ann.waitFor(screenWhere('help overlay drawn', (s) => keys.every((text) => s.includes(text)) && s.includes('Ctrl+C')));
		for (const text of keys) expect(help).toContain(text);
		expect(help).toMatch(/PgUp\s+page up \(loads older\)/);
		expect(help).toMatch(/Ctrl\+K\s+quick switcher/);
		ann.press('escape');
		await ann.waitFor(screenWhere('help closed', (s) => !s.includes('Help — Esc or ? closes') && s.includes('Zoe (zoe)')));
		// The store's side of the same comparison: the newest-page query alone, first with the
		// statistics as the bulk seed left them (what the screen timing above met), then analyzed.
		const latestPageMs = async (conversationId: string, expected: number): Promise<number> => {
			const started = performance.now();
			const page = await loadLatestPage(db, conversationId, HISTORY_PAGE);
			const elapsed = performance.now() - started;
			expect(page.messages.map((m) => m.content).at(-1)).toBe(`message ${expected}`);
			return elapsed;
		};
		timings.query10Ms = await latestPageMs(small.conversationId, 10);
		timings.query100kMs = await latestPageMs(big.conversationId, 100_000);
		await db.query('ANALYZE chat_messages');
		timings.query100kAnalyzedMs = await latestPageMs(big.conversationId, 100_000);
	});

	it('unread counts stay at 0 after ann restarts: read markers live in Postgres', async () => {
		await submit(ann, '/quit');
		expect((await ann.exited).exitCode).toBe(0);
		const started = performance.now();
		ann = await launch('ann', 0);
		const screen = await ann.waitFor(screenWhere('list loaded', (s) => (listEntry(s, 'Ben')?.sub.includes('are you there') ?? false) && (listEntry(s, 'Cat')?.sub.includes('cat three') ?? false)));
		timings.annRestartMs = performance.now() - started;
		for (const name of ['Ben', 'Cat', 'Tim', 'Zoe']) expect(unreadOf(listEntry(screen, name)), name).toBe(0);
		expect(screen).not.toMatch(/\(\d+\)/);
		expect(ann.styleOf('Ben', 'Ben')?.isBold).toBe(false);
	});

	it('after the restart (nothing cached, statistics analyzed) both seeded conversations open on their newest page', async () => {
		const ten = await switchTo(ann, 'ti', 'Tim (tim)', /\d\d:\d\d Ann: message 10(?!\d)/);
		expect(seededNumbers(ann.screen())).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
		const hundredK = await switchTo(ann, 'zo', 'Zoe (zoe)', /\d\d:\d\d Ann: message 100000\b/);
		const numbers = seededNumbers(ann.screen());
		expect(numbers.at(-1)).toBe(100_000);
		expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
		timings.reopen10Ms = ten.shownMs;
		timings.reopen100kMs = hundredK.shownMs;
	});

	it('/history --before jumps to a date with a gap marker below; PgDn from there returns to the present', async () => {
		// ann is on the newest page of the 100,000 seeded messages with Zoe.
		await submit(ann, `/history --before ${new Date(big.createdAtOf(50_000)).toISOString()}`);
		const past = await ann.waitFor(screenWhere('the page before the date, then the gap', (s) => seededNumbers(s).at(-1) === 49_999 && s.includes('newer messages not shown')), 15_000);
		const numbers = seededNumbers(past);
		expect(numbers).toEqual(numbers.map((_, i) => 49_999 - numbers.length + 1 + i));
		ann.press('pagedown');
		await ann.waitFor(screenWhere('back on the newest page, no gap', (s) => seededNumbers(s).at(-1) === 100_000 && !s.includes('newer messages not shown')), 15_000);
	});

	it('opening a conversation with more unread messages than fit lands on the "new messages" divider', async () => {
		const sender = await Sender.connect({mqttUrl: TEST_MQTT_URL, topicBase}, 'ben');
		try {
			const burst = Array.from({length: 40}, (_, i) => sender.message('ann', i + 1, {sender_name: 'Ben', content: `burst ${i + 1}`}));
			await sender.resendUntilConfirmed('ann', burst);
		} finally {
			await sender.close();
		}
		await ann.waitFor(screenWhere('Ben (40)', (s) => unreadOf(listEntry(s, 'Ben')) === 40), 15_000);
		const screen = (await switchTo(ann, 'ben', 'Ben (ben)', 'new messages'), ann.screen());
		const thread = panesOf(screen).thread;
		const divider = thread.findIndex((row) => row.includes('new messages'));
		expect(thread[divider + 1]?.trimEnd()).toMatch(/\d\d:\d\d Ben: burst 1$/);
		// The newest is below, out of view (the list's preview shows it, not the thread).
		expect(thread.join('\n')).not.toContain('burst 40');
	});
});
