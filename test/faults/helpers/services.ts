// Private Mosquitto and PostgreSQL instances for faults that kill or stop them, on the fault
// suite's port range (21600–21799) with their files under /tmp/faults/. Both are real daemons.
import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {existsSync, readdirSync} from 'node:fs';
import {chmod, chown, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {connect} from 'node:net';
import {join} from 'node:path';
import {promisify} from 'node:util';

const run = promisify(execFile);
/** Every private file of the fault suite lives under here (`FAULTS_TMP` overrides `/tmp/faults`). */
export const FAULTS_TMP = process.env.FAULTS_TMP ?? '/tmp/faults';

/** Whether something accepts TCP connections on 127.0.0.1:`port` (one attempt, ≤ 1 s). */
export function isPortOpen(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({host: '127.0.0.1', port});
		const done = (ok: boolean) => (socket.destroy(), resolve(ok));
		socket.setTimeout(1_000, () => done(false));
		socket.once('connect', () => done(true));
		socket.once('error', () => done(false));
	});
}

/** Poll `port` every 100 ms until it is open (`open` true) or closed, for at most `timeoutMs`. */
export async function waitForPort(port: number, open: boolean, timeoutMs = 30_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while ((await isPortOpen(port)) !== open) {
		if (Date.now() > deadline) throw new Error(`port ${port} still ${open ? 'closed' : 'open'} after ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

/** A temp dir `/tmp/faults/<prefix>-XXXXXX`. */
export async function faultsTempDir(prefix: string): Promise<string> {
	await mkdir(FAULTS_TMP, {recursive: true});
	return mkdtemp(join(FAULTS_TMP, `${prefix}-`));
}

/** Why a private Mosquitto cannot run here, or undefined. */
export function mosquittoProblem(): string | undefined {
	return existsSync('/usr/sbin/mosquitto') ? undefined : 'no /usr/sbin/mosquitto';
}

/**
 * A private Mosquitto with persistence on (saved on every change: `autosave_on_changes`,
 * `autosave_interval 1`), MQTT 5 shared subscriptions, anonymous, 127.0.0.1:`port` only.
 */
export class PrivateMosquitto {
	#child: ChildProcess | undefined;

	private constructor(readonly port: number, readonly dir: string) {}

	get url(): string {
		return `mqtt://127.0.0.1:${this.port}`;
	}

	static async start(port: number): Promise<PrivateMosquitto> {
		const dir = await faultsTempDir(`mosquitto-${port}`);
		await writeFile(join(dir, 'mosquitto.conf'), [
			`listener ${port} 127.0.0.1`,
			'allow_anonymous true',
			'persistence true',
			`persistence_location ${dir}/`,
			'autosave_on_changes true',
			'autosave_interval 1',
			'max_queued_messages 100000',
			'max_inflight_messages 100',
			`log_dest file ${dir}/mosquitto.log`,
			'log_type error',
			'log_type warning',
			'log_type notice',
			'log_type information',
			'',
		].join('\n'));
		// mosquitto drops root privileges to `mosquitto`, which must own the persistence directory.
		await chmod(dir, 0o777);
		const broker = new PrivateMosquitto(port, dir);
		await broker.restart();
		return broker;
	}

	/** Start it (again) on the same port and persistence file; resolves once the port is open. */
	async restart(): Promise<void> {
		this.#child = spawn('/usr/sbin/mosquitto', ['-c', join(this.dir, 'mosquitto.conf')], {stdio: 'ignore'});
		await waitForPort(this.port, true);
	}

	/** kill -9: no chance to save anything beyond what autosave already wrote. */
	async kill9(): Promise<void> {
		const child = this.#child;
		// A child killed by a signal keeps exitCode null (signalCode is set): without this check, a
		// second kill9() (or stop() after kill9()) would wait forever for an 'exit' already emitted.
		if (!child || child.exitCode !== null || child.signalCode !== null) return;
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGKILL');
		await exited;
		await waitForPort(this.port, false);
	}

	async stop(): Promise<void> {
		await this.kill9();
		await rm(this.dir, {recursive: true, force: true});
	}
}

function postgresBin(): string | undefined {
	const root = '/usr/lib/postgresql';
	if (!existsSync(root)) return undefined;
	const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
	return version ? join(root, version, 'bin') : undefined;
}

/** Why a private PostgreSQL cannot run here, or undefined. */
export function postgresProblem(): string | undefined {
	const bin = postgresBin();
	if (!bin || !existsSync(join(bin, 'initdb'))) return 'no initdb under /usr/lib/postgresql/*/bin';
	if (process.getuid?.() === 0) return undefined;
	return undefined;
}

/**
 * A private PostgreSQL cluster (initdb into a temp dir, trust auth, 127.0.0.1:`port`), run as
 * the `postgres` user when we are root (initdb refuses root). `stop()`/`start()` stop and
 * start the server under load; `destroy()` removes it.
 */
export class PrivatePostgres {
	private constructor(readonly port: number, readonly dir: string, private readonly bin: string, private readonly fsync = false) {}

	/** `postgres://postgres@127.0.0.1:<port>/postgres` */
	get adminUrl(): string {
		return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
	}

	/** URL of database `name` on this cluster. */
	urlOf(name: string): string {
		return `postgres://postgres@127.0.0.1:${this.port}/${name}`;
	}

	/**
	 * initdb and start a cluster on `port`. `options.hbaLines` replace pg_hba.conf (e.g. trust for
	 * `postgres` and scram-sha-256 for everyone else, to test password logins); default trust.
	 * `options.fsync` runs it with fsync on (benchmarks); the fault suite's default is off.
	 */
	static async start(port: number, options: {hbaLines?: readonly string[]; fsync?: boolean} = {}): Promise<PrivatePostgres> {
		const bin = postgresBin();
		if (!bin) throw new Error('no PostgreSQL binaries');
		const dir = await faultsTempDir(`pg-${port}`);
		await chmod(dir, 0o755);
		const data = join(dir, 'data');
		await mkdir(data);
		const isRoot = process.getuid?.() === 0;
		if (isRoot) {
			const {stdout} = await run('id', ['-u', 'postgres']);
			const {stdout: gid} = await run('id', ['-g', 'postgres']);
			await chown(dir, Number(stdout), Number(gid));
			await chown(data, Number(stdout), Number(gid));
		}
		const server = new PrivatePostgres(port, dir, bin, options.fsync);
		await server.#asOwner(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
		// Readable by the server (0644) whoever writes it.
		if (options.hbaLines) await writeFile(join(data, 'pg_hba.conf'), `${options.hbaLines.join('\n')}\n`, {mode: 0o644});
		await server.start();
		await server.#asOwner(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'test']);
		return server;
	}

	/** Start the server; resolves once it accepts connections. */
	async start(): Promise<void> {
		const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=${this.fsync ? 'on' : 'off'} -c max_connections=60`;
		await this.#asOwner(join(this.bin, 'pg_ctl'), ['-D', join(this.dir, 'data'), '-o', options, '-l', join(this.dir, 'log'), '-w', 'start']);
	}

	/** Stop the server: `fast` (clients disconnected, clean) or `immediate` (like a crash). */
	async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
		await this.#asOwner(join(this.bin, 'pg_ctl'), ['-D', join(this.dir, 'data'), '-m', mode, '-w', 'stop']);
	}

	async destroy(): Promise<void> {
		await this.stop('immediate').catch(() => undefined);
		await rm(this.dir, {recursive: true, force: true});
	}

	async #asOwner(command: string, args: string[]): Promise<void> {
		const isRoot = process.getuid?.() === 0;
		const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
		await run(file, argv, {cwd: '/'});
	}
}
