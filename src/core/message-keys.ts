// Keys of the message actions (issue 10): r/e/d/+/o/s on the selected message, and the keys of
// the delete confirmation, the reaction picker, the search overlay and the away overlay.
// Pure: imports core/ only.
import type {ChatAction} from './actions.js';
import type {KeyPress} from './key-press.js';
import {actionTarget, REACTION_CHOICES, checkReaction} from './message-actions.js';
import {findMessage, threadOf} from './selectors.js';
import type {ChatState, Overlay} from './state.js';

/** The key actions on a message (names of keymap.ts KEY_ACTIONS), shown in their own section of the help. */
export const MESSAGE_KEY_ACTIONS: ReadonlySet<string> = new Set(['select-newest', 'reply', 'edit', 'delete', 'react', 'original']);

/** A key action name of keymap.ts (kept as a string here: keymap imports this file). */
type KeyAction = string;

/** Overlays whose keys are handled here (they keep every key: nothing passes through to the panes). */
export type MessageOverlay = Extract<Overlay, {kind: 'confirm-delete' | 'react' | 'search' | 'away'}>;

/** Whether an overlay is one of {@link MessageOverlay}. */
export function isMessageOverlay(overlay: Overlay | undefined): overlay is MessageOverlay {
	return overlay?.kind === 'confirm-delete' || overlay?.kind === 'react' || overlay?.kind === 'search' || overlay?.kind === 'away';
}

/**
 * A message action key (`reply`, `edit`, `delete`, `react`, `original`, `select-newest`) with a
 * conversation open and the focus outside the composer → the action, or a one-line notice when
 * it cannot apply (nothing to act on, not mine).
 */
export function messageKeyAction(action: KeyAction, state: ChatState): ChatAction | undefined {
	if (!state.openConversationId) return undefined;
	const refuse = (text: string): ChatAction => ({type: 'notice', level: 'info', text});
	switch (action) {
		case 'select-newest':
			return {type: 'newest-selected'};
		case 'reply':
		case 'edit': {
			const found = actionTarget(state, action);
			return found.ok ? {type: 'compose-started', compose: {kind: action, target: found.target}} : refuse(found.error);
		}
		case 'delete': {
			const found = actionTarget(state, 'delete');
			return found.ok ? {type: 'overlay-opened', overlay: {kind: 'confirm-delete', target: found.target}} : refuse(found.error);
		}
		case 'react': {
			const found = actionTarget(state, 'react');
			return found.ok ? {type: 'overlay-opened', overlay: {kind: 'react', target: found.target, index: 0, typed: ''}} : refuse(found.error);
		}
		case 'original':
			return jumpToOriginal(state);
		default:
			return undefined;
	}
}

/**
 * The original of the selected reply: selected when loaded, else the page around it is loaded
 * (by its `seq`); a notice when no reply is selected or the original cannot be found.
 */
export function jumpToOriginal(state: ChatState): ChatAction {
	const reply = state.selectedMessageId ? findMessage(state, state.selectedMessageId) : undefined;
	if (!reply) return {type: 'notice', level: 'info', text: 'select a reply with ↑/↓ first, then o jumps to its original'};
	const ref = reply.replyTo;
	if (!ref) return {type: 'notice', level: 'info', text: 'the selected message is not a reply'};
	const original = threadOf(state, reply.conversationId).messages.find((m) => m.messageId === ref.messageId && m.senderId === ref.senderId);
	if (original) return {type: 'message-selected', messageId: original.messageId};
	if (ref.seq !== undefined) return {type: 'around-requested', conversationId: reply.conversationId, seq: ref.seq};
	return {type: 'notice', level: 'error', text: 'the original is not stored (yet), so it cannot be shown'};
}

/**
 * Whether a key closes the "while you were away" overlay and then does its usual job: anything
 * but its own keys (↑ ↓ j k n Enter Esc), so typing (`/open bob`) is never swallowed by it.
 */
export function isPassedOnFromAway(input: string, key: KeyPress): boolean {
	if (key.upArrow || key.downArrow || key.return || key.escape) return false;
	return !(input === 'j' || input === 'k' || input === 'n' || (key.ctrl && input === 'n'));
}

