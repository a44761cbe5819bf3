// Writes the packets a socket read causes (mqtt.js's PUBACKs), or one turn of the event loop
// writes (aedes' deliveries), in one write instead of one each. Pure stream handling; imports
// nothing outside node:stream types. Used by the ingester and by the hub's broker.
import type {Duplex} from 'node:stream';

/**
 * Cork `stream` when a chunk arrives and uncork it on the next `setImmediate`, so whatever is
 * written while that chunk is handled leaves in one `writev` (one syscall). Why: mqtt.js handles
 * the publishes of one read one per `process.nextTick` and writes each one's PUBACK in its own
 * tick, and mqtt-packet's own cork lasts one tick only — one syscall per received message
 * (issue 12: socket writes were 12–13 % of the ingester's busy time). Every nextTick of the read
 * runs before `setImmediate`, so nothing is held longer than the read's own handling. Returns
 * an idempotent undo.
 */
export function corkPerRead(stream: Duplex): () => void {
	let isCorked = false;
	const onData = () => {
		if (isCorked) return;
		isCorked = true;
		stream.cork();
		setImmediate(() => {
			isCorked = false;
			stream.uncork();
		});
	};
	// Before the reader's own listener (mqtt.js pipes the socket into its parser): the first packet
	// of the read is handled synchronously inside that listener.
	stream.prependListener('data', onData);
	return () => void stream.off('data', onData);
}

type WritevChunk = {chunk: Buffer | string; encoding: BufferEncoding};
type WithWritev = Duplex & {_writev?: (chunks: WritevChunk[], callback: (error?: Error | null) => void) => void};

/**
 * Make `socket` hand what queued while it was corked to the kernel as ONE buffer instead of one
 * iovec per chunk: mqtt-packet writes a publish in about seven pieces (header, length, topic as
 * a string, id, properties, payload), so a batch's fan-out was ~10,000 pieces that Node encoded
 * and passed one by one (issue 12). Copies the bytes once (Buffer.concat). For a stream without
 * a `_writev` (nothing to coalesce) it does nothing. Returns an undo.
 */
export function coalesceCorkedWrites(socket: Duplex): () => void {
	const stream = socket as WithWritev;
	const own = Object.prototype.hasOwnProperty.call(stream, '_writev') ? stream._writev : undefined;
	if (typeof stream._writev !== 'function') return () => undefined;
	stream._writev = function (this: Duplex & {_write: Duplex['_write']}, chunks, callback) {
		const buffers = chunks.map(({chunk, encoding}) => (typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk));
		// 'buffer': what Writable passes for Buffer chunks (not a BufferEncoding in the typings).
		this._write(Buffer.concat(buffers), 'buffer' as BufferEncoding, callback);
	};
	return () => {
		if (own) stream._writev = own;
		else delete stream._writev;
	};
}

/**
 * Cork `stream` at its first write in a turn of the event loop and uncork it on the next
 * `setImmediate`, so everything written to it in that turn leaves in one `writev`. For writes
 * that no read of this stream causes: aedes writes a publisher's PUBACK and the ingester's
 * copy of the publish while handling the publisher's read, on two connections. Every nextTick
 * and promise of the turn runs before `setImmediate`, so nothing waits longer than the turn that
 * wrote it; mqtt-packet's own cork (one nextTick) nests inside (Writable counts corks). Under a
 * burst, one write(2) per piece was 35 % of the hub's main thread (issue 12). Returns an undo.
 */
export function corkPerTurn(stream: Duplex): () => void {
	let isCorked = false;
	const uncork = () => {
		isCorked = false;
		stream.uncork();
	};
	const own = Object.prototype.hasOwnProperty.call(stream, 'write') ? stream.write : undefined;
	const write = stream.write;
	stream.write = function (this: Duplex, ...args: Parameters<Duplex['write']>) {
		if (!isCorked && !stream.destroyed) {
			isCorked = true;
			stream.cork();
			setImmediate(uncork);
		}
		return write.apply(this, args as never);
	} as Duplex['write'];
	return () => {
		if (own) stream.write = own;
		else delete (stream as {write?: unknown}).write;
	};
}
