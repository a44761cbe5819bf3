// End to end (issue 10): reply, edit, react, delete and search with two real TUIs (fredy, david)
// in real terminals (pty + xterm) against real Mosquitto and a fresh PostgreSQL database, an
// in-process ingester and a unique topic base. What one person does, the other's screen shows:
// the reply's quote, "(edited)", a reaction count that moves, the "message deleted" placeholder;
// search finds a message in another conversation and opens it there; deleted text is not found.
// Skipped with the reason when a service is unreachable, unless HERMES_REQUIRE_SERVICES=1.
import {randomUUID} from 'node:crypto';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startIngester, type Ingester} from '../../src/ingest/ingester.js';
import {silentLogger} from '../../src/log.js';
import {openDb, type Db} from '../../src/store/db.js';
import {createTestDatabase, type TestDatabase} from '../helpers/db.js';
import {pressAndAwaitFrame, type TerminalSession} from '../helpers/terminal.js';
import {escapeToList, panesOf, screenWhere, startChat, submit, suiteProblem, switchTo, TEST_MQTT_URL, threadTitle} from './chat-screen.js';

const problem = await suiteProblem();
const mustRun = process.env.HERMES_REQUIRE_SERVICES === '1';
const title = 'reply, edit, react, delete and search between two real terminals';
/** Cross-process steps (publish → ingester → commit → fan-out → render) get this long, in ms. */
const STEP_MS = 15_000;
const PLAN = 'the deploy plan is ready';
const PLAN_V2 = 'the deploy plan is ready, version two';
const REPLY = 'sounds good to me';
const LUNCH = 'lunch at noon in the usual place';

/** The thread pane's rows joined, so a check never matches the list's previews. */
const thread = (screen: string) => panesOf(screen).thread.join('\n');

