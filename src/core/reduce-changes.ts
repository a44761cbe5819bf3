// chatReducer's handling of `messages-changed` (issue 10): edits, deletions and reactions the
// server committed, merged into loaded threads and the list's last-message preview.
// Pure: imports core/ and protocol/ only.
import {MAX_REPLY_PREVIEW_LENGTH} from '../protocol/index.js';
import {applyChange} from './merge.js';
import type {ChatState, Thread} from './state.js';
import type {ChatMessage, ConversationSummary, MessageChange} from './types.js';

/**
 * Apply committed changes to the messages they are about (by conversation and message id,
 * the sender checked). Rules (see merge.ts applyChange): an edit applies only over a lower
 * version, a delete is final and wins over any edit, reactions toggle per (emoji, user)
 * idempotently. An edit or delete also updates the quote of loaded replies to that message
 * (their preview, for an original that is not loaded: "the new text replaces the old everywhere").
 * A change of a message that is not loaded changes nothing else but the list preview (the next
 * page brings the stored state). Returns `state` when nothing changed.
 */
export function reduceChanges(state: ChatState, changes: readonly MessageChange[]): ChatState {
	let threads: Record<string, Thread> | undefined;
	let conversations: Record<string, ConversationSummary> | undefined;
	// Per conversation of the batch: the message array being changed (copied once) and an index by id.
	const working = new Map<string, {messages: ChatMessage[]; index: Map<string, number>; replies?: Map<string, number[]>}>();
	for (const change of changes) {
		const thread = state.threads[change.conversationId];
		let work = working.get(change.conversationId);
		if (!work && thread) {
			const index = new Map<string, number>();
			thread.messages.forEach((m, i) => index.set(m.messageId, i));
			work = {messages: thread.messages as ChatMessage[], index};
			working.set(change.conversationId, work);
		}
		const i = work?.index.get(change.messageId);
		// A loaded message judges the change (a stale edit changes nothing, the preview neither).
		let isApplied = i === undefined;
		if (work && i !== undefined) {
			const before = work.messages[i]!;
			const after = applyChange(before, change);
			if (after !== before) {
				isApplied = true;
				if (work.messages === thread!.messages) work.messages = [...work.messages];
				work.messages[i] = after;
			}
		}
		if (work && change.kind !== 'reaction') requote(work, change, thread!.messages);
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
	for (const [conversationId, work] of working) {
		const thread = state.threads[conversationId]!;
		if (work.messages === thread.messages) continue;
		threads ??= {...state.threads};
		threads[conversationId] = {...thread, messages: work.messages};
	}
	if (!threads && !conversations) return state;
	return {...state, ...(threads ? {threads} : {}), ...(conversations ? {conversations} : {})};
}

/**
 * Update the reply quotes of `work`'s messages that quote the message `change` is about: the
 * preview takes an edit's text (first {@link MAX_REPLY_PREVIEW_LENGTH} code points, as the server's
 * quote) unless the quote already shows a newer version; a delete marks the quote deleted and drops
 * the preview. `loaded` is the thread's array before this batch (copied once when changed).
 */
function requote(
	work: {messages: ChatMessage[]; replies?: Map<string, number[]>},
	change: Extract<MessageChange, {kind: 'edit' | 'delete'}>,
	loaded: readonly ChatMessage[],
): void {
	const key = (senderId: string, messageId: string) => `${senderId}\n${messageId}`;
	if (!work.replies) {
		work.replies = new Map();
		work.messages.forEach((m, i) => {
			if (!m.replyTo) return;
			const k = key(m.replyTo.senderId, m.replyTo.messageId);
			work.replies!.set(k, [...(work.replies!.get(k) ?? []), i]);
		});
	}
	for (const i of work.replies.get(key(change.senderId, change.messageId)) ?? []) {
		const reply = work.messages[i]!;
		const ref = reply.replyTo!;
		if (ref.isDeleted) continue;
		let next: ChatMessage['replyTo'];
		if (change.kind === 'delete') {
			const {preview: _gone, ...rest} = ref;
			next = {...rest, isDeleted: true};
		} else {
			if (change.version <= (ref.version ?? 0)) continue;
			next = {...ref, preview: Array.from(change.content).slice(0, MAX_REPLY_PREVIEW_LENGTH).join(''), version: change.version};
		}
		if (work.messages === loaded) work.messages = [...work.messages];
		work.messages[i] = {...reply, replyTo: next};
	}
}

/** Whether a message is shown as deleted. */
export function isDeleted(message: ChatMessage): boolean {
	return message.deletedAt !== undefined;
}
