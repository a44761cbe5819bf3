// `hermes-chat stats`: messages per day, user and conversation with median delivery and read
// delays, from the statistics views (migration 007). Composition root: may import store/, live/ (redact), cli/.
import {Command, InvalidArgumentError} from 'commander';
import {resolveServiceConfig} from '../config.js';
import {AbortError, HUB_DATABASE_HINT} from '../errors.js';
import {examples} from '../help.js';
import {formatStats} from '../stats-format.js';

interface StatsFlags {
	databaseUrl?: string;
	days: number;
	json: boolean;
	refresh: boolean;
	top: number;
}

/**
 * The `stats` command: the report of store/stats.ts loadStats for the last `--days` UTC days
 * (today included), as text or `--json`. The views are refreshed by `hermes-chat ingest` every
 * 10 minutes; `--refresh` refreshes them first. Uses the operator's DATABASE_URL.
 */
export function statsCommand(): Command {
	return new Command('stats')
		.description('messages per day, user and conversation, and median delivery and read delays')
		.option('--days <n>', 'days to cover, ending today (UTC)', dayCount, 7)
		.option('--json', 'print the report as JSON', false)
		.option('--refresh', 'refresh the statistics views first (the ingester does every 10 minutes)', false)
		.option('--top <n>', 'users and conversations listed', dayCount, 10)
		.option('--database-url <url>', 'PostgreSQL (env DATABASE_URL, or POSTGRES_HOST/POSTGRES_PORT/POSTGRES_DB/…)')
		.addHelpText(
			'after',
			'\nFrom materialized views that `hermes-chat ingest` refreshes every 10 minutes (--stats-refresh-ms);\n' +
				'delays: a recipient’s delivered/read time minus the server’s stored time, medians to 2 significant digits.\n' +
				examples([
					'hermes-chat stats --database-url postgres://postgres@127.0.0.1:5432/chat',
					'hermes-chat stats --days 30 --json | jq .delivery',
					'hermes-chat stats --refresh --days 1',
				]),
		)
		.action(async (flags: StatsFlags) => runStats(flags));
}

function dayCount(value: string): number {
	const n = Number(value);
	if (!/^\d+$/.test(value) || n < 1 || n > 3660) throw new InvalidArgumentError('a whole number from 1 to 3660');
	return n;
}

async function runStats(flags: StatsFlags): Promise<void> {
	const {databaseUrl} = resolveServiceConfig(flags);
	if (!databaseUrl) throw new AbortError('no database configured', `pass --database-url postgres://user@host:5432/db or set DATABASE_URL (${HUB_DATABASE_HINT})`);
	// Loaded here so that `--help` and the other commands start without pg and mqtt (issue 12).
	const [{redact}, {openDb}, {loadStats, refreshStats}] = await Promise.all([
		import('../../live/connect.js'),
		import('../../store/db.js'),
		import('../../store/stats.js'),
	]);
	const db = openDb({databaseUrl, max: 1, applicationName: 'hermes-chat stats'});
	try {
		if (flags.refresh) await refreshStats(db);
		const report = await loadStats(db, {days: flags.days, now: new Date(), top: flags.top});
		process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatStats(report));
	} catch (error) {
		const message = (error as Error).message.split('\n')[0];
		const code = (error as {code?: string}).code;
		const hint = code === '42P01' ? 'the statistics views are missing: run hermes-chat migrate' : 'check --database-url (env DATABASE_URL) and that PostgreSQL runs';
		throw new AbortError(`PostgreSQL ${redact(databaseUrl)}: ${message}`, hint);
	} finally {
		await db.close();
	}
}
