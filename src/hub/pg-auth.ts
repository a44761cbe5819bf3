// The hub's database port authenticates every connection itself, before any byte reaches
// PGlite: SSL/GSS negotiation, the StartupMessage and a SCRAM-SHA-256 exchange (pg-scram.ts).
// Pure: bytes in, replies and a verdict out. May import node:buffer and hub/ (framing, SCRAM).
// Protocol source: https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
import {
	CANCEL_REQUEST_CODE,
	GSSENC_REQUEST_CODE,
	MAX_STARTUP_BYTES,
	PROTOCOL_3_0,
	SSL_REQUEST_CODE,
	startupLayoutProblem,
} from './pg-framing.js';
import {SCRAM_MECHANISM, ScramServerExchange, type ScramVerifier} from './pg-scram.js';

/** Largest SASLInitialResponse / SASLResponse accepted, in bytes (a SCRAM message is < 200). */
export const MAX_SASL_MESSAGE_BYTES = 4_096;
/** The PGlite user every authenticated connection starts as (the front switches roles itself). */
export const PGLITE_USER = 'postgres';
/** StartupMessage parameters not passed on: who the session runs as is the front's decision. */
const DROPPED_PARAMETERS = new Set(['user', 'options', 'replication']);

/** One event of {@link PgAuthHandshake.push}. */
export type AuthEvent =
	/** Bytes to send to the client. */
	| {kind: 'reply'; bytes: Buffer}
	/** Close: with a FATAL ErrorResponse (`code`, one-line `reason`), or silently (a CancelRequest). */
	| {kind: 'refused'; code?: string; reason?: string}
	/**
	 * The client proved it holds the secret as `user`: send it `reply` (AuthenticationSASLFinal;
	 * PGlite's AuthenticationOk follows), pass `startup` (its StartupMessage with `user` =
	 * {@link PGLITE_USER}) and then `rest` (what it sent after) on to PGlite.
	 */
	| {kind: 'authenticated'; user: string; reply: Buffer; startup: Buffer; rest: Buffer};

/** Whether a StartupMessage user name may log in (the owner, or a valid chat user id). */
export type UserCheck = (user: string) => boolean;

/**
 * Follows one connection from its first byte to the end of authentication. Accepts up to two
 * SSLRequest/GSSENCRequest (answered 'N': no encryption on 127.0.0.1), then a StartupMessage
 * (8…{@link MAX_STARTUP_BYTES} bytes, PostgreSQL's layout), then answers AuthenticationSASL
 * (SCRAM-SHA-256) and runs the exchange. A wrong password is FATAL 28P01
 * (`password authentication failed for user "…"`, as PostgreSQL words it); a user name that is
 * neither the owner nor a valid chat user id is FATAL 28000 once the password was right; bad
 * framing is FATAL 08P01. Holds at most one message; after a verdict it takes nothing more.
 */
export class PgAuthHandshake {
	private buffered: Buffer = Buffer.alloc(0);
	private phase: 'first' | 'sasl-initial' | 'sasl-response' | 'done' = 'first';
	private negotiations = 0;
	private user = '';
	private startup: Buffer = Buffer.alloc(0);
	private readonly scram: ScramServerExchange;

	constructor(
		verifier: ScramVerifier,
		private readonly isUser: UserCheck,
	) {
		this.scram = new ScramServerExchange(verifier);
	}

	/** Feed the next chunk from the client. */
	push(chunk: Buffer): AuthEvent[] {
		if (this.phase === 'done') return [];
		this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
		const events: AuthEvent[] = [];
		while (this.phase !== 'done') {
			const event = this.phase === 'first' ? this.readFirst() : this.readSasl();
			if (!event) break;
			events.push(event);
			if (event.kind !== 'reply') this.phase = 'done';
		}
		return events;
	}

