// Contract-suite targets: the same suite runs against real Mosquitto + PostgreSQL ("services")
// and against the embedded hub ("embedded": aedes + PGlite + its own ingester).
import {randomUUID} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Writable} from 'node:stream';
import mqtt from 'mqtt';
import pino from 'pino';
import {afterAll, beforeAll, describe} from 'vitest';
import type {Logger} from '../../src/log.js';
import {createTestDatabase, isPostgresReachable, TEST_PG_ADMIN_URL, type TestDatabase} from './db.js';

/** Broker of the services target (env `TEST_MQTT_URL`). */
export const TEST_MQTT_URL = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
/** When set (CI), an unreachable service fails the suite instead of skipping it. */
const REQUIRE_SERVICES = process.env.HERMES_REQUIRE_SERVICES === '1';
const HUB_MODULE = new URL('../../src/hub/hub.ts', import.meta.url);

/** Which backend a suite runs against. */
export type TargetName = 'services' | 'embedded';

/** One parsed log line (pino JSON). */
export type LogLine = {level: number; msg: string} & Record<string, unknown>;

/** What a suite sees of its target; fields are valid inside tests and hooks (after setup). */
export interface Target {
	readonly name: TargetName;
	/** Whether the suite must start its own ingester (`services`); the hub runs one (`embedded`). */
	readonly needsIngester: boolean;
	/** Whether the broker offers MQTT 5 shared subscriptions (Mosquitto yes, aedes no). */
	readonly hasSharedSubscriptions: boolean;
	/**
	 * `embedded`: this and {@link Target.databaseUrl} carry the hub owner's credentials
	 * (`server:<secret>`), so a suite's clients may publish for any user, as on the anonymous test Mosquitto.
	 */
	readonly mqttUrl: string;
	readonly databaseUrl: string;
	/**
	 * The broker URL for a client that speaks only for `userId`: on `embedded` with that user id
	 * and the hub secret, so the hub's per-user rules apply; on `services` {@link Target.mqttUrl}.
	 */
	mqttUrlFor(userId: string): string;
	/** The topic base of this target (unique per suite run). */
	readonly topicBase: string;
	/** Logger to hand to ingesters; its lines are kept for {@link Target.logLines}. */
	readonly logger: Logger;
	/** Every line logged so far through {@link Target.logger} (the hub's too, on `embedded`). */
	logLines(): LogLine[];
	/**
	 * `embedded` only: stop the hub (its ingester flushes) and start it again on the same data
	 * directory; `mqttUrl`/`databaseUrl` change (new ports).
	 * @throws Error on `services`, which has no hub.
	 */
	restartHub(): Promise<void>;
}

interface Backend {
	mqttUrl: string;
	databaseUrl: string;
	mqttUrlFor(userId: string): string;
	restartHub(): Promise<void>;
	stop(): Promise<void>;
}

function capturingLogger(lines: LogLine[]): Logger {
	const sink = new Writable({
		write(chunk: Buffer, _encoding, done) {
			for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
			done();
		},
	});
	return pino({level: process.env.LOG_LEVEL ?? 'info'}, sink);
}

/** Whether an MQTT broker answers a CONNECT at `url` within 2 s. */
export async function isBrokerReachable(url: string): Promise<boolean> {
	const client = mqtt.connect(url, {connectTimeout: 2_000, reconnectPeriod: 0, clientId: `probe-${randomUUID().slice(0, 8)}`});
	const ok = await new Promise<boolean>((resolve) => {
		client.once('connect', () => resolve(true));
		client.once('error', () => resolve(false));
		client.once('close', () => resolve(false));
	});
	client.end(true);
	return ok;
}

async function servicesProblem(): Promise<string | undefined> {
	if (!(await isPostgresReachable())) return `PostgreSQL unreachable at ${TEST_PG_ADMIN_URL} (TEST_PG_ADMIN_URL)`;
	if (!(await isBrokerReachable(TEST_MQTT_URL))) return `MQTT broker unreachable at ${TEST_MQTT_URL} (TEST_MQTT_URL)`;
	return undefined;
}

const problems: Record<TargetName, string | undefined> = {
	services: await servicesProblem(),
	embedded: existsSync(HUB_MODULE) ? undefined : 'src/hub/hub.ts does not exist yet',
};

async function startServices(): Promise<Backend> {
	const database: TestDatabase = await createTestDatabase();
	return {
		mqttUrl: TEST_MQTT_URL,
		databaseUrl: database.url,
		mqttUrlFor: () => TEST_MQTT_URL,
		restartHub: () => Promise.reject(new Error('the services target has no hub to restart')),
		stop: () => database.drop(),
	};
}

async function startEmbedded(topicBase: string, logger: Logger): Promise<Backend> {
	const {startHub} = (await import(HUB_MODULE.href)) as typeof import('../../src/hub/hub.js');
	const {HUB_OWNER} = await import('../../src/hub/hub-secret.js');
	const dataDir = await mkdtemp(join(tmpdir(), 'hermes-pipeline-'));
	const start = () => startHub({dataDir, mqttPort: 0, pgPort: 0, topicBase, logger});
	let hub = await start();
	// Suites' clients speak for many users through one URL: they connect as the hub's owner
	// (the per-user rules are tested in hub-auth.test.ts and, through the CLI, in the e2e suites).
	const backend: Backend = {
		...hub.urlsFor(HUB_OWNER),
		mqttUrlFor: (userId) => hub.urlsFor(userId).mqttUrl,
		async restartHub() {
			await hub.stop();
			hub = await start();
			Object.assign(backend, hub.urlsFor(HUB_OWNER));
		},
		async stop() {
			await hub.stop();
			await rm(dataDir, {recursive: true, force: true});
		},
	};
	return backend;
}

/**
 * Register `body` once per target as `describe('<title> [<target>]')`, with the backend
 * started in beforeAll and stopped in afterAll. A target whose services are unreachable
 * (or whose hub module does not exist yet) is skipped with the reason in its title, unless
 * `HERMES_REQUIRE_SERVICES=1`, which turns an unreachable service into a failure.
 */
export function forEachTarget(title: string, body: (target: Target) => void): void {
	for (const name of ['services', 'embedded'] as const) {
		const problem = problems[name];
		const mustRun = name === 'services' && REQUIRE_SERVICES;
		const skip = Boolean(problem) && !mustRun;
		const label = skip ? `${title} [${name}] (skipped: ${problem})` : `${title} [${name}]`;
		describe.skipIf(skip)(label, () => {
			const lines: LogLine[] = [];
			const logger = capturingLogger(lines);
			const topicBase = `t-${randomUUID().slice(0, 8)}/messages`;
			let backend: Backend | undefined;
			const ready = (): Backend => {
				if (!backend) throw new Error(`target ${name} is not set up (use it inside tests and hooks)`);
				return backend;
			};
			beforeAll(async () => {
				if (problem) throw new Error(`${name} target required (HERMES_REQUIRE_SERVICES=1) but ${problem}`);
				backend = name === 'services' ? await startServices() : await startEmbedded(topicBase, logger);
			});
			afterAll(async () => {
				await backend?.stop();
			});
			body({
				name,
				needsIngester: name === 'services',
				hasSharedSubscriptions: name === 'services',
				get mqttUrl() {
					return ready().mqttUrl;
				},
				get databaseUrl() {
					return ready().databaseUrl;
				},
				mqttUrlFor: (userId) => ready().mqttUrlFor(userId),
				topicBase,
				logger,
				logLines: () => lines,
				restartHub: () => ready().restartHub(),
			});
		});
	}
}
