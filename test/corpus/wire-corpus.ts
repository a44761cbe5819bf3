// Hostile bytes for the embedded hub's two ports: MQTT frames (random, mutated and hand-made) for
// its aedes broker, and PostgreSQL wire packets for its PGlite server. Deterministic (fast-check,
// fixed seeds). Pure: builds buffers only.
import fc from 'fast-check';

/** One hostile connection: the bytes written before half-closing it. */
export interface WireCase {
	name: string;
	bytes: Buffer;
}

function varint(n: number): Buffer {
	const out: number[] = [];
	do {
		let byte = n % 128;
		n = Math.floor(n / 128);
		if (n > 0) byte |= 0x80;
		out.push(byte);
	} while (n > 0);
	return Buffer.from(out);
}

function str(s: string | Buffer): Buffer {
	const bytes = Buffer.isBuffer(s) ? s : Buffer.from(s);
	const length = Buffer.alloc(2);
	length.writeUInt16BE(bytes.length);
	return Buffer.concat([length, bytes]);
}

function packet(firstByte: number, body: Buffer): Buffer {
	return Buffer.concat([Buffer.from([firstByte]), varint(body.length), body]);
}

/** MQTT credentials: a user name and a password (the hub secret). */
export interface MqttCredentials {
	username: string;
	password: string;
}

/** An MQTT 3.1.1 CONNECT (clean session, keep-alive 60 s), with `credentials` when given. */
export function mqttConnect(clientId: string, level = 4, credentials?: MqttCredentials): Buffer {
	if (!credentials) return packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([level, 0x02, 0x00, 0x3c]), str(clientId)]));
	return packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([level, 0xc2, 0x00, 0x3c]), str(clientId), str(credentials.username), str(credentials.password)]));
}

/** A QoS 1 PUBLISH of `payload` on `topic` with packet id `id`. */
export function mqttPublish(topic: string | Buffer, payload: string, id = 1, firstByte = 0x32): Buffer {
	const packetId = Buffer.alloc(2);
	packetId.writeUInt16BE(id);
	return packet(firstByte, Buffer.concat([str(topic), packetId, Buffer.from(payload)]));
}

function flips(template: Buffer, seed: number, count: number, prefix: string): WireCase[] {
	const edits = fc.sample(fc.array(fc.tuple(fc.nat(), fc.integer({min: 1, max: 255})), {minLength: 1, maxLength: 3}), {seed, numRuns: count});
	return edits.map((list, n) => {
		const bytes = Buffer.from(template);
		for (const [at, mask] of list) bytes[at % bytes.length] = (bytes[at % bytes.length] ?? 0) ^ mask;
		return {name: `${prefix} ${n}`, bytes};
	});
}

/**
 * ~160 hostile MQTT connections for topic base `base`. A PUBLISH in them only ever carries the
 * payload `{` (never a valid chat payload), so no mutation can turn into a stored row. With
 * `credentials` (chat user `mallory` and the hub secret) the frames after CONNECT come from an
 * authenticated user; a few connections try without, or with a wrong password, all the same.
 */
