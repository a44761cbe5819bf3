// Everything typed, pasted or clicked, wired to the chat: the key handler, the composer with
// its commands, split offers and external editor, pastes and mouse events, the sticky notice.
// May import react, ink types, core/ and tui/.
import type {Key} from 'ink';
import {useCallback, useEffect, useRef, useState, useSyncExternalStore} from 'react';
import type {ChatAction} from '../core/actions.js';
import {parseCommand, type Command} from '../core/commands.js';
import {knownPeople} from '../core/completion.js';
import {isPassedOnFromOverlay, isTextInput, keyToAction, type Keymap} from '../core/keymap.js';
import {MAX_COMPOSER_LINES} from '../core/layout.js';
import {cleanText} from '../core/line-editor.js';
import {mouseToAction} from '../core/mouse.js';
import {splitKeys} from '../core/split-keys.js';
import type {ChatState} from '../core/state.js';
import type {ChatPort} from '../core/types.js';
import {draftLines} from './composer.js';
import {executeCommand} from './execute-command.js';
import type {EditorOutcome} from './external-editor.js';
import type {TerminalEvent} from './filtered-stdin.js';
import {useComposer, type ComposerContext, type ComposerHandle, type SubmitResult} from './use-composer.js';
import {useDraftsReport} from './use-drafts-report.js';

/** Options of {@link useChatInput}. */
export interface ChatInputOptions {
	port: ChatPort;
	dispatch: (action: ChatAction) => void;
	stateRef: {readonly current: ChatState};
	/** The open conversation (its draft is shown). */
	openConversationId: string | undefined;
	keymap: Keymap;
	/** Clock for typing indicators, in ms. */
	now: () => number;
	/** Shown above the status bar until Esc (a bad key-map entry). */
	initialNotice?: string;
	drafts?: Record<string, string>;
	onDraftsChange?: (drafts: Record<string, string>) => void;
	terminalEvents?: (listener: (event: TerminalEvent) => void) => () => void;
	onEditor?: (draft: string) => EditorOutcome;
}

/** What {@link useChatInput} returns. */
export interface ChatInput {
	composer: ComposerHandle;
	/** Text lines the draft needs (1 … MAX_COMPOSER_LINES), for the layout. */
	composerLines: number;
	/** The app's one key handler (stable). */
	onKey: (chunk: string, flags: Key) => void;
	stickyNotice: string | undefined;
}

