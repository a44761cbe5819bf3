// `hermes-chat ingest`: the server-side ingester as a long-running process (JSON logs on stderr).
// Composition root: may import ingest/, live/ (redact, sign-up), store/ (accounts), log and cli/.
import {randomBytes} from 'node:crypto';
import {Command, InvalidArgumentError, Option} from 'commander';
import type {AccountBackend} from '../../accounts/backend.js';
import {DEFAULT_SIGNUPS_PER_MINUTE} from '../../ingest/defaults.js';
import type {HealthServer} from '../../ingest/health-server.js';
import type {Ingester} from '../../ingest/ingester.js';
import type {Logger} from '../../log.js';
import {DEFAULT_SESSION_TIMEOUTS, STATS_REFRESH_INTERVAL_MS} from '../../store/defaults.js';
import {mqttUrlProblem, MQTT_URL_HINT, resolveServiceConfig} from '../config.js';
import {AbortError} from '../errors.js';
import {examples} from '../help.js';

interface IngestFlags {
	mqttUrl?: string;
	databaseUrl?: string;
	topic?: string;
	batchSize: number;
	lingerMs: number;
	sharedGroup: string;
	migrate: boolean;
	drainTimeoutMs: number;
	healthPort?: number;
	healthHost: string;
	statementTimeoutMs: number;
	lockTimeoutMs: number;
	idleInTransactionTimeoutMs: number;
	statsRefreshMs: number;
	allowSignup?: boolean;
	mqttAdminUrl?: string;
	signupsPerMinute: number;
}

/** The signals that start a drain; a second one (or the deadline) aborts it. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * The `ingest` command: subscribe to all chat traffic, store it in PostgreSQL in batches and
 * confirm each message (✓) after COMMIT. Runs migrations first unless `--no-migrate`.
 * On SIGINT/SIGTERM it drains (Ingester.stop: unsubscribe, commit and confirm what it has,
 * disconnect); a second signal, or `--drain-timeout-ms` passing, abandons what is left.
 * Optionally serves `/healthz` and `/metrics` (`--health-port`).
 */
export function ingestCommand(): Command {
	const timeouts = DEFAULT_SESSION_TIMEOUTS;
	return new Command('ingest')
		.description('store all chat traffic in PostgreSQL and confirm each message to its sender')
		.option('--mqtt-url <url>', 'MQTT broker, or the nodes of one cluster comma-separated (env MQTT_URL, or MQTT_BROKER_HOST/MQTT_BROKER_PORT)')
		.option('--database-url <url>', 'PostgreSQL (env DATABASE_URL, or POSTGRES_HOST/POSTGRES_PORT/POSTGRES_DB/…)')
		.option('--topic <base>', 'base topic (env MQTT_TOPIC, default chat/messages)')
		.option('--batch-size <n>', 'largest batch written in one transaction', positiveInt, 500)
		.option('--linger-ms <ms>', 'how long a batch waits for more while another is being written (with none, it starts at once)', nonNegativeInt, 10)
		.option('--shared-group <name>', 'MQTT 5 shared subscription group (ingesters in one group split the load)', 'hermes-ingest')
		.option('--no-migrate', 'do not run database migrations at start')
		.addOption(envOption('--drain-timeout-ms <ms>', 'on SIGTERM/SIGINT, abandon the drain after this long', 'INGEST_DRAIN_TIMEOUT_MS', positiveInt, 30_000))
		.addOption(envOption('--health-port <port>', 'serve /healthz and /metrics on this port (0: any free one; default: off)', 'INGEST_HEALTH_PORT', port))
		.addOption(envOption('--health-host <host>', 'interface for /healthz and /metrics', 'INGEST_HEALTH_HOST', String, '127.0.0.1'))
		.addOption(envOption('--statement-timeout-ms <ms>', 'PostgreSQL statement_timeout (0: off)', 'INGEST_STATEMENT_TIMEOUT_MS', nonNegativeInt, timeouts.statementMs))
		.addOption(envOption('--lock-timeout-ms <ms>', 'PostgreSQL lock_timeout (0: off)', 'INGEST_LOCK_TIMEOUT_MS', nonNegativeInt, timeouts.lockMs))
		.addOption(envOption('--idle-in-transaction-timeout-ms <ms>', 'PostgreSQL idle_in_transaction_session_timeout (0: off)', 'INGEST_IDLE_IN_TRANSACTION_TIMEOUT_MS', nonNegativeInt, timeouts.idleInTransactionMs))
		.addOption(envOption('--stats-refresh-ms <ms>', 'refresh the statistics views for `hermes-chat stats` this often (0: never)', 'INGEST_STATS_REFRESH_MS', nonNegativeInt, STATS_REFRESH_INTERVAL_MS))
		.option('--allow-signup', 'answer self sign-up requests from the broker client `signup` (env INGEST_ALLOW_SIGNUP=1; needs --mqtt-admin-url)')
		.addOption(new Option('--mqtt-admin-url <url>', 'Mosquitto dynamic-security admin, for the broker accounts sign-up creates (env MQTT_ADMIN_URL)').env('MQTT_ADMIN_URL'))
		.addOption(envOption('--signups-per-minute <n>', 'sign-up requests handled per minute; the rest are refused', 'INGEST_SIGNUPS_PER_MINUTE', positiveInt, DEFAULT_SIGNUPS_PER_MINUTE))
		.addHelpText(
			'after',
			'\nLogs JSON lines to stderr (LOG_LEVEL=debug for more). SIGTERM or Ctrl-C drains: stops taking messages,\n' +
				'commits and confirms what it has, then exits; a second signal (or the drain timeout) abandons the rest.\n' +
				examples([
					'hermes-chat ingest --mqtt-url mqtt://127.0.0.1:1883 --database-url postgres://postgres@127.0.0.1:5432/chat',
					'MQTT_URL=mqtt://ingest:secret@broker:1883 DATABASE_URL=postgres://hermes:hermes@db/hermes hermes-chat ingest',
					'hermes-chat ingest --batch-size 1000 --linger-ms 20 --no-migrate',
				]),
		)
		.action(async (flags: IngestFlags) => runIngest(flags));
}

