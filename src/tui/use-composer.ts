// The composer's state outside React's render cycle: one text editor fed by the app's
// single key handler, with input history, drafts per conversation, Tab completion and
// throttled typing indicators. May import react and core/.
import {useMemo, useRef} from 'react';
import {completeInput, type Completable} from '../core/completion.js';
import {EMPTY_HISTORY, endRecall, recallInput, rememberInput} from '../core/input-history.js';
import {EMPTY_LINE, editLine, graphemes, insertText, type EditorLine} from '../core/line-editor.js';
import type {KeyPress} from '../core/keymap.js';
import {IDLE_TYPING, typingChanged, typingStopped, type TypingSend} from '../core/typing.js';

/** A tiny external store holding the text being edited (read with useSyncExternalStore). */
export interface LineStore {
	get: () => EditorLine;
	subscribe: (listener: () => void) => () => void;
}

/**
 * Whether a submitted text was taken: true (sent or run), false (refused: the text stays
 * in the composer), or a promise of that for commands that ask the port first.
 */
export type SubmitResult = boolean | Promise<boolean>;

/** Options of {@link useComposer}. */
export interface ComposerOptions {
	/** A non-empty text was submitted with Enter (or saved in the external editor). */
	onSubmit: (text: string) => SubmitResult;
	/** Publish a typing indicator (already throttled). */
	onTyping: (send: TypingSend) => void;
	/** Ctrl+X Ctrl+E: edit this draft in the external editor. */
	onEditor: (draft: string) => void;
	/** Tab found several completions (to list them in the status line). */
	onChoices: (choices: readonly string[]) => void;
	/** The drafts changed: conversation id → unsent text (empty drafts left out). */
	onDraftsChange?: (drafts: Record<string, string>) => void;
	/** Drafts to start with, by conversation id. */
	drafts?: Readonly<Record<string, string>>;
	/** Clock for the throttle, in ms. */
	now: () => number;
}

/** Where the composer is typing: the open conversation, and who can be completed. */
export interface ComposerContext {
	conversationId: string | undefined;
	/** The open conversation id again: typing indicators go there. */
	to: string | undefined;
	people: () => readonly Completable[];
}

/** What {@link useComposer} returns. */
export interface ComposerHandle {
	store: LineStore;
	/** Apply a key to the text (the composer has the focus). */
	handleKey: (input: string, key: KeyPress, context: ComposerContext) => void;
	/** Insert text at the cursor, line breaks kept (a bracketed paste). */
	insert: (text: string, context: ComposerContext) => void;
	/** Submit a text written elsewhere (the external editor), as if typed and sent. */
	submitText: (text: string, context: ComposerContext) => void;
	/** The open conversation changed: park the draft and bring back the new one's. */
	switchTo: (conversationId: string | undefined) => void;
	/** Replace the text (cursor at the end): `e` loads the message being edited. */
	setText: (text: string, context: ComposerContext) => void;
}

/**
 * Why not ink-text-input: it closes over its value and re-subscribes its input handler in
 * a passive effect after every render, which on Ink's legacy root runs late; under load a
 * key arriving in between was lost or applied to a stale value (seen under a pty at 100
 * messages/s: the first key after opening a conversation vanished, "hello bob" became
 * "hobbl"). Here one stable handler edits a store synchronously. It has also grown past
 * what ink-text-input offers: several lines, history, completion, drafts.
 */
export function useComposer(options: ComposerOptions): ComposerHandle {
	const optionsRef = useRef(options);
	optionsRef.current = options;
	return useMemo(() => {
		let line = EMPTY_LINE;
		let typing = IDLE_TYPING;
		let history = EMPTY_HISTORY;
		let conversation: string | undefined;
		let isChordPending = false;
		const drafts: Record<string, string> = {...optionsRef.current.drafts};
		const listeners = new Set<() => void>();
		const endOf = (text: string): EditorLine => ({value: text, cursor: graphemes(text).length});
		const set = (next: EditorLine): void => {
			if (next === line) return;
			const isChanged = next.value !== line.value;
			line = next;
			for (const listener of listeners) listener();
			if (isChanged && conversation !== undefined) {
				if (line.value === '') delete drafts[conversation];
				else drafts[conversation] = line.value;
				optionsRef.current.onDraftsChange?.({...drafts});
			}
		};
		const switchTo = (id: string | undefined): void => {
			if (id === conversation) return;
			conversation = undefined; // park without reporting the old draft as changed
			line = endOf(id === undefined ? '' : (drafts[id] ?? ''));
			conversation = id;
			history = endRecall(history);
			for (const listener of listeners) listener();
		};
		const typed = (next: EditorLine, context: ComposerContext): void => {
			const before = line.value;
			set(next);
			if (next.value === before) return;
			history = endRecall(history);
			const changed = typingChanged(typing, context.to, next.value, optionsRef.current.now());
			typing = changed.state;
			changed.sends.forEach(optionsRef.current.onTyping);
		};
		const submit = (text: string, context: ComposerContext): void => {
			const {onSubmit, onTyping} = optionsRef.current;
			// Cleared before the command runs: `/quit` unmounts at once, and the drafts saved on the
			// way out must not hold the line just submitted (the next run would start with it).
			set(EMPTY_LINE);
			const result = onSubmit(text);
			if (result === false) {
				// Refused at once (too long, no conversation, typo): the text stays, the reason is in the status line.
				set(endOf(text));
				return;
			}
			history = rememberInput(history, context.conversationId ?? '', text);
			const stopped = typingStopped(typing);
			typing = stopped.state;
			stopped.sends.forEach(onTyping);
			if (result === true) return;
			void result.then((isAccepted) => {
				// Refused later (unknown user, port failed): give the text back unless the
				// composer holds something new; it stays in ↑ history either way.
				if (!isAccepted && line.value === '' && conversation === context.conversationId) set(endOf(text));
			});
		};
		const store: LineStore = {
			get: () => line,
			subscribe: (listener) => {
				listeners.add(listener);
				return () => listeners.delete(listener);
			},
		};
		const handleKey = (input: string, key: KeyPress, context: ComposerContext): void => {
			switchTo(context.conversationId);
			const chord = isChordPending;
			isChordPending = false;
			if (key.ctrl && input === 'x') {
				isChordPending = true;
				return;
			}
			if (chord && key.ctrl && input === 'e') {
				optionsRef.current.onEditor(line.value);
				return;
			}
			if (key.tab && !key.shift) {
				const completion = completeInput(line, context.people());
				typed(completion.line, context);
				if (completion.choices.length > 0) optionsRef.current.onChoices(completion.choices);
				return;
			}
			const result = editLine(line, input, key);
			if (result.unhandled) {
				const recalled = recallInput(history, context.conversationId ?? '', result.unhandled === 'up' ? -1 : 1, line.value);
				if (!recalled) return;
				history = recalled.history;
				set(endOf(recalled.text));
				return;
			}
			if (result.submitted !== undefined) {
				if (result.submitted.trim() !== '') submit(result.submitted, context);
				return;
			}
			typed(result.line, context);
		};
		const insert = (text: string, context: ComposerContext): void => {
			switchTo(context.conversationId);
			typed(insertText(line, text), context);
		};
		const submitText = (text: string, context: ComposerContext): void => {
			switchTo(context.conversationId);
			if (text.trim() !== '') submit(text, context);
		};
		const setText = (text: string, context: ComposerContext): void => {
			switchTo(context.conversationId);
			set(endOf(text));
		};
		return {store, handleKey, insert, submitText, switchTo, setText};
	}, []);
}