/** Input for the chat screen; see the file header. */
export function useChatInput(options: ChatInputOptions): ChatInput {
	const {port, dispatch, stateRef} = options;
	const optionsRef = useRef(options);
	optionsRef.current = options;
	const [stickyNotice, setStickyNotice] = useState(options.initialNotice);
	const stickyRef = useRef(stickyNotice);
	stickyRef.current = stickyNotice;
	const notice = useCallback((level: 'info' | 'error', text: string) => dispatch({type: 'notice', level, text}), [dispatch]);

	// The text last refused as too long: Enter on it again sends it split (the offer in the notice).
	const splitOffer = useRef<string | undefined>(undefined);
	const editorRef = useRef<(draft: string) => void>(() => {});
	const onSubmit = useCallback(
		(text: string): SubmitResult => {
			const parsed = parseCommand(text, stateRef.current);
			// The editor runs after this submit has emptied the composer, so a cancel can give the text back.
			const openEditor = (draft: string): void => void setImmediate(() => editorRef.current(draft));
			const run = (command: Command) => executeCommand(command, {port, state: stateRef.current, dispatch, openEditor});
			if (parsed.ok) {
				splitOffer.current = undefined;
				return run(parsed.command);
			}
			if (parsed.parts && splitOffer.current === text) {
				splitOffer.current = undefined;
				const parts = parsed.parts;
				return (async () => {
					for (const part of parts) if (!(await run(part))) return false;
					return true;
				})();
			}
			splitOffer.current = parsed.parts ? text : undefined;
			notice('error', parsed.error);
			return false;
		},
		[port, dispatch, stateRef, notice],
	);
	const onDraftsChange = useDraftsReport(options.onDraftsChange);
	const composer = useComposer({
		onSubmit,
		onTyping: (send) => port.sendTyping(send.to, send.isTyping),
		onChoices: (choices) => notice('info', choices.join('  ')),
		onDraftsChange,
		onEditor: (draft) => editorRef.current(draft),
		...(options.drafts ? {drafts: options.drafts} : {}),
		now: options.now,
	});
	const contextFor = useCallback(
		(current: ChatState): ComposerContext => ({
			conversationId: current.openConversationId,
			to: current.openConversationId,
			people: () => knownPeople(stateRef.current),
		}),
		[stateRef],
	);
	editorRef.current = (draft: string) => {
		const {onEditor} = optionsRef.current;
		if (!onEditor) return notice('error', 'no external editor here — set $VISUAL or $EDITOR and run the chat in a terminal');
		const outcome = onEditor(draft);
		// A notice either way: the new status line also makes Ink draw the whole frame again.
		if ('reason' in outcome) {
			notice('info', outcome.reason);
			// `/editor text` emptied the composer when it was run: the draft comes back there.
			if (composer.store.get().value === '') composer.insert(draft, contextFor(stateRef.current));
			return;
		}
		notice('info', 'message from the editor');
		composer.submitText(outcome.text, contextFor(stateRef.current));
	};
	useEffect(() => composer.switchTo(options.openConversationId), [composer, options.openConversationId]);
	const composerLines = useSyncExternalStore(composer.store.subscribe, () => draftLines(composer.store.get(), MAX_COMPOSER_LINES));

	const {terminalEvents} = options;
	useEffect(
		() =>
			terminalEvents?.((event) => {
				const current = stateRef.current;
				if (event.kind === 'mouse') {
					const action = mouseToAction(event.event, current);
					if (action) dispatch(action);
					return;
				}
				if (current.overlay?.kind === 'switcher') {
					dispatch({type: 'switcher-query-changed', query: current.overlay.query + cleanText(event.text, false).trim()});
					return;
				}
				// Pasted into the search line: one line, as typed.
				if (current.overlay?.kind === 'search') {
					dispatch({type: 'search-query-changed', query: current.overlay.query + cleanText(event.text, false).replace(/\s+/g, ' ')});
					return;
				}
				// A paste is text for the composer, whatever had the focus (never a key, never a send).
				if (current.overlay) dispatch({type: 'overlay-closed'});
				if (current.focus !== 'composer') dispatch({type: 'focus-moved', pane: 'composer'});
				composer.insert(event.text, contextFor(stateRef.current));
			}),
		[terminalEvents, dispatch, stateRef, composer, contextFor],
	);

	// `e` loads the message into the composer; Esc on an untouched edit empties it again (a
	// changed text stays: what was typed is never thrown away, Ctrl+U clears it).
	const composeChanged = useCallback(
		(action: ChatAction, before: ChatState) => {
			const context = contextFor(stateRef.current);
			if (action.type === 'compose-started' && action.compose.kind === 'edit') composer.setText(action.compose.target.content, context);
			if (action.type === 'compose-ended' && before.compose?.kind === 'edit') {
				if (composer.store.get().value === before.compose.target.content) composer.setText('', context);
				else notice('info', 'edit cancelled; the text stays (Ctrl+U clears)');
			}
		},
		[composer, contextFor, stateRef, notice],
	);
	const onKey = useCallback(
		(chunk: string, flags: Key) => {
			const {keymap} = optionsRef.current;
			const presses = splitKeys(chunk, flags);
			for (let i = 0; i < presses.length; i++) {
				let {input, key} = presses[i]!;
				// Outside the composer, a run of keys read at once (typed fast, or while the app was busy)
				// is taken one key at a time: "se" is s then e. What follows a key that opens the composer
				// (r, e, /) goes to it whole, as a person typing slower would get.
				if (input.length > 1 && isTextInput(input, key) && !(stateRef.current.focus === 'composer' && !stateRef.current.overlay)) {
					const [first, ...rest] = Array.from(input);
					if (rest.length > 0) {
						presses.splice(i + 1, 0, {input: rest.join(''), key});
						input = first!;
					}
				}
				// Esc dismisses the sticky notice first, unless it is closing an overlay.
				if (stickyRef.current !== undefined && key.escape && !stateRef.current.overlay) {
					setStickyNotice(undefined);
					continue;
				}
				let current = stateRef.current;
				if (isPassedOnFromOverlay(input, key, current, keymap)) {
					// The overlay closes and the key does its usual job; typing goes to the composer.
					dispatch({type: 'overlay-closed'});
					if (isTextInput(input, key) && stateRef.current.focus !== 'composer') dispatch({type: 'focus-moved', pane: 'composer'});
					current = stateRef.current;
				}
				const isComposing = current.focus === 'composer' && !current.overlay;
				// Tab completes in a composer with text (as in WeeChat and shells); empty, it moves the focus.
				if (isComposing && key.tab && !key.shift && composer.store.get().value !== '') {
					composer.handleKey(input, key, contextFor(current));
					continue;
				}
				const action = keyToAction(input, key, current, keymap);
				// `e` would replace a draft with the message's text: what was typed is never thrown away.
				if (action?.type === 'compose-started' && action.compose.kind === 'edit' && composer.store.get().value.trim() !== '' && current.openConversationId === action.compose.target.conversationId) {
					notice('info', 'the composer holds a draft — send it or clear it (Ctrl+U) before editing a message');
					continue;
				}
				if (action) {
					dispatch(action);
					composeChanged(action, current);
					// The "/" that moved focus to the composer starts the command (a whole chunk when pasted or fast).
					if (action.type === 'focus-moved' && action.pane === 'composer' && input.startsWith('/')) composer.handleKey(input, key, contextFor(stateRef.current));
					continue;
				}
				if (isComposing) composer.handleKey(input, key, contextFor(current));
			}
		},
		[dispatch, stateRef, composer, contextFor, composeChanged, notice],
	);
	return {composer, composerLines, onKey, stickyNotice};
}
