// Hostile bytes at the embedded hub (`hermes-chat hub`, a separate process on ports 21740–21751):
// random, mutated and hand-made MQTT frames at its broker, hostile PostgreSQL wire packets at its
// database port. The hub must stay up and answer on both ports, store nothing from them, and store
// a valid message afterwards.
import {rm} from 'node:fs/promises';
import {connect} from 'node:net';
import pg from 'pg';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {withHubCredentials} from '../../src/hub/hub-secret.js';
import {authenticate, BackendReader} from '../helpers/scram-client.js';
import {Sender} from '../helpers/sender.js';
import {HubProcess, SCENARIO_MS, WAIT_MS} from '../faults/helpers/processes.js';
import {freshTopicBase} from '../faults/helpers/scenario.js';
import {faultsTempDir} from '../faults/helpers/services.js';
import {mqttFrameCorpus, pgPacketCorpus, pgSessionCorpus, pgStartupWithLength, type WireCase} from './wire-corpus.js';

/** Longest a hostile connection may stay open after we half-close it, in ms (a liveness bound). */
const CLOSE_BOUND_MS = 20_000;

/** Write `bytes`, half-close, and resolve once the peer closed (or `CLOSE_BOUND_MS` passed: false). */
function hitAndHangUp(port: number, bytes: Buffer): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({host: '127.0.0.1', port});
		const timer = setTimeout(() => (socket.destroy(), resolve(false)), CLOSE_BOUND_MS);
		socket.on('error', () => undefined);
		socket.on('data', () => undefined);
		socket.once('close', () => (clearTimeout(timer), resolve(true)));
		socket.once('connect', () => socket.end(bytes));
	});
}

/**
 * Authenticate as chat user `alice` with `secret`, wait for the first ReadyForQuery, then as
 * {@link hitAndHangUp}. Resolves false too when the authentication itself fails.
 */
function authenticateThenHit(port: number, bytes: Buffer, secret: string): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({host: '127.0.0.1', port});
		const timer = setTimeout(() => (socket.destroy(), resolve(false)), CLOSE_BOUND_MS);
		socket.on('error', () => undefined);
		socket.once('close', () => (clearTimeout(timer), resolve(true)));
		socket.once('connect', async () => {
			const reader = new BackendReader(socket);
			if (!(await authenticate(socket, reader, 'alice', secret)).ok) return socket.destroy(), clearTimeout(timer), resolve(false);
			for (let m = await reader.next(); m && m.type !== 'Z'; m = await reader.next());
			socket.end(bytes);
		});
	});
}

/** Run `cases` 10 at a time; after each round ask `isHealthy`. @returns names left open, and the first round after which the hub was unhealthy. */
async function throwAll(port: number, cases: WireCase[], isHealthy: () => Promise<boolean>, hit = hitAndHangUp) {
	const leftOpen: string[] = [];
	for (let i = 0; i < cases.length; i += 10) {
		const round = cases.slice(i, i + 10);
		const closed = await Promise.all(round.map((c) => hit(port, c.bytes)));
		round.forEach((c, k) => closed[k] || leftOpen.push(c.name));
		if (!(await isHealthy())) return {leftOpen, unhealthyAfter: round.map((c) => c.name)};
	}
	return {leftOpen, unhealthyAfter: undefined};
}

/** `SELECT 1` on the hub's database within 10 s. */
async function answersSql(databaseUrl: string): Promise<boolean> {
	const client = new pg.Client({connectionString: databaseUrl, connectionTimeoutMillis: 10_000, query_timeout: 10_000});
	client.on('error', () => undefined);
	try {
		await client.connect();
		await client.query('SELECT 1');
		return true;
	} catch {
		return false;
	} finally {
		await client.end().catch(() => undefined);
	}
}

async function countMessages(databaseUrl: string): Promise<string[]> {
	const client = new pg.Client({connectionString: databaseUrl});
	client.on('error', () => undefined);
	await client.connect();
	try {
		return (await client.query<{id: string}>('SELECT message_id AS id FROM chat_messages')).rows.map((r) => r.id);
	} finally {
		await client.end().catch(() => undefined);
	}
}

function startHubIn(prefix: string, mqttPort: number, pgPort: number, topicBase: string) {
	let hub: HubProcess | undefined;
	let home = '';
	beforeAll(async () => {
		home = await faultsTempDir(prefix);
		hub = await HubProcess.start({home, mqttPort, pgPort, topicBase});
	}, SCENARIO_MS);
	afterAll(async () => {
		await hub?.kill();
		await rm(home, {recursive: true, force: true});
	});
	return () => hub!;
}

