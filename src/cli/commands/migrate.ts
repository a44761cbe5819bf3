// `hermes-chat migrate`: apply the numbered SQL migrations to a PostgreSQL database and say which.
// Composition root: may import store/ (migrate), live/ (redact), log and cli/.
import {Command} from 'commander';
import {resolveServiceConfig} from '../config.js';
import {AbortError} from '../errors.js';
import {examples} from '../help.js';

/**
 * The `migrate` command: apply pending migrations (forward-only, one transaction, safe to run
 * while ingesters start) and print one line per applied migration, or `up to date`.
 */
export function migrateCommand(): Command {
	return new Command('migrate')
		.description('apply pending database migrations and print which were applied')
		.option('--database-url <url>', 'PostgreSQL (env DATABASE_URL, or POSTGRES_HOST/POSTGRES_PORT/POSTGRES_DB/…)')
		.addHelpText(
			'after',
			examples([
				'hermes-chat migrate --database-url postgres://postgres@127.0.0.1:5432/chat',
				'POSTGRES_HOST=db POSTGRES_USER=hermes POSTGRES_PASSWORD=hermes POSTGRES_DB=hermes hermes-chat migrate',
			]),
		)
		.action(async (flags: {databaseUrl?: string}) => runMigrate(flags));
}

async function runMigrate(flags: {databaseUrl?: string}): Promise<void> {
	const {databaseUrl} = resolveServiceConfig(flags);
	if (!databaseUrl) {
		throw new AbortError('no database configured', 'pass --database-url postgres://user@host:5432/db or set DATABASE_URL');
	}
	// Loaded here so that `--help` and the other commands start without pg, node-pg-migrate, mqtt
	// and pino (issue 12: start-up time).
	const [{redact}, {createLogger}, {runMigrations}] = await Promise.all([
		import('../../live/connect.js'),
		import('../../log.js'),
		import('../../store/migrate.js'),
	]);
	// stdout carries the answer; stderr only warnings unless LOG_LEVEL says otherwise.
	const logger = createLogger({name: 'migrate', level: process.env.LOG_LEVEL ?? 'warn'});
	let applied: string[];
	try {
		applied = await runMigrations({databaseUrl, logger});
	} catch (error) {
		const message = (error as Error).message.split('\n')[0];
		throw new AbortError(`PostgreSQL ${redact(databaseUrl)}: ${message}`, 'check --database-url (env DATABASE_URL) and that PostgreSQL runs');
	}
	if (applied.length === 0) process.stdout.write('up to date\n');
	for (const name of applied) process.stdout.write(`applied ${name}\n`);
}
