// End to end (issue 2): two real `hermes-chat` processes in real terminals chat over the real
// broker, with history and receipts in PostgreSQL. Runs against real Mosquitto + PostgreSQL
// (with an ingester) and against the embedded hub, through the same CLI flags.
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import pg from 'pg';
import {afterAll, afterEach, beforeAll, expect, it} from 'vitest';
import {startIngester, type Ingester} from '../../src/ingest/ingester.js';
import {forEachTarget} from '../helpers/targets.js';
import {startTerminal, type TerminalSession} from '../helpers/terminal.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
/** xterm palette index of Ink's `cyan` (SGR 36): the colour of read ticks. */
const CYAN = 6;

forEachTarget('two people chat in the full-screen TUI', (target) => {
	let ingester: Ingester | undefined;
	let home: string;
	const terminals: TerminalSession[] = [];

	beforeAll(async () => {
		home = await mkdtemp(join(tmpdir(), 'hermes-e2e-'));
		if (target.needsIngester) {
			ingester = await startIngester({mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl, topicBase: target.topicBase, logger: target.logger});
		}
	});
	afterEach(async () => {
		await Promise.all(terminals.splice(0).map((t) => t.close()));
	});
	afterAll(async () => {
		await ingester?.stop();
		await rm(home, {recursive: true, force: true});
	});

	/** Start `hermes-chat` for one user in a 110×30 terminal and wait until both services are up. */
	async function chat(user: string, name: string): Promise<TerminalSession> {
		const terminal = startTerminal({
			command: process.execPath,
			args: [CLI, '--user', user, '--name', name, '--mqtt-url', target.mqttUrl, '--database-url', target.databaseUrl, '--topic', target.topicBase],
			env: {HERMES_HOME: join(home, user), MQTT_URL: undefined, DATABASE_URL: undefined},
			cols: 110,
			rows: 30,
		});
		terminals.push(terminal);
		await terminal.waitFor(/broker up.*db up/, 20_000);
		return terminal;
	}

	/** The row of `text` ends with exactly these ticks (the row is matched on the screen). */
	const ticked = (text: string, ticks: string) => new RegExp(`${text}\\s+${ticks}\\s*│`);

	it('sends, stores (✓), delivers (✓✓), reads (✓✓ in colour), shows typing, and keeps history across a restart', async () => {
		// Bob has been here once (so alice may open a conversation with him) and left.
		const first = await chat('bob', 'Bob');
		first.write('/quit\r');
		expect((await first.exited).exitCode).toBe(0);
		// Alice writes to bob while he is away: the server stores it (✓), nobody has it yet.
		const alice = await chat('alice', 'Alice');
		alice.write('/open bob\r');
		await alice.waitFor('Bob (bob)');
		alice.write('hello bob, this is alice\r');
		await alice.waitFor(ticked('hello bob, this is alice', '✓'), 15_000);

		// Bob starts: "while you were away" names the conversation, its unread count and first
		// unread line (from Postgres); Esc shows the list with one unread message.
		const bob = await chat('bob', 'Bob');
		const away = await bob.waitFor(/While you were away — 1 conversation[\s\S]*Alice — 1 unread[\s\S]*Alice: hello bob, this is alice/);
		expect(away).toContain('from Alice');
		bob.press('escape');
		await bob.waitFor(/Alice\s+\(1\)/);
		bob.write('/open alice\r');
		await bob.waitFor('Alice: hello bob, this is alice');
		// Opening it read it: alice's ticks turn into ✓✓ in colour.
		await alice.waitFor(ticked('hello bob, this is alice', '✓✓'), 15_000);
		await expect.poll(() => alice.styleOf('✓✓', 'hello bob, this is alice')).toEqual({fg: CYAN, isBold: true});

		// Live delivery to a client that has another conversation open: ✓✓, not yet read.
		alice.write('/open all\r');
		await alice.waitFor('everyone (broadcast)');
		bob.write('are you there?\r');
		await bob.waitFor(ticked('are you there\\?', '✓✓'), 15_000);
		expect(bob.styleOf('✓✓', 'are you there?')).not.toEqual({fg: CYAN, isBold: true});
		await alice.waitFor(/Bob\s+\(1\)/);
		alice.write('/open bob\r');
		await alice.waitFor('Bob: are you there?');
		await expect.poll(() => bob.styleOf('✓✓', 'are you there?'), {timeout: 15_000}).toEqual({fg: CYAN, isBold: true});

		// Typing shows on the other side and goes away when the message is sent.
		bob.write('typing something');
		await alice.waitFor('Bob is typing…');
		bob.press('enter');
		await alice.waitFor('Bob: typing something');
		await expect.poll(() => alice.screen().includes('Bob is typing…'), {timeout: 10_000}).toBe(false);

		// /quit restores the terminal; a new run has the whole history from Postgres.
		alice.write('/quit\r');
		expect((await alice.exited).exitCode).toBe(0);
		expect(alice.isAlternateScreen()).toBe(false);
		const again = await chat('alice', 'Alice');
		again.write('/open bob\r');
		const screen = await again.waitFor('Bob: typing something');
		expect(screen).toContain('Alice: hello bob, this is alice');
		expect(screen).toContain('Bob: are you there?');
		expect(screen).toMatch(ticked('hello bob, this is alice', '✓✓'));

		// Postgres has every message once, and every transition of the first one with its user.
		const db = new pg.Client({connectionString: target.databaseUrl});
		await db.connect();
		try {
			const messages = await db.query<{content: string}>(
				"SELECT content FROM chat_messages WHERE conversation_id = 'alice:bob' ORDER BY seq",
			);
			expect(messages.rows.map((r) => r.content)).toEqual(['hello bob, this is alice', 'are you there?', 'typing something']);
			const statuses = await db.query<{status: string; user_id: string}>(
				`SELECT s.status, s.user_id FROM message_status s JOIN chat_messages m USING (message_id)
				 WHERE m.content = 'hello bob, this is alice' ORDER BY s.timestamp, s.id`,
			);
			expect(statuses.rows).toEqual([
				{status: 'sent', user_id: 'alice'},
				{status: 'received_by_server', user_id: 'alice'},
				{status: 'delivered', user_id: 'bob'},
				{status: 'read', user_id: 'bob'},
			]);
			const live = await db.query<{status: string}>(
				`SELECT s.status FROM message_status s JOIN chat_messages m USING (message_id)
				 WHERE m.content = 'are you there?' AND s.user_id = 'alice' ORDER BY s.timestamp, s.id`,
			);
			expect(live.rows.map((r) => r.status)).toEqual(['delivered', 'read']);
		} finally {
			await db.end();
		}
	});
});
