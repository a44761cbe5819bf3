import {describe, expect, it} from 'vitest';
import {BackendTracker, errorResponse, FrontendFramer, MAX_STARTUP_BYTES, PROTOCOL_3_0, SSL_REQUEST_CODE} from './pg-framing.js';

const int32 = (n: number) => {
	const b = Buffer.alloc(4);
	b.writeInt32BE(n);
	return b;
};
const startup = (params = 'user\0postgres\0\0') => {
	const body = Buffer.concat([int32(PROTOCOL_3_0), Buffer.from(params, 'latin1')]);
	return Buffer.concat([int32(body.length + 4), body]);
};
const message = (type: string, body: string | Buffer) => {
	const bytes = typeof body === 'string' ? Buffer.from(body) : body;
	return Buffer.concat([Buffer.from(type, 'latin1'), int32(bytes.length + 4), bytes]);
};
const refusal = (framer: FrontendFramer, bytes: Buffer) => framer.push(bytes).find((e) => e.kind === 'refused');

describe('FrontendFramer', () => {
	it('follows SSLRequest, StartupMessage and messages split at every byte', () => {
		const stream = Buffer.concat([int32(8), int32(SSL_REQUEST_CODE), startup(), message('Q', 'select 1\0'), message('S', '')]);
		const framer = new FrontendFramer();
		const events = [...stream].flatMap((byte) => framer.push(Buffer.from([byte])));
		expect(events).toEqual([
			{kind: 'first-packet', packet: 'ssl-request'},
			{kind: 'first-packet', packet: 'startup'},
			{kind: 'message', type: 'Q', length: 13},
			{kind: 'message', type: 'S', length: 4},
		]);
		expect(framer.isStarted).toBe(true);
		expect(framer.isBetweenFrames).toBe(true);
	});

	// Regression (issue 11): a ~2 GB startup length made pglite-socket 0.2.17 spin at 100% CPU.
	it.each([
		['a ~2 GB startup packet', Buffer.concat([int32(0x7f_ff_ff_f0), int32(PROTOCOL_3_0)])],
		['a negative startup length', Buffer.concat([int32(-5), int32(PROTOCOL_3_0)])],
		['a startup packet over 10 000 bytes', Buffer.concat([int32(MAX_STARTUP_BYTES + 1), int32(PROTOCOL_3_0)])],
		['a startup packet shorter than its header', Buffer.concat([int32(4), int32(PROTOCOL_3_0)])],
		['an unknown protocol version', Buffer.concat([int32(8), int32(0x0002_0000)])],
		['garbage', Buffer.from('GET / HTTP/1.1\r\n')],
		['an SSLRequest of the wrong length', Buffer.concat([int32(12), int32(SSL_REQUEST_CODE), int32(0)])],
	])('refuses %s before any body is read', (_name, bytes) => {
		expect(refusal(new FrontendFramer(), bytes)?.reason).toMatch(/^invalid (startup packet length|first packet)/);
	});

	// Regression (fault suite's hub-wire corpus): an empty StartupMessage (length 8) reached PGlite
	// and the hub stopped answering SQL; PostgreSQL refuses these layouts in ProcessStartupPacket.
	it.each([
		['an empty StartupMessage', Buffer.concat([int32(8), int32(PROTOCOL_3_0)])],
		['a StartupMessage of one NUL', startup('\0')],
		['a StartupMessage without its final NUL', startup('user\0postgres\0')],
		['a StartupMessage with a name but no value', startup('user\0\0')],
		['a StartupMessage without a user', startup('database\0test\0\0')],
		['a StartupMessage with an empty user', startup('user\0\0database\0test\0\0')],
	])('refuses %s once it is whole, reporting no first packet', (_name, bytes) => {
		const events = new FrontendFramer().push(bytes);
		expect(events).toHaveLength(1);
		expect(events[0]).toMatchObject({kind: 'refused', reason: expect.stringMatching(/^invalid startup packet layout: /)});
	});

	it('reports a StartupMessage only once it is whole', () => {
		const framer = new FrontendFramer();
		const bytes = startup('user\0postgres\0database\0test\0\0');
		expect(framer.push(bytes.subarray(0, bytes.length - 1))).toEqual([]);
		expect(framer.isStarted).toBe(false);
		expect(framer.push(bytes.subarray(bytes.length - 1))).toEqual([{kind: 'first-packet', packet: 'startup'}]);
		expect(framer.isStarted).toBe(true);
	});

	it.each([
		['a 2 GB message', Buffer.concat([Buffer.from('Q'), int32(0x7f_ff_ff_ff)])],
		['a negative length', Buffer.concat([Buffer.from('Q'), int32(-1)])],
		['a length under 4', Buffer.concat([Buffer.from('Q'), int32(3)])],
		['a length over the limit', Buffer.concat([Buffer.from('P'), int32(1_025)])],
		['an unknown type', message('\x9f', 'abcd')],
		['a password message (PGlite never asks for one)', message('p', 'secret\0')],
	])('refuses %s after the startup', (_name, bytes) => {
		const framer = new FrontendFramer(1_024);
		framer.push(startup());
		expect(refusal(framer, bytes)?.reason).toMatch(/^invalid (message length|frontend message type)/);
		expect(refusal(framer, message('S', ''))?.reason).toBe('data after a refused frame');
	});

	it('accepts a message of exactly the limit', () => {
		const framer = new FrontendFramer(1_024);
		framer.push(startup());
		expect(framer.push(message('Q', Buffer.alloc(1_020)))).toEqual([{kind: 'message', type: 'Q', length: 1_024}]);
	});
});

