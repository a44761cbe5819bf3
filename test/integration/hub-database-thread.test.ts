// The embedded database on its own thread (issue 12: PGlite's synchronous WebAssembly work held
// the hub's one event loop, so MQTT and a history page's round trips waited behind every query):
// the thread serves the same URL, its log lines reach the hub's logger, its errors keep their
// kind and code, and the hub's event loop keeps running while PGlite works.
import {randomBytes} from 'node:crypto';
import {mkdtemp, rm} from 'node:fs/promises';
import {createServer, type Server} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import pg from 'pg';
import pino from 'pino';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openDatabaseThread} from '../../src/hub/database-thread.js';
import type {EmbeddedDatabase} from '../../src/hub/database.js';
import {HUB_OWNER, withHubCredentials} from '../../src/hub/hub-secret.js';

const SECRET = randomBytes(32).toString('base64url');

describe('openDatabaseThread', {timeout: 240_000}, () => {
	let dir: string;
	let database: EmbeddedDatabase;
	const lines: Array<{level: number; msg: string}> = [];
	const logger = pino({level: 'info'}, {write: (line: string) => void lines.push(JSON.parse(line) as {level: number; msg: string})});
	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), 'hermes-hubthread-'));
		database = await openDatabaseThread({dataDir: dir, host: '127.0.0.1', port: 0, logger, secret: SECRET, owner: HUB_OWNER});
	}, 120_000);
	afterAll(async () => {
		await database?.close();
		if (dir) await rm(dir, {recursive: true, force: true});
	});

	it('serves queries while this thread keeps running', async () => {
		const client = new pg.Client({connectionString: withHubCredentials(database.url, HUB_OWNER, SECRET)});
		await client.connect();
		try {
			let ticks = 0;
			const ticker = setInterval(() => ticks++, 10);
			// pg_sleep runs inside PGlite: on this thread it would hold the event loop for all of it.
			const {rows} = await client.query<{n: number}>('SELECT 42 AS n, pg_sleep(0.5)');
			clearInterval(ticker);
			expect(rows[0]?.n).toBe(42);
			expect(ticks).toBeGreaterThan(2);
		} finally {
			await client.end();
		}
	});

	it("passes the thread's log lines to the logger at their level", async () => {
		const client = new pg.Client({connectionString: withHubCredentials(database.url, HUB_OWNER, 'wrong-secret')});
		client.on('error', () => undefined);
		await expect(client.connect()).rejects.toThrow();
		await expect.poll(() => lines.find((line) => /authentication/.test(line.msg))?.level).toBe(pino.levels.values.warn);
	});

	it('rejects with the listen error and its code', async () => {
		const taken: Server = createServer();
		await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
		const port = (taken.address() as {port: number}).port;
		const other = await mkdtemp(join(tmpdir(), 'hermes-hubthread-'));
		try {
			await expect(openDatabaseThread({dataDir: other, host: '127.0.0.1', port, logger, secret: SECRET, owner: HUB_OWNER})).rejects.toMatchObject({code: 'EADDRINUSE'});
		} finally {
			taken.close();
			await rm(other, {recursive: true, force: true});
		}
	});
});
