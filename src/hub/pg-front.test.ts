import {mkdtemp, rm} from 'node:fs/promises';
import {connect, createServer, type Server, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {silentLogger} from '../log.js';
import {listenPgFront, type PgFront} from './pg-front.js';

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

describe('listenPgFront (with a stand-in for pglite-socket)', () => {
	let dir: string;
	let upstream: Server;
	let front: PgFront;
	const upstreamSockets: Socket[] = [];
	beforeEach(async () => {
		dir = await mkdtemp(join(tmpdir(), 'pg-front-'));
		const path = join(dir, 'up.sock');
		// Holds every connection and answers nothing: enough to count and to decline GSS in front.
		upstream = createServer((socket) => upstreamSockets.push(socket));
		await new Promise<void>((resolve) => upstream.listen(path, resolve));
		front = await listenPgFront({host: '127.0.0.1', port: 0, upstreamPath: path, limits: {maxConnections: 2}, logger: silentLogger()});
	});
	afterEach(async () => {
		await front.close();
		for (const socket of upstreamSockets.splice(0)) socket.destroy();
		await new Promise<void>((resolve) => upstream.close(() => resolve()));
		await rm(dir, {recursive: true, force: true});
	});

	it('refuses one connection over the limit with FATAL 53300', async () => {
		const open = [connect(front.port, '127.0.0.1'), connect(front.port, '127.0.0.1')];
		await Promise.all(open.map((s) => new Promise((resolve) => s.once('connect', resolve))));
		while (upstreamSockets.length < 2) await new Promise((resolve) => setImmediate(resolve));
		const third = connect(front.port, '127.0.0.1');
		expect(await collect(third)).toMatch(/SFATAL.*C53300.*Msorry, too many clients already/);
		for (const socket of open) socket.destroy();
	});

	// Regression (fault suite's hub-wire corpus): a client that hung up after a Parse with no Sync
	// left PGlite skipping every later message until a Sync: the hub stopped answering SQL.
	it('ends a client that hung up mid extended query with a Sync before closing upstream', async () => {
		const socket = connect(front.port, '127.0.0.1');
		const params = Buffer.from('user\0postgres\0\0', 'latin1');
		const startup = Buffer.alloc(8);
		startup.writeInt32BE(8 + params.length, 0);
		startup.writeInt32BE(196_608, 4);
		const parse = Buffer.from([0x50, 0, 0, 0, 9, 1, 2, 3, 4, 5]);
		await new Promise((resolve) => socket.once('connect', resolve));
		socket.on('error', () => undefined);
		socket.end(Buffer.concat([startup, params, parse]));
		while (upstreamSockets.length < 1) await new Promise((resolve) => setImmediate(resolve));
		const received = await collect(upstreamSockets[0]!, /S\0\0\0\x04$/);
		expect(received.endsWith('P\0\0\0\x09\x01\x02\x03\x04\x05S\0\0\0\x04')).toBe(true);
	});

	it('forwards a partial StartupMessage to nobody', async () => {
		const socket = connect(front.port, '127.0.0.1');
		await new Promise((resolve) => socket.once('connect', resolve));
		socket.on('error', () => undefined);
		while (upstreamSockets.length < 1) await new Promise((resolve) => setImmediate(resolve));
		const received = collect(upstreamSockets[0]!);
		socket.end(Buffer.from([0, 0, 0, 9, 0, 3, 0, 0]));
		expect(await received).toBe('');
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