describe('FrontendFramer.completedRequests', () => {
	it('counts the StartupMessage, Query, Sync and FunctionCall once their last byte is in', () => {
		const framer = new FrontendFramer();
		const counts = (bytes: Buffer) => [...bytes].map((byte) => (framer.push(Buffer.from([byte])), framer.completedRequests));
		expect(counts(startup()).at(-1)).toBe(1);
		const query = message('Q', 'select 1\0');
		expect(counts(query)).toEqual([...Array(query.length - 1).fill(1), 2]);
		// Parse, Bind, Describe, Execute end no request; their Sync does.
		const extended = [message('P', '\0select 1\0\0\0'), message('B', '\0\0\0\0\0\0\0\0'), message('D', 'P\0'), message('E', '\0\0\0\0\0')];
		expect(counts(Buffer.concat(extended)).at(-1)).toBe(2);
		expect(counts(message('S', '')).at(-1)).toBe(3);
	});
});

describe('BackendTracker', () => {
	it('reads the transaction status of each ReadyForQuery, after an unframed SSL answer', () => {
		const tracker = new BackendTracker();
		tracker.expectSingleByte();
		const stream = Buffer.concat([Buffer.from('N'), message('R', int32(0)), message('Z', 'I'), message('C', 'BEGIN\0'), message('Z', 'T')]);
		for (const byte of stream.subarray(0, 12)) tracker.push(Buffer.from([byte]));
		tracker.push(stream.subarray(12, 20));
		expect(tracker.status).toBe('I');
		tracker.push(stream.subarray(20));
		expect(tracker).toMatchObject({status: 'T', readyCount: 2});
	});

	it('stops tracking a stream it cannot follow', () => {
		const tracker = new BackendTracker();
		tracker.push(Buffer.from('Too many connections\n'));
		expect(tracker.status).toBeUndefined();
	});
});

describe('errorResponse', () => {
	it('is a FATAL ErrorResponse with SQLSTATE and message', () => {
		const bytes = errorResponse('08P01', 'bad');
		expect(bytes.subarray(0, 1).toString()).toBe('E');
		expect(bytes.readInt32BE(1)).toBe(bytes.length - 1);
		expect(bytes.subarray(5).toString()).toBe('SFATAL\0VFATAL\0C08P01\0Mbad\0\0');
	});
});
