// The hub's database front: the TCP port clients see, authenticating every connection (SCRAM-SHA-256),
// validating PostgreSQL framing and enforcing connection timeouts before bytes reach pglite-socket
// on a private Unix socket, and switching PGlite's one session to each connection's role. May import node: and hub/.
import {createConnection, createServer, type Server, type Socket} from 'node:net';
import type {Logger} from '../log.js';
import {PgAuthHandshake} from './pg-auth.js';
import {BackendTracker, DEFAULT_MAX_MESSAGE_BYTES, errorResponse, FrontendFramer, REQUEST_TYPES} from './pg-framing.js';
import {scramKeys} from '../accounts/password.js';
import type {ScramVerifier} from './pg-scram.js';
import {SessionGate} from './session-gate.js';
import {StatementCache, StatementRewriter} from './statement-cache.js';

export {SessionGate} from './session-gate.js';

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

/** Who may connect to the front, and how PGlite's one session takes each connection's role. */
export interface PgFrontAuth {
	/** The password of every user (the hub secret); only its SCRAM verifier is kept. */
	secret: string;
	/** Whether a StartupMessage user name may log in (the owner or a valid chat user id). */
	isUser: (user: string) => boolean;
	/**
	 * Make PGlite's session run as `user` (`SET ROLE`, or `RESET ROLE` for the owner). Called each
	 * time a connection of `user` takes the session, before any of its bytes go on; `isFirst` on
	 * its first time (check or create the role then).
	 * @throws Error with a one-line reason: the connection is closed with FATAL 28000.
	 */
	assume: (user: string, isFirst: boolean) => Promise<void>;
	/**
	 * Whether `user`'s requests are background work (the hub's own ingester, as the owner) that
	 * lets waiting chat users' requests take the session first (see `SessionGate`). Default: none.
	 */
	isBackground?: (user: string) => boolean;
	/** Called each time a chat user's (not background) request asks for the session (see `SessionGate`). */
	onInteractiveRequest?: () => void;
}

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
	auth: PgFrontAuth;
	logger: Logger;
}): Promise<PgFront> {
	const limits = {...DEFAULT_PG_FRONT_LIMITS, ...options.limits};
	const sessions = new Set<() => void>();
	const gate = new SessionGate(options.auth.onInteractiveRequest);
	const statements = new StatementCache();
	const verifier = scramKeys(options.auth.secret);
	const server = createServer((client) => {
		if (sessions.size >= limits.maxConnections) {
			refuse(client, '53300', 'sorry, too many clients already', options.logger);
			return;
		}
		const end = serve(client, options.upstreamPath, {gate, statements}, limits, {...options.auth, verifier}, options.logger, () => sessions.delete(end));
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

/**
 * Serve one client; returns a function that closes it. Until it has authenticated
 * ({@link PgAuthHandshake}) nothing reaches PGlite — the upstream connection is only opened
 * then; afterwards each time it takes the session its role is set first (`auth.assume`).
 */
function serve(
	client: Socket,
	upstreamPath: string,
	{gate, statements}: {gate: SessionGate; statements: StatementCache},
	limits: Required<PgFrontLimits>,
	auth: PgFrontAuth & {verifier: ScramVerifier},
	log: Logger,
	onClosed: () => void,
): () => void {
	const handshake = new PgAuthHandshake(auth.verifier, auth.isUser);
	/** The authenticated user name; undefined while authenticating. */
	let user: string | undefined;
	/** Whether this connection's requests let interactive ones go first (set once authenticated). */
	let isBackground = false;
	/** Set once authenticated: this connection's messages to PGlite, whole (see StatementRewriter). */
	let rewriter: StatementRewriter | undefined;
	let hasAssumed = false;
	/** Between taking the session and its role being set: nothing of this client is in PGlite yet. */
	let isAssuming = false;
	const framer = new FrontendFramer(limits.maxMessageBytes);
	const tracker = new BackendTracker((type) => rewriter?.onReply(type));
	let upstream: Socket = undefined as unknown as Socket;
	const peer = `${client.remoteAddress}:${client.remotePort}`;
	/** This connection, as an owner of the {@link SessionGate}. */
	const self = {};
	// Each StartupMessage, Query, Sync and FunctionCall is answered by one ReadyForQuery.
	let requests = 0;
	/**
	 * Bytes received and not forwarded yet: an incomplete first packet (≤ 10 000 bytes), or
	 * messages waiting for the session — forwarded once they hold a whole request and the gate is ours.
	 */
	let pending: Buffer[] = [];
	let pendingBytes = 0;
	/** `framer.completedRequests` when `pending` was last forwarded. */
	let forwardedRequests = 0;
	let isClosed = false;
	/** An extended-query message was received and no Sync after it yet. */
	let isUnsynced = false;
	let timer: NodeJS.Timeout | undefined;
	const close = (code?: string, reason?: string) => {
		if (isClosed) return;
		isClosed = true;
		clearTimeout(timer);
		pending = [];
		rewriter?.dispose();
		if (code && reason) {
			log.warn({peer, code}, `hub: database connection closed: ${reason}`);
			client.end(errorResponse(code, reason));
			client.setTimeout(1_000, () => client.destroy());
		} else {
			client.end();
			client.setTimeout(1_000, () => client.destroy());
		}
		onClosed();
		// Not holding the session (or holding it while its role is being set): nothing of this
		// client is in PGlite beyond whole requests.
		if (!gate.holds(self) || isAssuming) {
			gate.release(self);
			upstream?.destroy();
			return;
		}
		// Holding it: PGlite — one session for every connection — must finish this client's
		// exchange before anyone else's starts. An extended-query message without its Sync left it
		// skipping everything until a Sync (the next client's queries went unanswered for good),
		// and pglite-socket drops a closed connection's messages not run yet (its Sync among
		// them). So end such an exchange with a Sync, wait for the ReadyForQuery of every request
		// (at most 1 s), then let the upstream connection and the session go.
		const isBusy = requests > tracker.readyCount;
		if ((isUnsynced || isBusy) && !upstream.destroyed && upstream.writable) {
			const expected = requests + (isUnsynced ? 1 : 0);
			let isReleased = false;
			const release = () => {
				if (isReleased) return;
				isReleased = true;
				clearTimeout(guard);
				upstream.destroy();
				gate.release(self);
			};
			const guard = setTimeout(release, 1_000);
			upstream.removeAllListeners('data');
			upstream.on('data', (chunk: Buffer) => (tracker.push(chunk), tracker.readyCount >= expected && release()));
			upstream.once('close', release);
			if (isUnsynced) upstream.write(SYNC);
		} else {
			upstream.destroy();
			gate.release(self);
		}
	};
	// One timer at a time: before the StartupMessage the handshake limit, while the session
	// waits on this client (a transaction or an extended query without Sync open) the
	// idle-in-transaction limit, otherwise the idle limit.
	const arm = () => {
		clearTimeout(timer);
		if (isClosed) return;
		const isHoldingIdle = gate.holds(self) && framer.isBetweenFrames && requests <= tracker.readyCount;
		const [ms, code, reason] = !framer.isStarted
			? [limits.handshakeTimeoutMs, '08P01', `no startup packet within ${limits.handshakeTimeoutMs} ms`]
			: isHoldingIdle
				? [
						limits.idleInTransactionTimeoutMs,
						'25P03',
						`terminating connection due to idle-in-transaction timeout (${limits.idleInTransactionTimeoutMs} ms${isUnsynced ? ', extended query without Sync' : ''}): PGlite serves one transaction at a time`,
					]
				: [limits.idleTimeoutMs, '57P05', `terminating connection due to idle-session timeout (${limits.idleTimeoutMs} ms)`];
		if (ms > 0) timer = setTimeout(() => close(code, reason), ms);
	};
	const flush = () => {
		if (isClosed || pending.length === 0) return;
		const bytes = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
		pending = [];
		pendingBytes = 0;
		forwardedRequests = framer.completedRequests;
		if (upstream.write(bytes)) client.resume();
		else client.pause();
	};
	/**
	 * Forward what may go now. Nothing of a first packet reaches PGlite before the framer has it
	 * whole and valid (a partial or malformed StartupMessage left pglite-socket unable to serve
	 * anyone else); SSLRequests before it go at once (pglite-socket answers them without the
	 * session); everything else goes while this connection holds the session, or once it has a
	 * whole request to run (or more than a message's worth waiting) and the session is granted.
	 */
	const forward = () => {
		if (isClosed || pending.length === 0) return;
		if (!framer.isStarted) {
			if (framer.isBetweenFrames) flush();
		} else if (gate.holds(self)) {
			flush();
		} else if (framer.completedRequests > forwardedRequests || pendingBytes > limits.maxMessageBytes) {
			gate.request(self, () => void takeSession(), isBackground);
			// Waiting in line: take no more than a message's worth from the client meanwhile.
			if (!gate.holds(self) && pendingBytes > limits.maxMessageBytes) client.pause();
		}
	};
	/** The session is ours: set this connection's role, then let its bytes go. */
	const takeSession = async () => {
		isAssuming = true;
		try {
			await auth.assume(user!, !hasAssumed);
			hasAssumed = true;
		} catch (error) {
			isAssuming = false;
			gate.release(self);
			close('28000', (error as Error).message);
			return;
		} finally {
			isAssuming = false;
		}
		if (isClosed) return;
		flush();
		arm();
	};
	/** Bytes from the client before it authenticated: the handshake's, nothing for PGlite. */
	const authenticate = (chunk: Buffer) => {
		for (const event of handshake.push(chunk)) {
			if (event.kind === 'reply') {
				client.write(event.bytes);
				continue;
			}
			if (event.kind === 'refused') return event.code ? close(event.code, event.reason) : close();
			user = event.user;
			isBackground = auth.isBackground?.(user) ?? false;
			rewriter = new StatementRewriter(statements, user);
			log.debug({peer, user}, 'hub: database connection authenticated');
			client.write(event.reply);
			connectUpstream();
			receive(event.startup);
			if (event.rest.length > 0) receive(event.rest);
		}
		arm();
	};
	const connectUpstream = () => {
		upstream = createConnection(upstreamPath);
		upstream.on('drain', () => client.resume());
		upstream.on('data', (chunk: Buffer) => {
			tracker.push(chunk);
			if (!client.write(chunk)) upstream.pause();
			// Every request answered and no transaction open: the session is free for the others.
			if (gate.holds(self) && requests <= tracker.readyCount && tracker.status === 'I' && !isUnsynced) {
				gate.release(self);
				forward();
			}
			arm();
		});
		upstream.on('error', (error) => close('08006', `database unavailable: ${error.message}`));
		upstream.on('close', () => close());
	};
	/** Bytes of an authenticated client (its StartupMessage, rewritten, first). */
	const receive = (chunk: Buffer) => {
		const isMessages = framer.isStarted;
		for (const event of framer.push(chunk)) {
			if (event.kind === 'refused') return close('08P01', event.reason);
			if (event.kind === 'message') {
				if (REQUEST_TYPES.has(event.type)) requests++;
				if (EXTENDED_QUERY_TYPES.has(event.type)) isUnsynced = true;
				else if (event.type === 'S') isUnsynced = false;
				continue;
			}
			if (event.packet === 'startup') {
				requests++;
				rewriter?.expectReady();
			}
			if (event.packet === 'cancel-request') return close();
			// pglite-socket answers SSLRequest itself but not GSSENCRequest: decline GSS here.
			if (event.packet === 'gssenc-request') {
				client.write('N');
				arm();
				return;
			}
			if (event.packet === 'ssl-request') tracker.expectSingleByte();
		}
		const bytes = isMessages && rewriter ? rewriter.push(chunk) : chunk;
		pending.push(bytes);
		pendingBytes += bytes.length;
		forward();
		arm();
	};
	client.setNoDelay(true);
	arm();
	client.on('data', (chunk: Buffer) => (user === undefined ? authenticate(chunk) : receive(chunk)));
	client.on('drain', () => upstream?.resume());
	client.on('error', () => close());
	client.on('close', () => close());
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