describe.skipIf(Boolean(problem) && !mustRun)(problem && !mustRun ? `${title} (skipped: ${problem})` : title, () => {
	const topicBase = `t-${randomUUID().slice(0, 8)}/messages`;
	const homes: string[] = [];
	const sessions: TerminalSession[] = [];
	let database: TestDatabase;
	let db: Db;
	let ingester: Ingester | undefined;
	let fredy: TerminalSession;
	let david: TerminalSession;

	const launch = async (userId: string, index: number): Promise<TerminalSession> => {
		const name = userId.charAt(0).toUpperCase() + userId.slice(1);
		const session = await startChat({userId, name, home: homes[index]!, mqttUrl: TEST_MQTT_URL, databaseUrl: database.url, topicBase});
		sessions.push(session);
		return session;
	};

	beforeAll(async () => {
		if (problem) throw new Error(`required (HERMES_REQUIRE_SERVICES=1) but ${problem}`);
		database = await createTestDatabase();
		ingester = await startIngester({mqttUrl: TEST_MQTT_URL, databaseUrl: database.url, topicBase, logger: silentLogger()});
		db = openDb({databaseUrl: database.url, max: 1});
		for (let i = 0; i < 2; i++) homes.push(await mkdtemp(join(tmpdir(), 'hermes-e2e-actions-')));
		[fredy, david] = await Promise.all([launch('fredy', 0), launch('david', 1)]);
		const known = async () => (await db.query('SELECT count(*)::int AS n FROM chat_users WHERE user_id = ANY($1::text[])', [['fredy', 'david']])).rows[0]?.n === 2;
		for (const deadline = Date.now() + STEP_MS; !(await known()); await new Promise((resolve) => setTimeout(resolve, 100))) {
			if (Date.now() > deadline) throw new Error('fredy and david are not both in chat_users: their presence was never stored');
		}
	});

	afterAll(async () => {
		await Promise.all(sessions.map((s) => s.close()));
		await ingester?.stop();
		await db?.close();
		await database?.drop();
		await Promise.all(homes.map((home) => rm(home, {recursive: true, force: true})));
	});

	it('david replies to fredy with r: both screens show the one-line quote above the reply', async () => {
		await submit(fredy, `/broadcast ${LUNCH}`);
		await submit(fredy, '/open david');
		await fredy.waitFor(screenWhere('fredy in the chat with david', (s) => threadTitle(s).includes('David')), STEP_MS);
		await submit(fredy, PLAN);
		await fredy.waitFor(new RegExp(`${PLAN}\\s+✓`), STEP_MS);
		await switchTo(david, 'fre', 'Fredy', `Fredy: ${PLAN}`, STEP_MS);
		// Select the newest message (fredy's) and reply to it.
		await escapeToList(david);
		await pressAndAwaitFrame(david, 's');
		david.write('r');
		await david.waitFor(/replying to Fredy/, STEP_MS);
		await submit(david, REPLY);
		const quoted = (s: string) => new RegExp(`↳ Fredy: ${PLAN}[\\s\\S]*David: ${REPLY}`).test(thread(s));
		await david.waitFor(screenWhere('david sees his reply under its quote', quoted), STEP_MS);
		await fredy.waitFor(screenWhere('fredy sees the reply under its quote', quoted), STEP_MS);
		const {rows} = await db.query('SELECT reply_to_sender_id, reply_to_message_id IS NOT NULL AS has_target FROM chat_messages WHERE content = $1', [REPLY]);
		expect(rows).toEqual([{reply_to_sender_id: 'fredy', has_target: true}]);
	});

	it('fredy edits his message with /edit: david sees the new text marked (edited); the old one is kept in PostgreSQL', async () => {
		await submit(fredy, `/edit ${PLAN_V2}`);
		const edited = (s: string) => new RegExp(`Fredy: ${PLAN_V2} \\(edited\\)`).test(thread(s));
		await david.waitFor(screenWhere('david sees the edit', edited), STEP_MS);
		await fredy.waitFor(screenWhere('fredy sees the edit', edited), STEP_MS);
		const {rows} = await db.query('SELECT v.content FROM message_versions v JOIN chat_messages m USING (message_id, sender_id) WHERE m.content = $1', [PLAN_V2]);
		expect(rows).toEqual([{content: PLAN}]);
	});

	it('a reaction count moves on both screens: 🎉 1, then 🎉 2', async () => {
		// /react acts on the selected message: david selects the newest (his reply; his selection
		// from replying was fredy's message). fredy selects nothing: his /react takes the last one.
		await escapeToList(david);
		await pressAndAwaitFrame(david, 's');
		await submit(david, '/react 🎉');
		await fredy.waitFor(screenWhere('fredy sees 🎉 1', (s) => /🎉 1\b/.test(thread(s))), STEP_MS);
		await escapeToList(fredy);
		await submit(fredy, '/react 🎉');
		await david.waitFor(screenWhere('david sees 🎉 2', (s) => /🎉 2\b/.test(thread(s))), STEP_MS);
		await fredy.waitFor(screenWhere('fredy sees 🎉 2', (s) => /🎉 2\b/.test(thread(s))), STEP_MS);
	});

	it('fredy deletes his message (with the confirmation): david sees "message deleted", the text is gone from PostgreSQL', async () => {
		await escapeToList(fredy);
		await submit(fredy, '/delete');
		// The confirmation names the message by (the start of) its text.
		await fredy.waitFor(/delete “the deploy plan[^”\n]*” for everybody\? y deletes/, STEP_MS);
		fredy.write('y');
		const deleted = (s: string) => /Fredy: message deleted/.test(thread(s)) && !thread(s).includes(PLAN_V2);
		await david.waitFor(screenWhere('david sees the placeholder', deleted), STEP_MS);
		await fredy.waitFor(screenWhere('fredy sees the placeholder', deleted), STEP_MS);
		const stored = await db.query("SELECT count(*)::int AS n FROM chat_messages WHERE content LIKE '%deploy plan%'");
		const versions = await db.query("SELECT count(*)::int AS n FROM message_versions WHERE content LIKE '%deploy plan%'");
		expect([stored.rows[0]!.n, versions.rows[0]!.n]).toEqual([0, 0]);
	});

	it('Ctrl+F finds the broadcast and Enter opens it in its conversation; the deleted text is not found', async () => {
		await escapeToList(david);
		david.press('ctrl-f');
		await david.waitFor(/Search messages/, STEP_MS);
		david.write('deploy\r');
		const nothing = await david.waitFor(screenWhere('the search for deploy answered', (s) => /deploy/.test(s) && /\b(0|no) messages?\b/i.test(s)), STEP_MS);
		expect(nothing).not.toContain('deploy plan');
		// A new query: clear the line, then search for the broadcast.
		david.press('ctrl-u');
		david.write('lunch\r');
		await david.waitFor(screenWhere('one hit for lunch', (s) => /1 message/.test(s) && s.includes(LUNCH)), STEP_MS);
		david.press('enter');
		await david.waitFor(screenWhere('the broadcast open in its conversation', (s) => /everyone/i.test(threadTitle(s)) && thread(s).includes(`Fredy: ${LUNCH}`)), STEP_MS);
	});
});
