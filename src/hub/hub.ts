// The embedded hub: aedes broker + PGlite served over the Postgres wire protocol + the ingester, in one process.
// May import ingest/, store/ (migrations), log and node: modules; aedes/PGlite only through broker.ts and database-thread.ts (PGlite runs on a worker thread of its own).
import {mkdir, readFile, writeFile} from 'node:fs/promises';
import {createServer} from 'node:net';
import {join} from 'node:path';
import {startIngester} from '../ingest/ingester.js';
import type {Logger} from '../log.js';
import {DEFAULT_TOPIC_BASE, encodePayload, topicFor} from '../protocol/index.js';
import {keepStatisticsFresh} from '../store/maintenance.js';
import {runMigrations} from '../store/migrate.js';
import {listenBroker, type EmbeddedBroker} from './broker.js';
import type {EmbeddedDatabase} from './database.js';
import {openDatabaseThread} from './database-thread.js';
import {ReaderSignal} from './reader-signal.js';
import {ensureHubSecret, HUB_OWNER, tightenHome, withHubCredentials} from './hub-secret.js';
import type {PgFrontLimits} from './pg-front.js';
import {acquireLock, LockHeldError, type FileLock} from './lock.js';
import {DEFAULT_HUB_MQTT_PORT, DEFAULT_HUB_PG_PORT} from './ports.js';

/** Re-exported from ports.ts (kept there so `hub --help` loads no hub code). */
export {DEFAULT_HUB_MQTT_PORT, DEFAULT_HUB_PG_PORT};

/** Start-up phases, in order, for a progress display. */
export const HUB_PHASES = ['starting broker', 'opening database', 'migrating', 'starting ingester', 'ready'] as const;
/** One of {@link HUB_PHASES}. */
export type HubPhase = (typeof HUB_PHASES)[number];

/** Options for {@link startHub}. */
export interface HubOptions {
	/**
	 * Folder for the database (`{dataDir}/pgdata`), the lock file (`{dataDir}/hub.lock`) and the
	 * secret (`{dataDir}/hub-secret`, 0600, created on first start).
	 */
	dataDir: string;
	/** Interface to bind (default 127.0.0.1: the hub secret is its only authentication, and no TLS). */
	host?: string;
	/** MQTT port (default 11883; 0 = any free port). */
	mqttPort?: number;
	/** Postgres wire-protocol port (default 15432; 0 = any free port). */
	pgPort?: number;
	/** Base topic the ingester subscribes under (default `chat/messages`). */
	topicBase?: string;
	/** Connection policy of the database port (defaults: {@link DEFAULT_PG_FRONT_LIMITS}). */
	pgLimits?: PgFrontLimits;
	/** Largest MQTT packet accepted, in bytes (default {@link DEFAULT_MAX_MQTT_PACKET_BYTES}, as our Mosquitto). */
	maxMqttPacketBytes?: number;
	logger: Logger;
	/** Called as each phase begins; opening the database takes ~4 s. */
	onProgress?: (phase: HubPhase) => void;
}

/** A running hub. */
export interface RunningHub {
	/** `mqtt://127.0.0.1:port` (MQTT 3.1.1), without credentials: connect with {@link RunningHub.urlsFor}. */
	mqttUrl: string;
	/** `postgres://127.0.0.1:port/postgres`, without credentials: connect with {@link RunningHub.urlsFor}. */
	databaseUrl: string;
	/** The hub secret, every user's password on both ports. Never log or print it. */
	secret: string;
	/**
	 * Both URLs with `user` (a chat user id, or {@link HUB_OWNER} for everything) and the secret
	 * as credentials — to connect with, never to print.
	 */
	urlsFor(user: string): {mqttUrl: string; databaseUrl: string};
	mqttPort: number;
	pgPort: number;
	topicBase: string;
	/**
	 * Drain and stop: refuse new MQTT publishes, let the ingester write and confirm what it
	 * received, then close the ingester, the database server and PGlite, and the broker.
	 */
	stop(): Promise<void>;
	/** Give up draining: drop the ingester's unwritten batch (senders resend), close the rest. Never throws. */
	abort(): Promise<void>;
}

