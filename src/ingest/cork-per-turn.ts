// Writes what one turn of the event loop writes to a socket (mqtt.js's PUBACKs of one read, the
// ingester's fan-out after a COMMIT, aedes' deliveries) in one write instead of one each. Pure
// stream handling; imports nothing outside node:stream types. Used by the ingester and by the
// hub's broker.
import type {Duplex} from 'node:stream';

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
 * `setImmediate`, so everything written to it in that turn leaves in one `writev`, whether a
 * read of this stream caused it or not (aedes writes a publisher's PUBACK and the ingester's
 * copy of the publish while handling the publisher's read, on two connections). Every nextTick
 * and promise of the turn runs before `setImmediate`, so nothing waits longer than the turn that
 * wrote it; mqtt-packet's own cork (one nextTick) nests inside (Writable counts corks). Why:
 * mqtt.js handles the publishes of one read one per `process.nextTick` and writes each one's
 * PUBACK in its own tick — one syscall per received message (socket writes were 12–13 % of the
 * ingester's busy time); under a burst, one write(2) per piece aedes wrote was 35 % of the hub's
 * main thread (issue 12). Returns an undo.
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
