// Issue 9 on the embedded hub: both ports require the hub secret; each MQTT user name gets the
// topic rules of production Mosquitto (its own publisher level, its own inbox, no `#`, `$SYS/#`
// or the ingester's shared subscription); another OS user can neither read the secret nor connect.
import {execFile} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {chmod, mkdtemp, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Writable} from 'node:stream';
import {promisify} from 'node:util';
import mqtt, {type IClientOptions} from 'mqtt';
import pino from 'pino';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {HUB_OWNER, hubSecretPath, withHubCredentials} from '../../src/hub/hub-secret.js';
import {startHub, type RunningHub} from '../../src/hub/hub.js';
import {openDb} from '../../src/store/db.js';
import {Sender} from '../helpers/sender.js';

const run = promisify(execFile);
const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const BASE = `t-${randomUUID().slice(0, 8)}/messages`;

/** The CONNACK return code the hub answers `options` with (0 = accepted); the client is closed. */
async function connackCode(url: string, options: IClientOptions = {}): Promise<number> {
	const client = mqtt.connect(url, {reconnectPeriod: 0, connectTimeout: 10_000, clientId: `probe-${randomUUID().slice(0, 6)}`, ...options});
	const code = await new Promise<number>((resolve) => {
		client.once('connect', () => resolve(0));
		client.once('error', (error) => resolve(Number((error as {code?: number}).code ?? -1)));
	});
	await client.endAsync(true);
	return code;
}

