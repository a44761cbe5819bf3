import {Duplex} from 'node:stream';
import {describe, expect, it} from 'vitest';
import {coalesceCorkedWrites, corkPerTurn} from './cork-per-turn.js';

/** A duplex that records each write it is handed: `writes[i]` is the chunks of one syscall. */
function recordingStream(): {stream: Duplex; writes: string[][]} {
	const writes: string[][] = [];
	const stream = new Duplex({
		read() {},
		write(chunk: Buffer, _encoding, done) {
			writes.push([chunk.toString()]);
			done();
		},
		writev(chunks, done) {
			writes.push(chunks.map((c) => (c.chunk as Buffer).toString()));
			done();
		},
	});
	return {stream, writes};
}

/** Writes, as aedes does while handling another connection's read: now, in a nextTick, after a promise; then once more in the next turn. */
async function writeInTwoTurns(stream: Duplex): Promise<void> {
	stream.write('publish 1');
	process.nextTick(() => {
		stream.write('publish 2');
		queueMicrotask(() => stream.write('publish 3'));
	});
	await new Promise((resolve) => setImmediate(resolve));
	stream.write('publish 4');
	await new Promise((resolve) => setImmediate(resolve));
}

describe('corkPerTurn', () => {
	it("writes what one turn of the event loop wrote in one write, and the next turn's in another", async () => {
		const {stream, writes} = recordingStream();
		corkPerTurn(stream);
		await writeInTwoTurns(stream);
		expect(writes).toEqual([['publish 1', 'publish 2', 'publish 3'], ['publish 4']]);
	});

	it('writes each on its own without it (what it fixes)', async () => {
		const {stream, writes} = recordingStream();
		await writeInTwoTurns(stream);
		expect(writes).toHaveLength(4);
	});

	it("nests inside a cork of the writer's own, as mqtt-packet corks each packet for one tick", async () => {
		const {stream, writes} = recordingStream();
		corkPerTurn(stream);
		stream.cork();
		stream.write('header');
		stream.write('payload');
		process.nextTick(() => stream.uncork());
		await Promise.resolve();
		stream.write('puback');
		await new Promise((resolve) => setImmediate(resolve));
		expect(writes).toEqual([['header', 'payload', 'puback']]);
	});

	it('stops corking once undone', async () => {
		const {stream, writes} = recordingStream();
		corkPerTurn(stream)();
		await writeInTwoTurns(stream);
		expect(writes).toHaveLength(4);
	});
});

describe('coalesceCorkedWrites', () => {
	const corkedWrites = (stream: Duplex) => {
		stream.cork();
		stream.write(Buffer.from('header '));
		stream.write('topic/ü ');
		stream.write(Buffer.from('payload'));
		stream.uncork();
	};

	it('hands what was corked to the stream as one buffer, strings encoded', () => {
		const {stream, writes} = recordingStream();
		coalesceCorkedWrites(stream);
		corkedWrites(stream);
		expect(writes).toEqual([['header topic/ü payload']]);
	});

	it('leaves the pieces as they were without it, and once undone', () => {
		const {stream, writes} = recordingStream();
		corkedWrites(stream);
		coalesceCorkedWrites(stream)();
		corkedWrites(stream);
		expect(writes).toEqual([['header ', 'topic/ü ', 'payload'], ['header ', 'topic/ü ', 'payload']]);
	});
});
