// The embedded hub: round trip (stored + receipt), stop → start keeps every message, the
// background daemon (two concurrent ensureHub → one pid) and `hermes-chat hub status|stop`.
import {execFile, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {randomUUID} from 'node:crypto';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ensureHub, hubStatus, stopHub} from '../../src/hub/daemon.js';
import {DEFAULT_HUB_MQTT_PORT, DEFAULT_HUB_PG_PORT, HubRunningError, startHub, type RunningHub} from '../../src/hub/hub.js';
import {readHubFile, writeHubFile} from '../../src/hub/hub-file.js';
import {HUB_OWNER, hubSecretPath, withHubCredentials} from '../../src/hub/hub-secret.js';
import {connectBroker, type BrokerConnection} from '../../src/live/connect.js';
import {silentLogger} from '../../src/log.js';
import {encodePayload, topicFor, type MessagePayload} from '../../src/protocol/index.js';
import {openDb} from '../../src/store/db.js';

const run = promisify(execFile);
const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const BASE = 'chat/messages';

function message(from: string, to: string, n: number): MessagePayload {
	return {
		type: 'message',
		message_id: `${from}-${randomUUID()}-${n}`,
		sender_id: from,
		sender_name: from.toUpperCase(),
		receiver_id: to,
		content: `hello ${n}`,
		message_type: 'text',
		timestamp: new Date().toISOString(),
	};
}

/** Publish `messages` as `from` (QoS 1) and resolve once every received_by_server receipt arrived. */
async function sendAndAwaitReceipts(mqttUrl: string, from: string, messages: MessagePayload[]): Promise<void> {
	const broker: BrokerConnection = await connectBroker({url: mqttUrl, clientId: `${from}-${randomUUID().slice(0, 8)}`});
	try {
		const waiting = new Set(messages.map((m) => m.message_id));
		const receipts = new Promise<void>((resolve) => {
			broker.client.on('message', (_topic, bytes) => {
				const receipt = JSON.parse(bytes.toString()) as {status: string; message_id: string};
				if (receipt.status === 'received_by_server') waiting.delete(receipt.message_id);
				if (waiting.size === 0) resolve();
			});
		});
		await broker.client.subscribeAsync(topicFor(BASE, from, 'server'), {qos: 1});
		await Promise.all(
			messages.map((m) => broker.client.publishAsync(topicFor(BASE, m.receiver_id, from), encodePayload(m), {qos: 1})),
		);
		await receipts;
	} finally {
		await broker.client.endAsync();
	}
}

/** An endpoint's URLs with `user` and its secret as credentials. */
function as(hub: {mqttUrl: string; databaseUrl: string; secret: string}, user: string) {
	return {mqttUrl: withHubCredentials(hub.mqttUrl, user, hub.secret), databaseUrl: withHubCredentials(hub.databaseUrl, user, hub.secret)};
}

async function storedIds(databaseUrl: string): Promise<Set<string>> {
	const db = openDb({databaseUrl, max: 1});
	try {
		const result = await db.query<{message_id: string}>('SELECT message_id FROM chat_messages');
		return new Set(result.rows.map((row) => row.message_id));
	} finally {
		await db.close();
	}
}

/** Hold `port` on 127.0.0.1 (if someone else already does, it stays taken all the same). */
async function squat(port: number): Promise<() => Promise<void>> {
	const server = createServer();
	const isListening = await new Promise<boolean>((resolve) => {
		server.once('error', () => resolve(false));
		server.listen({host: '127.0.0.1', port, exclusive: true}, () => resolve(true));
	});
	return () => (isListening ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve());
}

