// The embedded database: PGlite (Postgres in WASM) on disk, served by pglite-socket on a private
// Unix socket behind the validating front (pg-front.ts). May import @electric-sql/pglite(-socket),
// hub/, accounts/ and node:.
import {hashPassword} from '../accounts/password.js';
import {chmod, mkdir, mkdtemp, readdir, rm, stat} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PGlite} from '@electric-sql/pglite';
import {PGLiteSocketServer} from '@electric-sql/pglite-socket';
import type {Logger} from '../log.js';
import {isValidUserId} from '../protocol/index.js';
import {initClusterInChild} from './init-cluster.js';
import type {ReaderSignal} from './reader-signal.js';
import {DEFAULT_PG_FRONT_LIMITS, listenPgFront, type PgFrontLimits} from './pg-front.js';
import {sessionRoles} from './session-roles.js';

/** Connections served at most; a pg Pool of 4 per process, a few processes. */
export const DEFAULT_MAX_CONNECTIONS = DEFAULT_PG_FRONT_LIMITS.maxConnections;
/** Mode of the cluster folder: owner only, as PostgreSQL itself requires. */
export const DATA_DIR_MODE = 0o700;
/**
 * PostgreSQL's shared_buffers for PGlite, in MB (PostgreSQL's default is 128). The cluster's
 * files stay in the kernel's page cache anyway, so a smaller buffer pool costs a copy per miss
 * rather than a disk read; each MB of it is a MB of the hub's resident memory once touched.
 */
export const SHARED_BUFFERS_MB = 16;
/** Longest Unix socket path that fits `sun_path` on Linux and macOS, in bytes. */
const MAX_SOCKET_PATH = 100;

/** What {@link openDatabase} (and openDatabaseThread, database-thread.ts) take. */
export interface EmbeddedDatabaseOptions {
	/** The hub's data directory; PGlite's cluster is `<dataDir>/pgdata`. */
	dataDir: string;
	host: string;
	/** TCP port; 0 picks a free one. */
	port: number;
	logger: Logger;
	limits?: PgFrontLimits;
	/** The password of every user (the hub secret). */
	secret: string;
	/** The user name of the hub's own clients and of the operator. */
	owner: string;
	/** Marked on each chat user's request for PGlite's session (the ingester sizes its batches by it). */
	readers?: ReaderSignal;
}

/** Thrown by {@link openDatabase} when `pgdata` holds files but is not a PostgreSQL cluster. */
export class DataDirectoryError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'DataDirectoryError';
	}
}

/** A PGlite database listening for `pg` clients. */
export interface EmbeddedDatabase {
	/** The port actually bound. */
	port: number;
	/** `postgres://host:port/postgres`, without credentials: every connection authenticates (see {@link openDatabase}). */
	url: string;
	/** Folder holding the cluster (`{dataDir}/pgdata`). */
	pgdata: string;
	/** Close every connection, then close PGlite so its files are consistent. Never throws twice. */
	close(): Promise<void>;
}

/**
 * Open (or create) the cluster in `{dataDir}/pgdata` — this takes ~4 s — and serve it on
 * `host:port` through the validating front: SCRAM-SHA-256 with `secret` as every user's
 * password before any byte reaches PGlite; user names `owner` (runs as PGlite's superuser) or a
 * valid chat user id (runs as its role, see session-roles.ts); PostgreSQL framing with lengths checked before
 * anything is buffered, handshake / idle / idle-in-transaction timeouts (see {@link PgFrontLimits}).
 * pglite-socket itself listens on a Unix socket only the owner can reach. PGlite is one session:
 * the front passes on one connection's request (a Query, or Parse…Sync) at a time, and an open
 * transaction holds the others back until it ends (see `SessionGate` in pg-front.ts).
 * `pgdata` is created (and kept) with mode 0700.
 * @param port TCP port; 0 picks a free one.
 * @throws DataDirectoryError when `pgdata` is not empty but has no `PG_VERSION` (PGlite would
 *   initialise over it); the PGlite error when it cannot be opened; the listen error
 *   (EADDRINUSE) — PGlite is closed again in that case.
 */
