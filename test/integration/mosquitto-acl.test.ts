// The shipped Mosquitto config, ACL and password file (docker/mosquitto/) on the machine's real
// Mosquitto: spoofed publishes and reads of another user's inbox are refused; the rest works.
import {spawn, type ChildProcess} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {existsSync} from 'node:fs';
import {chmod, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {connect, createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {connectBroker, type BrokerConnection} from '../../src/live/connect.js';

const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
const CONFIG_DIR = fileURLToPath(new URL('../../docker/mosquitto/', import.meta.url));
const PASSWORDS = {alice: 'alice-secret', bob: 'bob-secret', ingester: 'ingester-secret'} as const;
/** MQTT 5 reason code "Not authorized" (MQTT 5.0 §2.4), in PUBACK, SUBACK and CONNACK. */
const NOT_AUTHORIZED = 0x87;

async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as {port: number};
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

/**
 * The shipped mosquitto.conf with only the listener (a free port on 127.0.0.1), the
 * persistence folder and the config folder's location substituted.
 */
async function testConfig(port: number, dataDir: string): Promise<string> {
	const shipped = await readFile(join(CONFIG_DIR, 'mosquitto.conf'), 'utf8');
	const config = shipped
		.replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
		.replace(/^persistence_location .*$/m, `persistence_location ${dataDir}/`)
		.replaceAll('/mosquitto/config/', CONFIG_DIR);
	expect(config).not.toBe(shipped);
	expect(config).toContain(`acl_file ${CONFIG_DIR}acl`);
	return config;
}

async function startMosquitto(configPath: string, port: number): Promise<ChildProcess> {
	const child = spawn(MOSQUITTO, ['-c', configPath], {stdio: ['ignore', 'pipe', 'pipe']});
	let output = '';
	child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	// Mosquitto block-buffers its log on a pipe, so readiness is the port accepting connections.
	while (!(await accepts(port))) {
		if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}): ${output}`);
	}
	return child;
}

function accepts(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({port, host: '127.0.0.1'}, () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => setTimeout(() => resolve(false), 20));
	});
}

describe.skipIf(!existsSync(MOSQUITTO))('shipped Mosquitto config + ACL + password file', () => {
	let mosquitto: ChildProcess;
	let dir: string;
	let url: (user?: keyof typeof PASSWORDS, password?: string) => string;
	const clients: BrokerConnection[] = [];
	const base = 'chat/messages';

	async function as(user: keyof typeof PASSWORDS): Promise<BrokerConnection> {
		const connection = await connectBroker({url: url(user), clientId: `${user}-${randomUUID().slice(0, 8)}`});
		clients.push(connection);
		return connection;
	}

	/** The first publish `connection` receives. */
	function nextMessage(connection: BrokerConnection): Promise<{topic: string; payload: string}> {
		return new Promise((resolve) =>
			connection.client.once('message', (topic, payload) => resolve({topic, payload: payload.toString()})),
		);
	}

	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), 'hermes-mosquitto-'));
		// Started as root, Mosquitto drops to its own user: let it write its persistence file.
		await chmod(dir, 0o777);
		const port = await freePort();
		await writeFile(join(dir, 'mosquitto.conf'), await testConfig(port, dir));
		mosquitto = await startMosquitto(join(dir, 'mosquitto.conf'), port);
		url = (user, password) =>
			user ? `mqtt://${user}:${password ?? PASSWORDS[user]}@127.0.0.1:${port}` : `mqtt://127.0.0.1:${port}`;
	});

	afterAll(async () => {
		await Promise.all(clients.map((c) => c.client.endAsync(true)));
		if (mosquitto && mosquitto.exitCode === null) {
			const exited = new Promise((resolve) => mosquitto.once('exit', resolve));
			mosquitto.kill('SIGTERM');
			await exited;
		}
		await rm(dir, {recursive: true, force: true});
	});

	it('refuses anonymous clients and wrong passwords', async () => {
		await expect(connectBroker({url: url(), clientId: 'anonymous'})).rejects.toThrow(/Not authorized/i);
		await expect(connectBroker({url: url('alice', 'wrong'), clientId: 'wrong'})).rejects.toThrow(
			/Bad User Name or Password|Not authorized/i,
		);
	});

	it('refuses alice publishing as bob (PUBACK 0x87) and nobody receives it; her own publish is delivered', async () => {
		const ingester = await as('ingester');
		const bob = await as('bob');
		const alice = await as('alice');
		expect(alice.protocolVersion).toBe(5);
		await ingester.client.subscribeAsync(`${base}/#`, {qos: 1});
		await bob.client.subscribeAsync(`${base}/bob/+`, {qos: 1});
		const ingesterSees = nextMessage(ingester);
		const bobSees = nextMessage(bob);

		const spoofed = alice.client.publishAsync(`${base}/bob/carol`, 'spoofed as carol', {qos: 1});
		await expect(spoofed).rejects.toMatchObject({code: NOT_AUTHORIZED});
		const spoofedPresence = alice.client.publishAsync(`${base}/presence/bob`, 'bob is away', {qos: 1});
		await expect(spoofedPresence).rejects.toMatchObject({code: NOT_AUTHORIZED});

		await alice.client.publishAsync(`${base}/bob/alice`, 'hello bob', {qos: 1});
		// Mosquitto keeps one publisher's order: the first thing anyone sees is the legitimate message.
		expect(await ingesterSees).toEqual({topic: `${base}/bob/alice`, payload: 'hello bob'});
		expect(await bobSees).toEqual({topic: `${base}/bob/alice`, payload: 'hello bob'});
	});

	// Mosquitto 2.0's acl_file does not check SUBSCRIBE at all ("FIXME - implement ACL
	// subscription strings" in security_default.c): the SUBACK grants the filter, and the read
	// ACL is applied to every message at delivery. So the refusal shows as "nothing arrives".
	it('never delivers bob\'s inbox to alice, whatever she subscribes to', async () => {
		const alice = await as('alice');
		const ingester = await as('ingester');
		const grants = await alice.client.subscribeAsync({
			[`${base}/bob/#`]: {qos: 1},
			[`${base}/#`]: {qos: 1},
			[`$share/spy/${base}/#`]: {qos: 1},
		});
		expect(grants.map((grant) => grant.qos)).toEqual([1, 1, 1]);
		const aliceSees: string[] = [];
		const ownInbox = new Promise<void>((resolve) =>
			alice.client.on('message', (topic) => {
				aliceSees.push(topic);
				if (topic === `${base}/alice/server`) resolve();
			}),
		);
		await ingester.client.publishAsync(`${base}/bob/server`, 'for bob only', {qos: 1});
		// Alice may write into bob's inbox, but not read it back.
		await alice.client.publishAsync(`${base}/bob/alice`, 'hello bob', {qos: 1});
		await ingester.client.publishAsync(`${base}/alice/server`, 'for alice', {qos: 1});
		await ownInbox;
		// Her own inbox arrives (three matching subscriptions, so possibly more than once); bob's never.
		expect(new Set(aliceSees)).toEqual(new Set([`${base}/alice/server`]));
	});

	it('lets the ingester read through the shared subscription and publish receipts as server', async () => {
		const ingester = await as('ingester');
		const alice = await as('alice');
		const bob = await as('bob');
		const [grant] = await ingester.client.subscribeAsync(`$share/hermes-ingest/${base}/#`, {qos: 1});
		expect(grant?.qos).toBe(1);
		await alice.client.subscribeAsync(`${base}/alice/server`, {qos: 1});
		const ingested = nextMessage(ingester);
		await bob.client.publishAsync(`${base}/all/bob`, 'hello everyone', {qos: 1});
		expect(await ingested).toEqual({topic: `${base}/all/bob`, payload: 'hello everyone'});

		const receipt = nextMessage(alice);
		await ingester.client.publishAsync(`${base}/alice/server`, 'received_by_server', {qos: 1});
		expect(await receipt).toEqual({topic: `${base}/alice/server`, payload: 'received_by_server'});
		// … which no user may forge.
		await expect(bob.client.publishAsync(`${base}/alice/server`, 'forged', {qos: 1})).rejects.toMatchObject({
			code: NOT_AUTHORIZED,
		});
	});

	it('version 2: alice writes only her server topic, never an inbox (hers, bob\'s or the broadcast one); inboxes stay private', async () => {
		const ingester = await as('ingester');
		const alice = await as('alice');
		const bob = await as('bob');
		await ingester.client.subscribeAsync(`$share/hermes-ingest/${base}/+/+`, {qos: 1});
		await alice.client.subscribeAsync({[`${base}/alice/server/inbox`]: {qos: 1}, [`${base}/bob/server/inbox`]: {qos: 1}, [`${base}/all/server/inbox`]: {qos: 1}});
		await bob.client.subscribeAsync(`${base}/bob/server/inbox`, {qos: 1});
		for (const inbox of ['bob', 'alice', 'all']) {
			await expect(alice.client.publishAsync(`${base}/${inbox}/server/inbox`, 'forged delivery', {qos: 1})).rejects.toMatchObject({code: NOT_AUTHORIZED});
		}
		await expect(alice.client.publishAsync(`${base}/server/bob`, 'as bob', {qos: 1})).rejects.toMatchObject({code: NOT_AUTHORIZED});
		const ingested = nextMessage(ingester);
		await alice.client.publishAsync(`${base}/server/alice`, 'to the server', {qos: 1});
		expect(await ingested).toEqual({topic: `${base}/server/alice`, payload: 'to the server'});

		const aliceSees: string[] = [];
		const ownInbox = new Promise<void>((resolve) =>
			alice.client.on('message', (topic) => {
				aliceSees.push(topic);
				if (topic === `${base}/alice/server/inbox`) resolve();
			}),
		);
		const bobSees = nextMessage(bob);
		await ingester.client.publishAsync(`${base}/bob/server/inbox`, 'for bob only', {qos: 1});
		await ingester.client.publishAsync(`${base}/all/server/inbox`, 'for everyone', {qos: 1});
		await ingester.client.publishAsync(`${base}/alice/server/inbox`, 'for alice', {qos: 1});
		await ownInbox;
		expect(await bobSees).toEqual({topic: `${base}/bob/server/inbox`, payload: 'for bob only'});
		// One publisher's order is kept: the broadcast inbox, then her own; bob's never.
		expect(aliceSees).toEqual([`${base}/all/server/inbox`, `${base}/alice/server/inbox`]);
	});
});