/** A key while a {@link MessageOverlay} is open. Never passes a key on. */
export function messageOverlayKey(input: string, key: KeyPress, state: ChatState, overlay: MessageOverlay, action?: KeyAction): ChatAction | undefined {
	const isText = input.length > 0 && !key.ctrl && !key.meta && !key.return && !key.escape && !key.tab && !key.upArrow && !key.downArrow && !key.leftArrow && !key.rightArrow && !key.backspace && !key.delete;
	if (key.escape || action === 'back') return {type: 'overlay-closed'};
	switch (overlay.kind) {
		case 'confirm-delete':
			if (input === 'y' || input === 'Y') return {type: 'delete-confirmed'};
			// n, Esc or anything else: keep the message.
			return {type: 'overlay-closed'};
		case 'react': {
			const choice = /^[1-9]$/.test(input) ? REACTION_CHOICES[Number(input) - 1] : undefined;
			if (choice && overlay.typed === '') return {type: 'reaction-toggled', target: overlay.target, emoji: choice};
			if (key.leftArrow || key.upArrow) return {type: 'react-picker-changed', index: overlay.index - 1};
			if (key.rightArrow || key.downArrow || key.tab) return {type: 'react-picker-changed', index: overlay.index + 1};
			if (key.backspace || key.delete) return {type: 'react-picker-changed', typed: [...overlay.typed].slice(0, -1).join('')};
			if (key.return) {
				if (overlay.typed === '') return {type: 'reaction-toggled', target: overlay.target, emoji: REACTION_CHOICES[overlay.index]!};
				const checked = checkReaction(overlay.typed);
				return checked.ok ? {type: 'reaction-toggled', target: overlay.target, emoji: checked.emoji} : {type: 'notice', level: 'error', text: checked.error};
			}
			if (isText && input !== ' ') return {type: 'react-picker-changed', typed: overlay.typed + input};
			return undefined;
		}
		case 'search': {
			if (key.upArrow) return {type: 'overlay-moved', by: -1};
			if (key.downArrow) return {type: 'overlay-moved', by: 1};
			if (key.backspace || key.delete) return {type: 'search-query-changed', query: [...overlay.query].slice(0, -1).join('')};
			// Ctrl+U clears the line, as in the composer (readline).
			if (key.ctrl && input === 'u') return {type: 'search-query-changed', query: ''};
			if (key.return) {
				const hit = overlay.hits?.[overlay.index];
				// Enter on the answer to what is typed opens the hit; on a changed line it searches again.
				if (hit && overlay.searched === overlay.query && !overlay.isLoading) return {type: 'conversation-opened', conversationId: hit.conversationId, focusSeq: hit.seq};
				return {type: 'search-requested', text: overlay.query};
			}
			if (isText) return {type: 'search-query-changed', query: overlay.query + input};
			return undefined;
		}
		case 'away': {
			if (key.upArrow || input === 'k') return {type: 'overlay-moved', by: -1};
			if (key.downArrow || input === 'j' || input === 'n' || action === 'next-unread') return {type: 'overlay-moved', by: 1};
			if (key.return) {
				const entry = overlay.entries[overlay.index];
				return entry ? {type: 'conversation-opened', conversationId: entry.conversationId, focusSeq: entry.firstUnread.seq} : {type: 'overlay-closed'};
			}
			return undefined;
		}
	}
}

/** The reaction picker as one line: `react: 1 👍  2 ❤️ …  or type one, Enter (Esc cancels)`, the highlighted choice bracketed. */
export function reactPickerLine(overlay: Extract<Overlay, {kind: 'react'}>): string {
	if (overlay.typed !== '') return `react with: ${overlay.typed}  — Enter sends, Esc cancels`;
	const choices = REACTION_CHOICES.map((emoji, i) => (i === overlay.index ? `[${i + 1} ${emoji}]` : ` ${i + 1} ${emoji} `)).join('');
	return `react:${choices} or type one · Enter · Esc`;
}
