import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {hubAnswers, hubFilePath, portAnswers, portReplies, readHubFile, removeHubFile, writeHubFile, type HubRecord} from './hub-file.js';

const record: HubRecord = {
	pid: 4242,
	state: 'ready',
	phase: 'ready',
	mqtt_url: 'mqtt://127.0.0.1:11883',
	database_url: 'postgres://postgres@127.0.0.1:15432/postgres',
	mqtt_port: 11883,
	pg_port: 15432,
	topic_base: 'chat/messages',
	data_dir: '/tmp/x',
	started_at: '2026-01-01T00:00:00.000Z',
};

describe('hub.json', () => {
	let home: string;
	beforeEach(async () => {
		home = await mkdtemp(join(tmpdir(), 'hermes-hubfile-'));
	});
	afterEach(async () => {
		await rm(home, {recursive: true, force: true});
	});

	it('round-trips a record', async () => {
		await writeHubFile(home, record);
		expect(await readHubFile(home)).toEqual(record);
	});

	it('reads a missing, truncated or foreign file as no hub', async () => {
		expect(await readHubFile(home)).toBeUndefined();
		await writeFile(hubFilePath(home), '{"pid": 12');
		expect(await readHubFile(home)).toBeUndefined();
		await writeFile(hubFilePath(home), '{"pid": "twelve", "state": "ready"}');
		expect(await readHubFile(home)).toBeUndefined();
	});

	it('removes the file only when it names the given pid', async () => {
		await writeHubFile(home, record);
		await removeHubFile(home, 1);
		expect(await readHubFile(home)).toEqual(record);
		await removeHubFile(home, record.pid);
		expect(await readHubFile(home)).toBeUndefined();
	});
});

describe('portAnswers / hubAnswers', () => {
	it('tells a listening port from a closed one', async () => {
		const server = createServer((socket) => socket.destroy());
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const {port} = server.address() as {port: number};
		expect(await portAnswers(port)).toBe(true);
		expect(await hubAnswers({...record, mqtt_port: port, pg_port: port})).toBe(true);
		expect(await hubAnswers({...record, state: 'starting', mqtt_port: port, pg_port: port})).toBe(false);
		await new Promise<void>((resolve) => server.close(() => resolve()));
		expect(await portAnswers(port)).toBe(false);
		expect(await portReplies(port, Buffer.from('x'))).toBe(false);
	});

	// Regression: a wedged hub's kernel still accepts TCP, so `hub status` said "running" or
	// "not running" by guesswork; only a reply proves the process is alive.
	it('does not count a port that accepts but never replies', async () => {
		const held: Array<import('node:net').Socket> = [];
		const silent = createServer((socket) => held.push(socket));
		await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
		const {port} = silent.address() as {port: number};
		expect(await portAnswers(port)).toBe(true);
		expect(await portReplies(port, Buffer.from('x'), '127.0.0.1', 300)).toBe(false);
		expect(await hubAnswers({...record, mqtt_port: port, pg_port: port}, 300)).toBe(false);
		for (const socket of held) socket.destroy();
		await new Promise<void>((resolve) => silent.close(() => resolve()));
	});
});