/** Thrown by {@link startHub} when a hub already runs (its port or its data directory is taken). */
export class HubRunningError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'HubRunningError';
	}
}

/**
 * Start the embedded hub. The MQTT port is bound first, then the data directory is locked,
 * so of two hubs started at once on one home exactly one opens the database; the other
 * throws {@link HubRunningError} having touched nothing. A default port (11883, 15432)
 * that is taken falls back to any free port; an explicit port that is taken is an error. Then PGlite opens (~4 s), migrations run,
 * and the ingester starts on a plain subscription (aedes has no shared subscriptions).
 * Binds `host` only (default 127.0.0.1).
 * @throws HubRunningError when the MQTT port or the data directory is taken;
 *   any other start-up error after closing what was already open.
 */
export async function startHub(options: HubOptions): Promise<RunningHub> {
	const host = options.host ?? '127.0.0.1';
	const topicBase = options.topicBase ?? DEFAULT_TOPIC_BASE;
	const log = options.logger;
	const progress = (phase: HubPhase) => {
		log.info({phase}, `hub: ${phase}`);
		options.onProgress?.(phase);
	};
	// Closed newest first; the data-directory lock goes last, once PGlite has closed its files.
	const opened: Array<() => Promise<void>> = [];
	let lock: FileLock | undefined;
	let unwinding: Promise<void> | undefined;
	const unwind = () =>
		(unwinding ??= (async () => {
			for (const close of [...opened].reverse()) {
				await close().catch((error: Error) => log.warn({err: error.message}, 'hub: error while stopping'));
			}
			await lock?.release();
		})());
	try {
		progress('starting broker');
		const secret = await ensureHubSecret(options.dataDir, (mode) =>
			log.warn({mode: mode.toString(8)}, 'hub: the secret file was readable by others; made it 0600 (rotate the secret if that matters)'),
		);
		const loose = await tightenHome(options.dataDir);
		if (loose !== undefined) log.warn({mode: loose.toString(8), home: options.dataDir}, 'hub: the home was open to other users; made it owner-only');
		const brokerOptions = {host, logger: log, maxPacketBytes: options.maxMqttPacketBytes, auth: {secret, owner: HUB_OWNER, topicBase}};
		// Ports of the last run first: TUIs still running reconnect to the URLs they had, also
		// when a taken default port made that run fall back to a free one.
		const last = await readLastPorts(options.dataDir);
		// A default port taken by someone else (another user's hub, a test) is not an error:
		// the data-directory lock below is what keeps one hub per home, so take any free port.
		const ingesterId = `hermes-hub-ingest-${process.pid}`;
		// Only the ingester is answered before `ready`: see ListenBrokerOptions.admitOnlyFirst.
		const admitOnlyFirst = (clientId: string) => clientId === ingesterId;
		const broker =
			(options.mqttPort === undefined && last.mqtt ? await listenBroker({...brokerOptions, port: last.mqtt, admitOnlyFirst}).catch(() => undefined) : undefined) ??
			(await listenOrExplain({...brokerOptions, admitOnlyFirst}, options.mqttPort ?? DEFAULT_HUB_MQTT_PORT, options.mqttPort === undefined, log));
		opened.push(() => broker.close());
		await mkdir(options.dataDir, {recursive: true, mode: 0o700});
		lock = await lockOrExplain(join(options.dataDir, 'hub.lock'));
		progress('opening database');
		// Marked by the database thread on each chat user's request; read by the ingester per batch.
		const readers = new ReaderSignal();
		const databaseAuth = {secret, owner: HUB_OWNER, readers};
		const database: EmbeddedDatabase = await openDatabaseThread({
			...databaseAuth,
			dataDir: options.dataDir,
			host,
			logger: log,
			limits: options.pgLimits,
			port: options.pgPort ?? (last.pg && (await isPortFree(host, last.pg)) ? last.pg : DEFAULT_HUB_PG_PORT),
		}).catch((error: NodeJS.ErrnoException) => {
			if (error.code !== 'EADDRINUSE' || options.pgPort !== undefined) throw error;
			log.warn({port: DEFAULT_HUB_PG_PORT}, 'hub: default PostgreSQL port taken; using a free port');
			return openDatabaseThread({...databaseAuth, dataDir: options.dataDir, host, port: 0, logger: log, limits: options.pgLimits});
		});
		opened.push(() => database.close());
		const urlsFor = (user: string) => ({
			mqttUrl: withHubCredentials(broker.url, user, secret),
			databaseUrl: withHubCredentials(database.url, user, secret),
		});
		const owner = urlsFor(HUB_OWNER);
		progress('migrating');
		const applied = await runMigrations({databaseUrl: owner.databaseUrl, logger: log});
		if (applied.length) log.info({applied}, 'hub: migrations applied');
		// PGlite has no autovacuum: without statistics every page of a long conversation is a sort.
		opened.push(await keepStatisticsFresh(owner.databaseUrl, log));
		progress('starting ingester');
		const ingester = await startIngester({
			mqttUrl: owner.mqttUrl,
			databaseUrl: owner.databaseUrl,
			topicBase,
			migrate: false,
			// PGlite runs one transaction at a time: a second batch in flight would only queue.
			batchesInFlight: 1,
			batchSize: HUB_BATCH_SIZE,
			batchSizeNow: () => hubBatchSize(readers),
			clientId: ingesterId,
			logger: log,
		});
		let isAborting = false;
		opened.push(() => (isAborting ? ingester.abort() : ingester.stop()));
		await writeFile(portsFile(options.dataDir), JSON.stringify({mqtt: broker.port, pg: database.port})).catch(() => undefined);
		broker.admitAll();
		progress('ready');
		let stopping: Promise<void> | undefined;
		let aborting: Promise<void> | undefined;
		return {
			mqttUrl: broker.url,
			databaseUrl: database.url,
			secret,
			urlsFor,
			mqttPort: broker.port,
			pgPort: database.port,
			topicBase,
			stop() {
				stopping ??= (async () => {
					// Drain: no new publishes (clients resend later), the ingester commits and confirms
					// what it has through the still open broker, then everything closes.
					log.info('hub: draining (no new publishes; writing and confirming what was received)');
					broker.refusePublishesExcept(ingesterId);
					// Everything acknowledged before this point is on its way to the ingester before it
					// unsubscribes: its UNSUBACK then arrives after all of it, in order.
					const barrier = drainBarrier(topicBase);
					if (!(await broker.publishBarrier(barrier.topic, barrier.payload, DRAIN_BARRIER_TIMEOUT_MS))) {
						log.warn('hub: the drain barrier was not delivered in time; stopping the ingester anyway');
					}
					await unwind();
					log.info('hub: stopped');
				})();
				return stopping;
			},
			abort() {
				aborting ??= (async () => {
					log.warn('hub: aborting the drain; unconfirmed messages will be resent by their senders');
					isAborting = true;
					broker.refusePublishesExcept(ingesterId);
					// The drain may wait on a statement queued behind another client's transaction:
					// closing the database (every connection, then PGlite) ends that wait; the
					// ingester's batch is abandoned, so its write failing loses nothing confirmed.
					const abandoned = ingester.abort().catch(() => undefined);
					await database.close().catch((error: Error) => log.warn({err: error.message}, 'hub: error while closing the database'));
					await abandoned;
					await unwind();
				})();
				return aborting;
			},
		};
	} catch (error) {
		await unwind();
		throw error;
	}
}

