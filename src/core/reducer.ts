// The chat core's reducer: (ChatState, ChatEvent | UiAction) → ChatState. Main file of src/core.
// Pure and total: imports protocol/ and core/ only; no clock, no randomness, no I/O.
import type {ChatAction} from './actions.js';
import {reduceChanges} from './reduce-changes.js';
import {reduceConversations, reduceMembers, reduceReceipts} from './reduce-conversations.js';
import {reduceClock, reduceHistory, reduceLiveMessages, reducePresence, reduceTyping} from './reduce-events.js';
import {reduceUi} from './reduce-ui.js';
import type {ChatState} from './state.js';

/**
 * Fold one event or UI action into the state. Rules:
 * - messages are deduplicated by `messageId`; a status never goes backwards (`statusRank`);
 * - unread per conversation = count loaded from Postgres + live increments, reset when opened;
 * - typing indicators expire `TYPING_TTL_MS` after the event's `at`, judged on `clock-ticked`;
 * - the "new messages" divider is placed when a conversation with unread messages is opened;
 * - edits apply by version, a delete is final, reactions toggle per (emoji, user) (reduce-changes.ts).
 * Returns the same object when nothing changed, so memoised views skip work.
 */
export function chatReducer(state: ChatState, action: ChatAction): ChatState {
	switch (action.type) {
		case 'connection-changed': {
			const key = action.service === 'broker' ? 'broker' : 'database';
			const notice =
				action.detail !== undefined
					? {level: action.state === 'down' ? ('error' as const) : ('info' as const), text: `${action.service}: ${action.detail}`}
					: state.notice;
			return {...state, [key]: action.state, notice};
		}
		case 'outbox-problem-changed': {
			const {outboxProblem: _resolved, ...rest} = state;
			return action.problem ? {...state, outboxProblem: action.problem} : rest;
		}
		case 'messages-received':
			return reduceLiveMessages(state, action.messages);
		case 'message-sent':
			return reduceLiveMessages(state, [action.message]);
		case 'history-loaded':
			return reduceHistory(state, action);
		case 'receipts-received':
			return reduceReceipts(state, action.receipts);
		case 'messages-changed':
			return reduceChanges(state, action.changes);
		case 'typing-changed':
			return reduceTyping(state, action);
		case 'presence-changed':
			return reducePresence(state, action.presences);
		case 'conversations-loaded': {
			const next = reduceConversations(state, action);
			// The first list of the run: time to ask what happened while I was away.
			return next.isAwayAsked ? next : {...next, isAwayAsked: true};
		}
		case 'members-loaded':
			return reduceMembers(state, action.conversationId, action.members);
		case 'notice':
			return {...state, notice: {level: action.level, text: action.text}};
		case 'clock-ticked':
			return reduceClock(state, action.now);
		default:
			return reduceUi(state, action);
	}
}
