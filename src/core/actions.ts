// UI actions: what the keyboard, the composer and the shell's I/O replies ask of the chat state.
// Pure types: imports core/ only.
import type {NotifyMode, Overlay, Pane} from './state.js';
import type {ChatEvent, KnownUser, MessageStatusReport, Receipt} from './types.js';

/**
 * An action from the user interface (kebab-case, as in ink-ui's state hooks). Alongside
 * {@link ChatEvent}s these are the only inputs of `chatReducer`.
 * Distances (`by`) are in list entries, messages or terminal rows; ±Infinity means "to the end".
 */
export type UiAction =
	| {type: 'focus-cycled'; direction: 1 | -1}
	| {type: 'focus-moved'; pane: Pane}
	| {type: 'list-moved'; by: number}
	| {type: 'message-selection-moved'; by: number}
	/** `name`: what to call a conversation not in the list yet (a room's title, a person's name). */
	| {type: 'conversation-opened'; conversationId: string; name?: string}
	/** `by` rows; positive scrolls up (towards older messages). */
	| {type: 'thread-scrolled'; by: number}
	| {type: 'overlay-opened'; overlay: Overlay}
	| {type: 'overlay-closed'}
	| {type: 'switcher-query-changed'; query: string}
	| {type: 'switcher-moved'; by: number}
	| {type: 'info-loaded'; messageId: string; receipts: readonly Receipt[]}
	| {type: 'status-loaded'; reports: readonly MessageStatusReport[]}
	/** The server's answer to a switcher search (people in `chat_users`). */
	| {type: 'users-found'; query: string; users: readonly KnownUser[]}
	/** Set the global mode, or one conversation's when `conversationId` is given. */
	| {type: 'notify-configured'; mode: NotifyMode; conversationId?: string}
	/** I muted or unmuted a room (`/mute`, `/unmute`): its unread dims, alerts stop, at once. */
	| {type: 'conversation-muted'; conversationId: string; isMuted: boolean}
	| {type: 'terminal-resized'; columns: number; rows: number}
	| {type: 'quit-requested'};

/** Everything `chatReducer` accepts. */
export type ChatAction = ChatEvent | UiAction;