/**
 * Largest batch of the hub's ingester, in messages, while no chat user reads (the private stack's
 * ingester takes 500 too). PGlite runs one transaction at a time: bigger batches, more messages/s.
 */
export const HUB_BATCH_SIZE = 500;
/**
 * Largest batch while a chat user reads ({@link HUB_READER_WINDOW_MS}): their history page waits
 * for the batch being written. Measured during bursts of 20,000 with a page every 20 ms (issue 12,
 * README "Embedded hub", interleaved against batches of at most 100 always): page p50 / p95
 * 12.6 / 30.8 ms against 20.0 / 67.6 ms at as many messages/s or more; at 20 the page was faster
 * still (13 / 76 against 33 / 136 ms at higher load) but ~30 % fewer messages/s.
 */
export const HUB_READER_BATCH_SIZE = 50;
/** How long after a chat user's last request the ingester keeps cutting small batches, in ms. */
export const HUB_READER_WINDOW_MS = 1_000;

/**
 * The hub ingester's batch size now: {@link HUB_READER_BATCH_SIZE} when a chat user asked the
 * database within the last {@link HUB_READER_WINDOW_MS} ms (`readers`, marked by the database
 * front), {@link HUB_BATCH_SIZE} otherwise.
 */
export function hubBatchSize(readers: ReaderSignal): number {
	return readers.isRecent(HUB_READER_WINDOW_MS) ? HUB_READER_BATCH_SIZE : HUB_BATCH_SIZE;
}