describe('the embedded hub requires its secret and applies per-user rules', {timeout: 180_000}, () => {
	let dataDir: string;
	let hub: RunningHub;
	const lines: Array<{msg: string} & Record<string, unknown>> = [];
	const logger = pino(
		{level: 'info'},
		new Writable({
			write(chunk: Buffer, _encoding, done) {
				for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as {msg: string});
				done();
			},
		}),
	);
	const logged = (pattern: RegExp) => lines.filter((line) => pattern.test(line.msg));

	beforeAll(async () => {
		dataDir = await mkdtemp(join(tmpdir(), 'hermes-hubauth-'));
		hub = await startHub({dataDir, mqttPort: 0, pgPort: 0, topicBase: BASE, logger});
	}, 120_000);
	afterAll(async () => {
		await hub?.stop();
		await rm(dataDir, {recursive: true, force: true});
	});

	it('keeps the secret in a 0600 file in a 0700 home, and never logs it', async () => {
		expect((await stat(hubSecretPath(dataDir))).mode & 0o777).toBe(0o600);
		expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
		expect((await stat(join(dataDir, 'pgdata'))).mode & 0o777).toBe(0o700);
		expect(hub.mqttUrl).not.toContain(hub.secret);
		expect(hub.databaseUrl).not.toContain(hub.secret);
		expect(JSON.stringify(lines)).not.toContain(hub.secret);
	});

	it('refuses MQTT without the secret (CONNACK 4, one log line each) and goes on serving', async () => {
		const before = logged(/MQTT connection refused: bad user name or password/).length;
		expect(await connackCode(hub.mqttUrl)).toBe(4);
		expect(await connackCode(hub.mqttUrl, {username: 'alice'})).toBe(4);
		expect(await connackCode(withHubCredentials(hub.mqttUrl, 'alice', 'guess'))).toBe(4);
		// The right secret with a user name that is no chat id (a topic wildcard, a reserved id).
		for (const user of ['a/b', 'a+b', '#', 'all']) expect(await connackCode(withHubCredentials(hub.mqttUrl, user, hub.secret)), user).toBe(4);
		expect(logged(/MQTT connection refused: bad user name or password/).length - before).toBe(7);
		expect(await connackCode(hub.urlsFor('alice').mqttUrl)).toBe(0);
		// A client id already held by another user (the ingester's) would take its session over.
		const ingesterId = `hermes-hub-ingest-${process.pid}`;
		expect(await connackCode(hub.urlsFor('alice').mqttUrl, {clientId: ingesterId})).toBe(2);
	});

	it('refuses PostgreSQL without the secret (28P01) and goes on serving', async () => {
		const wrong = openDb({databaseUrl: withHubCredentials(hub.databaseUrl, 'alice', 'guess'), max: 1});
		await expect(wrong.query('SELECT 1')).rejects.toMatchObject({code: '28P01'});
		await wrong.close();
		const alice = openDb({databaseUrl: hub.urlsFor('alice').databaseUrl, max: 1});
		expect((await alice.query<{ok: number}>('SELECT 1 AS ok')).rows).toEqual([{ok: 1}]);
		await alice.close();
	});

	it("shows alice through psql on the hub's port her conversations only, and refuses her writes (row-level security of migration 005)", async () => {
		const owner = openDb({databaseUrl: hub.urlsFor(HUB_OWNER).databaseUrl, max: 1});
		try {
			const insert = (id: string, from: string, to: string, conversation: string) =>
				owner.query(`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id) VALUES ($1, $2, $3, $4, $5, $6)`, [id, from, from, to, id, conversation]);
			await insert('hub-ad', 'alice', 'dan', 'alice:dan');
			await insert('hub-de', 'dan', 'erin', 'dan:erin');
			await insert('hub-all', 'erin', 'all', 'all');
		} finally {
			await owner.close();
		}
		const psql = (user: string, sql: string) =>
			run('psql', [hub.urlsFor(user).databaseUrl, '-XAtw', '-v', 'ON_ERROR_STOP=1', '-c', sql], {env: {PATH: process.env.PATH, PGPASSFILE: '/nonexistent'}}).then(
				({stdout}) => stdout.trim().split('\n').filter(Boolean),
				(error: {stderr?: string}) => [`ERROR ${error.stderr ?? ''}`],
			);
		expect(await psql('alice', "SELECT message_id FROM chat_messages WHERE message_id LIKE 'hub-%' ORDER BY 1")).toEqual(['hub-ad', 'hub-all']);
		expect(await psql('erin', "SELECT message_id FROM chat_messages WHERE message_id LIKE 'hub-%' ORDER BY 1")).toEqual(['hub-all', 'hub-de']);
		expect(await psql('alice', "SELECT count(*) FROM conversation_members WHERE conversation_id = 'dan:erin'")).toEqual(['0']);
		const writes = [
			`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id) VALUES ('hub-x', 'dan', 'd', 'alice', 'forged', 'alice:dan')`,
			"UPDATE chat_messages SET content = 'changed' WHERE message_id = 'hub-ad'",
			"DELETE FROM chat_messages WHERE message_id = 'hub-ad'",
			"INSERT INTO message_status (message_id, sender_id, status, user_id) VALUES ('hub-ad', 'alice', 'read', 'dan')",
			'DELETE FROM message_status',
			"INSERT INTO conversation_members (user_id, conversation_id) VALUES ('alice', 'dan:erin')",
			'DELETE FROM conversation_members',
			"UPDATE chat_users SET display_name = 'pwned'",
			'SELECT * FROM accounts',
		];
		for (const sql of writes) expect((await psql('alice', sql))[0], sql).toMatch(/^ERROR .*permission denied for (table|relation|view)/);
		expect(await psql('erin', "SELECT message_id || ':' || content FROM chat_messages WHERE message_id LIKE 'hub-%' ORDER BY 1")).toEqual(['hub-all:hub-all', 'hub-de:hub-de']);
	});

	it('refuses `hermes-chat account` on the hub in one line, changing nothing (every identity logs in with the secret)', async () => {
		const cli = (args: string[]) =>
			new Promise<{code: number; stderr: string}>((resolve) => {
				const child = execFile(process.execPath, [CLI, 'account', ...args, '--database-url', hub.urlsFor(HUB_OWNER).databaseUrl], {env: {PATH: process.env.PATH, HOME: dataDir}}, (error, _stdout, stderr) =>
					resolve({code: error ? Number(error.code) : 0, stderr}),
				);
				child.stdin!.end('gwen-password-1');
			});
		for (const args of [['create', 'gwen', '--password-stdin'], ['disable', 'alice']]) {
			const result = await cli(args);
			expect(result.code, args.join(' ')).toBe(1);
			expect(result.stderr).toBe(
				"hermes-chat: this database is the embedded hub's: every identity there logs in with the hub secret, so an account would change nothing — accounts are for PostgreSQL + Mosquitto (docker compose); to keep someone out of a hub, rotate its secret (README: the hub secret)\n",
			);
			expect(result.stderr).not.toContain(hub.secret);
		}
		const owner = openDb({databaseUrl: hub.urlsFor(HUB_OWNER).databaseUrl, max: 1});
		try {
			expect((await owner.query("SELECT 1 FROM pg_roles WHERE rolname = 'gwen'")).rowCount).toBe(0);
			expect((await owner.query("SELECT 1 FROM accounts WHERE user_id = 'alice' AND disabled_at IS NOT NULL")).rowCount).toBe(0);
		} finally {
			await owner.close();
		}
	});

	it('lets alice publish as herself only: not as bob, not to an inbox, no forged receipt', async () => {
		const alice = await Sender.connect({mqttUrl: hub.urlsFor('alice').mqttUrl, topicBase: BASE}, 'alice');
		const bob = await Sender.connect({mqttUrl: hub.urlsFor('bob').mqttUrl, topicBase: BASE}, 'bob');
		const seenByBob: string[] = [];
		bob.client.on('message', (topic) => seenByBob.push(topic));
		try {
			const mine = alice.message('bob', 1);
			await alice.publish('bob', mine);
			expect(await alice.awaitReceipts([String(mine.message_id)])).toEqual([]);
			const refusals = () => logged(/refused a publish/).length;
			const forgeries: Array<[string, string]> = [
				[`${BASE}/alice/bob`, 'as bob (v1)'],
				[`${BASE}/server/bob`, 'as bob (v2)'],
				[`${BASE}/bob/server`, 'a received_by_server receipt for bob'],
				[`${BASE}/bob/server/inbox`, 'a delivery into bob\'s inbox'],
			];
			for (const [topic, what] of forgeries) {
				const before = refusals();
				const forged = bob.message('alice', what, {status: 'received_by_server', message_id: `forged-${randomUUID()}`});
				// MQTT 3.1.1 cannot refuse a PUBLISH: the hub closes the connection (a client that
				// reconnects would resend it, so this one does not).
				const forger = await mqtt.connectAsync(hub.urlsFor('alice').mqttUrl, {reconnectPeriod: 0});
				const closed = new Promise<void>((resolve) => forger.once('close', () => resolve()));
				forger.publish(topic, JSON.stringify(forged), {qos: 1}, () => undefined);
				await closed;
				forger.end(true);
				expect(refusals(), what).toBe(before + 1);
			}
			// The hub still takes alice's own messages, and bob got none of the forgeries.
			const after = alice.message('bob', 2);
			await alice.publish('bob', after);
			expect(await alice.awaitReceipts([String(after.message_id)])).toEqual([]);
			expect(seenByBob.filter((topic) => topic !== `${BASE}/bob/server`)).toEqual([]);
			expect(bob.confirmed.size).toBe(0);
			const owner = openDb({databaseUrl: hub.urlsFor(HUB_OWNER).databaseUrl, max: 1});
			const stored = await owner.query<{message_id: string}>("SELECT message_id FROM chat_messages WHERE sender_id = 'bob' OR message_id LIKE 'forged-%'");
			await owner.close();
			expect(stored.rows).toEqual([]);
		} finally {
			await alice.client.endAsync(true);
			await bob.client.endAsync(true);
		}
	});

	it('refuses alice\'s subscriptions to bob\'s inbox, #, $SYS/# and the ingester\'s share (SUBACK 0x80)', async () => {
		const alice = await mqtt.connectAsync(hub.urlsFor('alice').mqttUrl, {reconnectPeriod: 0});
		try {
			const refused = [`${BASE}/bob/+`, `${BASE}/bob/server/inbox`, '#', '$SYS/#', `${BASE}/#`, `$share/hermes-ingest/${BASE}/+/+`];
			for (const filter of refused) {
				// mqtt.js reports a refused filter as an error carrying the SUBACK.
				const granted = await alice.subscribeAsync(filter, {qos: 1}).then(
					(grants) => grants.map((g) => g.qos),
					(error: {packet?: {granted?: number[]}}) => error.packet?.granted,
				);
				expect(granted, filter).toEqual([128]);
			}
			const allowed = await alice.subscribeAsync([`${BASE}/alice/server/inbox`, `${BASE}/all/server/inbox`, `${BASE}/presence/+`], {qos: 1});
			expect(allowed.map((g) => g.qos)).toEqual([1, 1, 1]);
			expect(alice.connected).toBe(true);
			expect(logged(/refused a subscription/).map((line) => line.filter)).toEqual(refused);
		} finally {
			await alice.endAsync(true);
		}
	});

	// Needs root to become `nobody` (CI and the dev container run as root); elsewhere the file
	// modes above are what is checked.
	it.skipIf(process.getuid?.() !== 0)('keeps out another OS user: `nobody` cannot read the secret nor connect without it', async () => {
		const mqttPort = Number(new URL(hub.mqttUrl).port);
		const pgPort = Number(new URL(hub.databaseUrl).port);
		// Raw sockets, so `nobody` needs no access to node_modules: read the secret, then try both ports.
		const script = `
			const net = require('node:net');
			const fs = require('node:fs');
			const out = {};
			try { fs.readFileSync(${JSON.stringify(hubSecretPath(dataDir))}); out.read = 'ok'; } catch (e) { out.read = e.code; }
			// The first \`want\` bytes the server answers (it may send them in several segments).
			const ask = (port, bytes, want) => new Promise((resolve) => {
				let got = Buffer.alloc(0);
				const s = net.connect(port, '127.0.0.1', () => s.write(Buffer.from(bytes)));
				s.on('data', (d) => { got = Buffer.concat([got, d]); if (got.length >= want) { resolve([...got.subarray(0, want)]); s.destroy(); } });
				s.once('error', (e) => resolve(e.code));
				s.once('close', () => resolve(got.length ? [...got] : 'closed'));
			});
			const user = Buffer.from('alice'), pass = Buffer.from('guess');
			const body = [0, 4, ...Buffer.from('MQTT'), 4, 0xc2, 0, 0, 0, 5, ...Buffer.from('nosey'), 0, user.length, ...user, 0, pass.length, ...pass];
			const params = Buffer.from('user\\0alice\\0database\\0postgres\\0\\0');
			const startup = Buffer.alloc(8); startup.writeInt32BE(8 + params.length); startup.writeInt32BE(196608, 4);
			Promise.all([ask(${mqttPort}, [0x10, body.length, ...body], 4), ask(${pgPort}, Buffer.concat([startup, params]), 9)]).then(([mqtt, pg]) => {
				out.mqtt = mqtt; out.pg = pg; console.log(JSON.stringify(out));
			});`;
		const asNobody = async () => JSON.parse((await run('runuser', ['-u', 'nobody', '--', process.execPath, '-e', script])).stdout) as {read: string; mqtt: number[]; pg: number[]};
		// CONNACK with return code 4; an AuthenticationSASL request ('R', 10) and nothing from PGlite.
		const refused = {read: 'EACCES', mqtt: [0x20, 2, 0, 4], pg: [0x52, 0, 0, 0, 23, 0, 0, 0, 10]};
		expect(await asNobody()).toEqual(refused);
		// Even with the home open to others, the file's own mode (0600) keeps it unreadable.
		await chmod(dataDir, 0o755);
		try {
			expect(await asNobody()).toEqual(refused);
		} finally {
			await chmod(dataDir, 0o700);
		}
		// The real client, guessing: psql as `nobody` is refused.
		const psql = await run('runuser', ['-u', 'nobody', '--', 'psql', withHubCredentials(hub.databaseUrl, 'alice', 'guess'), '-Atc', 'SELECT 1']).then(
			() => 'connected',
			(error: {stderr: string}) => error.stderr,
		);
		expect(psql).toMatch(/password authentication failed for user "alice"/);
	});
});
