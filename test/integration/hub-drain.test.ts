// Issue 11, outcome 1 (hub part): on SIGTERM the hub stops taking publishes, lets its ingester
// commit and confirm what it received, then closes — with the real CLI, whose dependencies
// (conf → atomically → when-exit) install signal handlers of their own.
import {spawn} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import pg from 'pg';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ensureHub, stopHub} from '../../src/hub/daemon.js';
import {hubAnswers, readHubFile, type HubRecord} from '../../src/hub/hub-file.js';
import {isProcessAlive} from '../../src/hub/lock.js';
import {HUB_OWNER, readHubSecret, withHubCredentials} from '../../src/hub/hub-secret.js';
import {connectBroker} from '../../src/live/connect.js';
import {encodePayload, topicFor, type MessagePayload} from '../../src/protocol/index.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const BASE = 'chat/messages';

describe.skipIf(!existsSync(CLI))('the hub drains on SIGTERM (built dist/)', {timeout: 300_000}, () => {
	let home: string;
	beforeAll(async () => {
		home = await mkdtemp(join(tmpdir(), 'hermes-drain-'));
	});
	afterAll(async () => {
		await stopHub(home).catch(() => undefined);
		await rm(home, {recursive: true, force: true});
	});

	it('stores and confirms every acknowledged message when SIGTERM follows the last PUBACK', async () => {
		const hub = await ensureHub({home, entry: CLI, mqttPort: 0, pgPort: 0});
		const sender = 'nora';
		const messages: MessagePayload[] = Array.from({length: 300}, (_, n) => ({
			type: 'message',
			message_id: `${sender}-${randomUUID()}`,
			sender_id: sender,
			sender_name: 'Nora',
			receiver_id: 'all',
			content: `drain ${n}`,
			message_type: 'text',
			timestamp: new Date().toISOString(),
		}));
		// A publisher that never resends: what is lost here is lost for good.
		const broker = await connectBroker({url: withHubCredentials(hub.mqttUrl, sender, hub.secret), clientId: `${sender}-${randomUUID().slice(0, 8)}`});
		const confirmed = new Set<string>();
		broker.client.on('message', (_topic, bytes) => {
			const receipt = JSON.parse(bytes.toString()) as {status: string; message_id: string};
			if (receipt.status === 'received_by_server') confirmed.add(receipt.message_id);
		});
		await broker.client.subscribeAsync(topicFor(BASE, sender, 'server'), {qos: 1});
		await Promise.all(messages.map((m) => broker.client.publishAsync(topicFor(BASE, 'all', sender), encodePayload(m), {qos: 1})));
		process.kill(hub.pid, 'SIGTERM');
		while (isProcessAlive(hub.pid)) await new Promise((resolve) => setTimeout(resolve, 50));
		await broker.client.endAsync(true);

		const log = await readFile(join(home, 'hub.log'), 'utf8');
		expect(log).toContain('hub: draining');
		expect(log).toContain('"hub: stopped"');
		expect(log).not.toContain('drain aborted');
		// Every message the hub acknowledged was confirmed to its sender before the hub closed …
		expect(messages.filter((m) => !confirmed.has(m.message_id))).toEqual([]);
		// … and is in the database after a restart.
		const again = await ensureHub({home, entry: CLI, mqttPort: 0, pgPort: 0});
		const client = new pg.Client({connectionString: withHubCredentials(again.databaseUrl, HUB_OWNER, again.secret)});
		await client.connect();
		const stored = await client.query<{n: string}>('SELECT count(*) AS n FROM chat_messages WHERE sender_id = $1', [sender]);
		await client.end();
		expect(stored.rows).toEqual([{n: String(messages.length)}]);
		await stopHub(home);
	});

	/** Wait until hub.json names `pid`, ready and answering. @throws when the process exits first. */
	async function readyRecord(pid: number, hasExited: () => boolean): Promise<HubRecord> {
		for (;;) {
			if (hasExited()) throw new Error(`the hub (pid ${pid}) exited during start-up`);
			const record = await readHubFile(home);
			if (record?.pid === pid && (await hubAnswers(record))) return record;
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}

	/**
	 * Run `hub` in the foreground with `args`, hold a transaction that stays busy (so the
	 * idle-in-transaction limit never ends it) after one message is acknowledged: the drain
	 * cannot finish. `interrupt` then ends it; resolve with the exit code and stderr.
	 */
	async function blockedDrain(args: string[], interrupt: (pid: number, stderr: () => string) => Promise<void>) {
		const child = spawn(process.execPath, [CLI, 'hub', '--mqtt-port', '0', '--pg-port', '0', ...args], {
			env: {...process.env, HERMES_HOME: home},
			stdio: ['ignore', 'ignore', 'pipe'],
		});
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
		const record = await readyRecord(child.pid!, () => child.exitCode !== null).catch((error: Error) => {
			throw new Error(`${error.message}: ${stderr}`);
		});
		const secret = await readHubSecret(home);
		const holder = new pg.Client({connectionString: withHubCredentials(record.database_url!, HUB_OWNER, secret)});
		holder.on('error', () => undefined);
		await holder.connect();
		await holder.query('BEGIN');
		await holder.query('LOCK TABLE chat_messages IN ACCESS EXCLUSIVE MODE');
		const busy = (async () => {
			for (;;) await holder.query('SELECT 1');
		})().catch(() => undefined);
		const broker = await connectBroker({url: withHubCredentials(record.mqtt_url!, 'oscar', secret), clientId: `oscar-${randomUUID().slice(0, 8)}`});
		const m: MessagePayload = {
			type: 'message',
			message_id: `oscar-${randomUUID()}`,
			sender_id: 'oscar',
			sender_name: 'Oscar',
			receiver_id: 'all',
			content: 'stuck behind a lock',
			message_type: 'text',
			timestamp: new Date().toISOString(),
		};
		await broker.client.publishAsync(topicFor(BASE, 'all', 'oscar'), encodePayload(m), {qos: 1});
		await broker.client.endAsync(true);
		await interrupt(child.pid!, () => stderr);
		const code = await exited;
		await busy;
		await holder.end().catch(() => undefined);
		return {code, stderr};
	}

	it('aborts a drain that cannot finish at the --drain-timeout deadline, and exits 1', async () => {
		const {code, stderr} = await blockedDrain(['--drain-timeout', '1'], async (pid) => {
			process.kill(pid, 'SIGTERM');
		});
		expect(stderr).toContain('the drain took longer than 1000 ms');
		expect(stderr).toContain('"hub: stopped"');
		expect(code).toBe(1);
	});

	it('aborts the drain on a second signal, and exits 1', async () => {
		const {code, stderr} = await blockedDrain([], async (pid, output) => {
			process.kill(pid, 'SIGTERM');
			while (!output().includes('hub: draining')) await new Promise((resolve) => setTimeout(resolve, 50));
			process.kill(pid, 'SIGINT');
		});
		expect(stderr).toContain('a second signal (SIGINT)');
		expect(stderr).toContain('"hub: stopped"');
		expect(code).toBe(1);
	});
});
