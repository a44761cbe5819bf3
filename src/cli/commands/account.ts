// `hermes-chat account create|passwd|disable|enable|list`: the operator's account commands, applied
// to PostgreSQL (always) and to Mosquitto's dynamic-security plugin (when an admin URL is set).
// Composition root: may import accounts/, store/ (accounts), live/ (dynsec, redact), log and cli/.
import {Command, Option} from 'commander';
import {AccountError, type AccountBackend, type AccountInfo} from '../../accounts/backend.js';
import type {PostgresAccountBackend} from '../../store/accounts.js';
import {resolveServiceConfig} from '../config.js';
import {AbortError} from '../errors.js';
import {examples} from '../help.js';
import {promptNewPassword, readPasswordFromStdin} from '../password-input.js';

interface AccountFlags {
	databaseUrl?: string;
	mqttAdminUrl?: string;
	topic?: string;
	passwordStdin?: boolean;
}

/** One backend's outcome of one command. */
interface Outcome {
	backend: string;
	error?: Error;
}

/**
 * The `account` command group. Each subcommand uses the owner's database URL (as `migrate`);
 * create and passwd read the password from a hidden prompt (twice) or `--password-stdin`.
 * Every configured backend is tried; one line per backend on stdout, failures as one error
 * line and exit status 1.
 */
export function accountCommand(): Command {
	const command = new Command('account')
		.description('create, change, disable, enable and list chat accounts (operator; uses the owner DATABASE_URL)')
		.addHelpText(
			'after',
			'\nAn account is a PostgreSQL login role (reads only its own conversations) and, with --mqtt-admin-url\n' +
				"(env MQTT_ADMIN_URL), a Mosquitto dynamic-security client. Passwords: at least 8 characters.\n" +
				examples([
					'hermes-chat account create alice                       # asks for the password twice (hidden)',
					'printf %s "$PW" | hermes-chat account create alice --password-stdin',
					'hermes-chat account passwd alice',
					'hermes-chat account disable alice                      # refused at once, open sessions ended',
					'hermes-chat account list --database-url postgres://hermes:hermes@127.0.0.1:5432/hermes',
				]),
		);
	const withPassword = (name: string, description: string, verb: string, isCreate: boolean, apply: (backend: AccountBackend, user: string, password: string) => Promise<void>) =>
		withCommonOptions(new Command(name).description(description).argument('<user>', 'the user id'))
			.option('--password-stdin', 'read the password from stdin instead of asking')
			.action(async (user: string, flags: AccountFlags) => {
				const [{accountIdProblem}, {passwordProblem}] = await Promise.all([import('../../store/accounts.js'), import('../../accounts/password.js')]);
				// Before asking for a password that could not be used anyway.
				const idProblem = accountIdProblem(user);
				if (idProblem) throw new AbortError(idProblem.message);
				const password = flags.passwordStdin ? await readPasswordFromStdin() : await promptNewPassword(user);
				// Before any backend: one that took it while another refused would keep it.
				const problem = passwordProblem(password);
				if (problem) throw new AbortError(problem, 'nothing was changed');
				await applyEverywhere(flags, user, verb, (backend) => apply(backend, user, password), isCreate);
			});
	command.addCommand(withPassword('create', 'create an account', 'created', true, (backend, user, password) => backend.create(user, password)));
	command.addCommand(withPassword('passwd', "replace an account's password", 'password changed for', false, (backend, user, password) => backend.setPassword(user, password)));
	command.addCommand(
		withCommonOptions(new Command('disable').description('refuse new logins and end open sessions at once').argument('<user>', 'the user id'))
			.action(async (user: string, flags: AccountFlags) => applyEverywhere(flags, user, 'disabled', (backend) => backend.setDisabled(user, true))),
	);
	command.addCommand(
		withCommonOptions(new Command('enable').description('let a disabled account log in again').argument('<user>', 'the user id'))
			.action(async (user: string, flags: AccountFlags) => applyEverywhere(flags, user, 'enabled', (backend) => backend.setDisabled(user, false))),
	);
	command.addCommand(
		new Command('list')
			.description('list the accounts of the database: id, created, disabled (UTC)')
			.option('--database-url <url>', 'PostgreSQL, as its owner (env DATABASE_URL, or POSTGRES_HOST/…)')
			.action(async (flags: AccountFlags) => listAccounts(flags)),
	);
	return command;
}

function withCommonOptions(command: Command): Command {
	return command
		.option('--database-url <url>', 'PostgreSQL, as its owner (env DATABASE_URL, or POSTGRES_HOST/…)')
		.addOption(new Option('--mqtt-admin-url <url>', 'Mosquitto dynamic-security admin, mqtt://admin:password@host:1883 (default: PostgreSQL only)').env('MQTT_ADMIN_URL'))
		.option('--topic <base>', 'base topic the broker ACLs are written for (env MQTT_TOPIC, default chat/messages)');
}

// The actions import pg, mqtt and pino when they run, so that `--help` and the other commands start
// without them (issue 12: start-up time).

/**
 * Apply one command to every configured backend, in order, reporting each. With `isCreate`, every
 * backend is first asked whether the id could ever be an account there (`idProblem`): a refusal
 * stops the command before anything changes, so an id one backend always refuses (the owner's
 * role, the broker's ingester) is created on none.
 * @throws AbortError naming each backend that refused, and those it was applied to.
 */
