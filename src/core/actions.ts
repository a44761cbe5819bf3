// UI actions: what the keyboard, the composer and the shell's I/O replies ask of the chat state.
// Pure types: imports core/ only.
import type {ComposeMode, MessageTarget, NotifyMode, Overlay, Pane} from './state.js';
import type {AwayEntry, ChatEvent, KnownUser, MessageStatusReport, Receipt, SearchHit} from './types.js';

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
	/**
	 * `name`: what to call a conversation not in the list yet (a room's title, a person's name).
	 * `focusSeq`: open it at this stored message (a search hit, the first unread one) — the page
	 * around it is loaded instead of the latest, and the message is selected.
	 */
	| {type: 'conversation-opened'; conversationId: string; name?: string; focusSeq?: number}
	/** Select this message of the open conversation (a reply's original that is loaded). */
	| {type: 'message-selected'; messageId: string}
	/** Select the newest message of the open conversation and give the thread the keys. */
	| {type: 'newest-selected'}
	/** Esc in the thread: no message selected. */
	| {type: 'message-selection-cleared'}
	/** Load the page around a stored message of the open conversation (a reply's original that is not loaded). */
	| {type: 'around-requested'; conversationId: string; seq: number}
	/** Start replying to or editing a message (the composer takes the keys). */
	| {type: 'compose-started'; compose: ComposeMode}
	/** The reply or edit was sent, or Esc cancelled it. */
	| {type: 'compose-ended'}
	/** y in the delete confirmation: delete the message. */
	| {type: 'delete-confirmed'}
	/** Toggle my reaction `emoji` on a message (the picker's choice, `/react`). */
	| {type: 'reaction-toggled'; target: MessageTarget; emoji: string}
	/** Move the picker's highlight, or change the typed emoji. */
	| {type: 'react-picker-changed'; index?: number; typed?: string}
	/** The search line changed (the overlay is open). */
	| {type: 'search-query-changed'; query: string}
	/** Run a search: opens the overlay with `text` (flags included) and asks the server. */
	| {type: 'search-requested'; text: string}
	/** The server's answer to the search `text`. */
	| {type: 'search-loaded'; text: string; hits: readonly SearchHit[]; error?: string}
	/** Move the highlight of the search or away overlay. */
	| {type: 'overlay-moved'; by: number}
	/**
	 * The "while you were away" summary arrived (empty: nothing is shown); `total`: conversations
	 * with unread in all, of which `entries` are the first screen (default `entries.length`).
	 */
	| {type: 'away-loaded'; entries: readonly AwayEntry[]; total?: number}
	/**
	 * I sent a message to a conversation from the composer (Enter, `/send`, `/broadcast`): when it
	 * is the open one, the thread returns to the newest messages (WeeChat, iamb and gomuks do the
	 * same), loading the latest page when an older one is shown.
	 */
	| {type: 'message-submitted'; conversationId: string}
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
