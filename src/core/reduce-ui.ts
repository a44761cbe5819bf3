// chatReducer's handling of UiActions (keys, overlays, scrolling, opening conversations).
// Pure: imports protocol/ and core/ only.
import type {UiAction} from './actions.js';
import {newSummary} from './conversation-info.js';
import {isMessageUiAction, reduceMessageAction, selectIndex} from './reduce-actions.js';
import {landOnDivider, resolveDivider} from './reduce-events.js';
import {conversationRows, openThreadWindow, switcherMatches, threadOf} from './selectors.js';
import {PANES, type ChatState, type Pane} from './state.js';
import type {KnownUser} from './types.js';

/** Apply one UI action. Total: an action that does not apply returns the state unchanged. */
export function reduceUi(state: ChatState, action: UiAction): ChatState {
	if (isMessageUiAction(action)) return reduceMessageAction(state, action);
	switch (action.type) {
		case 'focus-cycled':
			return {...state, focus: cycleFocus(state, action.direction)};
		case 'focus-moved':
			return {...state, focus: state.openConversationId || action.pane !== 'thread' ? action.pane : 'list'};
		case 'list-moved':
			return moveListSelection(state, action.by);
		case 'message-selection-moved':
			return moveMessageSelection(state, action.by);
		case 'conversation-opened':
			return openConversation(state, action.conversationId, action.name);
		case 'thread-scrolled':
			return scrollThread(state, action.by);
		case 'message-submitted':
			return returnToNewest(state, action.conversationId);
		case 'overlay-opened':
			return {...state, overlay: action.overlay};
		case 'overlay-closed':
			return state.overlay ? {...state, overlay: undefined} : state;
		case 'switcher-query-changed':
			return state.overlay?.kind === 'switcher' ? {...state, overlay: {kind: 'switcher', query: action.query, index: 0}} : state;
		case 'switcher-moved': {
			if (state.overlay?.kind !== 'switcher') return state;
			const count = switcherMatches(state, state.overlay.query).length;
			const index = clamp(state.overlay.index + action.by, 0, Math.max(0, count - 1));
			return {...state, overlay: {...state.overlay, index}};
		}
		case 'info-loaded':
			return state.overlay?.kind === 'info' && state.overlay.messageId === action.messageId
				? {...state, overlay: {...state.overlay, receipts: action.receipts}}
				: state;
		case 'users-found':
			return foundUsers(state, action.users);
		case 'status-loaded':
			return state.overlay?.kind === 'status' ? {...state, overlay: {kind: 'status', reports: action.reports}} : state;
		case 'notify-configured':
			return {
				...state,
				notify: action.conversationId
					? {...state.notify, perConversation: {...state.notify.perConversation, [action.conversationId]: action.mode}}
					: {...state.notify, mode: action.mode},
			};
		case 'conversation-muted': {
			const summary = state.conversations[action.conversationId];
			if (!summary || summary.isMuted === action.isMuted) return state;
			return {...state, conversations: {...state.conversations, [action.conversationId]: {...summary, isMuted: action.isMuted}}};
		}
		case 'terminal-resized':
			return {...state, viewport: {columns: action.columns, rows: action.rows}};
		case 'quit-requested':
			return {...state, isQuitting: true};
	}
}

function cycleFocus(state: ChatState, direction: 1 | -1): Pane {
	// The thread pane takes the focus only when a conversation is open; the composer
	// always can (for /open, /help with nothing open).
	const panes = state.openConversationId ? PANES : PANES.filter((p) => p !== 'thread');
	const index = Math.max(0, panes.indexOf(state.focus));
	return panes[(index + direction + panes.length) % panes.length]!;
}

function moveListSelection(state: ChatState, by: number): ChatState {
	const rows = conversationRows(state);
	if (rows.length === 0) return state;
	const start = Math.max(0, rows.findIndex((r) => r.isSelected));
	const index = clamp(Number.isFinite(by) ? start + by : by > 0 ? rows.length - 1 : 0, 0, rows.length - 1);
	return {...state, selectedConversationId: rows[index]!.conversationId};
}

