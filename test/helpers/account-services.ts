// Test helper: services that check passwords, as production does after issue 9 — a private
// PostgreSQL cluster with scram-sha-256 for everyone but the `postgres` owner, and a private
// Mosquitto with a password file and no anonymous access. PostgreSQL accounts are made by the
// product's own backend (store/accounts.ts: accounts row + login role, migration 005's
// row-level security); the broker side with `mosquitto_passwd` (the dynamic-security backend has
// its own suite, mosquitto-dynsec.test.ts).
import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import {chmod, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {createServer} from 'node:net';
import {join} from 'node:path';
import {promisify} from 'node:util';
import pg from 'pg';
import {createPostgresAccountBackend} from '../../src/store/accounts.js';
import {connectBroker} from '../../src/live/connect.js';
import {silentLogger} from '../../src/log.js';
import {runMigrations} from '../../src/store/migrate.js';
import {faultsTempDir, mosquittoProblem, postgresProblem, PrivatePostgres, waitForPort} from '../faults/helpers/services.js';

const run = promisify(execFile);
const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd';

/** Why these services cannot run here, or undefined. */
export function accountServicesProblem(): string | undefined {
	return postgresProblem() ?? mosquittoProblem() ?? (existsSync(MOSQUITTO_PASSWD) ? undefined : `no ${MOSQUITTO_PASSWD}`);
}

/** A port nobody listens on right now (bound to port 0, then released). */
export async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as {port: number};
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

/** Running password-checking services; see {@link startAccountServices}. */
export interface AccountServices {
	/** `postgres://127.0.0.1:<port>/test`: no user name, so the TUI is in account mode. */
	databaseUrl: string;
	/** `mqtt://127.0.0.1:<port>`: no user name. */
	mqttUrl: string;
	/** The owner's URL (trust), for checks behind the test's back. */
	ownerUrl: string;
	/**
	 * Create `userId` with `password` on both services. `isDisabled`: the PostgreSQL role gets
	 * NOLOGIN (as a disabled account would); `isDisabled` or `isPostgresOnly`: no broker account.
	 */
	addAccount(userId: string, password: string, options?: {isDisabled?: boolean; isPostgresOnly?: boolean}): Promise<void>;
	stop(): Promise<void>;
}

/**
 * Start both on free ports, migrate the `test` database as its owner, then switch PostgreSQL
 * to password auth (waits until a wrong password is refused, so the switch has taken effect).
 */
export async function startAccountServices(): Promise<AccountServices> {
	const postgres = await PrivatePostgres.start(await freePort());
	const ownerUrl = postgres.urlOf('test');
	const mqttDir = await faultsTempDir('mosquitto-accounts');
	let broker: ChildProcess | undefined;
	try {
		await runMigrations({databaseUrl: ownerUrl, logger: silentLogger()});
		await writeFile(
			join(postgres.dir, 'data', 'pg_hba.conf'),
			['local all all trust', 'host all postgres 127.0.0.1/32 trust', 'host all all 127.0.0.1/32 scram-sha-256', ''].join('\n'),
		);
		await asOwner(ownerUrl, (client) => client.query('SELECT pg_reload_conf()'));
		await waitForPasswordAuth(postgres.port);

		const passwordFile = join(mqttDir, 'passwd');
		await writeFile(passwordFile, '');
		const mqttPort = await freePort();
		await writeFile(join(mqttDir, 'mosquitto.conf'), [
			`listener ${mqttPort} 127.0.0.1`,
			'allow_anonymous false',
			`password_file ${passwordFile}`,
			'persistence false',
			`log_dest file ${mqttDir}/mosquitto.log`,
			'',
		].join('\n'));
		// Started as root, Mosquitto drops to its own user, which must read the files and write the log.
		await chmod(mqttDir, 0o777);
		await chmod(passwordFile, 0o644);
		broker = spawn('/usr/sbin/mosquitto', ['-c', join(mqttDir, 'mosquitto.conf')], {stdio: 'ignore'});
		await waitForPort(mqttPort, true);
		const mosquitto = broker;

		return {
			databaseUrl: `postgres://127.0.0.1:${postgres.port}/test`,
			mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
			ownerUrl,
			async addAccount(userId, password, options = {}) {
				const accounts = createPostgresAccountBackend({databaseUrl: ownerUrl});
				try {
					await accounts.create(userId, password);
					if (options.isDisabled) await accounts.setDisabled(userId, true);
				} finally {
					await accounts.close();
				}
				if (options.isDisabled || options.isPostgresOnly) return;
				await run(MOSQUITTO_PASSWD, ['-b', passwordFile, userId, password]);
				await chmod(passwordFile, 0o644);
				// SIGHUP: Mosquitto reloads its password file.
				mosquitto.kill('SIGHUP');
				await waitForBrokerAccount(mqttPort, userId, password);
			},
			async stop() {
				await stopChild(mosquitto);
				await postgres.destroy();
				await rm(mqttDir, {recursive: true, force: true});
			},
		};
	} catch (error) {
		await stopChild(broker);
		await postgres.destroy();
		await rm(mqttDir, {recursive: true, force: true});
		throw error;
	}
}

async function asOwner<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
	const client = new pg.Client({connectionString: url});
	await client.connect();
	try {
		return await work(client);
	} finally {
		await client.end();
	}
}

/** Poll until a login without the password is refused (28P01): the reload is in effect. */
async function waitForPasswordAuth(port: number): Promise<void> {
	for (;;) {
		const client = new pg.Client({connectionString: `postgres://nobody:x@127.0.0.1:${port}/test`});
		try {
			await client.connect();
			await client.end();
		} catch (error) {
			if ((error as {code?: string}).code === '28P01') return;
		}
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

/** Poll until Mosquitto (after SIGHUP) lets `userId` in with `password`. */
async function waitForBrokerAccount(port: number, userId: string, password: string): Promise<void> {
	const url = new URL(`mqtt://127.0.0.1:${port}`);
	url.username = userId;
	url.password = password;
	for (;;) {
		try {
			const {client} = await connectBroker({url: url.toString(), clientId: `probe-${userId}`, reconnectPeriodMs: 0});
			await client.endAsync();
			return;
		} catch {
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
	if (!child || child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise((resolve) => child.once('exit', resolve));
	child.kill('SIGTERM');
	await exited;
}