async function runIngest(flags: IngestFlags): Promise<void> {
	const config = resolveServiceConfig(flags);
	if (!config.mqttUrl) {
		throw new AbortError('no MQTT broker configured', 'pass --mqtt-url mqtt://host:1883 or set MQTT_URL');
	}
	const brokerProblem = mqttUrlProblem(config);
	if (brokerProblem) throw new AbortError(brokerProblem, MQTT_URL_HINT);
	if (!config.databaseUrl) {
		throw new AbortError('no database configured', 'pass --database-url postgres://user@host:5432/db or set DATABASE_URL');
	}
	const isSignupAllowed = flags.allowSignup === true || ['1', 'true', 'yes'].includes(process.env.INGEST_ALLOW_SIGNUP?.trim().toLowerCase() ?? '');
	const adminUrl = flags.mqttAdminUrl?.trim();
	if (isSignupAllowed && !adminUrl) {
		throw new AbortError('--allow-signup needs the broker admin to create accounts there', 'set MQTT_ADMIN_URL=mqtt://<admin>:<password>@host:1883 (or --mqtt-admin-url)');
	}
	// Loaded here, not at the top, so that `--help` and the other commands start without pg, mqtt,
	// zod, pino and prom-client (issue 12: start-up time).
	const [{createIngestMetrics}, {STARTING_HEALTH, startHealthServer}, {startIngester}, {redact}, {createLogger}] = await Promise.all([
		import('../../ingest/health-metrics.js'),
		import('../../ingest/health-server.js'),
		import('../../ingest/ingester.js'),
		import('../../live/connect.js'),
		import('../../log.js'),
	]);
	const logger = createLogger({name: 'ingest'});
	// Until the ingester runs, a signal just ends the process (nothing has been received yet).
	removeForeignSignalListeners(logger);
	const metrics = createIngestMetrics();
	let ingester: Ingester | undefined;
	// Bound before connecting anything: a taken port fails at once, and /healthz says 503
	// ("starting") while the broker, the database and the migrations are being set up.
	let health: HealthServer | undefined;
	if (flags.healthPort !== undefined) {
		health = await startHealthServer({
			health: () => ingester?.health() ?? Promise.resolve(STARTING_HEALTH),
			metrics,
			host: flags.healthHost,
			port: flags.healthPort,
			logger,
		}).catch((error: Error) => {
			throw new AbortError(
				`cannot serve /healthz on ${flags.healthHost}:${flags.healthPort}: ${error.message}`,
				'pick another --health-port (env INGEST_HEALTH_PORT)',
			);
		});
	}
	try {
		ingester = await startIngester({
			mqttUrl: config.mqttUrl,
			databaseUrl: config.databaseUrl,
			topicBase: config.topicBase,
			batchSize: flags.batchSize,
			lingerMs: flags.lingerMs,
			sharedGroup: flags.sharedGroup,
			migrate: flags.migrate,
			sessionTimeouts: {
				...DEFAULT_SESSION_TIMEOUTS,
				statementMs: flags.statementTimeoutMs,
				lockMs: flags.lockTimeoutMs,
				idleInTransactionMs: flags.idleInTransactionTimeoutMs,
			},
			statsRefreshMs: flags.statsRefreshMs,
			onBatchCommitted: metrics.observeBatch,
			logger,
		});
	} catch (error) {
		await health?.close();
		throw explainStartFailure(error as Error & {code?: string}, redact(config.databaseUrl));
	}
	metrics.bind(ingester.stats);
	let signups: Signups | undefined;
	if (isSignupAllowed) {
		try {
			signups = await startSignups({...config, mqttUrl: config.mqttUrl, databaseUrl: config.databaseUrl, adminUrl: adminUrl!, sharedGroup: flags.sharedGroup, perMinute: flags.signupsPerMinute, logger});
		} catch (error) {
			await ingester.stop();
			await health?.close();
			const message = (error as Error).message.split('\n')[0] ?? String(error);
			throw new AbortError(`sign-up: ${message.replaceAll(adminUrl!, redact(adminUrl!))}`, 'check MQTT_ADMIN_URL and that `hermes-chat account setup-broker` ran');
		}
	}
	logger.info({topicBase: config.topicBase, isShared: ingester.isShared, health: health?.url, isSignupAllowed}, 'ingester running');
	await untilStopped(ingester, flags.drainTimeoutMs, logger);
	await signups?.close();
	await health?.close();
}

