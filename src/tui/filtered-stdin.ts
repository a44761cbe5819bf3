// A terminal stdin for Ink whose bytes went through the input filter (core/input-filter.ts).
// May import node:stream and core/.
import {Readable} from 'node:stream';
import {createInputFilter} from '../core/input-filter.js';

/** What {@link filteredStdin} returns: the stream to give Ink, and how to detach it. */
export interface FilteredStdin {
	stream: NodeJS.ReadStream;
	/** Stop reading the real stdin and let it go (call after Ink unmounted). */
	dispose: () => void;
}

/**
 * Wrap a terminal's stdin so Ink reads only filtered input: CSI sequences that are not
 * keys are dropped (a pasted `ESC [ 8 m` crashes Ink 6.8's key parser, ink#901). Raw
 * mode, ref/unref and isTTY are passed through to the real stream, which Ink needs.
 */
export function filteredStdin(source: NodeJS.ReadStream): FilteredStdin {
	const filter = createInputFilter();
	const stream = new Readable({read() {}, encoding: 'utf8'}) as Readable & Record<string, unknown>;
	let flushTimer: NodeJS.Immediate | undefined;
	const onData = (data: Buffer | string): void => {
		if (flushTimer) clearImmediate(flushTimer);
		flushTimer = undefined;
		const out = filter.push(typeof data === 'string' ? data : data.toString('utf8'));
		if (out) stream.push(out);
		// A lone ESC is the Escape key unless more arrives at once (same wait as Ink's own).
		if (filter.isHolding()) {
			flushTimer = setImmediate(() => {
				flushTimer = undefined;
				const released = filter.flush();
				if (released) stream.push(released);
			});
		}
	};
	source.setEncoding('utf8');
	source.on('data', onData);
	// A stream paused before (readline's close() pauses stdin after the first-run questions)
	// stays paused when a 'data' listener is added; without this the chat ignores every key.
	source.resume();
	stream.isTTY = source.isTTY;
	stream.setRawMode = (mode: boolean) => {
		source.setRawMode(mode);
		return stream;
	};
	stream.ref = () => {
		source.ref();
		return stream;
	};
	stream.unref = () => {
		source.unref();
		return stream;
	};
	return {
		stream: stream as unknown as NodeJS.ReadStream,
		dispose: () => {
			if (flushTimer) clearImmediate(flushTimer);
			source.off('data', onData);
			source.pause();
		},
	};
}
