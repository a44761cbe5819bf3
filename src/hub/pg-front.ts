// The hub's database front: the TCP port clients see, validating PostgreSQL framing and enforcing
// connection timeouts before bytes reach pglite-socket on a private Unix socket. May import node: and hub/.
import {createConnection, createServer, type Server, type Socket} from 'node:net';
import type {Logger} from '../log.js';
import {BackendTracker, DEFAULT_MAX_MESSAGE_BYTES, errorResponse, FrontendFramer} from './pg-framing.js';

/** Connection policy of the front. Times in ms (0 = no limit), sizes in bytes. */
export interface PgFrontLimits {
	/** Largest regular message (default 64 MiB); a larger announced length closes the connection. */
	maxMessageBytes?: number;
	/** Time to complete the StartupMessage after connecting (default 10 000). */
	handshakeTimeoutMs?: number;
	/** Time with no byte either way before the connection is closed (default 600 000). */
	idleTimeoutMs?: number;
	/**
	 * Time a client may leave its transaction open without sending anything (default 10 000).
	 * PGlite is single-session: while one connection is in a transaction every other one waits,
	 * so past this the client gets FATAL 25P03 and is closed, and its transaction rolls back.
	 */
	idleInTransactionTimeoutMs?: number;
	/** Open connections at most (default 32); one more gets FATAL 53300. */
	maxConnections?: number;
}

/** Defaults of {@link PgFrontLimits}. */
export const DEFAULT_PG_FRONT_LIMITS: Required<PgFrontLimits> = {
	maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
	handshakeTimeoutMs: 10_000,
	idleTimeoutMs: 600_000,
	idleInTransactionTimeoutMs: 10_000,
	maxConnections: 32,
};

/** A listening front. */
export interface PgFront {
	/** The TCP port bound. */
	port: number;
	/** Stop listening and close every connection. Never throws. */
	close(): Promise<void>;
}

/**
 * Listen on `host:port` and pass every valid connection on to the Unix socket `upstreamPath`.
 * Refusals (bad framing, too many connections, timeouts) send one FATAL ErrorResponse with
 * a one-line reason, close the connection, and log one line; the hub goes on serving.
 * Closing the upstream connection makes pglite-socket roll back that client's transaction.
 * @param port TCP port; 0 picks a free one.
 * @throws the listen error (EADDRINUSE has `code` set).
 */
export async function listenPgFront(options: {
	host: string;
	port: number;
	upstreamPath: string;
	limits?: PgFrontLimits;
	logger: Logger;
}): Promise<PgFront> {
	const limits = {...DEFAULT_PG_FRONT_LIMITS, ...options.limits};
	const sessions = new Set<() => void>();
	const server = createServer((client) => {
		if (sessions.size >= limits.maxConnections) {
			refuse(client, '53300', 'sorry, too many clients already', options.logger);
			return;
		}
		const end = serve(client, options.upstreamPath, limits, options.logger, () => sessions.delete(end));
		sessions.add(end);
	});
	await listen(server, options.host, options.port);
	let closing: Promise<void> | undefined;
	return {
		port: (server.address() as {port: number}).port,
		close() {
			closing ??= new Promise<void>((resolve) => {
				server.close(() => resolve());
				for (const end of [...sessions]) end();
			});
			return closing;
		},
	};
}

/** Extended-query messages (Parse, Bind, Describe, Execute, Close, Flush) that need a Sync after them. */
const EXTENDED_QUERY_TYPES = new Set(['P', 'B', 'D', 'E', 'C', 'H']);
/** A Sync message ('S', length 4). */
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);

