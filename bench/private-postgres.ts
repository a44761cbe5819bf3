// A private PostgreSQL cluster for `npm run bench`: initdb into the run's own temp dir, trust auth,
// 127.0.0.1 only, fsync ON like production (test/faults/helpers/services.ts has the fault suite's
// variant with fsync off; this one is kept apart so the benchmark never measures a cut corner).
import {execFile} from 'node:child_process';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {chmod, chown, mkdir, mkdtemp, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {promisify} from 'node:util';

const run = promisify(execFile);

/** `/usr/lib/postgresql/<newest>/bin`, or undefined when PostgreSQL's server binaries are missing. */
export function postgresBinDir(): string | undefined {
	const root = '/usr/lib/postgresql';
	if (!existsSync(root)) return undefined;
	const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
	const bin = version ? join(root, version, 'bin') : undefined;
	return bin && existsSync(join(bin, 'initdb')) ? bin : undefined;
}

/** A running private cluster; `stop()` shuts it down (immediate) and removes its files. */
export class BenchPostgres {
	private constructor(readonly port: number, readonly dir: string, private readonly bin: string) {}

	/** `postgres://postgres@127.0.0.1:<port>/postgres` (superuser, trust). */
	get adminUrl(): string {
		return this.urlOf('postgres');
	}

	/** URL of database `name` on this cluster. */
	urlOf(name: string): string {
		return `postgres://postgres@127.0.0.1:${this.port}/${name}`;
	}

	/** `psql` of the same installation (COPY baseline). */
	get psql(): string {
		return join(this.bin, 'psql');
	}

	/** The postmaster's pid (first line of postmaster.pid): every backend is its child. */
	postmasterPid(): number {
		return Number(readFileSync(join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
	}

	/**
	 * initdb a cluster under `tmpRoot` and start it on `port` (fsync on, synchronous_commit on,
	 * max_connections 100, otherwise PostgreSQL's defaults as in the postgres image). Runs the
	 * server as `postgres` when we are root (initdb refuses root).
	 * @throws Error when the binaries are missing or initdb/pg_ctl fail (their stderr attached).
	 */
	static async start(port: number, tmpRoot: string): Promise<BenchPostgres> {
		const bin = postgresBinDir();
		if (!bin) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin');
		await mkdir(tmpRoot, {recursive: true});
		const dir = await mkdtemp(join(tmpRoot, `pg-${port}-`));
		await chmod(dir, 0o755);
		const data = join(dir, 'data');
		await mkdir(data);
		if (process.getuid?.() === 0) {
			const {stdout: uid} = await run('id', ['-u', 'postgres']);
			const {stdout: gid} = await run('id', ['-g', 'postgres']);
			await chown(dir, Number(uid), Number(gid));
			await chown(data, Number(uid), Number(gid));
		}
		const server = new BenchPostgres(port, dir, bin);
		try {
			await server.#asOwner(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
			const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=on -c synchronous_commit=on -c max_connections=100`;
			await server.#asOwner(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
		} catch (error) {
			await server.stop();
			throw error;
		}
		return server;
	}

	/** Stop (immediate: nothing to keep) and remove the cluster's files; never throws. */
	async stop(): Promise<void> {
		if (existsSync(join(this.dir, 'data', 'postmaster.pid'))) {
			await this.#asOwner(join(this.bin, 'pg_ctl'), ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
		}
		await rm(this.dir, {recursive: true, force: true});
	}

	async #asOwner(command: string, args: string[]): Promise<void> {
		const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
		await run(file, argv, {cwd: '/'});
	}
}
