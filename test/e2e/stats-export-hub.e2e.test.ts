// End to end: `hermes-chat stats` and `hermes-chat export` on the embedded hub (issue 10, outcome
// 8), the way README "Statistics and export" tells a user of the hub to run them: its lines are
// taken from the README and run in bash against a hub started on free ports (the README's default
// port replaced by the one `hub status` names), after one message was stored through the hub's
// PostgreSQL. Without a database, both commands say in one line how to reach the hub.
import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readHubSecret, withHubCredentials} from '../../src/hub/hub-secret.js';
import {openDb} from '../../src/store/db.js';
import {writeIngestBatch} from '../../src/store/ingest-queries.js';
import {CLI, embeddedEnv, hubCli, hubStatusJson, stopHubAndRemoveHome} from './embedded-cli.js';

const README = new URL('../../README.md', import.meta.url);
/** The README's port of the hub's PostgreSQL (the default, DEFAULT_HUB_PG_PORT). */
const README_PG_PORT = '15432';

interface Result {
	code: number;
	stdout: string;
	stderr: string;
}

/** Run `script` in bash for `home` (no service variables), with `hermes-chat` as the built CLI. */
function bash(home: string, script: string): Promise<Result> {
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries({...process.env, ...embeddedEnv(home), LOG_LEVEL: 'warn'})) {
		if (value !== undefined) env[key] = value;
	}
	const prelude = `set -e\nhermes-chat() { ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"; }\n`;
	return new Promise((resolve) => {
		execFile('bash', ['-c', prelude + script], {env, cwd: home, timeout: 60_000}, (error, stdout, stderr) => {
			resolve({code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr});
		});
	});
}

/** The README's shell block that follows `marker`, as printed there. */
async function readmeBlockAfter(marker: string): Promise<string> {
	const text = await readFile(README, 'utf8');
	const at = text.indexOf(marker);
	if (at < 0) throw new Error(`README has no "${marker}"`);
	const block = /```sh\n([\s\S]*?)```/.exec(text.slice(at));
	if (!block) throw new Error(`README has no sh block after "${marker}"`);
	return block[1]!;
}

describe('hermes-chat stats and export on the embedded hub, as README says', () => {
	let home: string;
	let pgPort: string;

	beforeAll(async () => {
		if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
		home = await mkdtemp(join(tmpdir(), 'hermes-e2e-hub-stats-'));
		await hubCli(home, 'start', '--mqtt-port', '0', '--pg-port', '0');
		const status = await hubStatusJson(home);
		pgPort = new URL(status.databaseUrl!).port;
		// One broadcast from alice, stored as the hub's ingester stores it.
		const db = openDb({databaseUrl: withHubCredentials(status.databaseUrl!, 'server', await readHubSecret(home)), max: 1});
		try {
			await writeIngestBatch(db, {receipts: [], presences: [], messages: [{
				messageId: 'hub-m1', senderId: 'alice', senderName: 'Alice', receiverId: 'all', content: 'hello from the hub',
				messageType: 'text', sentAt: new Date().toISOString(), conversationId: 'all', version: 2,
			}]});
		} finally {
			await db.close();
		}
	}, 120_000);

	afterAll(async () => {
		if (!home) return;
		await stopHubAndRemoveHome(home);
	}, 60_000);

	it('without a database, stats and export name the hub\'s URL in their one-line error', async () => {
		for (const command of ['stats', 'export --user alice --output x.jsonl']) {
			const result = await bash(home, `hermes-chat ${command}`);
			expect(result.code, command).toBe(1);
			expect(result.stderr, command).toMatch(/^hermes-chat: no database configured — .*the embedded hub: DATABASE_URL="postgres:\/\/server:\$\(hermes-chat hub secret --pipe\)@127\.0\.0\.1:.*\n$/);
		}
	});

	it('runs the README lines for the hub: stats after a refresh counts the message, export writes it', async () => {
		const block = await readmeBlockAfter('On the embedded hub that is');
		expect(block).toContain(`@127.0.0.1:${README_PG_PORT}/postgres`);
		const result = await bash(home, block.replaceAll(`127.0.0.1:${README_PG_PORT}`, `127.0.0.1:${pgPort}`));
		expect(result.stderr).toBe('exported 1 message from 1 conversation to alice.jsonl\n');
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^total 1 /m);
		expect(result.stdout).toMatch(/^Alice \(alice\) +1$/m);
		const exported = (await readFile(join(home, 'alice.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
		expect(exported).toMatchObject([{conversation_id: 'all', sender_id: 'alice', content: 'hello from the hub', message_type: 'text'}]);
	});
});