/** How long the drain waits for its barrier to be written to the ingester, in ms. */
const DRAIN_BARRIER_TIMEOUT_MS = 10_000;
/** The user id the drain barrier is addressed from and to: no client reacts to it. */
const DRAIN_BARRIER_USER = 'hermes-hub-drain';

/**
 * A `typing` notification (valid, so never logged as a refusal; ignored by the ingester) that
 * the hub sends down the ingester's subscription as the last message before it stops.
 */
function drainBarrier(topicBase: string): {topic: string; payload: Buffer} {
	const payload = encodePayload({
		type: 'typing',
		sender_id: DRAIN_BARRIER_USER,
		sender_name: 'hub',
		receiver_id: DRAIN_BARRIER_USER,
		is_typing: false,
		timestamp: new Date().toISOString(),
	});
	return {topic: topicFor(topicBase, DRAIN_BARRIER_USER, DRAIN_BARRIER_USER), payload};
}

async function listenOrExplain(
	options: Omit<Parameters<typeof listenBroker>[0], 'port'>,
	port: number,
	isDefault: boolean,
	log: Logger,
): Promise<EmbeddedBroker> {
	const {host} = options;
	try {
		return await listenBroker({...options, port});
	} catch (error) {
		if ((error as Error).name === 'PortInUseError' && isDefault) {
			log.warn({port}, 'hub: default MQTT port taken; using a free port');
			return listenBroker({...options, port: 0});
		}
		if ((error as Error).name === 'PortInUseError') {
			throw new HubRunningError(`MQTT port ${host}:${port} is already in use — a hub (or another broker) runs there`);
		}
		throw error;
	}
}

async function lockOrExplain(path: string): Promise<FileLock> {
	try {
		return await acquireLock(path);
	} catch (error) {
		if (error instanceof LockHeldError) {
			throw new HubRunningError(`a hub (pid ${error.pid}) already uses this data directory`);
		}
		throw error;
	}
}

const portsFile = (dataDir: string) => join(dataDir, 'ports.json');

/** The ports the hub of `dataDir` used last (`{dataDir}/ports.json`); empty when unknown. Never throws. */
async function readLastPorts(dataDir: string): Promise<{mqtt?: number; pg?: number}> {
	try {
		const {mqtt, pg} = JSON.parse(await readFile(portsFile(dataDir), 'utf8')) as {mqtt?: unknown; pg?: unknown};
		const port = (value: unknown) => (Number.isInteger(value) && (value as number) > 0 && (value as number) < 65_536 ? (value as number) : undefined);
		return {mqtt: port(mqtt), pg: port(pg)};
	} catch {
		return {};
	}
}

/** Whether `host:port` can be listened on right now (so PGlite is not opened twice for a taken port). */
function isPortFree(host: string, port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const probe = createServer();
		probe.once('error', () => resolve(false));
		probe.listen({host, port, exclusive: true}, () => probe.close(() => resolve(true)));
	});
}