/** Serve one client; returns a function that closes it. */
function serve(client: Socket, upstreamPath: string, limits: Required<PgFrontLimits>, log: Logger, onClosed: () => void): () => void {
	const framer = new FrontendFramer(limits.maxMessageBytes);
	const tracker = new BackendTracker();
	const upstream = createConnection(upstreamPath);
	const peer = `${client.remoteAddress}:${client.remotePort}`;
	// Each StartupMessage, Query, Sync and FunctionCall is answered by one ReadyForQuery.
	let requests = 0;
	/** Bytes of an incomplete first packet, forwarded once it is whole (≤ 10 000 bytes). */
	let held: Buffer[] = [];
	let isClosed = false;
	/** An extended-query message was forwarded and no Sync after it yet. */
	let isUnsynced = false;
	let timer: NodeJS.Timeout | undefined;
	const close = (code?: string, reason?: string) => {
		if (isClosed) return;
		isClosed = true;
		clearTimeout(timer);
		if (code && reason) {
			log.warn({peer, code}, `hub: database connection closed: ${reason}`);
			client.end(errorResponse(code, reason));
			client.setTimeout(1_000, () => client.destroy());
		} else {
			client.end();
			client.setTimeout(1_000, () => client.destroy());
		}
		// An extended-query message (Parse, Bind, …) without its Sync leaves PGlite — one session
		// for every connection — skipping everything until a Sync: the next client's queries went
		// unanswered for good. End such a client's exchange with a Sync and wait for its
		// ReadyForQuery (at most 1 s) before letting the upstream connection go.
		if (isUnsynced && !upstream.destroyed && upstream.writable) {
			const readyBefore = tracker.readyCount;
			const release = () => (clearTimeout(guard), upstream.destroy());
			const guard = setTimeout(release, 1_000);
			upstream.removeAllListeners('data');
			upstream.on('data', (chunk: Buffer) => (tracker.push(chunk), tracker.readyCount > readyBefore && release()));
			upstream.write(SYNC);
		} else {
			upstream.destroy();
		}
		onClosed();
	};
	// One timer at a time: before the StartupMessage the handshake limit, while a transaction
	// waits on its client the idle-in-transaction limit, otherwise the idle limit.
	const arm = () => {
		clearTimeout(timer);
		if (isClosed) return;
		const isIdleInTransaction =
			(tracker.status === 'T' || tracker.status === 'E') && framer.isBetweenFrames && requests <= tracker.readyCount;
		const [ms, code, reason] = !framer.isStarted
			? [limits.handshakeTimeoutMs, '08P01', `no startup packet within ${limits.handshakeTimeoutMs} ms`]
			: isIdleInTransaction
				? [limits.idleInTransactionTimeoutMs, '25P03', `terminating connection due to idle-in-transaction timeout (${limits.idleInTransactionTimeoutMs} ms): PGlite serves one transaction at a time`]
				: [limits.idleTimeoutMs, '57P05', `terminating connection due to idle-session timeout (${limits.idleTimeoutMs} ms)`];
		if (ms > 0) timer = setTimeout(() => close(code, reason), ms);
	};
	client.setNoDelay(true);
	arm();
	client.on('data', (chunk: Buffer) => {
		for (const event of framer.push(chunk)) {
			if (event.kind === 'refused') return close('08P01', event.reason);
			if (event.kind === 'message') {
				if (event.type === 'Q' || event.type === 'S' || event.type === 'F') requests++;
				if (EXTENDED_QUERY_TYPES.has(event.type)) isUnsynced = true;
				else if (event.type === 'S') isUnsynced = false;
				continue;
			}
			if (event.packet === 'startup') requests++;
			if (event.packet === 'cancel-request') return close();
			// pglite-socket answers SSLRequest itself but not GSSENCRequest: decline GSS here.
			if (event.packet === 'gssenc-request') {
				client.write('N');
				arm();
				return;
			}
			if (event.packet === 'ssl-request') tracker.expectSingleByte();
		}
		// Nothing of a first packet reaches PGlite before the framer has it whole and valid: a
		// partial or malformed StartupMessage left pglite-socket unable to serve anyone else.
		held.push(chunk);
		if (framer.isStarted || framer.isBetweenFrames) {
			const bytes = held.length === 1 ? held[0]! : Buffer.concat(held);
			held = [];
			if (!upstream.write(bytes)) client.pause();
		}
		arm();
	});
	upstream.on('drain', () => client.resume());
	upstream.on('data', (chunk: Buffer) => {
		tracker.push(chunk);
		if (!client.write(chunk)) upstream.pause();
		arm();
	});
	client.on('drain', () => upstream.resume());
	client.on('error', () => close());
	client.on('close', () => close());
	upstream.on('error', (error) => close('08006', `database unavailable: ${error.message}`));
	upstream.on('close', () => close());
	return () => close('57P01', 'terminating connection: the hub is stopping');
}

function refuse(client: Socket, code: string, reason: string, log: Logger): void {
	log.warn({peer: `${client.remoteAddress}:${client.remotePort}`, code}, `hub: database connection refused: ${reason}`);
	client.on('error', () => undefined);
	client.end(errorResponse(code, reason));
	client.setTimeout(1_000, () => client.destroy());
}

function listen(server: Server, host: string, port: number): Promise<void> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen({host, port, exclusive: true}, () => {
			server.removeListener('error', reject);
			resolve();
		});
	});
}