export function mqttFrameCorpus(base: string, credentials?: MqttCredentials): WireCase[] {
	const connect = mqttConnect('fuzz', 4, credentials);
	const publish = mqttPublish(`${base}/bob/mallory`, '{');
	const cases: WireCase[] = [
		{name: 'remaining length of 5 bytes', bytes: Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f])},
		{name: 'remaining length 268 MB announced, nothing sent', bytes: Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f])},
		{name: 'PUBLISH of 256 MB announced after CONNECT', bytes: Buffer.concat([connect, Buffer.from([0x32, 0xff, 0xff, 0xff, 0x7f, 0x00])])},
		{name: 'reserved packet type 0', bytes: Buffer.from([0x00, 0x00])},
		{name: 'reserved packet type 15 (AUTH on 3.1.1)', bytes: Buffer.concat([connect, Buffer.from([0xf0, 0x00])])},
		{name: 'PUBLISH before CONNECT', bytes: publish},
		{name: 'SUBSCRIBE before CONNECT', bytes: packet(0x82, Buffer.concat([Buffer.from([0, 1]), str('#'), Buffer.from([1])]))},
		{name: 'QoS 3 PUBLISH', bytes: Buffer.concat([connect, mqttPublish(`${base}/bob/mallory`, '{', 1, 0x36)])},
		{name: 'PUBLISH topic not UTF-8', bytes: Buffer.concat([connect, mqttPublish(Buffer.from([0x61, 0xff, 0xfe]), '{')])}, 
		{name: 'PUBLISH topic with a NUL', bytes: Buffer.concat([connect, mqttPublish(`${base}/bob\u0000/mallory`, '{')])},
		{name: 'PUBLISH to a wildcard topic', bytes: Buffer.concat([connect, mqttPublish(`${base}/#`, '{')])},
		{name: 'PUBLISH QoS 1 with packet id 0', bytes: Buffer.concat([connect, mqttPublish(`${base}/bob/mallory`, '{', 0)])},
		{name: 'PUBLISH topic length past the packet', bytes: Buffer.concat([connect, packet(0x32, Buffer.from([0xff, 0xff, 0x61]))])},
		{name: 'CONNECT protocol level 9', bytes: mqttConnect('fuzz', 9)},
		{name: 'CONNECT protocol name XYZW', bytes: packet(0x10, Buffer.concat([str('XYZW'), Buffer.from([4, 2, 0, 60]), str('fuzz')]))},
		{name: 'CONNECT with reserved flag set', bytes: packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 0x03, 0, 60]), str('fuzz')]))},
		{name: 'CONNECT client id of 65,535 bytes', bytes: mqttConnect('c'.repeat(65_535))},
		{name: 'two CONNECTs', bytes: Buffer.concat([connect, connect])},
		{name: 'SUBSCRIBE with no topic', bytes: Buffer.concat([connect, packet(0x82, Buffer.from([0, 1]))])},
		{name: 'SUBSCRIBE QoS 3', bytes: Buffer.concat([connect, packet(0x82, Buffer.concat([Buffer.from([0, 1]), str(`${base}/#`), Buffer.from([3])]))])},
		{name: 'PUBACK for nothing', bytes: Buffer.concat([connect, packet(0x40, Buffer.from([0x12, 0x34]))])},
		{name: 'DISCONNECT with a body', bytes: Buffer.concat([connect, packet(0xe0, Buffer.from([1, 2, 3]))])},
		{name: '1,000 PINGREQs', bytes: Buffer.concat([connect, ...Array.from({length: 1_000}, () => Buffer.from([0xc0, 0x00]))])},
		{name: 'HTTP request', bytes: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')},
		{name: 'TLS ClientHello prefix', bytes: Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])},
		{name: 'CONNECT without credentials, then PUBLISH', bytes: Buffer.concat([mqttConnect('anon'), publish])},
		{name: 'CONNECT with a wrong password, then SUBSCRIBE #', bytes: Buffer.concat([mqttConnect('guess', 4, {username: 'mallory', password: 'guess'}), packet(0x82, Buffer.concat([Buffer.from([0, 1]), str('#'), Buffer.from([1])]))])},
		{name: 'SUBSCRIBE # and $SYS/#', bytes: Buffer.concat([connect, packet(0x82, Buffer.concat([Buffer.from([0, 1]), str('#'), Buffer.from([1]), str('$SYS/#'), Buffer.from([1])]))])},
	];
	const random = fc.sample(fc.uint8Array({minLength: 1, maxLength: 300}), {seed: 7, numRuns: 60});
	cases.push(...random.map((bytes, n) => ({name: `random bytes ${n}`, bytes: Buffer.from(bytes)})));
	cases.push(...flips(connect, 8, 35, 'mutated CONNECT'));
	cases.push(...flips(Buffer.concat([connect, publish]), 9, 40, 'mutated CONNECT+PUBLISH').map((c) => ({...c, bytes: Buffer.concat([connect, c.bytes.subarray(connect.length)])})));
	return cases;
}

function int32(n: number): Buffer {
	const b = Buffer.alloc(4);
	b.writeInt32BE(n | 0);
	return b;
}

/** A PostgreSQL v3 StartupMessage for `user`/`database`. */
export function pgStartup(user = 'postgres', database = 'postgres'): Buffer {
	const body = Buffer.concat([int32(196_608), Buffer.from(`user\0${user}\0database\0${database}\0\0`)]);
	return Buffer.concat([int32(body.length + 4), body]);
}

function pgMessage(type: string, body: Buffer, length = body.length + 4): Buffer {
	return Buffer.concat([Buffer.from(type), int32(length), body]);
}

/** A StartupMessage announcing `length` bytes (an int32 as sent), followed by `tail`. */
export function pgStartupWithLength(length: number, tail = Buffer.alloc(0)): Buffer {
	return Buffer.concat([int32(length), int32(196_608), tail]);
}

/**
 * ~100 hostile PostgreSQL connections. The ~2 GB StartupMessage (the hub wedge of issue 11) is
 * not in here: it gets a test of its own ({@link pgStartupWithLength}(0x7fffffff)).
 */
