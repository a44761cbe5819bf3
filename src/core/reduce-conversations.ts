// chatReducer's handling of what Postgres and the server say about conversations: the list,
// the members, receipts per member. Pure: imports protocol/ and core/ only.
import {kindOf} from './conversation-info.js';
import {furthestStatus, localRank} from './merge.js';
import {isSingleRecipient, recordReceipts} from './receipts.js';
import type {ChatState, Thread} from './state.js';
import type {ChatEvent, Member, Receipt} from './types.js';

/**
 * Receipts move my messages' ticks forward, never back. Delivered/read receipts are recorded per
 * member (see receipts.ts); one receipt moves the message's own status only in a direct chat or
 * the broadcast — in a room ✓✓ needs every current member ({@link tickOf}).
 */
export function reduceReceipts(state: ChatState, receipts: readonly Receipt[]): ChatState {
	const memberReceipts = recordReceipts(state, receipts);
	let threads: Record<string, Thread> | undefined;
	for (const receipt of receipts) {
		const conversationId = state.messageIndex[receipt.messageId];
		if (!conversationId) continue;
		const isMemberReceipt = receipt.status === 'delivered' || receipt.status === 'read';
		if (isMemberReceipt && !isSingleRecipient(conversationId)) continue;
		const thread = (threads ?? state.threads)[conversationId];
		if (!thread) continue;
		const index = thread.messages.findLastIndex((m) => m.messageId === receipt.messageId);
		const message = thread.messages[index];
		if (!message || message.senderId !== state.me.userId) continue;
		const status = furthestStatus(message.status, receipt.status);
		if (localRank(status) === localRank(message.status)) continue;
		threads ??= {...state.threads};
		const messagesCopy = [...thread.messages];
		messagesCopy[index] = {...message, status};
		threads[conversationId] = {...thread, messages: messagesCopy};
	}
	if (!threads && memberReceipts === state.receipts) return state;
	return {...state, ...(threads ? {threads} : {}), receipts: memberReceipts};
}

/**
 * The current members of a conversation: kept for the members overlay and the ticks, and the
 * summary's member count, my role and my mute follow them.
 */
export function reduceMembers(state: ChatState, conversationId: string, members: readonly Member[]): ChatState {
	const summary = state.conversations[conversationId];
	const mine = members.find((m) => m.userId === state.me.userId);
	const conversations =
		summary && kindOf(conversationId) === 'group'
			? {
					...state.conversations,
					[conversationId]: {...summary, memberCount: members.length, isMuted: mine?.isMuted ?? summary.isMuted, ...(mine ? {role: mine.role} : {})},
				}
			: state.conversations;
	return {...state, members: {...state.members, [conversationId]: members}, conversations};
}

/**
 * The conversation list (or a page of it) from Postgres: unread counts, titles, topics, member
 * counts and mutes are authoritative, except the open conversation's unread (it is being read).
 * A room missing from the whole list (or from `memberOf`, at the end of a walk by pages) was left
 * (or I was removed): it goes, unless it is open. A page (`hasMore`) removes nothing: the rooms
 * it does not show may be further down.
 */
export function reduceConversations(state: ChatState, event: Extract<ChatEvent, {type: 'conversations-loaded'}>): ChatState {
	const list = event.conversations;
	const conversations = {...state.conversations};
	const memberOf = event.memberOf ? new Set(event.memberOf) : event.hasMore ? undefined : new Set(list.map((c) => c.conversationId));
	for (const [id, summary] of Object.entries(conversations)) {
		if (memberOf && summary.kind === 'group' && !memberOf.has(id) && id !== state.openConversationId) delete conversations[id];
	}
	for (const c of list) {
		const known = conversations[c.conversationId];
		const unread = state.openConversationId === c.conversationId ? 0 : c.unread;
		const isNewer = !known || c.lastActivityAt >= known.lastActivityAt;
		conversations[c.conversationId] = isNewer
			? {...c, unread}
			: {...known, title: c.title, topic: c.topic, memberCount: c.memberCount, isMuted: c.isMuted, ...(c.role ? {role: c.role} : {}), unread};
	}
	return {...state, conversations, hasMoreConversations: event.hasMore === true};
}
