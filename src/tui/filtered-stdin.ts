// A terminal stdin for Ink whose bytes went through the input filter (core/input-filter.ts).
// May import node:stream and core/.
import {Readable} from 'node:stream';
import {createInputFilter, type InputSegment} from '../core/input-filter.js';

/** What is not a key press: a whole bracketed paste, or a mouse report. */
export type TerminalEvent = Exclude<InputSegment, {kind: 'keys'}>;

/** What {@link filteredStdin} returns: the stream to give Ink, and how to detach it. */
export interface FilteredStdin {
	stream: NodeJS.ReadStream;
	/** Stop reading the real stdin and let it go (call after Ink unmounted). */
	dispose: () => void;
	/** Listen for pastes and mouse events; returns the unsubscribe function. */
	subscribe: (listener: (event: TerminalEvent) => void) => () => void;
	/** Stop reading while another program (the external editor) owns the terminal. */
	pause: () => void;
	/** Read again after {@link FilteredStdin.pause}. */
	resume: () => void;
}

/**
 * Wrap a terminal's stdin so Ink reads only filtered input: CSI sequences that are not
 * keys are dropped (a pasted `ESC [ 8 m` crashes Ink 6.8's key parser, ink#901); bracketed
 * pastes and SGR mouse reports go to {@link FilteredStdin.subscribe} listeners instead. Raw
 * mode, ref/unref and isTTY are passed through to the real stream, which Ink needs.
 */
export function filteredStdin(source: NodeJS.ReadStream): FilteredStdin {
	const filter = createInputFilter();
	const stream = new Readable({read() {}, encoding: 'utf8'}) as Readable & Record<string, unknown>;
	let flushTimer: NodeJS.Immediate | undefined;
	const listeners = new Set<(event: TerminalEvent) => void>();
	// Pastes and mouse events must not overtake keys typed before them: Ink reads the key
	// bytes on a later tick ('readable'), so an event waits until they have been read.
	const queue: InputSegment[] = [];
	let drainTimer: NodeJS.Immediate | undefined;
	const drain = (): void => {
		drainTimer = undefined;
		while (queue.length > 0) {
			const segment = queue[0]!;
			if (segment.kind === 'keys') stream.push(segment.text);
			else if (stream.readableLength > 0 && stream.listenerCount('readable') > 0) {
				drainTimer = setImmediate(drain);
				return;
			} else for (const listener of listeners) listener(segment);
			queue.shift();
		}
	};
	const onData = (data: Buffer | string): void => {
		if (flushTimer) clearImmediate(flushTimer);
		flushTimer = undefined;
		queue.push(...filter.pushSegments(typeof data === 'string' ? data : data.toString('utf8')));
		if (!drainTimer) drain();
		// A lone ESC is the Escape key unless more arrives at once (same wait as Ink's own).
		if (filter.isHolding()) {
			flushTimer = setImmediate(() => {
				flushTimer = undefined;
				const released = filter.flush();
				if (released) queue.push({kind: 'keys', text: released});
				if (!drainTimer) drain();
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
			if (drainTimer) clearImmediate(drainTimer);
			source.off('data', onData);
			source.pause();
		},
		subscribe: (listener) => {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		pause: () => {
			source.off('data', onData);
			source.pause();
		},
		resume: () => {
			source.on('data', onData);
			source.resume();
		},
	};
}