export function pgPacketCorpus(): WireCase[] {
	const startup = pgStartup();
	const cases: WireCase[] = [
		...[0, 1, 4, 7, 8, 9, 10_001, 65_536].map((n) => ({name: `StartupMessage of length ${n}`, bytes: pgStartupWithLength(n)})),
		{name: 'StartupMessage of length -1', bytes: pgStartupWithLength(-1)},
		{name: 'StartupMessage longer than announced', bytes: Buffer.concat([int32(12), int32(196_608), Buffer.from('user\0x\0\0junkjunk')])},
		{name: 'protocol version 0', bytes: Buffer.concat([int32(8), int32(0)])},
		{name: 'protocol version 4.0', bytes: Buffer.concat([int32(8), int32(4 << 16)])},
		{name: 'SSLRequest then garbage', bytes: Buffer.concat([int32(8), int32(80_877_103), Buffer.from('garbage!')])},
		{name: 'two SSLRequests', bytes: Buffer.concat([int32(8), int32(80_877_103), int32(8), int32(80_877_103)])},
		{name: 'GSSENCRequest', bytes: Buffer.concat([int32(8), int32(80_877_104)])},
		{name: 'CancelRequest for a random backend', bytes: Buffer.concat([int32(16), int32(80_877_102), int32(1234), int32(5678)])},
		{name: 'parameters without terminator', bytes: Buffer.concat([int32(30), int32(196_608), Buffer.from('user\0postgres\0database')])},
		{name: 'unknown parameter only', bytes: Buffer.concat([int32(17), int32(196_608), Buffer.from('x\0y\0\0')])},
		{name: 'Query with length -1', bytes: Buffer.concat([startup, pgMessage('Q', Buffer.from('SELECT 1\0'), -1)])},
		{name: 'Query with length 3', bytes: Buffer.concat([startup, pgMessage('Q', Buffer.from('SELECT 1\0'), 3)])},
		{name: 'Query without NUL', bytes: Buffer.concat([startup, pgMessage('Q', Buffer.from('SELECT 1'))])},
		{name: 'Query of invalid UTF-8', bytes: Buffer.concat([startup, pgMessage('Q', Buffer.from([0x53, 0xff, 0xfe, 0x00]))])},
		{name: 'Query: unterminated BEGIN, then hang up', bytes: Buffer.concat([startup, pgMessage('Q', Buffer.from('BEGIN; LOCK chat_messages;\0'))])},
		{name: 'Parse with garbage', bytes: Buffer.concat([startup, pgMessage('P', Buffer.from([1, 2, 3, 4, 5]))])},
		{name: 'Bind to a missing statement', bytes: Buffer.concat([startup, pgMessage('B', Buffer.from('\0nope\0\0\0\0\0\0\0'))])},
		{name: 'unknown message type z', bytes: Buffer.concat([startup, pgMessage('z', Buffer.from('x'))])},
		{name: 'CopyData out of the blue', bytes: Buffer.concat([startup, pgMessage('d', Buffer.from('1\t2\n'))])},
		{name: 'Terminate then more', bytes: Buffer.concat([startup, pgMessage('X', Buffer.alloc(0)), pgMessage('Q', Buffer.from('SELECT 1\0'))])},
		{name: 'HTTP request', bytes: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')},
	];
	const random = fc.sample(fc.uint8Array({minLength: 1, maxLength: 200}), {seed: 5, numRuns: 40});
	// Keep random prefixes from announcing a length over 1 MB: those belong to the wedge test.
	cases.push(...random.map((bytes, n) => ({name: `random bytes ${n}`, bytes: Buffer.from(bytes.length >= 4 ? [0, bytes[1]! & 0x0f, ...bytes.slice(2)] : bytes)})));
	cases.push(...flips(Buffer.concat([startup, pgMessage('Q', Buffer.from('SELECT 1\0'))]), 6, 30, 'mutated startup+Query').map((c) => ({...c, bytes: c.bytes.length >= 4 ? Buffer.concat([Buffer.from([0, c.bytes[1]! & 0x0f]), c.bytes.subarray(2)]) : c.bytes})));
	return cases;
}

/**
 * ~50 hostile message streams for a client that has authenticated (the hub asks for SCRAM
 * first: {@link pgPacketCorpus}'s startup-prefixed cases never get past it): the same messages,
 * random bytes and mutated Queries, sent right after the first ReadyForQuery.
 */
export function pgSessionCorpus(): WireCase[] {
	const startup = pgStartup();
	const tails = pgPacketCorpus()
		.filter((c) => c.bytes.subarray(0, startup.length).equals(startup) && c.bytes.length > startup.length)
		.map((c) => ({name: `authenticated: ${c.name}`, bytes: c.bytes.subarray(startup.length)}));
	const random = fc.sample(fc.uint8Array({minLength: 1, maxLength: 200}), {seed: 15, numRuns: 15});
	tails.push(...random.map((bytes, n) => ({name: `authenticated: random bytes ${n}`, bytes: Buffer.from(bytes.length >= 5 ? [bytes[0]!, 0, 0, ...bytes.slice(3)] : bytes)})));
	tails.push(...flips(pgMessage('Q', Buffer.from('SELECT 1\0')), 16, 20, 'authenticated: mutated Query').map((c) => ({...c, bytes: c.bytes.length >= 3 ? Buffer.concat([c.bytes.subarray(0, 1), Buffer.from([0, 0]), c.bytes.subarray(3)]) : c.bytes})));
	return tails;
}
