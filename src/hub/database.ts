// The embedded database: PGlite (Postgres in WASM) on disk, served over the Postgres wire
// protocol by pglite-socket. May import @electric-sql/pglite(-socket) and node: modules only.
import {mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {PGlite} from '@electric-sql/pglite';
import {PGLiteSocketServer} from '@electric-sql/pglite-socket';

/** Connections pglite-socket multiplexes by default here: a pg Pool of 4 per process, a few processes. */
export const DEFAULT_MAX_CONNECTIONS = 32;

/** A PGlite database listening for `pg` clients. */
export interface EmbeddedDatabase {
	/** The port actually bound. */
	port: number;
	/** `postgres://postgres@host:port/postgres` (PGlite has no authentication). */
	url: string;
	/** Folder holding the cluster (`{dataDir}/pgdata`). */
	pgdata: string;
	/** Close every connection, then close PGlite so its files are consistent. Never throws twice. */
	close(): Promise<void>;
}

/**
 * Open (or create) the cluster in `{dataDir}/pgdata` — this takes ~4 s — and serve it on
 * `host:port`. `maxConnections` must be above 1: pglite-socket's default of 1 resets
 * every connection past the first, so a `pg` Pool of 4 would fail. Queries of all
 * connections run one at a time, and an open transaction holds the others back until it ends.
 * @param port TCP port; 0 picks a free one.
 * @throws the PGlite error when the data directory cannot be opened, or the listen error
 *   (EADDRINUSE) — PGlite is closed again in that case.
 */
export async function openDatabase(options: {
	dataDir: string;
	host: string;
	port: number;
	maxConnections?: number;
}): Promise<EmbeddedDatabase> {
	const pgdata = join(options.dataDir, 'pgdata');
	await mkdir(pgdata, {recursive: true});
	const db = await PGlite.create(pgdata);
	const server = new PGLiteSocketServer({
		db,
		host: options.host,
		port: options.port,
		maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
	});
	try {
		await server.start();
	} catch (error) {
		await db.close();
		throw error;
	}
	const port = Number(server.getServerConn().split(':').pop());
	let closing: Promise<void> | undefined;
	return {
		port,
		url: `postgres://postgres@${options.host}:${port}/postgres`,
		pgdata,
		close() {
			closing ??= (async () => {
				await server.stop();
				await db.close();
			})();
			return closing;
		},
	};
}
