// End to end: `hermes-chat account …` (the built CLI) against the real PostgreSQL: create with
// --password-stdin and with the hidden prompt in a real terminal, list, disable/enable, passwd,
// one-line refusals with exit status 1, and the Mosquitto backend tried when an admin URL is set.
import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {randomBytes} from 'node:crypto';
import pg from 'pg';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {verifyPassword} from '../../src/accounts/password.js';
import {silentLogger} from '../../src/log.js';
import {runMigrations} from '../../src/store/migrate.js';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../helpers/db.js';
import {startTerminal, type TerminalSession} from '../helpers/terminal.js';
import {CLI} from './embedded-cli.js';

interface Result {
	code: number;
	stdout: string;
	stderr: string;
}

const SERVICE_VARIABLES = ['DATABASE_URL', 'POSTGRES_HOST', 'MQTT_ADMIN_URL', 'MQTT_URL', 'MQTT_TOPIC'];

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('hermes-chat account', () => {
	// Roles are cluster-wide on the shared server: ids unique per run, dropped afterwards.
	const tag = randomBytes(3).toString('hex');
	const [alice, bob] = [`alice_${tag}`, `bob_${tag}`];
	let database: TestDatabase;
	const sessions: TerminalSession[] = [];

	/** The CLI with pipes (no terminal), `input` on stdin. */
	const cli = (args: string[], input?: string, extraEnv: Record<string, string> = {}): Promise<Result> => {
		const env: Record<string, string> = {};
		for (const [key, value] of Object.entries({...process.env, ...extraEnv})) {
			if (value !== undefined && !(SERVICE_VARIABLES.includes(key) && !(key in extraEnv))) env[key] = value;
		}
		return new Promise((resolve) => {
			const child = execFile(process.execPath, [CLI, 'account', ...args], {env, timeout: 30_000}, (error, stdout, stderr) => {
				resolve({code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr});
			});
			child.stdin?.end(input ?? '');
		});
	};
	const owner = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
		const client = new pg.Client(database.url);
		await client.connect();
		try {
			return await work(client);
		} finally {
			await client.end();
		}
	};

	beforeAll(async () => {
		if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
		database = await createTestDatabase();
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
	});
	afterEach(async () => {
		await Promise.all(sessions.splice(0).map((session) => session.close()));
	});
	afterAll(async () => {
		await database?.drop();
		// The roles outlive the database; nobody else uses these names.
		const client = new pg.Client(process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
		await client.connect();
		for (const role of [alice, bob]) await client.query(`DROP ROLE IF EXISTS "${role}"`).catch(() => undefined);
		await client.end();
	});

	it('creates from --password-stdin (one trailing newline dropped), lists, disables and enables', async () => {
		const created = await cli(['create', alice, '--password-stdin', '--database-url', database.url], 'alice-password\n');
		expect(created).toEqual({code: 0, stdout: `created ${alice} (postgres)\n`, stderr: ''});
		const role = await owner((client) => client.query<{rolcanlogin: boolean; rolpassword: string}>('SELECT rolcanlogin, rolpassword FROM pg_authid WHERE rolname = $1', [alice]));
		expect(role.rows[0]!.rolcanlogin).toBe(true);
		const hash = await owner((client) => client.query<{password_hash: string}>('SELECT password_hash FROM accounts WHERE user_id = $1', [alice]));
		expect(await verifyPassword('alice-password', hash.rows[0]!.password_hash)).toBe(true);
		expect(JSON.stringify([role.rows, hash.rows])).not.toContain('alice-password');

		const disabled = await cli(['disable', alice], undefined, {DATABASE_URL: database.url});
		expect(disabled).toEqual({code: 0, stdout: `disabled ${alice} (postgres)\n`, stderr: ''});
		const listed = await cli(['list'], undefined, {DATABASE_URL: database.url});
		expect(listed.code).toBe(0);
		const lines = listed.stdout.trimEnd().split('\n');
		expect(lines[0]).toMatch(/^ID\s+CREATED\s+DISABLED$/);
		expect(lines[1]).toMatch(new RegExp(`^${alice}\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`));
		expect((await cli(['enable', alice, '--database-url', database.url])).stdout).toBe(`enabled ${alice} (postgres)\n`);
		expect((await cli(['list', '--database-url', database.url])).stdout.trimEnd().split('\n')[1]).toMatch(/\s-$/);
	});

	it('refuses in one line with exit status 1: an existing id, a reserved role, a short password, no terminal, no database', async () => {
		const again = await cli(['create', alice, '--password-stdin', '--database-url', database.url], 'whatever-password');
		expect(again).toEqual({code: 1, stdout: '', stderr: `hermes-chat: postgres: account ${alice} exists already\n`});
		const reserved = await cli(['create', 'postgres', '--password-stdin', '--database-url', database.url], 'whatever-password');
		expect(reserved.stderr).toBe('hermes-chat: postgres: postgres is a PostgreSQL role that is not an account of this database — nothing was changed\n');
		const short = await cli(['create', bob, '--password-stdin', '--database-url', database.url], 'short');
		expect(short).toEqual({code: 1, stdout: '', stderr: 'hermes-chat: a password needs at least 8 characters — nothing was changed\n'});
		const invalid = await cli(['create', 'a/b', '--database-url', database.url]);
		expect(invalid.stderr).toMatch(/^hermes-chat: "a\/b" is not a valid account id: 1–63 characters of A-Z a-z 0-9 _ \. -\n$/);
		const noTerminal = await cli(['passwd', alice, '--database-url', database.url]);
		expect(noTerminal).toEqual({code: 1, stdout: '', stderr: 'hermes-chat: no terminal to ask for the password on — pipe it with --password-stdin\n'});
		const unknown = await cli(['disable', bob, '--database-url', database.url]);
		expect(unknown.stderr).toBe(`hermes-chat: postgres: no account "${bob}"\n`);
		const noDatabase = await cli(['list']);
		expect(noDatabase.stderr).toMatch(/^hermes-chat: no database configured — /);
		const noRole = await owner((client) => client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [bob]));
		expect(noRole.rowCount).toBe(0);
	});

	it('applies to Mosquitto too when an admin URL is set, and says which backend failed', async () => {
		// No broker on port 1: a create changes nothing anywhere (no account half made) ...
		const unreachable = {MQTT_ADMIN_URL: 'mqtt://admin:secret@127.0.0.1:1'};
		const result = await cli(['create', bob, '--password-stdin', '--database-url', database.url], 'bob-password-1', unreachable);
		expect(result.code).toBe(1);
		expect(result.stdout).toBe('');
		expect(result.stderr).toMatch(/^hermes-chat: mosquitto: .+ — nothing was changed\n$/);
		expect(result.stderr).not.toContain('secret');
		expect((await owner((client) => client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [bob]))).rowCount).toBe(0);
		// ... while a disable is applied wherever it can be, and says where it was not.
		const disabled = await cli(['disable', alice, '--database-url', database.url], undefined, unreachable);
		expect(disabled.code).toBe(1);
		expect(disabled.stdout).toBe(`disabled ${alice} (postgres)\n`);
		expect(disabled.stderr).toMatch(/^hermes-chat: mosquitto: .+ — applied to postgres only — fix the rest and run the command again there\n$/);
		expect(disabled.stderr).not.toContain('secret');
		expect((await cli(['enable', alice, '--database-url', database.url])).code).toBe(0);
	});

	it('asks twice with the input hidden on a terminal, and refuses two different answers', async () => {
		const start = () => {
			const session = startTerminal({command: process.execPath, args: [CLI, 'account', 'passwd', alice, '--database-url', database.url], cols: 100, rows: 10});
			sessions.push(session);
			return session;
		};
		const hashOf = async () => (await owner((client) => client.query<{password_hash: string}>('SELECT password_hash FROM accounts WHERE user_id = $1', [alice]))).rows[0]!.password_hash;
		const before = await hashOf();
		const session = start();
		await session.waitFor(`New password for ${alice}:`);
		session.write('typed-secret-1\r');
		await session.waitFor('Again:');
		session.write('typed-secret-1\r');
		await session.waitFor(`password changed for ${alice} (postgres)`);
		expect((await session.exited).exitCode).toBe(0);
		expect(session.output()).not.toContain('typed-secret');
		expect(await hashOf()).not.toBe(before);

		const mismatch = start();
		await mismatch.waitFor(`New password for ${alice}:`);
		mismatch.write('typed-secret-2\r');
		await mismatch.waitFor('Again:');
		mismatch.write('typed-secret-3\r');
		await mismatch.waitFor('hermes-chat: the two passwords differ — run the command again');
		expect((await mismatch.exited).exitCode).toBe(1);
		expect(mismatch.output()).not.toContain('typed-secret');
	});
});
