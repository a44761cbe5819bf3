import {mkdtemp, rm} from 'node:fs/promises';
import {connect, createServer, type Server, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {authenticate, BackendReader, startupMessage} from '../../test/helpers/scram-client.js';
import {silentLogger} from '../log.js';
import {listenPgFront, SessionGate, type PgFront} from './pg-front.js';
import {MAX_BACKGROUND_PASSES} from './session-gate.js';

const SECRET = 'k'.repeat(43);

/** Bytes the server sent until it closed the connection (or until `until` matched). */
function collect(socket: Socket, until?: RegExp): Promise<string> {
	return new Promise((resolve) => {
		let text = '';
		socket.on('data', (chunk: Buffer) => {
			text += chunk.toString('latin1');
			if (until?.test(text)) resolve(text);
		});
		socket.on('error', () => undefined);
		socket.on('close', () => resolve(text));
	});
}

/** The StartupMessage the front passes on after authentication: the client's, as PGlite's user. */
const startupPacket = () => startupMessage({database: 'postgres', user: 'postgres'});
const queryMessage = (sql: string) => {
	const body = Buffer.from(`${sql}\0`, 'latin1');
	const head = Buffer.alloc(5);
	head.write('Q', 0, 'latin1');
	head.writeInt32BE(body.length + 4, 1);
	return Buffer.concat([head, body]);
};
/** ReadyForQuery with transaction status `status`. */
const ready = (status: 'I' | 'T') => Buffer.from([0x5a, 0, 0, 0, 5, status.charCodeAt(0)]);

/** Everything `socket` received so far, and a way to wait for a given total. */
function recorder(socket: Socket) {
	let text = '';
	const waiters: (() => void)[] = [];
	socket.on('data', (chunk: Buffer) => {
		text += chunk.toString('latin1');
		for (const wake of waiters.splice(0)) wake();
	});
	return {
		get text() {
			return text;
		},
		async waitFor(expected: string) {
			while (!text.includes(expected)) await new Promise<void>((resolve) => waiters.push(resolve));
		},
	};
}

describe('SessionGate', () => {
	it('grants the session to one owner at a time, first come first served', () => {
		const gate = new SessionGate();
		const [a, b, c] = [{}, {}, {}];
		const started: string[] = [];
		gate.request(a, () => started.push('a'));
		gate.request(b, () => started.push('b'));
		gate.request(c, () => started.push('c'));
		gate.request(b, () => started.push('b again'));
		expect(started).toEqual(['a']);
		gate.release(c); // leaves the line
		gate.release(a);
		expect(started).toEqual(['a', 'b']);
		expect(gate.holds(b)).toBe(true);
		gate.release(b);
		expect(gate.holds(b)).toBe(false);
		expect(started).toEqual(['a', 'b']);
	});

	it("serves a chat user's request waiting behind the ingester before the ingester's next transaction", () => {
		const gate = new SessionGate();
		const [ingester, otherIngester, reader] = [{}, {}, {}];
		const started: string[] = [];
		gate.request(ingester, () => started.push('batch 1'), true);
		// While batch 1 runs, the ingester's next batch queues first, then a page.
		gate.request(otherIngester, () => started.push('batch 2'), true);
		gate.request(reader, () => started.push('page'));
		gate.release(ingester);
		expect(started).toEqual(['batch 1', 'page']);
		gate.release(reader);
		expect(started).toEqual(['batch 1', 'page', 'batch 2']);
	});

	it(`serves a background request in its turn once passed over ${MAX_BACKGROUND_PASSES} times`, () => {
		const gate = new SessionGate();
		const [holder, ingester] = [{}, {}];
		const started: string[] = [];
		gate.request(holder, () => started.push('holder'));
		gate.request(ingester, () => started.push('batch'), true);
		let current = holder;
		for (let i = 0; i <= MAX_BACKGROUND_PASSES; i++) {
			const reader = {};
			gate.request(reader, () => started.push(`page ${i}`));
			gate.release(current);
			current = reader;
		}
		expect(started).toEqual(['holder', ...Array.from({length: MAX_BACKGROUND_PASSES}, (_, i) => `page ${i}`), 'batch']);
		gate.release(ingester);
		expect(started.at(-1)).toBe(`page ${MAX_BACKGROUND_PASSES}`);
	});

	it('tells onInteractiveRequest of each interactive request, granted or queued, and of no background one', () => {
		const told: number[] = [];
		let requests = 0;
		const gate = new SessionGate(() => told.push(requests));
		const [ingester, reader, otherReader] = [{}, {}, {}];
		requests++;
		gate.request(ingester, () => undefined, true);
		requests++;
		gate.request(reader, () => undefined); // queued behind the ingester
		gate.release(ingester);
		requests++;
		gate.request(otherReader, () => undefined); // queued behind the reader
		gate.release(reader);
		requests++;
		gate.request(reader, () => undefined);
		expect(told).toEqual([2, 3, 4]);
	});
});

describe('listenPgFront (with a stand-in for pglite-socket)', () => {
	const MAX_CONNECTIONS = 3;
	let dir: string;
	let upstream: Server;
	let front: PgFront;
	const upstreamSockets: Socket[] = [];
	/** Every `assume` call, as `user` or `user (first)`. */
	const assumed: string[] = [];
	/** Calls of auth.onInteractiveRequest. */
	let interactiveRequests = 0;
	/** A connected client that authenticated as `user`; resolves once its upstream connection exists. */
	const connected = async (user = 'alice'): Promise<Socket> => {
		const before = upstreamSockets.length;
		const socket = connect(front.port, '127.0.0.1');
		await new Promise((resolve) => socket.once('connect', resolve));
		expect(await authenticate(socket, new BackendReader(socket), user, SECRET)).toEqual({ok: true});
		while (upstreamSockets.length <= before) await new Promise((resolve) => setImmediate(resolve));
		return socket;
	};
	beforeEach(async () => {
		assumed.length = 0;
		interactiveRequests = 0;
		dir = await mkdtemp(join(tmpdir(), 'pg-front-'));
		const path = join(dir, 'up.sock');
		// Holds every connection and answers nothing: enough to count and to decline GSS in front.
		upstream = createServer((socket) => upstreamSockets.push(socket));
		await new Promise<void>((resolve) => upstream.listen(path, resolve));
		const auth = {
			secret: SECRET,
			isUser: (user: string) => user === 'alice' || user === 'bob' || user === 'server',
			assume: async (user: string, isFirst: boolean) => void assumed.push(isFirst ? `${user} (first)` : user),
			isBackground: (user: string) => user === 'server',
			onInteractiveRequest: () => void interactiveRequests++,
		};
		front = await listenPgFront({host: '127.0.0.1', port: 0, upstreamPath: path, limits: {maxConnections: MAX_CONNECTIONS}, auth, logger: silentLogger()});
	});
	afterEach(async () => {
		await front.close();
		for (const socket of upstreamSockets.splice(0)) socket.destroy();
		await new Promise<void>((resolve) => upstream.close(() => resolve()));
		await rm(dir, {recursive: true, force: true});
	});

	it('refuses one connection over the limit with FATAL 53300', async () => {
		const open = [];
		for (let i = 0; i < MAX_CONNECTIONS; i++) open.push(await connected());
		const third = connect(front.port, '127.0.0.1');
		expect(await collect(third)).toMatch(/SFATAL.*C53300.*Msorry, too many clients already/);
		for (const socket of open) socket.destroy();
	});

	// Regression (fault suite's hub-wire corpus): a client that hung up after a Parse with no Sync
	// left PGlite skipping every later message until a Sync: the hub stopped answering SQL.
	it('ends a client that hung up mid extended query with a Sync before closing upstream', async () => {
		const socket = await connected();
		const parse = Buffer.from([0x50, 0, 0, 0, 9, 1, 2, 3, 4, 5]);
		socket.on('error', () => undefined);
		socket.end(parse);
		const received = await collect(upstreamSockets[0]!, /S\0\0\0\x04$/);
		expect(received.endsWith('P\0\0\0\x09\x01\x02\x03\x04\x05S\0\0\0\x04')).toBe(true);
	});

	// Regression: pglite-socket ran the Parse/Bind/Execute/Sync of concurrent connections
	// interleaved on PGlite's one session (another connection's rows, `portal "" does not exist`).
	it('forwards a second connection\'s request only once the first is answered and out of its transaction', async () => {
		const a = await connected('alice');
		const upA = recorder(upstreamSockets[0]!);
		const clientA = recorder(a);
		await upA.waitFor('postgres\0\0');
		const b = await connected('bob');
		const upB = recorder(upstreamSockets[1]!);
		b.write(queryMessage('SELECT 2'));
		// A holds the session until its ReadyForQuery: what it sends meanwhile goes straight on
		// (it arrives after B's bytes reached the front, which kept them).
		a.write(queryMessage('BEGIN'));
		await upA.waitFor('BEGIN');
		upstreamSockets[0]!.write(Buffer.concat([ready('I'), ready('T')]));
		await clientA.waitFor('Z\0\0\0\x05T');
		a.write(queryMessage('SELECT 1'));
		await upA.waitFor('SELECT 1');
		await new Promise((resolve) => setImmediate(resolve));
		expect(upB.text).toBe('');
		upstreamSockets[0]!.write(ready('T'));
		await clientA.waitFor('Z\0\0\0\x05TZ\0\0\0\x05T');
		a.write(queryMessage('COMMIT'));
		await upA.waitFor('COMMIT');
		await new Promise((resolve) => setImmediate(resolve));
		expect(upB.text).toBe('');
		upstreamSockets[0]!.write(ready('I'));
		// Out of the transaction: B's startup and query go on, whole.
		await upB.waitFor('SELECT 2\0');
		expect(upB.text).toBe(Buffer.concat([startupPacket(), queryMessage('SELECT 2')]).toString('latin1'));
		// A kept the session from its startup to its COMMIT; each role was set before its first byte went on.
		expect(assumed).toEqual(['alice (first)', 'bob (first)']);
		a.destroy();
		b.destroy();
	});

	it("forwards a chat user's waiting request before the owner's (the ingester's) that waited longer", async () => {
		const ingester = await connected('server');
		const upIngester = recorder(upstreamSockets[0]!);
		await upIngester.waitFor('postgres\0\0');
		ingester.write(queryMessage('BEGIN'));
		await upIngester.waitFor('BEGIN');
		upstreamSockets[0]!.write(Buffer.concat([ready('I'), ready('T')]));
		// While its batch is open: its next batch's connection, then a chat user, ask for the session.
		const nextBatch = await connected('server');
		const upNext = recorder(upstreamSockets[1]!);
		nextBatch.write(queryMessage('SELECT 2'));
		const reader = await connected('alice');
		const upReader = recorder(upstreamSockets[2]!);
		reader.write(queryMessage('SELECT 3'));
		await new Promise((resolve) => setImmediate(resolve));
		expect(upNext.text + upReader.text).toBe('');
		ingester.write(queryMessage('COMMIT'));
		await upIngester.waitFor('COMMIT');
		upstreamSockets[0]!.write(ready('I'));
		await Promise.race([upReader.waitFor('SELECT 3\0'), upNext.waitFor('postgres\0\0')]);
		expect(upNext.text).toBe('');
		expect(upReader.text).toBe(Buffer.concat([startupPacket(), queryMessage('SELECT 3')]).toString('latin1'));
		// The chat user's requests answered: the ingester's next batch goes on.
		upstreamSockets[2]!.write(Buffer.concat([ready('I'), ready('I')]));
		await upNext.waitFor('SELECT 2\0');
		for (const socket of [ingester, nextBatch, reader]) socket.destroy();
	});

	it("tells auth.onInteractiveRequest of a chat user's request, not of the owner's (the ingester's)", async () => {
		const ingester = await connected('server');
		const upIngester = recorder(upstreamSockets[0]!);
		ingester.write(queryMessage('SELECT 1'));
		await upIngester.waitFor('SELECT 1\0');
		expect(interactiveRequests).toBe(0);
		// ReadyForQuery for its startup and its query: the session is free.
		upstreamSockets[0]!.write(Buffer.concat([ready('I'), ready('I')]));
		const reader = await connected('alice');
		const upReader = recorder(upstreamSockets[1]!);
		reader.write(queryMessage('SELECT 2'));
		await upReader.waitFor('SELECT 2\0');
		expect(interactiveRequests).toBeGreaterThan(0);
		for (const socket of [ingester, reader]) socket.destroy();
	});

	it('opens no upstream connection for a partial StartupMessage', async () => {
		const socket = connect(front.port, '127.0.0.1');
		await new Promise((resolve) => socket.once('connect', resolve));
		socket.on('error', () => undefined);
		socket.end(Buffer.from([0, 0, 0, 9, 0, 3, 0, 0]));
		expect(await collect(socket)).toBe('');
		expect(upstreamSockets).toHaveLength(0);
	});

	it('refuses a wrong password with FATAL 28P01 before anything reaches PGlite, and serves the next client', async () => {
		const socket = connect(front.port, '127.0.0.1');
		await new Promise((resolve) => socket.once('connect', resolve));
		expect(await authenticate(socket, new BackendReader(socket), 'alice', 'x'.repeat(43))).toEqual({
			ok: false,
			code: '28P01',
			message: 'password authentication failed for user "alice"',
		});
		const tooEarly = connect(front.port, '127.0.0.1');
		// A query before (instead of) the SASL exchange is refused too.
		tooEarly.write(Buffer.concat([startupMessage({user: 'alice'}), queryMessage('SELECT 1')]));
		expect(await collect(tooEarly)).toMatch(/SFATAL.*C08P01.*expected a SASL response/);
		const stranger = connect(front.port, '127.0.0.1');
		await new Promise((resolve) => stranger.once('connect', resolve));
		expect(await authenticate(stranger, new BackendReader(stranger), 'mallory', SECRET)).toMatchObject({ok: false, code: '28000'});
		expect(upstreamSockets).toHaveLength(0);
		expect(assumed).toEqual([]);
		const alice = await connected('alice');
		expect(upstreamSockets).toHaveLength(1);
		alice.destroy();
	});

	it('declines GSS encryption itself (pglite-socket does not know the request)', async () => {
		const socket = connect(front.port, '127.0.0.1');
		socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30]));
		expect(await collect(socket, /^N/)).toBe('N');
		socket.destroy();
	});

	it('closes a connection that sends a CancelRequest (PGlite cannot cancel), answering nothing', async () => {
		const socket = connect(front.port, '127.0.0.1');
		socket.write(Buffer.from([0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 1, 0, 0, 0, 2]));
		expect(await collect(socket)).toBe('');
	});
});
