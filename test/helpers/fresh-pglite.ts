// Test helper: fresh, empty PGlite databases without paying initdb (in WebAssembly, seconds on two
// cores) for each. The first call in a worker process runs initdb once and keeps the data
// directory it made as an uncompressed tarball; every database after that starts from a copy of
// it (loadDataDir), as empty and un-migrated as the first, so each suite runs the migrations for real. The
// cache is per module graph: the 'unit' project runs with isolate:false, one per worker.
import {PGlite, type PGliteOptions} from '@electric-sql/pglite';
import {PGLiteSocketServer} from '@electric-sql/pglite-socket';

/** The options every fresh PGlite is created with (the ones the store suites always used: none). */
const OPTIONS: PGliteOptions = {};

/** The freshly initdb'd data directory (`dumpDataDir('none')`), made by the first call in this worker. */
let initializedDataDir: Promise<Blob | File> | undefined;

/**
 * A new in-memory PGlite with an empty database, as `PGlite.create()` makes it (no migrations,
 * nothing written). The first call in this worker returns the instance that ran initdb, dumped
 * before it is returned; every later call loads that dump into a new instance. The caller closes it.
 * @throws PGlite's error when initdb, the dump or the start fails (after a failed initdb or dump,
 * the next call runs initdb again).
 */
export async function createFreshPGlite(): Promise<PGlite> {
	if (initializedDataDir) return PGlite.create({...OPTIONS, loadDataDir: await initializedDataDir});
	const initdb = PGlite.create(OPTIONS);
	const dump = initdb.then((lite) => lite.dumpDataDir('none'));
	initializedDataDir = dump;
	dump.catch(() => {
		if (initializedDataDir === dump) initializedDataDir = undefined;
	});
	const lite = await initdb;
	try {
		await dump;
	} catch (error) {
		await lite.close();
		throw error;
	}
	return lite;
}

/** A fresh PGlite served by pglite-socket (see {@link startFreshPGlite}). */
export interface FreshPGliteServer {
	/** `postgres://postgres@127.0.0.1:<port>/postgres` */
	url: string;
	/** Stop the socket server, then close the database. */
	stop(): Promise<void>;
}

/**
 * A fresh PGlite ({@link createFreshPGlite}) behind pglite-socket on a free TCP port of
 * 127.0.0.1, up to 4 connections, so that clients reach it with `pg` as they reach the hub's.
 * @throws PGlite's error, or the server's when it cannot listen (the database is closed then).
 */
export async function startFreshPGlite(): Promise<FreshPGliteServer> {
	const lite = await createFreshPGlite();
	const server = new PGLiteSocketServer({db: lite, port: 0, maxConnections: 4});
	try {
		await server.start();
	} catch (error) {
		await lite.close();
		throw error;
	}
	return {
		url: `postgres://postgres@${server.getServerConn()}/postgres`,
		async stop() {
			await server.stop();
			await lite.close();
		},
	};
}
