// Issue 11, outcome 3: the embedded hub survives hostile input on both ports, one client cannot
// stall the others, `hub status`/`hub stop` tell the truth and work, a data directory with data
// is never initialised over. Real processes (the built CLI) and real sockets; no timing thresholds.
import {execFile} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readdir, readFile, rename, rm, stat, chmod} from 'node:fs/promises';
import {connect, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import pg from 'pg';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ensureHub, hubStatus, stopHub, type HubEndpoint} from '../../src/hub/daemon.js';
import {DataDirectoryError} from '../../src/hub/database.js';
import {startHub} from '../../src/hub/hub.js';
import {HUB_OWNER, withHubCredentials} from '../../src/hub/hub-secret.js';
import {isProcessAlive} from '../../src/hub/lock.js';
import {connectBroker} from '../../src/live/connect.js';
import {silentLogger} from '../../src/log.js';
import {encodePayload, topicFor, type MessagePayload} from '../../src/protocol/index.js';
import {authenticate, BackendReader} from '../helpers/scram-client.js';

const run = promisify(execFile);
const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const BASE = 'chat/messages';

const int32 = (n: number) => {
	const b = Buffer.alloc(4);
	b.writeInt32BE(n);
	return b;
};
const STARTUP = (() => {
	const body = Buffer.concat([int32(196_608), Buffer.from('user\0alice\0database\0postgres\0\0', 'latin1')]);
	return Buffer.concat([int32(body.length + 4), body]);
})();

/** A connected socket that authenticated as chat user `alice` and got its first ReadyForQuery. */
async function startedSession(port: number, secret: string): Promise<{socket: Socket; reader: BackendReader}> {
	const socket = connect({port, host: '127.0.0.1'});
	await new Promise((resolve) => socket.once('connect', resolve));
	const reader = new BackendReader(socket);
	const outcome = await authenticate(socket, reader, 'alice', secret);
	if (!outcome.ok) throw new Error(`authentication failed: ${JSON.stringify(outcome)}`);
	for (let m = await reader.next(); m?.type !== 'Z'; m = await reader.next()) if (!m) throw new Error('closed during startup');
	return {socket, reader};
}

/**
 * Connect, optionally authenticate with `secret` and complete the startup, send `bytes`;
 * resolve with all the server sent (after the startup) until it closed.
 */
async function exchange(port: number, bytes: Buffer, options: {afterStartupWith?: string} = {}): Promise<string> {
	const socket = options.afterStartupWith ? (await startedSession(port, options.afterStartupWith)).socket : connect({port, host: '127.0.0.1'});
	return new Promise((resolve) => {
		const chunks: Buffer[] = [];
		if (options.afterStartupWith) socket.write(bytes);
		else socket.on('connect', () => socket.write(bytes));
		socket.on('data', (chunk) => chunks.push(chunk));
		socket.on('error', () => undefined);
		socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
	});
}

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

/** Publish one message as `from` (QoS 1) and resolve once its received_by_server receipt arrived. */
async function roundTrip(mqttUrl: string, from: string): Promise<void> {
	const broker = await connectBroker({url: mqttUrl, clientId: `${from}-${randomUUID().slice(0, 8)}`});
	try {
		const sent = message(from, 'all', 1);
		const receipt = new Promise<void>((resolve) => {
			broker.client.on('message', (_topic, bytes) => {
				const payload = JSON.parse(bytes.toString()) as {status: string; message_id: string};
				if (payload.status === 'received_by_server' && payload.message_id === sent.message_id) resolve();
			});
		});
		await broker.client.subscribeAsync(topicFor(BASE, from, 'server'), {qos: 1});
		await broker.client.publishAsync(topicFor(BASE, 'all', from), encodePayload(sent), {qos: 1});
		await receipt;
	} finally {
		await broker.client.endAsync();
	}
}

async function sql<T extends pg.QueryResultRow>(databaseUrl: string, text: string): Promise<T[]> {
	const client = new pg.Client({connectionString: databaseUrl});
	await client.connect();
	try {
		return (await client.query<T>(text)).rows;
	} finally {
		await client.end();
	}
}