/** The sign-up responder and the account backends it creates accounts on. */
interface Signups {
	close(): Promise<void>;
}

/** Open PostgreSQL's and Mosquitto's account backends and answer sign-up requests with them. @throws Error (one line). */
async function startSignups(options: {mqttUrl: string; databaseUrl: string; topicBase: string; adminUrl: string; sharedGroup: string; perMinute: number; logger: Logger}): Promise<Signups> {
	const [{createDynsecBackend}, {serveSignups}, {createSignupHandler}, {createPostgresAccountBackend}] = await Promise.all([
		import('../../live/dynsec.js'),
		import('../../live/signup-link.js'),
		import('../../ingest/signup.js'),
		import('../../store/accounts.js'),
	]);
	const backends: AccountBackend[] = [createPostgresAccountBackend({databaseUrl: options.databaseUrl})];
	const closeBackends = () => Promise.all(backends.map((backend) => backend.close()));
	try {
		backends.push(await createDynsecBackend({adminUrl: options.adminUrl, topicBase: options.topicBase, logger: options.logger}));
		const server = await serveSignups({
			mqttUrl: options.mqttUrl,
			topicBase: options.topicBase,
			sharedGroup: options.sharedGroup,
			clientId: `hermes-ingest-signup-${process.pid}-${randomBytes(3).toString('hex')}`,
			handle: createSignupHandler({backends, perMinute: options.perMinute, logger: options.logger}),
			logger: options.logger,
		});
		return {
			async close() {
				await server.close();
				await closeBackends();
			},
		};
	} catch (error) {
		await closeBackends();
		throw error;
	}
}

/**
 * Remove SIGINT/SIGTERM listeners that dependencies installed when they were imported: they
 * would change what a signal means here. `when-exit` (conf → atomically, loaded for the chat
 * command) re-raises the first SIGTERM, which read as the second, "abort now" signal (issue 11).
 * The ingester writes no conf file, so their clean-up has nothing to do in this process.
 * Since the commands load their modules lazily (issue 12) conf is not loaded here at all; this
 * stays as the guard against the next dependency that hooks signals on import.
 */
function removeForeignSignalListeners(logger: Logger): void {
	for (const signal of STOP_SIGNALS) {
		const foreign = process.listeners(signal);
		for (const listener of foreign) process.removeListener(signal, listener);
		if (foreign.length) logger.debug({signal, removed: foreign.length}, 'removed signal listeners installed by dependencies');
	}
}

/**
 * Resolve once the ingester has drained after the first SIGINT/SIGTERM, or been aborted by a
 * second one or by the deadline (`drainTimeoutMs`).
 */
async function untilStopped(ingester: Ingester, drainTimeoutMs: number, logger: Logger): Promise<void> {
	let onSignal: ((signal: NodeJS.Signals) => void) | undefined;
	let deadline: NodeJS.Timeout | undefined;
	await new Promise<void>((resolve) => {
		let signals = 0;
		const abort = (reason: string) => {
			logger.warn({reason}, 'abandoning the drain');
			void ingester.abort().then(resolve, resolve);
		};
		onSignal = (signal: NodeJS.Signals) => {
			signals++;
			if (signals > 1) return abort(`second ${signal}`);
			logger.info({signal, drainTimeoutMs}, 'draining: no new messages; committing and confirming what was received (signal again to abandon it)');
			deadline = setTimeout(() => abort(`drain took longer than ${drainTimeoutMs} ms`), drainTimeoutMs);
			void ingester.stop().then(resolve, (error: Error) => {
				logger.warn({err: error.message}, 'drain failed');
				abort('drain failed');
			});
		};
		for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
	});
	clearTimeout(deadline);
	for (const signal of STOP_SIGNALS) process.removeListener(signal, onSignal!);
}

function explainStartFailure(error: Error & {code?: string}, redactedDatabaseUrl: string): AbortError {
	const message = error.message.split('\n')[0] ?? String(error);
	if (message.startsWith('MQTT broker')) {
		return new AbortError(message, 'start the broker or pass --mqtt-url (env MQTT_URL)');
	}
	return new AbortError(
		`PostgreSQL ${redactedDatabaseUrl}: ${message}`,
		'start PostgreSQL or pass --database-url (env DATABASE_URL); --no-migrate skips migrations',
	);
}

function positiveInt(value: string): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
	return n;
}

function nonNegativeInt(value: string): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
	return n;
}

function port(value: string): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('must be a TCP port, 0–65535');
	return n;
}

/** An option that falls back to an environment variable (flags win). */
function envOption<T>(flags: string, description: string, env: string, parse: (value: string) => T, fallback?: T): Option {
	const option = new Option(flags, description).env(env).argParser(parse);
	return fallback === undefined ? option : option.default(fallback);
}