function openConversation(state: ChatState, conversationId: string, name?: string): ChatState {
	const known = state.conversations[conversationId];
	const unreadAtOpen = known?.unread ?? 0;
	const summary = known ? {...known, unread: 0} : newSummary(state, conversationId, name === undefined ? {} : {name});
	const {[conversationId]: _seen, ...unreadMentions} = state.unreadMentions;
	const {compose, ...rest} = state;
	const next: ChatState = {
		...rest,
		// A reply or edit belongs to its conversation: opening another one ends it.
		...(compose && compose.target.conversationId === conversationId ? {compose} : {}),
		unreadMentions,
		conversations: {...state.conversations, [conversationId]: summary},
		openConversationId: conversationId,
		selectedConversationId: conversationId,
		selectedMessageId: undefined,
		focus: 'composer',
		scroll: 0,
		overlay: undefined,
		// Reopening the conversation keeps its divider unless new unread arrived meanwhile.
		divider:
			unreadAtOpen > 0 || state.divider?.conversationId !== conversationId
				? {conversationId, unreadAtOpen, hasLanded: false}
				: state.divider,
	};
	// Land on the first unread now if the loaded messages place it, and again on the latest page.
	const resolved = resolveDivider(next);
	const landed = landOnDivider(resolved);
	return landed === resolved ? resolved : {...landed, divider: resolved.divider};
}

function scrollThread(state: ChatState, by: number): ChatState {
	if (!state.openConversationId) return state;
	const target = Number.isFinite(by) ? Math.max(0, state.scroll + by) : by > 0 ? Number.MAX_SAFE_INTEGER : 0;
	const window = openThreadWindow(state, target);
	const scroll = Math.min(target, window.maxScroll);
	const thread = threadOf(state, state.openConversationId);
	// Down to the bottom of a page from `/history --before` (or around a message): back to the present.
	if (by < 0 && scroll === 0 && thread.gapAfterMessageId !== undefined) return askLatest({...state, scroll});
	const canLoadOlder = window.isAtTop && thread.hasMore && !thread.isLoadingOlder && thread.messages[0]?.seq !== undefined;
	if (!canLoadOlder) return scroll === state.scroll ? state : {...state, scroll};
	return {
		...state,
		scroll,
		threads: {...state.threads, [state.openConversationId]: {...thread, isLoadingOlder: true}},
	};
}

/**
 * The open thread shows an older page with a gap after it: ask for the latest page
 * (`isLoadingLatest`, which planEffects turns into a `load-latest`). Returns a new state even
 * when it is already asked: every call asks again, so a load lost to a database outage is
 * retried by the next key press or message.
 */
function askLatest(state: ChatState): ChatState {
	const conversationId = state.openConversationId;
	if (!conversationId) return state;
	const thread = threadOf(state, conversationId);
	if (thread.gapAfterMessageId === undefined) return state;
	return {...state, threads: {...state.threads, [conversationId]: {...thread, isLoadingLatest: true}}};
}

/**
 * A message of mine was sent from the composer: if it went to the open conversation, show the
 * newest messages (scroll 0, no message selected: the selection may be far up, and ↑ must start
 * from the bottom), ask for the latest page when an older one is shown, and keep a later latest
 * page from jumping back to the "new messages" divider.
 */
function returnToNewest(state: ChatState, conversationId: string): ChatState {
	if (state.openConversationId !== conversationId) return state;
	const divider = state.divider;
	return askLatest({
		...state,
		scroll: 0,
		selectedMessageId: undefined,
		...(divider && divider.conversationId === conversationId && !divider.hasLanded ? {divider: {...divider, hasLanded: true}} : {}),
	});
}

function moveMessageSelection(state: ChatState, by: number): ChatState {
	const messages = threadOf(state, state.openConversationId).messages;
	if (messages.length === 0) return state;
	const current = messages.findIndex((m) => m.messageId === state.selectedMessageId);
	const start = current < 0 ? messages.length : current;
	const index = clamp(Number.isFinite(by) ? start + by : by > 0 ? messages.length - 1 : 0, 0, messages.length - 1);
	// Scroll just enough to keep the selected message on screen.
	return selectIndex(state, index);
}

/** Remember the people a switcher search found (their names, for the switcher and the list). */
function foundUsers(state: ChatState, users: readonly KnownUser[]): ChatState {
	const fresh = users.filter((u) => state.knownUsers[u.userId] !== u.name);
	if (fresh.length === 0) return state;
	const knownUsers = {...state.knownUsers};
	for (const u of fresh) knownUsers[u.userId] = u.name;
	return {...state, knownUsers};
}

function clamp(value: number, min: number, max: number): number {
	return Math.min(max, Math.max(min, value));
}
