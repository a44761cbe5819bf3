// End to end (issue 7): the composer of a real `hermes-chat` in a real terminal, over the real
// broker and PostgreSQL (and the embedded hub): a pasted three-line text is one message after
// Enter, $EDITOR writes a reply that is sent, a refused line stays in the composer.
import {chmodSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import pg from 'pg';
import {afterAll, afterEach, beforeAll, expect, it} from 'vitest';
import {startIngester, type Ingester} from '../../src/ingest/ingester.js';
import {forEachTarget} from '../helpers/targets.js';
import {startTerminal, type TerminalSession} from '../helpers/terminal.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

forEachTarget('the composer in the full-screen TUI', (target) => {
	let ingester: Ingester | undefined;
	let home: string;
	let editor: string;
	const terminals: TerminalSession[] = [];

	beforeAll(async () => {
		home = await mkdtemp(join(tmpdir(), 'hermes-e2e-composer-'));
		editor = join(home, 'editor.sh');
		await writeFile(editor, `#!/bin/sh\nprintf 'written in the editor\\nsecond paragraph\\n' > "$1"\n`);
		chmodSync(editor, 0o755);
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

	async function chat(user: string, name: string): Promise<TerminalSession> {
		const terminal = startTerminal({
			command: process.execPath,
			args: [CLI, '--user', user, '--name', name, '--mqtt-url', target.mqttUrl, '--database-url', target.databaseUrl, '--topic', target.topicBase],
			env: {HERMES_HOME: join(home, user), MQTT_URL: undefined, DATABASE_URL: undefined, EDITOR: editor, VISUAL: undefined},
			cols: 110,
			rows: 30,
		});
		terminals.push(terminal);
		await terminal.waitFor(/broker up.*db up/, 20_000);
		return terminal;
	}

	it('sends a bracketed paste of three lines as one message, and what $EDITOR saved', async () => {
		const bob = await chat('bob', 'Bob');
		const alice = await chat('alice', 'Alice');
		// A typo'd user is refused and the line stays to be fixed.
		alice.write('/open bbo\r');
		await alice.waitFor('unknown user "bbo"');
		expect(alice.screen()).toContain('› /open bbo');
		alice.press('ctrl-u');
		alice.write('/open bob\r');
		await alice.waitFor('Bob (bob)');
		alice.write('\u001b[200~line one\rline two\rline three\u001b[201~');
		await alice.waitFor(/│ {2}line three/);
		alice.press('enter');
		bob.write('/open alice\r');
		const seen = await bob.waitFor(/Alice: line one[^\n]*\n[^\n]*line two[^\n]*\n[^\n]*line three/, 15_000);
		expect(seen).not.toMatch(/Alice: line two/);

		alice.write('draft to edit\u0018\u0005');
		await bob.waitFor(/Alice: written in the editor[^\n]*\n[^\n]*second paragraph/, 15_000);
		await alice.waitFor('message from the editor');

		const db = new pg.Client({connectionString: target.databaseUrl});
		await db.connect();
		try {
			await expect
				.poll(async () => (await db.query<{content: string}>("SELECT content FROM chat_messages WHERE conversation_id = 'alice:bob' ORDER BY seq")).rows.map((r) => r.content), {timeout: 15_000})
				.toEqual(['line one\nline two\nline three', 'written in the editor\nsecond paragraph']);
		} finally {
			await db.end();
		}
	});
});