/** A valid message through the hub's broker gets its ✓ (so the ingester stored it). */
async function storesValidMessage(hub: HubProcess, topicBase: string): Promise<string> {
	const alice = await Sender.connect({mqttUrl: withHubCredentials(hub.mqttUrl, 'alice', hub.secret), topicBase}, 'alice');
	try {
		const valid = alice.message('bob', 'after-the-bytes');
		await alice.publish('bob', valid);
		expect(await alice.awaitReceipts([String(valid.message_id)], WAIT_MS), 'a valid message afterwards is stored').toEqual([]);
		return String(valid.message_id);
	} finally {
		await alice.close();
	}
}

describe('hostile bytes at the embedded hub', () => {
	const topicBase = freshTopicBase();
	const hub = startHubIn('wire-hub', 21740, 21741, topicBase);

	it('MQTT frames (random, mutated, hand-made) at the broker: connections closed, hub up, nothing stored', async () => {
		// Chat user `mallory` with the secret: the frames after CONNECT reach an authenticated session.
		const cases = mqttFrameCorpus(topicBase, {username: 'mallory', password: hub().secret});
		expect(cases.length).toBeGreaterThanOrEqual(150);
		const port = Number(new URL(hub().mqttUrl).port);
		const result = await throwAll(port, cases, () => answersSql(hub().databaseUrl));
		console.log(`[corpus] ${cases.length} MQTT connections; left open: ${result.leftOpen.length}`);
		expect(result.unhealthyAfter, 'the hub answers after every round').toBeUndefined();
		expect(hub().isRunning, 'no crash').toBe(true);
		expect(result.leftOpen, 'every hostile connection is closed').toEqual([]);
		const id = await storesValidMessage(hub(), topicBase);
		expect(await countMessages(hub().databaseUrl)).toEqual([id]);
	}, SCENARIO_MS);

	// Fails on today's main (issue 11, outcome 3, "hub" engineer): after single hostile connections
	// — seen one by one: StartupMessage of length 1, 4, 7, 8 or -1, longer than announced, parameters
	// without terminator, Query of length 3, Parse with garbage, Bind to a missing statement, message
	// type z, several mutated startup+Query — the hub's PGlite server stops answering `SELECT 1`
	// (10 s bound) and sometimes does not even start again on the same data directory within 90 s.
	// Flip to `it` when the hub validates packets and times out connections.
	it('PostgreSQL wire packets at the database port: connections closed, hub up on both ports', async () => {
		const cases = pgPacketCorpus();
		expect(cases.length).toBeGreaterThanOrEqual(80);
		const port = Number(new URL(hub().databaseUrl).port);
		const result = await throwAll(port, cases, () => answersSql(hub().databaseUrl));
		console.log(`[corpus] ${cases.length} PostgreSQL connections; left open: ${result.leftOpen.length}`);
		expect(result.unhealthyAfter, 'the hub answers SQL after every round').toBeUndefined();
		expect(hub().isRunning, 'no crash').toBe(true);
		expect(result.leftOpen, 'every hostile connection is closed').toEqual([]);
		await storesValidMessage(hub(), topicBase);
	}, SCENARIO_MS);

	it('PostgreSQL messages from an authenticated client: connections closed, hub up on both ports', async () => {
		const cases = pgSessionCorpus();
		expect(cases.length).toBeGreaterThanOrEqual(40);
		const port = Number(new URL(hub().databaseUrl).port);
		const result = await throwAll(port, cases, () => answersSql(hub().databaseUrl), (p, bytes) => authenticateThenHit(p, bytes, hub().secret));
		console.log(`[corpus] ${cases.length} authenticated PostgreSQL connections; left open: ${result.leftOpen.length}`);
		expect(result.unhealthyAfter, 'the hub answers SQL after every round').toBeUndefined();
		expect(hub().isRunning, 'no crash').toBe(true);
		expect(result.leftOpen, 'every hostile connection is closed').toEqual([]);
		await storesValidMessage(hub(), topicBase);
	}, SCENARIO_MS);
});

describe('a ~2 GB PostgreSQL StartupMessage at the embedded hub', () => {
	const topicBase = freshTopicBase();
	const hub = startHubIn('wedge-hub', 21750, 21751, topicBase);

	// Fails on today's main (issue 11, outcome 3, "hub" engineer): pglite-socket 0.2.17 loops on a
	// StartupMessage announcing ~2 GB — the hub spins at 100% CPU and neither port answers until
	// kill -9. Flip to `it` when the hub closes such a connection (length limit before allocation).
	it('one StartupMessage announcing 0x7fffffff bytes: the hub keeps answering on both ports', async () => {
		const port = Number(new URL(hub().databaseUrl).port);
		await hitAndHangUp(port, pgStartupWithLength(0x7fffffff, Buffer.from('user\0postgres\0\0')));
		expect(await answersSql(hub().databaseUrl), 'the hub answers SQL').toBe(true);
		await storesValidMessage(hub(), topicBase);
	}, SCENARIO_MS);
});
