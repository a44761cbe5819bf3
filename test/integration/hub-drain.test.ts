// Issue 11, outcome 1 (hub part): on SIGTERM the hub stops taking publishes, lets its ingester
// commit and confirm what it received, then closes — with the real CLI, whose dependencies
// (conf → atomically → when-exit) install signal handlers of their own.
import {randomUUID} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import pg from 'pg';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ensureHub, stopHub} from '../../src/hub/daemon.js';
import {isProcessAlive} from '../../src/hub/lock.js';
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
		const broker = await connectBroker({url: hub.mqttUrl, clientId: `${sender}-${randomUUID().slice(0, 8)}`});
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
		const client = new pg.Client({connectionString: again.databaseUrl});
		await client.connect();
		const stored = await client.query<{n: string}>('SELECT count(*) AS n FROM chat_messages WHERE sender_id = $1', [sender]);
		await client.end();
		expect(stored.rows).toEqual([{n: String(messages.length)}]);
	});
});
