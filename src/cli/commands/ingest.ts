// `hermes-chat ingest`: the server-side ingester as a long-running process (JSON logs on stderr).
// Composition root: may import ingest/, live/ (redact), log and cli/.
import {Command, InvalidArgumentError} from 'commander';
import {startIngester, type Ingester} from '../../ingest/ingester.js';
import {redact} from '../../live/connect.js';
import {createLogger} from '../../log.js';
import {resolveServiceConfig} from '../config.js';
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
}

/**
 * The `ingest` command: subscribe to all chat traffic, store it in PostgreSQL in batches and
 * confirm each message (✓) after COMMIT. Runs migrations first unless `--no-migrate`.
 * Stops cleanly on SIGINT/SIGTERM (writes what is queued); a second signal abandons it.
 */
export function ingestCommand(): Command {
	return new Command('ingest')
		.description('store all chat traffic in PostgreSQL and confirm each message to its sender')
		.option('--mqtt-url <url>', 'MQTT broker (env MQTT_URL, or MQTT_BROKER_HOST/MQTT_BROKER_PORT)')
		.option('--database-url <url>', 'PostgreSQL (env DATABASE_URL, or POSTGRES_HOST/POSTGRES_PORT/POSTGRES_DB/…)')
		.option('--topic <base>', 'base topic (env MQTT_TOPIC, default chat/messages)')
		.option('--batch-size <n>', 'largest batch written in one transaction', positiveInt, 500)
		.option('--linger-ms <ms>', 'how long a batch waits for more messages', nonNegativeInt, 10)
		.option('--shared-group <name>', 'MQTT 5 shared subscription group (ingesters in one group split the load)', 'hermes-ingest')
		.option('--no-migrate', 'do not run database migrations at start')
		.addHelpText(
			'after',
			'\nLogs JSON lines to stderr (LOG_LEVEL=debug for more). Ctrl-C writes what is queued, then exits.\n' +
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
	if (!config.databaseUrl) {
		throw new AbortError('no database configured', 'pass --database-url postgres://user@host:5432/db or set DATABASE_URL');
	}
	const logger = createLogger({name: 'ingest'});
	let ingester: Ingester;
	try {
		ingester = await startIngester({
			mqttUrl: config.mqttUrl,
			databaseUrl: config.databaseUrl,
			topicBase: config.topicBase,
			batchSize: flags.batchSize,
			lingerMs: flags.lingerMs,
			sharedGroup: flags.sharedGroup,
			migrate: flags.migrate,
			logger,
		});
	} catch (error) {
		throw explainStartFailure(error as Error & {code?: string}, config.mqttUrl, config.databaseUrl);
	}
	logger.info({topicBase: config.topicBase, isShared: ingester.isShared}, 'ingester running');
	let onSignal: ((signal: NodeJS.Signals) => void) | undefined;
	await new Promise<void>((resolve) => {
		let signals = 0;
		onSignal = (signal: NodeJS.Signals) => {
			signals++;
			if (signals === 1) {
				logger.info({signal}, 'stopping: writing what is queued (signal again to abandon it)');
				void ingester.stop().then(resolve, resolve);
			} else {
				void ingester.abort().then(resolve, resolve);
			}
		};
		process.on('SIGINT', onSignal);
		process.on('SIGTERM', onSignal);
	});
	if (onSignal) {
		process.removeListener('SIGINT', onSignal);
		process.removeListener('SIGTERM', onSignal);
	}
}

function explainStartFailure(error: Error & {code?: string}, mqttUrl: string, databaseUrl: string): AbortError {
	const message = error.message.split('\n')[0] ?? String(error);
	if (message.startsWith('MQTT broker')) {
		return new AbortError(message, 'start the broker or pass --mqtt-url (env MQTT_URL)');
	}
	return new AbortError(
		`PostgreSQL ${redact(databaseUrl)}: ${message}`,
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
