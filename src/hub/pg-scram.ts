// The server side of SCRAM-SHA-256 as PostgreSQL speaks it (what psql and node-postgres use).
// May import node:crypto and accounts/ (the keys of a password); no I/O.
// Sources: RFC 5802 (SCRAM), RFC 7677 (SCRAM-SHA-256), and PostgreSQL's "SASL Authentication"
// (https://www.postgresql.org/docs/current/sasl-authentication.html): the user name in the
// client-first-message is ignored (the StartupMessage's `user` counts), no channel binding
// (SCRAM-SHA-256-PLUS needs TLS, which the hub does not offer on 127.0.0.1).
import {createHash, createHmac, randomBytes, timingSafeEqual} from 'node:crypto';
import type {ScramKeys} from '../accounts/password.js';

/** The only mechanism offered. */
export const SCRAM_MECHANISM = 'SCRAM-SHA-256';
/** What the server keeps of a password: the keys of accounts/password.ts. */
export type ScramVerifier = ScramKeys;

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

/** One step's answer: the message to send, or why the exchange failed (one line). */
export type ScramStep = {ok: true; message: string} | {ok: false; reason: string};

/**
 * One SCRAM-SHA-256 exchange, server side: {@link first} takes the client-first-message and
 * returns the server-first-message; {@link final} takes the client-final-message, checks the
 * proof in constant time and returns the server-final-message (`v=` signature) when it holds.
 */
export class ScramServerExchange {
	private clientFirstBare = '';
	private serverFirst = '';
	private nonce = '';
	private gs2Header = '';

	constructor(
		private readonly verifier: ScramVerifier,
		private readonly serverNonce: string = randomBytes(18).toString('base64'),
	) {}

	/** Handle `n,,n=user,r=nonce` (gs2 header `n` or `y`; `p=` channel binding is refused). */
	first(clientFirst: string): ScramStep {
		const match = /^([ny]),(a=[^,]*)?,(.*)$/.exec(clientFirst);
		if (!match) {
			return {ok: false, reason: clientFirst.startsWith('p=') ? 'channel binding is not supported' : 'malformed SCRAM client-first-message'};
		}
		this.gs2Header = `${match[1]},${match[2] ?? ''},`;
		this.clientFirstBare = match[3]!;
		const attributes = parseAttributes(this.clientFirstBare);
		const clientNonce = attributes.get('r');
		if (attributes.has('m') || !clientNonce || !/^[\x21-\x2b\x2d-\x7e]+$/.test(clientNonce)) return {ok: false, reason: 'malformed SCRAM client nonce'};
		this.nonce = clientNonce + this.serverNonce;
		this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString('base64')},i=${this.verifier.iterations}`;
		return {ok: true, message: this.serverFirst};
	}

	/** Handle `c=…,r=…,p=proof`; `ok: false` when the proof (the password) is wrong. */
	final(clientFinal: string): ScramStep {
		const proofAt = clientFinal.lastIndexOf(',p=');
		if (!this.serverFirst || proofAt < 0) return {ok: false, reason: 'malformed SCRAM client-final-message'};
		const withoutProof = clientFinal.slice(0, proofAt);
		const attributes = parseAttributes(withoutProof);
		if (attributes.get('c') !== Buffer.from(this.gs2Header).toString('base64')) return {ok: false, reason: 'SCRAM channel binding does not match'};
		if (attributes.get('r') !== this.nonce) return {ok: false, reason: 'SCRAM nonce does not match'};
		const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');
		const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
		const signature = hmac(this.verifier.storedKey, authMessage);
		if (proof.length !== signature.length) return {ok: false, reason: 'password authentication failed'};
		const clientKey = Buffer.from(proof.map((byte, i) => byte ^ signature[i]!));
		if (!timingSafeEqual(sha256(clientKey), this.verifier.storedKey)) return {ok: false, reason: 'password authentication failed'};
		return {ok: true, message: `v=${hmac(this.verifier.serverKey, authMessage).toString('base64')}`};
	}
}

/** `a=1,b=2` → {a: '1', b: '2'} (values may contain `=`). */
function parseAttributes(text: string): Map<string, string> {
	const attributes = new Map<string, string>();
	for (const part of text.split(',')) {
		const at = part.indexOf('=');
		if (at === 1) attributes.set(part[0]!, part.slice(2));
	}
	return attributes;
}
