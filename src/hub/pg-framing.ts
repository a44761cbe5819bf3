// Streaming checks of the PostgreSQL wire protocol (v3) framing, for the hub's database front.
// Pure: bytes in, verdicts out; no I/O. May import nothing.
// Protocol source: https://www.postgresql.org/docs/current/protocol-message-formats.html

/** Protocol version 3.0 in a StartupMessage. */
export const PROTOCOL_3_0 = 196_608;
/** Request codes that take the place of a protocol version in the first packet. */
export const SSL_REQUEST_CODE = 80_877_103;
export const GSSENC_REQUEST_CODE = 80_877_104;
export const CANCEL_REQUEST_CODE = 80_877_102;

/** Largest StartupMessage PostgreSQL accepts (MAX_STARTUP_PACKET_LENGTH in pqcomm.h), in bytes. */
export const MAX_STARTUP_BYTES = 10_000;
/**
 * Default largest regular frontend message, in bytes (type byte excluded). The ingester's largest
 * statement is a batch of 500 payloads of ≤ 16 KiB (~8 MiB); PostgreSQL's own limit is 1 GiB.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * Frontend message types of protocol 3.0 (Bind, Close, CopyDone, CopyData, Describe, …, Terminate)
 * but 'p' (password/SASL/GSS response): PGlite asks for no authentication, and an unexpected
 * 'p' is a FATAL error in PostgresMain, which leaves pglite-socket's query queue stuck for good.
 */
const FRONTEND_TYPES = new Set('BCcdDEfFHPQSX'.split('').map((c) => c.charCodeAt(0)));

/** Frontend messages answered by one ReadyForQuery each: Query, Sync, FunctionCall. */
export const REQUEST_TYPES: ReadonlySet<string> = new Set(['Q', 'S', 'F']);

/** What a first packet (before the StartupMessage) asks for. */
export type FirstPacketKind = 'startup' | 'ssl-request' | 'gssenc-request' | 'cancel-request';

/** One event of {@link FrontendFramer.push}. */
export type FramingEvent =
	/** A whole first packet has arrived (length validated). */
	| {kind: 'first-packet'; packet: FirstPacketKind}
	/** The header of a regular message was read and is valid. */
	| {kind: 'message'; type: string; length: number}
	/** The stream is not valid framing: close the connection with this one-line reason. */
	| {kind: 'refused'; reason: string};

/**
 * Follows the frames a client sends — first packets (SSLRequest, GSSENCRequest,
 * CancelRequest, StartupMessage) then typed messages — holding at most one 8-byte header,
 * never a body. It validates every length before anything is allocated for it: a first
 * packet is 8…{@link MAX_STARTUP_BYTES} bytes with a known code; a message has a known
 * frontend type and a length of 4…`maxMessageBytes`. After a refusal it refuses everything.
 */
export class FrontendFramer {
	private header = Buffer.alloc(0);
	/** Body bytes of the current frame still to come. */
	private remaining = 0;
	private phase: 'first' | 'messages' | 'refused' = 'first';
	private firstKind: FirstPacketKind | undefined;
	/** The body of the first packet so far (≤ {@link MAX_STARTUP_BYTES}), checked once complete. */
	private startupBody: Buffer[] = [];
	/** Type of the regular message being read. */
	private messageType = '';
	/**
	 * Frames received whole that end a request the server answers with one ReadyForQuery: the
	 * StartupMessage, Query ('Q'), Sync ('S') and FunctionCall ('F'). Counted once the last byte of
	 * the frame is in (a 'message' event comes with the header, before the body).
	 */
	completedRequests = 0;