// Opening PGlite takes ~4 s idle and several times that on a busy 2-core machine.
describe('startHub (in process)', {timeout: 120_000}, () => {
	let dataDir: string;
	beforeAll(async () => {
		dataDir = await mkdtemp(join(tmpdir(), 'hermes-hub-'));
	});
	afterAll(async () => {
		await rm(dataDir, {recursive: true, force: true});
	});

	it('stores a message and sends its receipt; stop → start keeps every message', async () => {
		const phases: string[] = [];
		let hub: RunningHub = await startHub({dataDir, mqttPort: 0, pgPort: 0, logger: silentLogger(), onProgress: (p) => phases.push(p)});
		expect(phases).toEqual(['starting broker', 'opening database', 'migrating', 'starting ingester', 'ready']);
		expect(hub.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
		const burst = Array.from({length: 300}, (_, n) => message('alice', n % 2 ? 'bob' : 'all', n));
		await sendAndAwaitReceipts(hub.urlsFor('alice').mqttUrl, 'alice', burst);
		const before = await storedIds(hub.urlsFor(HUB_OWNER).databaseUrl);
		for (const m of burst) expect(before.has(m.message_id)).toBe(true);
		await hub.stop();

		hub = await startHub({dataDir, mqttPort: 0, pgPort: 0, logger: silentLogger()});
		try {
			const after = await storedIds(hub.urlsFor(HUB_OWNER).databaseUrl);
			expect(after).toEqual(before);
			// A pg Pool of 4 (what every client opens) must not be reset by pglite-socket.
			const db = openDb({databaseUrl: hub.urlsFor(HUB_OWNER).databaseUrl, max: 4});
			const counts = await Promise.all(
				Array.from({length: 8}, () => db.query<{n: string}>('SELECT count(*) AS n FROM chat_messages')),
			);
			await db.close();
			expect(counts.map((c) => Number(c.rows[0]!.n))).toEqual(Array(8).fill(burst.length));
		} finally {
			await hub.stop();
		}
	});

	// Regression: a hub that fell back to free ports came back on other ones after a restart,
	// and the TUIs still running kept knocking on the old URLs.
	it('falls back to free ports when the defaults are taken, and reuses them after a restart', async () => {
		const squatters = await Promise.all([DEFAULT_HUB_MQTT_PORT, DEFAULT_HUB_PG_PORT].map(squat));
		const home = await mkdtemp(join(tmpdir(), 'hermes-ports-'));
		try {
			let hub = await startHub({dataDir: home, logger: silentLogger()});
			const first = [hub.mqttPort, hub.pgPort];
			expect(first).not.toContain(DEFAULT_HUB_MQTT_PORT);
			expect(first).not.toContain(DEFAULT_HUB_PG_PORT);
			await hub.stop();
			hub = await startHub({dataDir: home, logger: silentLogger()});
			await hub.stop();
			expect([hub.mqttPort, hub.pgPort]).toEqual(first);
		} finally {
			await Promise.all(squatters.map((close) => close()));
			await rm(home, {recursive: true, force: true});
		}
	});

	it('refuses a second hub on the same data directory before opening it', async () => {
		const hub = await startHub({dataDir, mqttPort: 0, pgPort: 0, logger: silentLogger()});
		try {
			await expect(startHub({dataDir, mqttPort: 0, pgPort: 0, logger: silentLogger()})).rejects.toBeInstanceOf(
				HubRunningError,
			);
			const port = Number(new URL(hub.mqttUrl).port);
			const other = await mkdtemp(join(tmpdir(), 'hermes-hub-'));
			await expect(startHub({dataDir: other, mqttPort: port, pgPort: 0, logger: silentLogger()})).rejects.toThrow(
				/already in use/,
			);
			// The loser touched nothing: no database was created in its data directory.
			expect(existsSync(join(other, 'pgdata'))).toBe(false);
			await rm(other, {recursive: true, force: true});
		} finally {
			await hub.stop();
		}
	});
});

describe.skipIf(!existsSync(CLI))('hub daemon and `hermes-chat hub` (built dist/)', {timeout: 120_000}, () => {
	let home: string;
	const env = () => ({...process.env, HERMES_HOME: home, LOG_LEVEL: 'warn'});
	beforeAll(async () => {
		home = await mkdtemp(join(tmpdir(), 'hermes-home-'));
	});
	afterAll(async () => {
		await stopHub(home).catch(() => undefined);
		await rm(home, {recursive: true, force: true});
	});

	it('two concurrent ensureHub calls yield one hub', async () => {
		const phases: string[] = [];
		const options = {home, mqttPort: 0, pgPort: 0, entry: CLI, onProgress: (p: string) => phases.push(p)};
		const [a, b] = await Promise.all([ensureHub(options), ensureHub(options)]);
		expect(a.pid).toBe(b.pid);
		expect([a.started, b.started].sort()).toEqual([false, true]);
		expect(a.mqttUrl).toBe(b.mqttUrl);
		expect(phases[0]).toBe('starting broker');
		expect(phases.at(-1)).toBe('ready');
		const again = await ensureHub(options);
		expect(again).toMatchObject({pid: a.pid, started: false});
	});

	it('`hub status` prints the pid and both URLs; `hub stop` stops it; messages survive a restart', async () => {
		const hub = await ensureHub({home, entry: CLI, mqttPort: 0, pgPort: 0});
		const sent = [message('carol', 'dave', 1), message('carol', 'all', 2)];
		await sendAndAwaitReceipts(as(hub, 'carol').mqttUrl, 'carol', sent);

		const status = await run(process.execPath, [CLI, 'hub', 'status'], {env: env()});
		expect(status.stdout).toContain('hub:        running');
		expect(status.stdout).toContain(`pid:        ${hub.pid}`);
		expect(status.stdout).toContain(hub.mqttUrl);
		expect(status.stdout).toContain(hub.databaseUrl);
		expect(status.stdout).toContain(`data:       ${home}`);
		// Where the secret is and how to print it, never the secret itself (nor in --json, nor in hub.log).
		expect(status.stdout).toContain(`secret:     ${hubSecretPath(home)}`);
		const json = await run(process.execPath, [CLI, 'hub', 'status', '--json'], {env: env()});
		for (const text of [status.stdout, json.stdout, await readFile(join(home, 'hub.log'), 'utf8')]) expect(text).not.toContain(hub.secret);
		// `hub secret` prints it to a terminal only, or on request.
		const piped = await run(process.execPath, [CLI, 'hub', 'secret'], {env: env()}).then(
			() => expect.unreachable('`hub secret` must refuse a pipe without --pipe'),
			(error: {code?: number; stdout?: string; stderr?: string}) => error,
		);
		expect(piped.stdout).toBe('');
		expect(piped.stderr).toMatch(/stdout is not a terminal.*--pipe/);
		expect((await run(process.execPath, [CLI, 'hub', 'secret', '--pipe'], {env: env()})).stdout).toBe(`${hub.secret}\n`);
		// psql as README shows it: a chat user id and the secret.
		const psql = await run('psql', [as(hub, 'carol').databaseUrl, '-Atc', "SELECT count(*) FROM chat_messages WHERE sender_id = 'carol'"]);
		expect(psql.stdout).toBe('2\n');

		const stopped = await run(process.execPath, [CLI, 'hub', 'stop'], {env: env()});
		expect(stopped.stdout).toBe(`hub: stopped (pid ${hub.pid})\n`);
		expect(await readHubFile(home)).toBeUndefined();
		expect((await hubStatus(home)).state).toBe('stopped');
		// Not running: exit status 3 (LSB `status`), the text still says so.
		const after = await run(process.execPath, [CLI, 'hub', 'status'], {env: env()}).then(
			() => expect.unreachable('`hub status` must exit non-zero when the hub is not running'),
			(error: {code?: number; stdout?: string}) => error,
		);
		expect(after.code).toBe(3);
		expect(after.stdout).toContain('hub:        not running');

		const restarted = await ensureHub({home, entry: CLI, mqttPort: 0, pgPort: 0});
		expect(restarted.pid).not.toBe(hub.pid);
		expect(restarted.secret).toBe(hub.secret);
		const ids = await storedIds(as(restarted, HUB_OWNER).databaseUrl);
		for (const m of sent) expect(ids.has(m.message_id)).toBe(true);
	});

	it('replaces a stale hub.json left by a dead hub', async () => {
		await stopHub(home);
		const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
		const deadPid = Number(dead.stdout.toString());
		await writeHubFile(home, {
			pid: deadPid,
			state: 'ready',
			phase: 'ready',
			mqtt_url: 'mqtt://127.0.0.1:1',
			database_url: 'postgres://postgres@127.0.0.1:1/postgres',
			mqtt_port: 1,
			pg_port: 1,
			data_dir: home,
			started_at: new Date(0).toISOString(),
		});
		expect((await hubStatus(home)).state).toBe('stopped');
		const hub = await ensureHub({home, entry: CLI, mqttPort: 0, pgPort: 0});
		expect(hub.started).toBe(true);
		expect(hub.pid).not.toBe(deadPid);
		expect((await hubStatus(home)).state).toBe('running');
	});

	it('keeps every confirmed message when the hub is killed with SIGKILL', async () => {
		const hub = await ensureHub({home, entry: CLI, mqttPort: 0, pgPort: 0});
		const sent = Array.from({length: 200}, (_, n) => message('erin', 'frank', n));
		await sendAndAwaitReceipts(as(hub, 'erin').mqttUrl, 'erin', sent);
		const exited = new Promise<void>((resolve) => {
			const poll = setInterval(() => {
				try {
					process.kill(hub.pid, 0);
				} catch {
					clearInterval(poll);
					resolve();
				}
			}, 20);
		});
		process.kill(hub.pid, 'SIGKILL');
		await exited;
		// hub.json and hub.lock are left behind by the dead hub; both are recognised as stale.
		const restarted = await ensureHub({home, entry: CLI, mqttPort: 0, pgPort: 0});
		expect(restarted.started).toBe(true);
		const ids = await storedIds(as(restarted, HUB_OWNER).databaseUrl);
		for (const m of sent) expect(ids.has(m.message_id)).toBe(true);
	});

	it('`hub start` starts it in the background and returns; a second `hub start` finds it', async () => {
		await run(process.execPath, [CLI, 'hub', 'stop'], {env: env()});
		const first = await run(process.execPath, [CLI, 'hub', 'start', '--mqtt-port', '0', '--pg-port', '0'], {env: env()});
		const pid = Number(/hub started \(pid (\d+)\)/.exec(first.stdout)?.[1]);
		expect(pid).toBeGreaterThan(0);
		expect(first.stderr).toContain('hermes-chat: hub: ready');
		const second = await run(process.execPath, [CLI, 'hub', 'start'], {env: env()});
		expect(second.stdout).toContain(`hub already running (pid ${pid})`);
		expect((await hubStatus(home)).pid).toBe(pid);
	});

	it('fails with the reason when another program holds the MQTT port', async () => {
		const squatter = createServer();
		await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
		const {port} = squatter.address() as {port: number};
		const otherHome = await mkdtemp(join(tmpdir(), 'hermes-home-'));
		try {
			await expect(ensureHub({home: otherHome, entry: CLI, mqttPort: port, pgPort: 0})).rejects.toThrow(
				`MQTT port 127.0.0.1:${port} is already in use`,
			);
			expect(existsSync(join(otherHome, 'pgdata'))).toBe(false);
		} finally {
			await new Promise<void>((resolve) => squatter.close(() => resolve()));
			await rm(otherHome, {recursive: true, force: true});
		}
	});

	it('every hub subcommand has --help', async () => {
		for (const sub of [[], ['start'], ['status'], ['secret'], ['stop']]) {
			const help = await run(process.execPath, [CLI, 'hub', ...sub, '--help'], {env: env()});
			expect(help.stdout).toMatch(/^Usage: hermes-chat hub/);
		}
	});
});
