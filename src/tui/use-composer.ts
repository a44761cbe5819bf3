// The composer's state outside React's render cycle: one line editor fed by the app's
// single key handler, with throttled typing indicators. May import react and core/.
import {useMemo, useRef} from 'react';
import {EMPTY_LINE, editLine, type EditorLine} from '../core/line-editor.js';
import type {KeyPress} from '../core/keymap.js';
import {IDLE_TYPING, typingChanged, typingStopped, type TypingSend} from '../core/typing.js';

/** A tiny external store holding the line being edited (read with useSyncExternalStore). */
export interface LineStore {
	get: () => EditorLine;
	subscribe: (listener: () => void) => () => void;
}

/** Options of {@link useComposer}. */
export interface ComposerOptions {
	/** A non-empty line was submitted with Enter. */
	onSubmit: (line: string) => void;
	/** Publish a typing indicator (already throttled). */
	onTyping: (send: TypingSend) => void;
	/** Clock for the throttle, in ms. */
	now: () => number;
}

/** What {@link useComposer} returns. */
export interface ComposerHandle {
	store: LineStore;
	/** Apply a key to the line (the composer has the focus). `to` = the open conversation's peer. */
	handleKey: (input: string, key: KeyPress, to: string | undefined) => void;
}

/**
 * Why not ink-text-input: it closes over its value and re-subscribes its input handler in
 * a passive effect after every render, which on Ink's legacy root runs late; under load a
 * key arriving in between was lost or applied to a stale value (seen under a pty at 100
 * messages/s: the first key after opening a conversation vanished, "hello bob" became
 * "hobbl"). Here one stable handler edits a store synchronously.
 */
export function useComposer(options: ComposerOptions): ComposerHandle {
	const optionsRef = useRef(options);
	optionsRef.current = options;
	return useMemo(() => {
		let line = EMPTY_LINE;
		let typing = IDLE_TYPING;
		const listeners = new Set<() => void>();
		const set = (next: EditorLine): void => {
			if (next === line) return;
			line = next;
			for (const listener of listeners) listener();
		};
		const store: LineStore = {
			get: () => line,
			subscribe: (listener) => {
				listeners.add(listener);
				return () => listeners.delete(listener);
			},
		};
		const handleKey = (input: string, key: KeyPress, to: string | undefined): void => {
			const {onSubmit, onTyping, now} = optionsRef.current;
			const result = editLine(line, input, key);
			if (result.submitted !== undefined) {
				if (result.submitted.trim() === '') return;
				set(result.line);
				const stopped = typingStopped(typing);
				typing = stopped.state;
				stopped.sends.forEach(onTyping);
				onSubmit(result.submitted);
				return;
			}
			const before = line.value;
			set(result.line);
			if (result.line.value === before) return;
			const changed = typingChanged(typing, to, result.line.value, now());
			typing = changed.state;
			changed.sends.forEach(onTyping);
		};
		return {store, handleKey};
	}, []);
}