export async function openDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
	const pgdata = join(options.dataDir, 'pgdata');
	await prepareDataDirectory(pgdata);
	const socketDir = await privateSocketDir(options.dataDir);
	const socketPath = join(socketDir.path, '.s.PGSQL.hub');
	await rm(socketPath, {force: true});
	// initdb in a child process: its memory leaves with it (see init-cluster.ts).
	if (!existsSync(join(pgdata, 'PG_VERSION'))) await initClusterInChild(pgdata);
	const db = await PGlite.create(pgdata, {startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS_MB}MB`]});
	const limits = {...DEFAULT_PG_FRONT_LIMITS, ...options.limits};
	// Twice what the front lets through (connections being torn down still count there for a
	// tick), so the front's FATAL 53300 is what a client sees, never pglite-socket's plain text.
	const server = new PGLiteSocketServer({db, path: socketPath, maxConnections: limits.maxConnections * 2});
	let front: Awaited<ReturnType<typeof listenPgFront>> | undefined;
	try {
		await server.start();
		await chmod(socketPath, 0o600);
		const auth = {
			secret: options.secret,
			isUser: (user: string) => user === options.owner || isValidUserId(user),
			// The owner is the hub's ingester (and the operator): chat users' pages go first.
			isBackground: (user: string) => user === options.owner,
			onInteractiveRequest: options.readers && (() => options.readers!.mark()),
			assume: sessionRoles(db, options.owner, options.logger, memoized(() => hashPassword(options.secret))),
		};
		front = await listenPgFront({host: options.host, port: options.port, upstreamPath: socketPath, limits, auth, logger: options.logger});
	} catch (error) {
		await server.stop();
		await db.close();
		await socketDir.remove();
		throw error;
	}
	const port = front.port;
	let closing: Promise<void> | undefined;
	return {
		port,
		url: `postgres://${options.host}:${port}/postgres`,
		pgdata,
		close() {
			closing ??= (async () => {
				await front.close();
				await server.stop();
				await db.close();
				await socketDir.remove();
			})();
			return closing;
		},
	};
}

/**
 * Create `pgdata` (0700) or check an existing one: it must be 0700 (fixed if not) and, when it
 * holds anything, hold `PG_VERSION` — PGlite runs initdb over a folder without it, wiping it.
 * @throws DataDirectoryError for a folder with files and no PG_VERSION.
 */
export async function prepareDataDirectory(pgdata: string): Promise<void> {
	await mkdir(pgdata, {recursive: true, mode: DATA_DIR_MODE});
	const entries = await readdir(pgdata);
	if (entries.length > 0 && !entries.includes('PG_VERSION')) {
		throw new DataDirectoryError(
			`${pgdata} holds ${entries.length} entries but no PG_VERSION: not a usable database, so the hub will not initialise over it; ` +
				'move it aside (or restore PG_VERSION) to start',
		);
	}
	if (((await stat(pgdata)).mode & 0o777) !== DATA_DIR_MODE) await chmod(pgdata, DATA_DIR_MODE);
}

/** A folder for pglite-socket's Unix socket: the data directory, or a private temp dir when its path is too long. */
async function privateSocketDir(dataDir: string): Promise<{path: string; remove(): Promise<void>}> {
	if (join(dataDir, '.s.PGSQL.hub').length <= MAX_SOCKET_PATH) return {path: dataDir, remove: async () => undefined};
	const path = await mkdtemp(join(tmpdir(), 'hermes-hub-'));
	return {path, remove: () => rm(path, {recursive: true, force: true})};
}

/** `make()` once, on first use; later calls share its promise. */
function memoized<T>(make: () => Promise<T>): () => Promise<T> {
	let made: Promise<T> | undefined;
	return () => (made ??= make());
}
