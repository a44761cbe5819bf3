// chatReducer's handling of `messages-changed` (issue 10): edits, deletions and reactions the
// server committed, merged into loaded threads and the list's last-message preview.
// Pure: imports core/ only.
import {applyChange} from './merge.js';
import type {ChatState, Thread} from './state.js';
import type {ChatMessage, ConversationSummary, MessageChange} from './types.js';

/**
 * Apply committed changes to the messages they are about (by conversation and message id,
 * the sender checked). Rules (see merge.ts applyChange): an edit applies only over a lower
 * version, a delete is final and wins over any edit, reactions toggle per (emoji, user)
 * idempotently. A change of a message that is not loaded changes nothing but the list
 * preview (the next page brings the stored state). Returns `state` when nothing changed.
 */
export function reduceChanges(state: ChatState, changes: readonly MessageChange[]): ChatState {
	let threads: Record<string, Thread> | undefined;
	let conversations: Record<string, ConversationSummary> | undefined;
	for (const change of changes) {
		const current = (threads ?? state.threads)[change.conversationId];
		const index = current ? current.messages.findIndex((m) => m.messageId === change.messageId && m.senderId === change.senderId) : -1;
		// A loaded message judges the change (a stale edit changes nothing, the preview neither).
		let isApplied = index < 0;
		if (current && index >= 0) {
			const before = current.messages[index]!;
			const after = applyChange(before, change);
			if (after !== before) {
				isApplied = true;
				const messages = [...current.messages];
				messages[index] = after;
				threads ??= {...state.threads};
				threads[change.conversationId] = {...current, messages};
			}
		}
		const summary = (conversations ?? state.conversations)[change.conversationId];
		const last = summary?.lastMessage;
		if (isApplied && summary && last && last.messageId === change.messageId && last.senderId === change.senderId && change.kind !== 'reaction') {
			const content = change.kind === 'delete' ? 'message deleted' : change.content;
			if (content !== last.content) {
				conversations ??= {...state.conversations};
				conversations[change.conversationId] = {...summary, lastMessage: {...last, content}};
			}
		}
	}
	if (!threads && !conversations) return state;
	return {...state, ...(threads ? {threads} : {}), ...(conversations ? {conversations} : {})};
}

/** Whether a message is shown as deleted. */
export function isDeleted(message: ChatMessage): boolean {
	return message.deletedAt !== undefined;
}
