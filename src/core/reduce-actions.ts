// chatReducer's handling of the message actions of issue 10: selection, reply/edit mode, the
// delete confirmation, the reaction picker, search and the "while you were away" overlay.
// Pure: imports protocol/ and core/ only.
import type {UiAction} from './actions.js';
import {parseSearch, REACTION_CHOICES} from './message-actions.js';
import {openThreadLayout, threadOf} from './selectors.js';
import type {ChatState} from './state.js';
import {threadRowCount} from './thread-rows.js';

/** The UI actions handled here (see actions.ts). */
export type MessageUiAction = Extract<
	UiAction,
	{
		type:
			| 'message-selected'
			| 'newest-selected'
			| 'message-selection-cleared'
			| 'around-requested'
			| 'compose-started'
			| 'compose-ended'
			| 'delete-confirmed'
			| 'reaction-toggled'
			| 'react-picker-changed'
			| 'search-query-changed'
			| 'search-requested'
			| 'search-loaded'
			| 'overlay-moved'
			| 'away-loaded';
	}
>;

/** Whether an action is one of {@link MessageUiAction}. */
export function isMessageUiAction(action: UiAction): action is MessageUiAction {
	return MESSAGE_ACTION_TYPES.has(action.type);
}

const MESSAGE_ACTION_TYPES: ReadonlySet<string> = new Set([
	'message-selected',
	'newest-selected',
	'message-selection-cleared',
	'around-requested',
	'compose-started',
	'compose-ended',
	'delete-confirmed',
	'reaction-toggled',
	'react-picker-changed',
	'search-query-changed',
	'search-requested',
	'search-loaded',
	'overlay-moved',
	'away-loaded',
]);

/** Apply one message action. Total: returns `state` when the action does not apply. */
export function reduceMessageAction(state: ChatState, action: MessageUiAction): ChatState {
	switch (action.type) {
		case 'message-selected': {
			const index = threadOf(state, state.openConversationId).messages.findIndex((m) => m.messageId === action.messageId);
			return index < 0 ? state : {...selectIndex(state, index), focus: 'thread'};
		}
		case 'newest-selected': {
			const count = threadOf(state, state.openConversationId).messages.length;
			return count === 0 ? state : {...selectIndex(state, count - 1), focus: 'thread'};
		}
		case 'message-selection-cleared':
			return state.selectedMessageId === undefined ? state : {...state, selectedMessageId: undefined};
		case 'around-requested':
			return {...state, notice: {level: 'info', text: 'loading the original message…'}};
		case 'compose-started':
			return {...state, compose: action.compose, focus: 'composer', overlay: undefined};
		case 'compose-ended': {
			if (!state.compose) return state;
			const {compose: _ended, ...rest} = state;
			return rest;
		}
		case 'delete-confirmed':
			return state.overlay?.kind === 'confirm-delete' ? {...state, overlay: undefined, notice: {level: 'info', text: 'deleting the message…'}} : state;
		case 'reaction-toggled':
			return {...state, overlay: state.overlay?.kind === 'react' ? undefined : state.overlay, notice: {level: 'info', text: `reaction ${action.emoji} sent`}};
		case 'react-picker-changed': {
			if (state.overlay?.kind !== 'react') return state;
			const index = action.index === undefined ? state.overlay.index : (action.index + REACTION_CHOICES.length) % REACTION_CHOICES.length;
			return {...state, overlay: {...state.overlay, index, typed: action.typed ?? state.overlay.typed}};
		}
		case 'search-query-changed':
			return state.overlay?.kind === 'search' ? {...state, overlay: {...state.overlay, query: action.query}} : state;
		case 'search-requested': {
			const parsed = parseSearch(action.text, state);
			const previous = state.overlay?.kind === 'search' ? state.overlay : undefined;
			if (!parsed.ok) return {...state, overlay: {kind: 'search', query: action.text, index: 0, ...(previous?.hits ? {hits: previous.hits, searched: previous.searched} : {}), error: parsed.error}};
			return {...state, overlay: {kind: 'search', query: action.text, index: 0, searched: action.text, isLoading: true}};
		}
		case 'search-loaded': {
			const overlay = state.overlay;
			if (overlay?.kind !== 'search' || overlay.searched !== action.text) return state;
			const {error: _old, isLoading: _done, ...rest} = overlay;
			// Newest first whatever order the answer came in (stable for equal times).
			const hits = [...action.hits].sort((a, b) => b.createdAt - a.createdAt || b.seq - a.seq);
			return {...state, overlay: {...rest, hits, index: 0, ...(action.error ? {error: action.error} : {})}};
		}
		case 'overlay-moved': {
			const overlay = state.overlay;
			if (overlay?.kind === 'search') {
				const count = overlay.hits?.length ?? 0;
				return count === 0 ? state : {...state, overlay: {...overlay, index: clamp(overlay.index + action.by, 0, count - 1)}};
			}
			if (overlay?.kind === 'away') {
				const count = overlay.entries.length;
				const index = (((overlay.index + action.by) % count) + count) % count;
				// The list follows the highlight, so `n` walks the unread conversations there too.
				return {...state, overlay: {...overlay, index}, selectedConversationId: overlay.entries[index]!.conversationId};
			}
			return state;
		}
		case 'away-loaded': {
			const unreadMentions = {...state.unreadMentions};
			for (const entry of action.entries) if (entry.mentions > 0 && entry.conversationId !== state.openConversationId) unreadMentions[entry.conversationId] = entry.mentions;
			const next = {...state, unreadMentions};
			// Not over something the user already started (an open conversation, another overlay).
			if (action.entries.length === 0 || state.overlay || state.openConversationId) return next;
			// Mentions first, then the server's order (newest first).
			const entries = [...action.entries].sort((a, b) => Number(b.mentions > 0) - Number(a.mentions > 0));
			return {...next, overlay: {kind: 'away', entries, index: 0, total: Math.max(action.total ?? 0, entries.length)}, selectedConversationId: entries[0]!.conversationId};
		}
	}
}

/** Select message `index` of the open thread and scroll just enough to show it. */
export function selectIndex(state: ChatState, index: number): ChatState {
	const layout = openThreadLayout(state);
	const selected = layout?.messages[index];
	if (!layout || !selected) return state;
	const below = threadRowCount(layout, index + 1);
	const own = threadRowCount(layout, index) - below;
	let scroll = state.scroll;
	if (scroll > below) scroll = below;
	if (below + own > scroll + layout.height) scroll = below + own - layout.height;
	return {...state, selectedMessageId: selected.messageId, scroll: Math.max(0, scroll)};
}

function clamp(value: number, min: number, max: number): number {
	return Math.min(max, Math.max(min, value));
}
