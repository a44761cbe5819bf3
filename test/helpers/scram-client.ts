// The client side of PostgreSQL's startup + SCRAM-SHA-256 (RFC 5802/7677) over a raw socket, for
// tests that speak the wire protocol themselves (the hub's database front, the wire corpus).
import {createHash, createHmac, pbkdf2Sync, randomBytes} from 'node:crypto';
import type {Socket} from 'node:net';

/** A protocol 3.0 StartupMessage with `params` (name → value). */
export function startupMessage(params: Record<string, string>): Buffer {
	const body = Buffer.from(`${Object.entries(params).map(([k, v]) => `${k}\0${v}\0`).join('')}\0`, 'utf8');
	const head = Buffer.alloc(8);
	head.writeInt32BE(8 + body.length, 0);
	head.writeInt32BE(196_608, 4);
	return Buffer.concat([head, body]);
}

/** A typed frontend message (`type`, int32 length, `body`). */
export function frontendMessage(type: string, body: Buffer): Buffer {
	const head = Buffer.alloc(5);
	head.write(type, 0, 'latin1');
	head.writeInt32BE(body.length + 4, 1);
	return Buffer.concat([head, body]);
}

/** Reads whole backend messages from `socket`, in order. */
export class BackendReader {
	private buffered = Buffer.alloc(0);
	private waiters: (() => void)[] = [];
	private isClosed = false;

	constructor(socket: Socket) {
		socket.on('data', (chunk: Buffer) => {
			this.buffered = Buffer.concat([this.buffered, chunk]);
			for (const wake of this.waiters.splice(0)) wake();
		});
		socket.on('close', () => {
			this.isClosed = true;
			for (const wake of this.waiters.splice(0)) wake();
		});
		socket.on('error', () => undefined);
	}

	/** The next message, or undefined when the server closed the connection first. */
	async next(): Promise<{type: string; body: Buffer} | undefined> {
		for (;;) {
			if (this.buffered.length >= 5) {
				const length = this.buffered.readInt32BE(1);
				if (this.buffered.length >= 1 + length) {
					const message = {type: String.fromCharCode(this.buffered[0]!), body: this.buffered.subarray(5, 1 + length)};
					this.buffered = this.buffered.subarray(1 + length);
					return message;
				}
			}
			if (this.isClosed) return undefined;
			await new Promise<void>((resolve) => this.waiters.push(resolve));
		}
	}
}

/** What {@link authenticate} ended with. */
export type AuthOutcome = {ok: true} | {ok: false; code: string; message: string};

/**
 * Send a StartupMessage for `user` and answer the server's SCRAM-SHA-256 with `password`;
 * resolves once AuthenticationSASLFinal arrived (and its signature checked), or with the
 * server's ErrorResponse. What follows (PGlite's AuthenticationOk, …) is left in `reader`.
 */
export async function authenticate(socket: Socket, reader: BackendReader, user: string, password: string, database = 'postgres'): Promise<AuthOutcome> {
	socket.write(startupMessage({user, database}));
	const fail = (message: {type: string; body: Buffer} | undefined): AuthOutcome => {
		if (message?.type !== 'E') return {ok: false, code: '', message: message ? `unexpected '${message.type}'` : 'closed'};
		const fields = new Map(message.body.toString('utf8').split('\0').filter(Boolean).map((f) => [f[0]!, f.slice(1)]));
		return {ok: false, code: fields.get('C') ?? '', message: fields.get('M') ?? ''};
	};
	const sasl = await reader.next();
	if (sasl?.type !== 'R' || sasl.body.readInt32BE(0) !== 10) return fail(sasl);
	const clientNonce = randomBytes(18).toString('base64');
	const clientFirstBare = `n=,r=${clientNonce}`;
	const clientFirst = Buffer.from(`n,,${clientFirstBare}`);
	const length = Buffer.alloc(4);
	length.writeInt32BE(clientFirst.length);
	socket.write(frontendMessage('p', Buffer.concat([Buffer.from('SCRAM-SHA-256\0'), length, clientFirst])));
	const cont = await reader.next();
	if (cont?.type !== 'R' || cont.body.readInt32BE(0) !== 11) return fail(cont);
	const serverFirst = cont.body.subarray(4).toString('utf8');
	const attributes = new Map(serverFirst.split(',').map((part) => [part[0]!, part.slice(2)]));
	const salted = pbkdf2Sync(password, Buffer.from(attributes.get('s')!, 'base64'), Number(attributes.get('i')), 32, 'sha256');
	const clientKey = createHmac('sha256', salted).update('Client Key').digest();
	const storedKey = createHash('sha256').update(clientKey).digest();
	const withoutProof = `c=biws,r=${attributes.get('r')}`;
	const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
	const signature = createHmac('sha256', storedKey).update(authMessage).digest();
	const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]!)).toString('base64');
	socket.write(frontendMessage('p', Buffer.from(`${withoutProof},p=${proof}`)));
	const final = await reader.next();
	if (final?.type !== 'R' || final.body.readInt32BE(0) !== 12) return fail(final);
	const serverKey = createHmac('sha256', salted).update('Server Key').digest();
	const expected = `v=${createHmac('sha256', serverKey).update(authMessage).digest('base64')}`;
	if (final.body.subarray(4).toString('utf8') !== expected) return {ok: false, code: '', message: 'wrong server signature'};
	return {ok: true};
}