async function applyEverywhere(flags: AccountFlags, user: string, verb: string, apply: (backend: AccountBackend) => Promise<void>, isCreate = false): Promise<void> {
	const {redact} = await import('../../live/connect.js');
	const backends = await openBackends(flags);
	const outcomes: Outcome[] = [];
	let isUnchanged = false;
	try {
		outcomes.push(...(isCreate ? await idRefusals(backends, user) : []));
		isUnchanged = outcomes.length > 0;
		if (!isUnchanged) {
			for (const backend of backends) {
				try {
					await apply(backend);
					outcomes.push({backend: backend.name});
					process.stdout.write(`${verb} ${user} (${backend.name})\n`);
				} catch (error) {
					outcomes.push({backend: backend.name, error: error as Error});
				}
			}
		}
	} finally {
		await Promise.all(backends.map((backend) => backend.close()));
	}
	const failed = outcomes.filter((outcome) => outcome.error);
	if (failed.length === 0) return;
	const done = outcomes.filter((outcome) => !outcome.error).map((outcome) => outcome.backend);
	const reasons = failed.map((outcome) => `${outcome.backend}: ${describe(outcome.error!, redact, outcome.backend === 'postgres' ? flags : undefined)}`).join('; ');
	// Whatever a backend's message says, the admin password does not reach the terminal.
	const admin = flags.mqttAdminUrl;
	const hint = done.length ? `applied to ${done.join(', ')} only — fix the rest and run the command again there` : isUnchanged ? 'nothing was changed' : undefined;
	throw new AbortError(admin ? reasons.replaceAll(admin, redact(admin)) : reasons, hint);
}

/** The backends that refuse `user` as an id outright, or cannot be asked (unreachable): then nothing is created anywhere. */
async function idRefusals(backends: AccountBackend[], user: string): Promise<Outcome[]> {
	const outcomes = await Promise.all(
		backends.map(async (backend): Promise<Outcome> => {
			try {
				return {backend: backend.name, error: await backend.idProblem(user)};
			} catch (error) {
				return {backend: backend.name, error: error as Error};
			}
		}),
	);
	return outcomes.filter((outcome) => outcome.error);
}

async function openBackends(flags: AccountFlags): Promise<AccountBackend[]> {
	const postgres = await openPostgres(flags);
	// On the hub an account would be a row and a role that nobody logs in with: say so instead.
	if (await postgres.isPglite().catch(() => false)) {
		await postgres.close();
		throw new AbortError(
			'this database is the embedded hub\'s: every identity there logs in with the hub secret, so an account would change nothing',
			'accounts are for PostgreSQL + Mosquitto (docker compose); to keep someone out of a hub, rotate its secret (README: the hub secret)',
		);
	}
	const backends: AccountBackend[] = [postgres];
	const config = resolveServiceConfig(flags);
	if (flags.mqttAdminUrl) {
		try {
			const [{createDynsecBackend}, {createLogger}] = await Promise.all([import('../../live/dynsec.js'), import('../../log.js')]);
			backends.push(await createDynsecBackend({adminUrl: flags.mqttAdminUrl, topicBase: config.topicBase, logger: createLogger({name: 'account', level: process.env.LOG_LEVEL ?? 'warn'})}));
		} catch (error) {
			// Still applied to PostgreSQL; the Mosquitto failure is reported with the outcome.
			backends.push(failingBackend('mosquitto', error as Error));
		}
	}
	return backends;
}

async function openPostgres(flags: AccountFlags): Promise<PostgresAccountBackend> {
	const {databaseUrl} = resolveServiceConfig(flags);
	if (!databaseUrl) {
		throw new AbortError('no database configured', 'pass --database-url postgres://owner@host:5432/db or set DATABASE_URL');
	}
	const {createPostgresAccountBackend} = await import('../../store/accounts.js');
	return createPostgresAccountBackend({databaseUrl});
}

async function listAccounts(flags: AccountFlags): Promise<void> {
	const {redact} = await import('../../live/connect.js');
	const backend = await openPostgres(flags);
	let accounts: AccountInfo[];
	try {
		accounts = await backend.list();
	} catch (error) {
		throw new AbortError(`postgres: ${describe(error as Error, redact, flags)}`);
	} finally {
		await backend.close();
	}
	const rows = [['ID', 'CREATED', 'DISABLED'], ...accounts.map((a) => [a.userId, utc(a.createdAt), a.disabledAt ? utc(a.disabledAt) : '-'])];
	const width = Math.max(...rows.map((row) => row[0]!.length));
	for (const row of rows) process.stdout.write(`${row[0]!.padEnd(width)}  ${row[1]!.padEnd(20)}  ${row[2]}\n`);
}

/** One line for a backend's failure: an AccountError's own message, else the first line (with the database, password hidden by `redact`). */
function describe(error: Error, redact: (url: string) => string, flags?: AccountFlags): string {
	if (error instanceof AccountError) return error.message;
	const first = error.message.split('\n')[0] ?? String(error);
	const url = flags && resolveServiceConfig(flags).databaseUrl;
	return url ? `${first} (${redact(url)})` : first;
}

function failingBackend(name: string, error: Error): AccountBackend {
	const fail = () => Promise.reject(error);
	return {name, idProblem: fail, create: fail, setPassword: fail, setDisabled: fail, close: () => Promise.resolve()};
}

function utc(ms: number): string {
	return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