	private readFirst(): AuthEvent | undefined {
		if (this.buffered.length < 8) return undefined;
		const length = this.buffered.readInt32BE(0);
		const code = this.buffered.readInt32BE(4);
		const isNegotiation = (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) && length === 8;
		if (isNegotiation) {
			if (++this.negotiations > 2) return refused('08P01', 'too many SSL/GSS requests');
			this.buffered = this.buffered.subarray(8);
			return {kind: 'reply', bytes: Buffer.from('N')};
		}
		if (code === CANCEL_REQUEST_CODE && length === 16) return {kind: 'refused'};
		if (code !== PROTOCOL_3_0) {
			return refused('08P01', `invalid first packet (length ${length}, code ${code}): expected protocol 3.0 or an SSL/GSS/cancel request`);
		}
		if (length < 8 || length > MAX_STARTUP_BYTES) return refused('08P01', `invalid startup packet length ${length} (8 to ${MAX_STARTUP_BYTES} bytes)`);
		if (this.buffered.length < length) return undefined;
		const body = this.buffered.subarray(8, length);
		this.buffered = this.buffered.subarray(length);
		const problem = startupLayoutProblem(body);
		if (problem) return refused('08P01', `invalid startup packet layout: ${problem}`);
		const strings = body.subarray(0, body.length - 1).toString('utf8').split('\0').slice(0, -1);
		const kept: string[] = [];
		for (let i = 0; i < strings.length; i += 2) {
			if (strings[i] === 'user') this.user = strings[i + 1]!;
			else if (!DROPPED_PARAMETERS.has(strings[i]!)) kept.push(strings[i]!, strings[i + 1]!);
		}
		this.startup = startupMessage([...kept, 'user', PGLITE_USER]);
		this.phase = 'sasl-initial';
		return {kind: 'reply', bytes: authentication(10, Buffer.from(`${SCRAM_MECHANISM}\0\0`))};
	}

	private readSasl(): AuthEvent | undefined {
		if (this.buffered.length < 5) return undefined;
		const type = this.buffered[0]!;
		const length = this.buffered.readInt32BE(1);
		if (type !== 0x70) return refused('08P01', `expected a SASL response ('p'), got message type 0x${type.toString(16).padStart(2, '0')}`);
		if (length < 4 || length > MAX_SASL_MESSAGE_BYTES) return refused('08P01', `invalid SASL message length ${length} (4 to ${MAX_SASL_MESSAGE_BYTES} bytes)`);
		if (this.buffered.length < 1 + length) return undefined;
		const body = this.buffered.subarray(5, 1 + length);
		this.buffered = this.buffered.subarray(1 + length);
		if (this.phase === 'sasl-initial') {
			const nul = body.indexOf(0);
			if (nul < 0 || body.length < nul + 5) return refused('08P01', 'malformed SASLInitialResponse');
			const mechanism = body.subarray(0, nul).toString('utf8');
			if (mechanism !== SCRAM_MECHANISM) return refused('28000', `SASL mechanism ${JSON.stringify(mechanism.slice(0, 40))} not supported (only ${SCRAM_MECHANISM})`);
			const dataLength = body.readInt32BE(nul + 1);
			if (dataLength !== body.length - nul - 5) return refused('08P01', 'malformed SASLInitialResponse');
			const step = this.scram.first(body.subarray(nul + 5).toString('utf8'));
			if (!step.ok) return refused('08P01', step.reason);
			this.phase = 'sasl-response';
			return {kind: 'reply', bytes: authentication(11, Buffer.from(step.message))};
		}
		const step = this.scram.final(body.toString('utf8'));
		if (!step.ok) {
			return step.reason === 'password authentication failed'
				? refused('28P01', `password authentication failed for user ${JSON.stringify(this.user)}`)
				: refused('08P01', step.reason);
		}
		if (!this.isUser(this.user)) {
			return refused('28000', `role ${JSON.stringify(this.user)} is not allowed on this hub: use a chat user id or the hub owner`);
		}
		const rest = this.buffered;
		this.buffered = Buffer.alloc(0);
		return {kind: 'authenticated', user: this.user, reply: authentication(12, Buffer.from(step.message)), startup: this.startup, rest};
	}
}

function refused(code: string, reason: string): AuthEvent {
	return {kind: 'refused', code, reason};
}

/** An Authentication message ('R') with sub-code `code` and `data`. */
function authentication(code: number, data: Buffer): Buffer {
	const head = Buffer.alloc(9);
	head.write('R', 0, 'latin1');
	head.writeInt32BE(8 + data.length, 1);
	head.writeInt32BE(code, 5);
	return Buffer.concat([head, data]);
}

/** A protocol 3.0 StartupMessage with `pairs` (name, value, name, value, …). */
function startupMessage(pairs: string[]): Buffer {
	const body = Buffer.from(`${pairs.map((s) => `${s}\0`).join('')}\0`, 'utf8');
	const head = Buffer.alloc(8);
	head.writeInt32BE(8 + body.length, 0);
	head.writeInt32BE(PROTOCOL_3_0, 4);
	return Buffer.concat([head, body]);
}