	/** @param maxMessageBytes largest regular message accepted, in bytes (length field included). */
	constructor(private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

	/** Whether the StartupMessage has been received whole. */
	get isStarted(): boolean {
		return this.phase === 'messages';
	}

	/** Whether the stream sits between frames (no partial header or body pending). */
	get isBetweenFrames(): boolean {
		return this.remaining === 0 && this.header.length === 0;
	}

	/** Feed the next chunk; returns the events it completes, a `refused` event last if any. */
	push(chunk: Uint8Array): FramingEvent[] {
		const events: FramingEvent[] = [];
		let offset = 0;
		while (offset < chunk.length && this.phase !== 'refused') {
			if (this.remaining > 0) {
				const take = Math.min(this.remaining, chunk.length - offset);
				if (this.phase === 'first') this.startupBody.push(Buffer.from(chunk.subarray(offset, offset + take)));
				this.remaining -= take;
				offset += take;
				if (this.remaining === 0) this.frameDone(events);
				continue;
			}
			const need = (this.phase === 'first' ? 8 : 5) - this.header.length;
			const take = Math.min(need, chunk.length - offset);
			this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + take)]);
			offset += take;
			if (take < need) break;
			const verdict = this.phase === 'first' ? this.readFirstHeader() : this.readMessageHeader();
			this.header = Buffer.alloc(0);
			if (verdict) events.push(verdict);
			if (verdict?.kind === 'refused') this.phase = 'refused';
			else if (this.remaining === 0) this.frameDone(events);
		}
		if (this.phase === 'refused' && events.at(-1)?.kind !== 'refused') events.push({kind: 'refused', reason: 'data after a refused frame'});
		return events;
	}

	private readFirstHeader(): FramingEvent | undefined {
		const length = this.header.readInt32BE(0);
		const code = this.header.readInt32BE(4);
		const kind = firstPacketKind(code, length);
		if (!kind) {
			return {kind: 'refused', reason: `invalid first packet (length ${length}, code ${code}): expected protocol 3.0 or an SSL/GSS/cancel request`};
		}
		if (length < 8 || length > MAX_STARTUP_BYTES) {
			return {kind: 'refused', reason: `invalid startup packet length ${length} (8 to ${MAX_STARTUP_BYTES} bytes)`};
		}
		this.firstKind = kind;
		this.remaining = length - 8;
		return undefined; // reported by frameDone once the whole packet is in
	}

	private readMessageHeader(): FramingEvent {
		const type = this.header[0]!;
		const length = this.header.readInt32BE(1);
		if (!FRONTEND_TYPES.has(type)) return {kind: 'refused', reason: `invalid frontend message type 0x${type.toString(16).padStart(2, '0')}`};
		if (length < 4 || length > this.maxMessageBytes) {
			return {kind: 'refused', reason: `invalid message length ${length} for type '${String.fromCharCode(type)}' (4 to ${this.maxMessageBytes} bytes)`};
		}
		this.remaining = length - 4;
		this.messageType = String.fromCharCode(type);
		return {kind: 'message', type: this.messageType, length};
	}

	/**
	 * A frame is complete. A first packet is reported (`first-packet`) only now, once whole: a
	 * StartupMessage must have PostgreSQL's layout (name/value pairs of NUL-terminated strings,
	 * a final NUL, a `user`), as ProcessStartupPacket requires; one that does not is refused.
	 * Only a StartupMessage moves on to typed messages.
	 */
	private frameDone(events: FramingEvent[]): void {
		if (this.phase === 'messages') {
			if (REQUEST_TYPES.has(this.messageType)) this.completedRequests++;
			return;
		}
		if (this.phase !== 'first') return;
		const kind = this.firstKind!;
		const body = Buffer.concat(this.startupBody);
		this.startupBody = [];
		this.firstKind = undefined;
		if (kind === 'startup') {
			const problem = startupLayoutProblem(body);
			if (problem) {
				this.phase = 'refused';
				events.push({kind: 'refused', reason: `invalid startup packet layout: ${problem}`});
				return;
			}
			this.phase = 'messages';
			this.completedRequests++;
		}
		events.push({kind: 'first-packet', packet: kind});
	}
}