async function rssBytes(pid: number): Promise<number> {
	const status = await readFile(`/proc/${pid}/status`, 'utf8');
	return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

describe.skipIf(!existsSync(CLI))('the hub survives hostile input (built dist/)', {timeout: 300_000}, () => {
	let home: string;
	let hub: HubEndpoint;
	const env = () => ({...process.env, HERMES_HOME: home, LOG_LEVEL: 'warn'});
	const pgPort = () => Number(new URL(hub.databaseUrl).port);
	/** The hub's URLs with `user` and the secret. */
	const as = (user: string) => ({mqttUrl: withHubCredentials(hub.mqttUrl, user, hub.secret), databaseUrl: withHubCredentials(hub.databaseUrl, user, hub.secret)});
	beforeAll(async () => {
		await mkdir('/tmp/hub', {recursive: true}).catch(() => undefined);
		home = await mkdtemp(join(tmpdir(), 'hermes-hostile-'));
		hub = await ensureHub({home, entry: CLI, mqttPort: 0, pgPort: 0});
	}, 300_000);
	afterAll(async () => {
		await stopHub(home).catch(() => undefined);
		await rm(home, {recursive: true, force: true});
	});

	// Regression (issue 11): a ~2 GB startup length put the hub at 100% CPU until kill -9.
	it.each([
		['a startup packet announcing ~2 GB', Buffer.concat([int32(0x7f_ff_ff_f0), int32(196_608), Buffer.from('user\0x\0\0')])],
		['a negative startup length', Buffer.concat([int32(-5), int32(196_608)])],
		['garbage (an HTTP request)', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
	])('closes the connection on %s with one FATAL line, and keeps serving', async (_name, bytes) => {
		expect(await exchange(pgPort(), bytes)).toMatch(/SFATAL.*C08P01.*Minvalid (startup packet length|first packet)/);
		expect(await sql<{n: number}>(as('alice').databaseUrl, 'SELECT 1 AS n')).toEqual([{n: 1}]);
	});

	it.each([
		['a query instead of the SASL exchange', Buffer.concat([STARTUP, Buffer.from('Q'), int32(13), Buffer.from('select 1\0')]), /C08P01.*Mexpected a SASL response/],
		['a cleartext password', Buffer.concat([STARTUP, Buffer.from('p'), int32(11), Buffer.from('secret\0')]), /C08P01.*Mmalformed SASLInitialResponse/],
		['a 1 GB SASL message', Buffer.concat([STARTUP, Buffer.from('p'), int32(0x40_00_00_00)]), /C08P01.*Minvalid SASL message length/],
		['another SASL mechanism', Buffer.concat([STARTUP, Buffer.from('p'), int32(18), Buffer.from('PLAIN\0'), int32(4), Buffer.from('abcd')]), /C28000.*MSASL mechanism "PLAIN" not supported/],
	])('refuses an unauthenticated client sending %s (FATAL), and keeps serving', async (_name, bytes, reply) => {
		expect(await exchange(pgPort(), bytes)).toMatch(reply);
		expect(await sql<{n: number}>(as('alice').databaseUrl, 'SELECT 1 AS n')).toEqual([{n: 1}]);
	});

	it.each([
		['a 2 GB query', Buffer.concat([Buffer.from('Q'), int32(0x7f_ff_ff_ff), Buffer.from('select 1')])],
		['a negative message length', Buffer.concat([Buffer.from('Q'), int32(-1)])],
		['an unknown message type', Buffer.concat([Buffer.from([0x9f]), int32(8), Buffer.from('abcd')])],
		['a password message nobody asked for', Buffer.concat([Buffer.from('p'), int32(11), Buffer.from('secret\0')])],
	])('after the startup, closes the connection on %s and keeps serving', async (_name, bytes) => {
		expect(await exchange(pgPort(), bytes, {afterStartupWith: hub.secret})).toMatch(/SFATAL.*C08P01.*Minvalid (message length|frontend message type)/);
		expect(await sql<{n: number}>(as('alice').databaseUrl, 'SELECT 1 AS n')).toEqual([{n: 1}]);
	});

	it('answers well-framed garbage with an error, not a stall', async () => {
		// A Parse whose strings are not terminated, then a Sync: PostgreSQL's "invalid string in message".
		const parse = Buffer.concat([Buffer.from('P'), int32(8), Buffer.from([0xde, 0xad, 0xbe, 0xef])]);
		const sync = Buffer.concat([Buffer.from('S'), int32(4)]);
		const {socket, reader} = await startedSession(pgPort(), hub.secret);
		socket.write(Buffer.concat([parse, sync]));
		const replies: string[] = [];
		for (let m = await reader.next(); m && m.type !== 'Z'; m = await reader.next()) replies.push(`${m.type}${m.body.toString('latin1')}`);
		socket.destroy();
		expect(replies.join('|')).toMatch(/SERROR.*C08P01/);
		await roundTrip(as('ivy').mqttUrl, 'ivy');
	});

	// Regression (issue 11): a 200 MB publish was accepted and delivered (RSS 447 → 1,040 MiB).
	it('refuses an oversize MQTT publish from its header; the hub RSS stays bounded', async () => {
		const before = await rssBytes(hub.pid);
		const size = 200 * 1024 * 1024;
		const socket: Socket = connect({port: Number(new URL(hub.mqttUrl).port), host: '127.0.0.1'});
		// An authenticated user (the hub refuses anyone else at CONNECT): clean session, user name, password.
		const field = (text: string) => Buffer.concat([Buffer.from([0, Buffer.byteLength(text)]), Buffer.from(text)]);
		const connectBody = Buffer.concat([Buffer.from([0, 4]), Buffer.from('MQTT'), Buffer.from([4, 0xc2, 0, 60]), field('hostile-big'), field('mallory'), field(hub.secret)]);
		const topic = Buffer.from(`${BASE}/all/mallory`);
		const remaining = 2 + topic.length + size;
		const lengthBytes: number[] = [];
		for (let n = remaining; n > 0; n = Math.floor(n / 128)) lengthBytes.push((n % 128) | (n >= 128 ? 0x80 : 0));
		let written = 0;
		const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
		socket.on('error', () => undefined);
		socket.on('connect', async () => {
			socket.write(Buffer.concat([Buffer.from([0x10, connectBody.length]), connectBody]));
			socket.write(Buffer.concat([Buffer.from([0x30, ...lengthBytes, 0, topic.length]), topic]));
			const chunk = Buffer.alloc(64 * 1024, 0x61);
			while (written < size && !socket.destroyed) {
				written += chunk.length;
				if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
			}
		});
		await closed;
		expect(written).toBeLessThan(size);
		expect((await rssBytes(hub.pid)) - before).toBeLessThan(64 * 1024 * 1024);
		await roundTrip(as('judy').mqttUrl, 'judy');
	});

	it('`hub stop` stops it cleanly after all that', async () => {
		const stopped = await run(process.execPath, [CLI, 'hub', 'stop'], {env: env()});
		// "stopped", not "killed": the drain ended by itself after SIGTERM.
		expect(stopped.stdout).toBe(`hub: stopped (pid ${hub.pid})\n`);
	});

	it('`hub status` tells the truth about a silent hub; `hub stop` ends it; then `hub start` works', async () => {
		hub = await ensureHub({home, entry: CLI, mqttPort: 0, pgPort: 0});
		// SIGSTOP stands for any wedge: the ports still accept TCP, nothing answers.
		process.kill(hub.pid, 'SIGSTOP');
		try {
			const status = await hubStatus(home);
			expect(status).toMatchObject({state: 'unresponsive', pid: hub.pid});
			const text = await run(process.execPath, [CLI, 'hub', 'status'], {env: env()}).catch((error: {stdout: string}) => error);
			expect(text.stdout).toContain('hub:        not answering');
			expect(await stopHub(home, 1_000)).toEqual({pid: hub.pid, isKilled: true});
		} finally {
			if (isProcessAlive(hub.pid)) process.kill(hub.pid, 'SIGKILL');
		}
		expect((await hubStatus(home)).state).toBe('stopped');
		const started = await run(process.execPath, [CLI, 'hub', 'start', '--mqtt-port', '0', '--pg-port', '0'], {env: env()});
		expect(started.stdout).toMatch(/hub started \(pid \d+\)/);
		hub = await ensureHub({home, entry: CLI});
		await roundTrip(as('kim').mqttUrl, 'kim');
	});

	it('after kill -9, `hub status` says not running and `hub start` starts it again', async () => {
		process.kill(hub.pid, 'SIGKILL');
		while (isProcessAlive(hub.pid)) await new Promise((resolve) => setImmediate(resolve));
		expect((await hubStatus(home)).state).toBe('stopped');
		const text = await run(process.execPath, [CLI, 'hub', 'status'], {env: env()}).catch((error: {stdout: string}) => error);
		expect(text.stdout).toContain('hub:        not running');
		const started = await run(process.execPath, [CLI, 'hub', 'start', '--mqtt-port', '0', '--pg-port', '0'], {env: env()});
		expect(started.stdout).toMatch(/hub started \(pid \d+\)/);
		hub = await ensureHub({home, entry: CLI});
		expect(await sql<{n: string}>(as(HUB_OWNER).databaseUrl, 'SELECT count(*) AS n FROM chat_messages')).toEqual([{n: '3'}]);
	});
});

describe('the hub in process: one client cannot stall the others; data directory safety', {timeout: 300_000}, () => {
	let dataDir: string;
	beforeAll(async () => {
		dataDir = await mkdtemp(join(tmpdir(), 'hermes-hubsafe-'));
	});
	afterAll(async () => {
		await rm(dataDir, {recursive: true, force: true});
	});

	it('rolls back and closes a transaction left open past the policy; the others go on', async () => {
		const hub = await startHub({
			dataDir,
			mqttPort: 0,
			pgPort: 0,
			logger: silentLogger(),
			pgLimits: {idleInTransactionTimeoutMs: 1_000, handshakeTimeoutMs: 1_000},
		});
		try {
			const owner = hub.urlsFor(HUB_OWNER).databaseUrl;
			const holder = new pg.Client({connectionString: owner});
			const holderError = new Promise<Error & {code?: string}>((resolve) => holder.on('error', resolve));
			await holder.connect();
			await holder.query('BEGIN');
			await holder.query('CREATE TABLE held (n int); INSERT INTO held VALUES (1)');
			await holder.query('LOCK TABLE chat_messages IN ACCESS EXCLUSIVE MODE');
			// Queued behind the open transaction until the policy ends it, which rolls it back.
			expect(await sql<{held: string | null}>(owner, "SELECT to_regclass('held') AS held")).toEqual([{held: null}]);
			expect((await holderError).code).toBe('25P03');
			await roundTrip(hub.urlsFor('leo').mqttUrl, 'leo');
			// A connection that never sends its startup packet is closed by the handshake limit.
			expect(await exchange(hub.pgPort, Buffer.alloc(0))).toMatch(/SFATAL.*C08P01.*Mno startup packet within 1000 ms/);
		} finally {
			await hub.stop();
		}
	});

	it('keeps pgdata 0700 and refuses, intact, a pgdata with data but no PG_VERSION', async () => {
		const pgdata = join(dataDir, 'pgdata');
		expect((await stat(pgdata)).mode & 0o777).toBe(0o700);
		await chmod(pgdata, 0o755);
		await rename(join(pgdata, 'PG_VERSION'), join(dataDir, 'PG_VERSION.aside'));
		const before = (await readdir(pgdata, {recursive: true})).sort();
		await expect(startHub({dataDir, mqttPort: 0, pgPort: 0, logger: silentLogger()})).rejects.toBeInstanceOf(DataDirectoryError);
		expect((await readdir(pgdata, {recursive: true})).sort()).toEqual(before);
		// The CLI says so in one line and exits non-zero.
		const cli = await run(process.execPath, [CLI, 'hub', '--mqtt-port', '0', '--pg-port', '0'], {env: {...process.env, HERMES_HOME: dataDir}}).catch(
			(error: {code: number; stderr: string}) => error,
		);
		expect('code' in cli && cli.code).toBe(1);
		expect(cli.stderr.trim().split('\n').filter((line) => line.startsWith('hermes-chat:'))).toEqual([
			expect.stringMatching(/^hermes-chat: .*pgdata holds \d+ entries but no PG_VERSION/),
		]);
		await rename(join(dataDir, 'PG_VERSION.aside'), join(pgdata, 'PG_VERSION'));
		const hub = await startHub({dataDir, mqttPort: 0, pgPort: 0, logger: silentLogger()});
		try {
			expect((await stat(pgdata)).mode & 0o777).toBe(0o700);
			expect(await sql<{n: string}>(hub.urlsFor(HUB_OWNER).databaseUrl, "SELECT count(*) AS n FROM chat_messages WHERE sender_id = 'leo'")).toEqual([{n: '1'}]);
		} finally {
			await hub.stop();
		}
	});
});
