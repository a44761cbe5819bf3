// The shipped Mosquitto config (docker/mosquitto/mosquitto.conf) with the dynamic-security plugin,
// set up as compose does it (`mosquitto_ctrl dynsec init`, then `hermes-chat account setup-broker`),
// on the machine's real Mosquitto 2: who may connect, publish, subscribe and receive (issue 9,
// outcomes 2 and 5), accounts managed at run time through createDynsecBackend, and a real chat.
import {execFile} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {existsSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {promisify} from 'node:util';
import pg from 'pg';
import pino from 'pino';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {AccountError, type AccountBackend} from '../../src/accounts/backend.js';
import {createChatClient} from '../../src/client/chat-client.js';
import type {ChatPort} from '../../src/core/types.js';
import {startIngester} from '../../src/ingest/ingester.js';
import {subscribeToChat} from '../../src/ingest/subscription.js';
import {emptyStats, type IngestItem} from '../../src/ingest/types.js';
import {connectBroker, type BrokerConnection} from '../../src/live/connect.js';
import {createDynsecBackend, setupDynsec} from '../../src/live/dynsec.js';
import {connectDynsecControl} from '../../src/live/dynsec-control.js';
import {silentLogger} from '../../src/log.js';
import {encodePayload} from '../../src/protocol/index.js';
import {runMigrations} from '../../src/store/migrate.js';
import {Recorder} from '../helpers/chat-recorder.js';
import {createTestDatabase, isPostgresReachable, TEST_PG_ADMIN_URL} from '../helpers/db.js';
import {composeHealthcheck, HAS_DYNSEC, startDynsecBroker, startPlainBroker, type DynsecBroker} from '../helpers/dynsec-broker.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const run = promisify(execFile);
/** MQTT 5 reason code "Not authorized" (MQTT 5.0 §2.4), in PUBACK, SUBACK, UNSUBACK and CONNACK. */
const NOT_AUTHORIZED = 0x87;
/** MQTT 5 DISCONNECT reason "Administrative action" (§3.14.2.1). */
const ADMINISTRATIVE_ACTION = 0x98;
const base = 'chat/messages';
const hasPostgres = await isPostgresReachable();

/** What `mosquitto_ctrl`'s plugin keeps, without password hashes (a new salt on every set). */
async function savedRules(configFile: string): Promise<unknown> {
	const saved = JSON.parse(await readFile(configFile, 'utf8')) as {clients: Array<Record<string, unknown>>};
	return {...saved, clients: saved.clients.map(({password: _p, salt: _s, iterations: _i, ...client}) => client)};
}

describe.skipIf(!HAS_DYNSEC)('shipped Mosquitto config with the dynamic-security plugin', () => {
	let broker: DynsecBroker;
	let accounts: AccountBackend;
	const ingesterPassword = `ingester-${randomUUID()}`;
	const passwords = new Map<string, string>();
	const connections: BrokerConnection[] = [];
	let firstSetup: string;

	/** Create a chat account `name<random>` through the backend. @returns its id. */
	async function account(name: string): Promise<string> {
		const userId = `${name}${randomUUID().slice(0, 6)}`;
		const password = `pw-${randomUUID()}`;
		await accounts.create(userId, password);
		passwords.set(userId, password);
		return userId;
	}

	async function as(userId: string, password = passwords.get(userId) ?? ingesterPassword): Promise<BrokerConnection> {
		const connection = await connectBroker({url: broker.url(userId, password), clientId: `${userId}-${randomUUID().slice(0, 8)}`, reconnectPeriodMs: 0});
		connections.push(connection);
		return connection;
	}

	beforeAll(async () => {
		broker = await startDynsecBroker();
		// The compose path: the built CLI, admin URL and ingester password from the environment.
		const {stdout} = await run(process.execPath, [CLI, 'account', 'setup-broker'], {
			env: {...process.env, MQTT_ADMIN_URL: broker.url(broker.adminUser, broker.adminPassword), INGESTER_MQTT_PASSWORD: ingesterPassword},
		});
		firstSetup = stdout;
		accounts = await createDynsecBackend({adminUrl: broker.url(broker.adminUser, broker.adminPassword), topicBase: base, logger: silentLogger()});
	});

	afterAll(async () => {
		await Promise.all(connections.map((c) => c.client.endAsync(true)));
		await accounts?.close();
		await broker?.stop();
	});

	it('`account setup-broker` sets the broker up once; run again it changes nothing', async () => {
		expect(existsSync(CLI)).toBe(true);
		// As root (CI), the plugin file was made by compose's own mosquitto-init script.
		if (process.getuid?.() === 0) expect(broker.initializedBy).toBe('compose mosquitto-init');
		expect(firstSetup).toContain('role hermes-user: created');
		expect(firstSetup).toContain('role hermes-ingester: created');
		expect(firstSetup).toContain('client ingester: created with role hermes-ingester');
		const before = await savedRules(broker.configFile);
		expect(before).toMatchObject({
			defaultACLAccess: {publishClientSend: false, publishClientReceive: false, subscribe: false, unsubscribe: false},
		});
		// Both one-shot steps of compose run on every `docker compose up`.
		await broker.runInit();
		const again = await setupDynsec({
			adminUrl: broker.url(broker.adminUser, broker.adminPassword),
			topicBase: base,
			sharedGroup: 'hermes-ingest',
			ingester: {username: 'ingester', password: ingesterPassword},
			logger: silentLogger(),
		});
		expect(again).toContain('role hermes-user: updated');
		expect(again).toContain('client ingester: password and role hermes-ingester set');
		expect(await savedRules(broker.configFile)).toEqual(before);
		// The ingester still logs in with its password.
		expect((await as('ingester')).protocolVersion).toBe(5);
	});

	it('compose\'s health check of the mosquitto service passes with the admin\'s password and fails without it', async () => {
		const check = (await composeHealthcheck()).replace('-h localhost -p 1883', `-h 127.0.0.1 -p ${broker.port}`);
		expect(check).toContain(`-p ${broker.port}`);
		const env = (password: string) => ({...process.env, DYNSEC_ADMIN_USER: broker.adminUser, DYNSEC_ADMIN_PASSWORD: password});
		await run('/bin/sh', ['-c', check], {env: env(broker.adminPassword)});
		await expect(run('/bin/sh', ['-c', check], {env: env('wrong')})).rejects.toMatchObject({code: expect.any(Number)});
	});

	it('refuses anonymous clients, unknown users and wrong passwords', async () => {
		const alice = await account('alice');
		await expect(connectBroker({url: broker.url(), clientId: 'anonymous', reconnectPeriodMs: 0})).rejects.toThrow(/Not authorized/i);
		await expect(as(alice, 'wrong')).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
		await expect(as('nobody', 'whatever')).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
		expect((await as(alice)).protocolVersion).toBe(5);
	});

	it('alice publishes only as herself: as bob, into any inbox, or a forged ✓ gets PUBACK 0x87 and reaches nobody', async () => {
		const [alice, bob] = [await account('alice'), await account('bob')];
		const ingester = await as('ingester');
		const bobConnection = await as(bob);
		// A plain subscription: a second member of $share/hermes-ingest would take a share of the
		// real ingester's traffic in the chat test below.
		await ingester.client.subscribeAsync(`${base}/+/+`, {qos: 1});
		await bobConnection.client.subscribeAsync({[`${base}/${bob}/#`]: {qos: 1}, [`${base}/all/#`]: {qos: 1}});
		const ingesterSees: string[] = [];
		const bobSees: string[] = [];
		ingester.client.on('message', (topic) => ingesterSees.push(topic));
		bobConnection.client.on('message', (topic) => bobSees.push(topic));
		const aliceConnection = await as(alice);
		const forgeries = [
			`${base}/server/${bob}`, // v2: to the server as bob
			`${base}/${bob}/${bob}`, // v1: as bob
			`${base}/all/${bob}`,
			`${base}/presence/${bob}`,
			`${base}/${bob}/server/inbox`, // v2 inboxes: the server's alone, hers included
			`${base}/${alice}/server/inbox`,
			`${base}/all/server/inbox`,
			`${base}/${alice}/server`, // v1 ✓ (received_by_server) for herself
		];
		for (const topic of forgeries) {
			await expect(aliceConnection.client.publishAsync(topic, 'forged', {qos: 1}), topic).rejects.toMatchObject({code: NOT_AUTHORIZED});
		}
		// Her own publishes go through, and one publisher's order is kept: nothing forged came first.
		await aliceConnection.client.publishAsync(`${base}/server/${alice}`, 'to the server', {qos: 1});
		await aliceConnection.client.publishAsync(`${base}/${bob}/${alice}`, 'v1 to bob', {qos: 1});
		await ingester.client.publishAsync(`${base}/${bob}/server/inbox`, 'delivery', {qos: 1});
		await waitUntil(() => ingesterSees.length >= 2 && bobSees.length >= 2);
		expect(ingesterSees).toEqual([`${base}/server/${alice}`, `${base}/${bob}/${alice}`]);
		expect(bobSees).toEqual([`${base}/${bob}/${alice}`, `${base}/${bob}/server/inbox`]);
	});

	it('the ingester never receives the v1 receipts it publishes (the broker drops them, issue 12), and its drain barrier still comes back', async () => {
		const alice = await account('alice');
		const stats = emptyStats();
		const items: IngestItem[] = [];
		const ingester = await subscribeToChat({mqttUrl: broker.url('ingester', ingesterPassword), topicBase: base, sharedGroup: 'hermes-ingest', logger: silentLogger(), stats, onItem: (item) => items.push(item)});
		try {
			expect(ingester.isShared).toBe(true);
			const aliceConnection = await as(alice);
			const aliceSees: string[] = [];
			aliceConnection.client.on('message', (topic) => aliceSees.push(topic));
			await aliceConnection.client.subscribeAsync(`${base}/${alice}/+`, {qos: 1});
			const receipt = encodePayload({type: 'status', status: 'received_by_server', user_id: alice, message_id: 'own-1', timestamp: new Date().toISOString()});
			await new Promise<void>((resolve, reject) => ingester.publish(`${base}/${alice}/server`, receipt, 1, (error) => (error ? reject(error) : resolve())));
			// Published after the receipt's PUBACK: had the broker routed the receipt to the ingester, it would have come first.
			const message = encodePayload({type: 'message', message_id: 'own-2', sender_id: alice, sender_name: alice, receiver_id: 'bob', content: 'hi', message_type: 'text', timestamp: new Date().toISOString()});
			await aliceConnection.client.publishAsync(`${base}/bob/${alice}`, message, {qos: 1});
			await waitUntil(() => items.length >= 1 && aliceSees.length >= 1);
			expect(aliceSees).toEqual([`${base}/${alice}/server`]);
			expect(items.map((item) => item.kind === 'message' && item.row.messageId)).toEqual(['own-2']);
			expect({received: stats.received, ignored: stats.ignored}).toEqual({received: 1, ignored: 0});
			expect(await ingester.drain(10_000)).toBe(true);
		} finally {
			await ingester.close();
		}
	});

	it('alice cannot subscribe to bob\'s inbox, #, $SYS/# or the ingesters\' shared subscription (SUBACK 0x87); her own are granted', async () => {
		const [alice, bob] = [await account('alice'), await account('bob')];
		const connection = await as(alice);
		const refused = [
			`${base}/${bob}/server/inbox`,
			`${base}/${bob}/#`,
			`${base}/+/server/inbox`,
			`${base}/#`,
			'#',
			'$SYS/#',
			`$share/hermes-ingest/${base}/+/+`,
			`$share/hermes-ingest/${base}/#`,
			`$share/spy/${base}/${alice}/#`,
			'$CONTROL/dynamic-security/v1/response',
		];
		for (const filter of refused) expect(await subackCode(connection, filter), filter).toBe(NOT_AUTHORIZED);
		const own = [`${base}/${alice}/server/inbox`, `${base}/${alice}/+`, `${base}/all/server/inbox`, `${base}/all/+`, `${base}/presence/+`];
		for (const filter of own) expect(await subackCode(connection, filter), filter).toBe(1);
		const ingester = await as('ingester');
		expect(await subackCode(ingester, `$share/hermes-ingest/${base}/+/+`)).toBe(1);
		expect(await subackCode(ingester, `$share/other-group/${base}/+/+`)).toBe(NOT_AUTHORIZED);
		// Unsubscribing needs an unsubscribe ACL too (default deny): the ingester's drain does it.
		const unsuback = (await ingester.client.unsubscribeAsync(`$share/hermes-ingest/${base}/+/+`)) as {granted?: number[]} | undefined;
		expect(unsuback?.granted ?? []).toEqual([0]);
		await ingester.client.endAsync();
	});

	it.skipIf(!hasPostgres)('alice and bob chat through a real ingester, each with their own credentials', async () => {
		const database = await createTestDatabase();
		const logLines: Array<Record<string, unknown>> = [];
		const logger = pino({level: 'info'}, {write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>)});
		const ingester = await startIngester({mqttUrl: broker.url('ingester', ingesterPassword), databaseUrl: database.url, topicBase: base, logger});
		const ports: ChatPort[] = [];
		const start = async (userId: string) => {
			const port = await createChatClient({
				identity: {userId, name: userId},
				mqttUrl: broker.url(userId, passwords.get(userId)),
				databaseUrl: database.url,
				topicBase: base,
				logger: silentLogger(),
				resendAfterMs: 300,
			});
			ports.push(port);
			const recorder = new Recorder(port);
			await recorder.waitFor('connection-changed', (e) => e.service === 'broker' && e.state === 'up');
			return {port, recorder};
		};
		try {
			const [aliceId, bobId] = [await account('alice'), await account('bob')];
			const [alice, bob] = [await start(aliceId), await start(bobId)];
			const conversation = [aliceId, bobId].sort().join(':');
			await alice.port.sendMessage(conversation, 'hello bob');
			const arrived = await bob.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.content === 'hello bob'));
			const message = arrived.messages.find((m) => m.content === 'hello bob')!;
			expect(message).toMatchObject({senderId: aliceId, conversationId: conversation});
			const receipt = (status: string, userId: string) => (e: {receipts: Array<{messageId: string; status: string; userId: string}>}) =>
				e.receipts.some((r) => r.messageId === message.messageId && r.status === status && r.userId === userId);
			await alice.recorder.waitFor('receipts-received', receipt('received_by_server', aliceId));
			await alice.recorder.waitFor('receipts-received', receipt('delivered', bobId));
			await bob.port.sendMessage(conversation, 'hi alice');
			await alice.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.content === 'hi alice' && m.senderId === bobId));
		} finally {
			for (const port of ports) await port.close();
			// The drain unsubscribes and waits on its barrier: both need the ingester's role.
			await ingester.stop();
			await database.drop();
		}
		expect(logLines.find((line) => line.msg === 'unsubscribed; committing what was received')).toMatchObject({isDrained: true});
	});

	it.skipIf(!hasPostgres)('`account create` on PostgreSQL and the broker makes an account on both or on neither (a short password, an id either one refuses)', async () => {
		const database = await createTestDatabase();
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
		const env = {...process.env, DATABASE_URL: database.url, MQTT_ADMIN_URL: broker.url(broker.adminUser, broker.adminPassword), MQTT_TOPIC: base};
		const create = (id: string, password: string) =>
			new Promise<{code: number; stdout: string; stderr: string}>((resolve) => {
				const child = execFile(process.execPath, [CLI, 'account', 'create', id, '--password-stdin'], {env, timeout: 30_000}, (error, stdout, stderr) =>
					resolve({code: error ? Number(error.code) : 0, stdout, stderr}),
				);
				child.stdin!.end(password);
			});
		const onBroker = async () => (JSON.parse(await readFile(broker.configFile, 'utf8')) as {clients: Array<{username: string}>}).clients.map((c) => c.username);
		const owner = new pg.Client(database.url);
		await owner.connect();
		const accountsInDb = async () => (await owner.query<{user_id: string}>('SELECT user_id FROM accounts')).rows.map((row) => row.user_id);
		const newbie = `newbie${randomUUID().slice(0, 6)}`;
		try {
			// Mosquitto took a password PostgreSQL refused: a broker client with a password no one meant.
			expect(await create(newbie, 'short')).toEqual({code: 1, stdout: '', stderr: 'hermes-chat: a password needs at least 8 characters — nothing was changed\n'});
			// The database's owner role: PostgreSQL refuses it, and the broker must not get it either.
			const ownerRole = new URL(database.url).username;
			const asOwner = await create(ownerRole, 'long-enough-pw');
			expect(asOwner).toEqual({code: 1, stdout: '', stderr: `hermes-chat: postgres: ${ownerRole} is a PostgreSQL role that is not an account of this database — nothing was changed\n`});
			// The broker's ingester: PostgreSQL would take it, the broker refuses it.
			const asIngester = await create('ingester', 'long-enough-pw');
			expect(asIngester.code).toBe(1);
			expect(asIngester.stdout).toBe('');
			expect(asIngester.stderr).toMatch(/^hermes-chat: mosquitto: ingester is reserved on the broker .* — nothing was changed\n$/);
			expect(await onBroker()).not.toEqual(expect.arrayContaining([newbie]));
			expect(await onBroker()).not.toContain(ownerRole);
			expect(await accountsInDb()).toEqual([]);
			// A good one is made on both.
			expect(await create(newbie, 'long-enough-pw')).toEqual({code: 0, stdout: `created ${newbie} (postgres)\ncreated ${newbie} (mosquitto)\n`, stderr: ''});
			expect(await onBroker()).toContain(newbie);
			expect(await accountsInDb()).toEqual([newbie]);
		} finally {
			await owner.end();
			await database.drop();
			// Roles are cluster-wide: remove what this test made (and, had the CLI got it wrong, `ingester`).
			const admin = new pg.Client(TEST_PG_ADMIN_URL);
			await admin.connect();
			for (const role of [newbie, 'ingester']) await admin.query(`DROP ROLE IF EXISTS "${role}"`).catch(() => undefined);
			await admin.end();
		}
	});

	it('a disabled account is disconnected at once (DISCONNECT 0x98) and refused on reconnect; enabled, it logs in again', async () => {
		const bob = await account('bob');
		const connection = await as(bob);
		const kicked = new Promise<number | undefined>((resolve) => connection.client.once('disconnect', (packet) => resolve(packet.reasonCode)));
		await accounts.setDisabled(bob, true);
		expect(await kicked).toBe(ADMINISTRATIVE_ACTION);
		await expect(as(bob)).rejects.toThrow(/Not authorized/i);
		await accounts.setDisabled(bob, false);
		expect((await as(bob)).protocolVersion).toBe(5);
	});

	it('a new password replaces the old one at once: sessions on the old one are disconnected (0x98) and it is refused', async () => {
		const carol = await account('carol');
		const old = passwords.get(carol)!;
		const connection = await as(carol);
		const kicked = new Promise<number | undefined>((resolve) => connection.client.once('disconnect', (packet) => resolve(packet.reasonCode)));
		await accounts.setPassword(carol, 'the new one');
		expect(await kicked).toBe(ADMINISTRATIVE_ACTION);
		await expect(as(carol, old)).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
		expect((await as(carol, 'the new one')).protocolVersion).toBe(5);
	});

	it('a create that finds its role left over (an earlier create stopped half way) resets the role to today\'s rules', async () => {
		const zed = `zed${randomUUID().slice(0, 6)}`;
		const control = await connectDynsecControl({adminUrl: broker.url(broker.adminUser, broker.adminPassword)});
		const [stale] = await control.run([{command: 'createRole', rolename: `hermes-user-${zed}`, acls: [{acltype: 'subscribePattern', topic: '#', allow: true}]}]);
		await control.close();
		expect(stale?.error).toBeUndefined();
		await accounts.create(zed, 'zed-password');
		passwords.set(zed, 'zed-password');
		const connection = await as(zed);
		expect(await subackCode(connection, '#')).toBe(NOT_AUTHORIZED);
		expect(await subackCode(connection, `${base}/${zed}/server/inbox`)).toBe(1);
	});

	it('refuses what it must, with the contract\'s codes', async () => {
		const dave = await account('dave');
		const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => (error instanceof AccountError ? error.code : error));
		expect(await refusal(accounts.create(dave, 'again-and-again'))).toBe('exists');
		expect(await refusal(accounts.setPassword('nobody', 'long-enough'))).toBe('unknown');
		expect(await refusal(accounts.setDisabled('nobody', true))).toBe('unknown');
		for (const id of ['ingester', 'admin', 'server', 'ALL', 'presence']) expect(await refusal(accounts.create(id, 'x')), id).toBe('reserved');
		expect(await refusal(accounts.setPassword('ingester', 'long-enough'))).toBe('reserved');
		expect(await refusal(accounts.setDisabled('admin', true))).toBe('reserved');
		for (const id of ['a/b', 'a+', '#', '', 'x'.repeat(65)]) expect(await refusal(accounts.create(id, 'x')), id).toBe('invalid');
		for (const password of ['', 'short', 'line\nbreak']) expect(await refusal(accounts.create(`erin${randomUUID().slice(0, 6)}`, password)), password).toBe('invalid');
		expect(await refusal(accounts.setPassword(dave, 'short'))).toBe('invalid');
		// The admin and the ingester still log in.
		expect((await as('ingester')).protocolVersion).toBe(5);
		// Not an admin, or a wrong admin password: unavailable, in one line.
		const aliceId = await account('alice');
		await expect(createDynsecBackend({adminUrl: broker.url(aliceId, passwords.get(aliceId)), topicBase: base, logger: silentLogger()})).rejects.toMatchObject({
			code: 'unavailable',
			message: expect.stringMatching(/control topic.*Not authorized/),
		});
		await expect(createDynsecBackend({adminUrl: broker.url('admin', 'wrong'), topicBase: base, logger: silentLogger()})).rejects.toMatchObject({code: 'unavailable'});
	});

	it('before `setup-broker`, create says what to run instead of leaving a client without rules', async () => {
		const fresh = await startDynsecBroker();
		try {
			const backend = await createDynsecBackend({adminUrl: fresh.url(fresh.adminUser, fresh.adminPassword), topicBase: base, logger: silentLogger()});
			await expect(backend.create('gina', 'gina-secret')).rejects.toMatchObject({code: 'unavailable', message: expect.stringContaining('run `hermes-chat account setup-broker` once')});
			await backend.close();
			await expect(connectBroker({url: fresh.url('gina', 'gina-secret'), clientId: 'gina', reconnectPeriodMs: 0})).rejects.toThrow(/Not authorized/i);
		} finally {
			await fresh.stop();
		}
	});

	it('a broker without the plugin never answers: the command times out as `unavailable`, in one line', async () => {
		const plain = await startPlainBroker();
		try {
			const backend = await createDynsecBackend({adminUrl: plain.url, topicBase: base, logger: silentLogger(), timeoutMs: 300});
			await expect(backend.create('frank', 'frank-secret')).rejects.toMatchObject({
				code: 'unavailable',
				message: expect.stringMatching(/^no answer from Mosquitto's dynamic-security plugin at mqtt:\/\/nobody:\*\*\*@.* within 300 ms \(is the plugin loaded\?\)$/),
			});
			await backend.close();
		} finally {
			await plain.stop();
		}
	});
});

/** The SUBACK reason code (granted QoS, or ≥ 0x80) of subscribing to `filter` at QoS 1. */
async function subackCode(connection: BrokerConnection, filter: string): Promise<number | undefined> {
	try {
		const [grant] = await connection.client.subscribeAsync(filter, {qos: 1});
		return grant?.qos;
	} catch (error) {
		// mqtt.js 5 rejects a refused SUBSCRIBE, with the SUBACK attached.
		const granted = (error as {packet?: {granted?: Array<number | {qos: number}>}}).packet?.granted;
		const [code] = granted ?? [];
		if (code === undefined) throw error;
		return typeof code === 'number' ? code : code.qos;
	}
}

/** Poll `condition` until true (the broker delivers asynchronously); the test's timeout bounds it. */
async function waitUntil(condition: () => boolean): Promise<void> {
	while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}