/** Why a StartupMessage body (after length and version) is not PostgreSQL's layout, or undefined. */
export function startupLayoutProblem(body: Buffer): string | undefined {
	if (body.length === 0 || body[body.length - 1] !== 0) return 'expected terminator as last byte';
	const strings = body.subarray(0, body.length - 1).toString('utf8').split('\0');
	// "a\0b\0" minus the final NUL splits into ['a', 'b', '']: pairs, then the empty rest.
	if (strings.pop() !== '' || strings.length % 2 !== 0) return 'parameters are not name/value pairs';
	const names = strings.filter((_, i) => i % 2 === 0);
	if (names.some((name) => name === '')) return 'empty parameter name';
	if (!names.includes('user') || strings[names.indexOf('user') * 2 + 1] === '') return 'no PostgreSQL user name specified';
	return undefined;
}

/** Transaction status of a ReadyForQuery ('Z'): idle, in a transaction block, in a failed one. */
export type TransactionStatus = 'I' | 'T' | 'E';

/**
 * Follows what the server sends — typed messages, plus the single unframed byte that answers
 * an SSLRequest — to learn the transaction status of each ReadyForQuery. Holds at most one
 * 6-byte header. A stream it cannot follow (e.g. a plain-text refusal) makes it stop
 * tracking: {@link status} then stays `undefined`.
 */
export class BackendTracker {
	private header = Buffer.alloc(0);
	private remaining = 0;
	private singleBytes = 0;
	private isLost = false;
	/** The status of the last ReadyForQuery; `undefined` before the first or when lost. */
	status: TransactionStatus | undefined;
	/** ReadyForQuery messages seen so far. */
	readyCount = 0;

	/** @param onMessage told the type byte of each message, in order, once its header is in. */
	constructor(private readonly onMessage?: (type: number) => void) {}

	/** The next byte from the server is an unframed SSL/GSSENC answer ('N' or 'S'). */
	expectSingleByte(): void {
		this.singleBytes++;
	}

	/** Feed the next chunk from the server. */
	push(chunk: Uint8Array): void {
		let offset = 0;
		while (offset < chunk.length && !this.isLost) {
			if (this.singleBytes > 0 && this.header.length === 0 && this.remaining === 0) {
				this.singleBytes--;
				offset++;
				continue;
			}
			if (this.remaining > 0) {
				const take = Math.min(this.remaining, chunk.length - offset);
				this.remaining -= take;
				offset += take;
				continue;
			}
			// A ReadyForQuery is 'Z', length 5, one status byte: read six bytes of it, five of others.
			const isReady = (this.header.length > 0 ? this.header[0] : chunk[offset]) === 0x5a;
			const need = (isReady ? 6 : 5) - this.header.length;
			const take = Math.min(need, chunk.length - offset);
			this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + take)]);
			offset += take;
			if (take < need) break;
			const length = this.header.readInt32BE(1);
			if (length < 4) {
				this.isLost = true;
				this.status = undefined;
				break;
			}
			this.onMessage?.(this.header[0]!);
			if (isReady) {
				const status = String.fromCharCode(this.header[5]!);
				this.status = status === 'I' || status === 'T' || status === 'E' ? status : undefined;
				this.readyCount++;
				this.remaining = length - 5;
			} else {
				this.remaining = length - 4;
			}
			this.header = Buffer.alloc(0);
		}
	}
}

function firstPacketKind(code: number, length: number): FirstPacketKind | undefined {
	if (code === PROTOCOL_3_0) return 'startup';
	if (code === SSL_REQUEST_CODE && length === 8) return 'ssl-request';
	if (code === GSSENC_REQUEST_CODE && length === 8) return 'gssenc-request';
	if (code === CANCEL_REQUEST_CODE && length === 16) return 'cancel-request';
	return undefined;
}

/**
 * An ErrorResponse ('E') as PostgreSQL sends it before closing a connection, so `psql` and
 * `pg` show one clear line. Fields: severity FATAL, SQLSTATE `code`, message `message`.
 */
export function errorResponse(code: string, message: string): Buffer {
	const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8');
	const header = Buffer.alloc(5);
	header.write('E', 0, 'latin1');
	header.writeInt32BE(fields.length + 4, 1);
	return Buffer.concat([header, fields]);
}
